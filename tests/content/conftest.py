"""Fixtures for the sample content tests: the parsed posts, pages and settings."""

from __future__ import annotations

from types import ModuleType

import pytest
from content_schema import PAGES, POSTS, Document, load_pelicanconf, read_all


@pytest.fixture(scope="session")
def posts() -> list[Document]:
    """Every post source file, French originals and English translations."""
    return read_all(POSTS)


@pytest.fixture(scope="session")
def pages() -> list[Document]:
    """Every page source file."""
    return read_all(PAGES)


@pytest.fixture(scope="session")
def pelicanconf() -> ModuleType:
    """The project's local settings module."""
    return load_pelicanconf()
