"""Facebook mentions: a post that tags the Page, outside our copies, waits in the inbox.

Against the session's Graph double (``sandbox/meta_api.py``, started by ``tests/conftest.py``),
on a fixture site with no post at all, so nothing is under one of our copies: a reader tags the
Page in a post of their own (what the Page's ``tagged`` edge lists), ``invoke backfeed`` hears
it, ``invoke inbox`` lists it as a comment waiting, with its flags, ``invoke reply`` comments on
the reader's post once, and after the next backfeed it has left the inbox and a second answer
is refused with one sentence, nothing posted.

The site's first backfeed starts the Page's stream (a first run keeps nothing from before it),
so what the other tests of the session did on the shared double is not heard.
"""

from __future__ import annotations

import sys
import uuid
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT / "tests" / "inbox") not in sys.path:
    sys.path.append(str(ROOT / "tests" / "inbox"))

from heard_site import ANSWER, HeardSite, answered_once_then_gone, open_heard_site  # noqa: E402

from sandbox.meta import MetaServer  # noqa: E402

pytestmark = pytest.mark.meta


@pytest.fixture
def site(tmp_path: Path, meta_server: MetaServer) -> HeardSite:
    found = open_heard_site(tmp_path / "site", meta_server.env(), "Facebook")
    # Someone tagged the Page before the site's first backfeed: that is not heard.
    meta_server.tag("samuel", f"Avant le début {uuid.uuid4().hex[:8]}")
    return found.start()


def page_comments(server: MetaServer, post: str) -> list[dict[str, Any]]:
    """The Page's comments on ``post``, as Facebook shows its thread."""
    return [c for c in server.read_post(post)["comments"] if c["from"]["id"] == server.page_id]


def test_a_post_tagging_the_page_waits_is_answered_once_then_leaves(
    site: HeardSite, meta_server: MetaServer
) -> None:
    tag = uuid.uuid4().hex[:8]
    post = meta_server.tag("lea", f"@Vélos Boréal mon vélo est encore en panne, pourquoi ? {tag}")

    answered_once_then_gone(
        site,
        network="facebook",
        native_id=post,
        author=("name", "Léa Gagnon"),
        shown_as="Léa Gagnon",
        answers=lambda: [c["message"] for c in page_comments(meta_server, post)],
        answer=f"{ANSWER} — Camille",
    )
