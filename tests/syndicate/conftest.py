"""Fixtures of the syndication tests: a real Pelican project served on loopback."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from syndicate_support import Site, served, write_project


@pytest.fixture
def site(tmp_path: Path) -> Iterator[Site]:
    """An empty project whose ``SITEURL`` is a loopback server serving its ``output/``."""
    root = tmp_path / "project"
    with served(root / "output") as url:
        yield write_project(root, url)
