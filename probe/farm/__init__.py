"""The built-in portal farm: realistic Vietnamese public-service portals on loopback.

`start_farm(workdir)` serves one portal per profile (see `probe.farm.profiles`) plus the
national portal, SSO, payment and EMC stand-ins, each agency's own home site and the national
directory of portals (`probe.farm.homes`); `serve_forever` does so in the foreground.
"""

from __future__ import annotations

from probe.farm.cli import serve_forever
from probe.farm.farm import Farm, start_farm

__all__ = ["Farm", "serve_forever", "start_farm"]
