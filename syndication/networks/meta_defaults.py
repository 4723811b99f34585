"""The defaults Meta's three networks read their settings with, apart from the Graph client.

Kept here, without HTTP imports, because the network declarations are imported by every Pelican
build (for the labels and front-matter checks): importing ``meta_graph`` there would load httpx
and cost each build half a second.
"""

from __future__ import annotations

import re

DEFAULT_GRAPH_URL = "https://graph.facebook.com"
DEFAULT_VERSION = "v26.0"
VERSION_RE = re.compile(r"^v\d+\.\d+$")
