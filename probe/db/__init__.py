"""results.db: the store of sweeps, runs, site maps, observations and scores."""

from probe.db.store import Store, StoreError

__all__ = ["Store", "StoreError"]
