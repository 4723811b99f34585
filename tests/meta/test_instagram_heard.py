"""Instagram mentions: a media that tags the account, outside our copies, waits in the inbox.

Against the session's Graph double (``sandbox/meta_api.py``, started by ``tests/conftest.py``),
on a fixture site with no post at all, so nothing is under one of our copies: a reader tags the
account in a media of their own (what the account's ``tags`` edge lists), ``invoke backfeed``
hears it, ``invoke inbox`` lists it as a comment waiting, with its flags, ``invoke reply``
comments on the reader's media once (``POST /{ig-media-id}/comments``), and after the next
backfeed it has left the inbox and a second answer is refused with one sentence, nothing posted.

The site's first backfeed starts the account's stream (a first run keeps nothing from before it),
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
    found = open_heard_site(tmp_path / "site", meta_server.instagram_env(), "Instagram")
    # Someone tagged the account before the site's first backfeed: that is not heard.
    meta_server.instagram_tag("samuel", f"Avant le début {uuid.uuid4().hex[:8]}")
    return found.start()


def account_comments(server: MetaServer, media: str) -> list[dict[str, Any]]:
    """The account's comments on ``media``, as Instagram shows them."""
    shown = server.instagram_media(media)["comments"]
    return [c for c in shown if c["from"]["id"] == server.instagram_user_id]


def test_a_media_tagging_the_account_waits_is_answered_once_then_leaves(
    site: HeardSite, meta_server: MetaServer
) -> None:
    tag = uuid.uuid4().hex[:8]
    media = meta_server.instagram_tag(
        "lea", f"@velosboreal mon vélo est encore en panne, pourquoi ? {tag}"
    )

    answered_once_then_gone(
        site,
        network="instagram",
        native_id=media,
        author=("handle", "lea"),
        shown_as="@lea",
        answers=lambda: [c["text"] for c in account_comments(meta_server, media)],
        answer=f"@lea {ANSWER} — Camille",
    )
