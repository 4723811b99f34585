"""Fixtures for the theme tests: the real site, built once with a recorded conversation.

The site is the project's own (``pelicanconf.py``, ``content/``, the theme and the plugin),
built into a temporary folder with its state read from a temporary state folder that holds a
fixture conversation for one post (see ``theme_site.write_fixture_state``).
"""

from __future__ import annotations

import pytest
from theme_site import BuiltSite, build


@pytest.fixture(scope="session")
def site(tmp_path_factory: pytest.TempPathFactory) -> BuiltSite:
    """The site built once for the theme tests, with the fixture conversation."""
    return build(tmp_path_factory.mktemp("theme-site"))
