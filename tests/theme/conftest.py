"""Fixtures for the theme tests: the real site, built once with a recorded conversation.

The site is the project's own (``pelicanconf.py``, the theme and the plugin) over the fixture
blog (``tests/content/fixture_site.py``, not the sample posts), built into a temporary folder
with its state read from a temporary state folder that holds a fixture conversation for one post
(see ``theme_site.write_fixture_state``).
"""

from __future__ import annotations

import pytest
from theme_site import BuiltSite, build


@pytest.fixture(scope="session")
def site(tmp_path_factory: pytest.TempPathFactory) -> BuiltSite:
    """The site built once for the theme tests, with the fixture conversation."""
    return build(tmp_path_factory.mktemp("theme-site"))
