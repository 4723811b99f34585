"""Backfeed tests: the helpers of the other test folders they reuse, found by their unique names.

Test folders have no ``__init__.py``, so pytest puts each test file's own folder on ``sys.path``;
the end-to-end tests here also use the readers of ``tests/bluesky`` (``bluesky_players``), the
Mastodon peer's world of ``tests/mastodon`` (``mastodon_support``), the counting transport, and the
real site builds of ``tests/site`` (``site_build``), whichever folders this run collects.
"""

from __future__ import annotations

import sys
from pathlib import Path

TESTS = Path(__file__).resolve().parent.parent
for folder in ("bluesky", "mastodon", "site", "syndicate"):
    if str(TESTS / folder) not in sys.path:
        sys.path.append(str(TESTS / folder))
