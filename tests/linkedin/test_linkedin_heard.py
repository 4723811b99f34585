"""LinkedIn mentions: a post that names the page, outside our copies, waits in the inbox.

Against the session's LinkedIn double (``sandbox/linkedin_api.py``, started by
``tests/conftest.py``), on a fixture site with no post at all, so nothing is under one of our
copies: a reader names the page in a post of their own (what the page's Organization Social
Action Notifications list as a ``SHARE_MENTION``), ``invoke backfeed`` hears it, ``invoke inbox``
lists it as a comment waiting, with its flags, ``invoke reply`` comments on the reader's post
once, and after the next backfeed it has left the inbox and a second answer is refused with one
sentence, nothing posted. A comment that names the page (``COMMENT_MENTION``) is heard the same
way.

The site's first backfeed starts the page's stream (a first run keeps nothing from before it),
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

from sandbox.linkedin import LinkedInServer  # noqa: E402
from syndication.desk.inbox import item_id  # noqa: E402

pytestmark = pytest.mark.linkedin


@pytest.fixture
def site(tmp_path: Path, linkedin_server: LinkedInServer) -> HeardSite:
    env = {
        "AGORA_LINKEDIN_API_URL": linkedin_server.base_url,
        "AGORA_LINKEDIN_OAUTH_URL": linkedin_server.base_url,
        "AGORA_LINKEDIN_ORGANIZATION": linkedin_server.organization,
        "AGORA_LINKEDIN_ACCESS_TOKEN": linkedin_server.brand_token,
    }
    found = open_heard_site(tmp_path / "site", env, "LinkedIn")
    # Someone named the page before the site's first backfeed: that is not heard.
    linkedin_server.mention("samuel", f"Avant le début {uuid.uuid4().hex[:8]}")
    return found.start()


def page_comments(server: LinkedInServer, urn: str) -> list[dict[str, Any]]:
    """The page's comments on ``urn``, as LinkedIn shows its thread."""
    return [c for c in server.comments_on(urn) if c["actor"] == server.organization_urn]


def test_a_post_naming_the_page_waits_is_answered_once_then_leaves(
    site: HeardSite, linkedin_server: LinkedInServer
) -> None:
    tag = uuid.uuid4().hex[:8]
    post = linkedin_server.mention("lea", f"mon vélo est encore en panne, pourquoi ? {tag}")

    answered_once_then_gone(
        site,
        network="linkedin",
        native_id=post,
        author=("name", "Léa Gagnon · Cyclist in Montréal"),
        shown_as="Léa Gagnon · Cyclist in Montréal",
        answers=lambda: [c["text"] for c in page_comments(linkedin_server, post)],
        answer=f"{ANSWER} — Camille",
    )


def test_a_comment_naming_the_page_is_heard_and_answered_under_it(
    site: HeardSite, linkedin_server: LinkedInServer
) -> None:
    post = linkedin_server.mention("noor", f"Nouvelle piste cyclable {uuid.uuid4().hex[:8]}")
    comment = linkedin_server.mention("lea", "vous livrez à Laval ?", on=post)

    site.backfeed()
    by_id = {item["id"]: item for item in site.waiting()}
    wanted = item_id("linkedin", comment)
    assert by_id[wanted]["author"]["name"].startswith("Léa Gagnon")
    assert "vous livrez à Laval ?" in by_id[wanted]["text"]

    code, out = site.reply(wanted, "Oui, dès lundi.")
    assert code == 0, out
    [answer] = page_comments(linkedin_server, comment)
    assert answer["text"] == "Oui, dès lundi. — Camille"
    assert page_comments(linkedin_server, post) == []
