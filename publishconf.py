"""Production settings: the public address, and the only settings with network features on."""

from __future__ import annotations

import os
import sys

sys.path.append(os.curdir)
from pelicanconf import *  # noqa: F403

# The public address comes from the environment so a fork sets it without a code change.
SITEURL = os.environ.get("AGORA_SITEURL", "https://blogue.velosboreal.example")
FEED_DOMAIN = SITEURL
RELATIVE_URLS = False
DELETE_OUTPUT_DIRECTORY = True
# Syndication and backfeed are allowed from production settings only.
AGORA_NETWORK_FEATURES = True
