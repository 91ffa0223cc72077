"""results.db: the store of sweeps, runs, site maps, observations and scores."""

from probe.db.store import DEFAULT_DB, Store, StoreError

__all__ = ["DEFAULT_DB", "Store", "StoreError"]
