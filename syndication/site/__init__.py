"""The site: build it with Pelican (``build``), check its links (``linkcheck``), deploy it."""
