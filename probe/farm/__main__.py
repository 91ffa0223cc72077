"""`python -m probe.farm`: serve the portal farm in the foreground."""

from probe.farm.cli import main

main()
