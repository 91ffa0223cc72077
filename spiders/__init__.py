"""Scrapy spiders and the pure helpers they use: map a portal's pages and classify them.

`probe.discovery` runs them in a subprocess (`python -m spiders.run`) and returns SiteMaps.
"""
