"""Threads mentions: a post that tags the profile, outside our copies, waits in the inbox.

Against the session's Threads double (``sandbox/threads_api.py``, under the Graph double that
``tests/conftest.py`` starts), on a fixture site with no post at all, so nothing is under one of
our copies: a reader tags the profile in a Threads post of their own (what the profile's
``mentions`` edge lists, https://developers.facebook.com/docs/threads/threads-mentions),
``invoke backfeed`` hears it, ``invoke inbox`` lists it as a comment waiting, with its flags,
``invoke reply`` answers it with a Threads reply once, and after the next backfeed it has left
the inbox and a second answer is refused with one sentence, nothing posted.

The site's first backfeed starts the profile's stream (a first run keeps nothing from before
it), so what the other tests of the session did on the shared double is not heard.
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
    found = open_heard_site(tmp_path / "site", meta_server.threads_env(), "Threads")
    # Someone tagged the profile before the site's first backfeed: that is not heard.
    meta_server.threads_mention("samuel", f"Avant le début {uuid.uuid4().hex[:8]}")
    return found.start()


def profile_replies(server: MetaServer, post: str) -> list[dict[str, Any]]:
    """The profile's replies to ``post``, as Threads shows its thread."""
    mine = {"id": server.threads_user_id}
    return [r for r in server.threads_replies_to(post) if r["owner"] == mine]


def test_a_post_tagging_the_profile_waits_is_answered_once_then_leaves(
    site: HeardSite, meta_server: MetaServer
) -> None:
    tag = uuid.uuid4().hex[:8]
    post = meta_server.threads_mention(
        "lea", f"@velosboreal mon vélo est encore en panne, pourquoi ? {tag}"
    )

    answered_once_then_gone(
        site,
        network="threads",
        native_id=post,
        author=("handle", "lea"),
        shown_as="@lea",
        answers=lambda: [r["text"] for r in profile_replies(meta_server, post)],
        answer=f"{ANSWER} — Camille",
    )
