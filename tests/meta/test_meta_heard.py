"""Meta's mentions: a reader names the company outside our copies, and it waits in the inbox.

Against the session's Graph double (``sandbox/meta_api.py``, started by ``tests/conftest.py``),
on a fixture site with no post at all, so nothing is under one of our copies: a reader names the
company in a post of their own (what each network's edge lists: Facebook's Page ``tagged``,
Instagram's account ``tags``, Threads' profile ``mentions``), ``invoke backfeed`` hears it,
``invoke inbox`` lists it as a comment waiting, with its flags, ``invoke reply`` answers under
the reader's post once, and after the next backfeed it has left the inbox and a second answer is
refused with one sentence, nothing posted.

The site's first backfeed starts the network's stream (a first run keeps nothing from before
it), so what the other tests of the session did on the shared double is not heard.
"""

from __future__ import annotations

import sys
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT / "tests" / "inbox") not in sys.path:
    sys.path.append(str(ROOT / "tests" / "inbox"))

from heard_site import ANSWER, answered_once_then_gone, open_heard_site  # noqa: E402

from sandbox.meta import MetaServer  # noqa: E402

pytestmark = pytest.mark.meta


@dataclass(frozen=True)
class Mentioned:
    """One network: how a reader names the company there, and how its answers are read back."""

    network: str
    label: str
    env: Callable[[MetaServer], dict[str, str]]
    mention: Callable[[MetaServer, str, str], str]  # (author, text) -> the reader's post's id
    answers: Callable[[MetaServer, str], list[str]]  # the company's answers under that post
    named_as: str  # how the reader names the company
    author: tuple[str, str]
    shown_as: str
    answer: str


CASES = [
    Mentioned(
        "facebook",
        "Facebook",
        lambda server: server.env(),
        lambda server, author, text: server.tag(author, text),
        lambda server, post: [
            c["message"]
            for c in server.read_post(post)["comments"]
            if c["from"]["id"] == server.page_id
        ],
        named_as="@Vélos Boréal",
        author=("name", "Léa Gagnon"),
        shown_as="Léa Gagnon",
        answer=f"{ANSWER} — Camille",
    ),
    Mentioned(
        "instagram",
        "Instagram",
        lambda server: server.instagram_env(),
        lambda server, author, text: server.instagram_tag(author, text),
        lambda server, media: [
            c["text"]
            for c in server.instagram_media(media)["comments"]
            if c["from"]["id"] == server.instagram_user_id
        ],
        named_as="@velosboreal",
        author=("handle", "lea"),
        shown_as="@lea",
        answer=f"@lea {ANSWER} — Camille",  # Instagram's comments answer by naming the reader
    ),
    Mentioned(
        "threads",
        "Threads",
        lambda server: server.threads_env(),
        lambda server, author, text: server.threads_mention(author, text),
        lambda server, post: [
            r["text"]
            for r in server.threads_replies_to(post)
            if r["owner"] == {"id": server.threads_user_id}
        ],
        named_as="@velosboreal",
        author=("handle", "lea"),
        shown_as="@lea",
        answer=f"{ANSWER} — Camille",
    ),
]


@pytest.mark.parametrize("case", CASES, ids=lambda case: case.network)
def test_a_mention_waits_is_answered_once_then_leaves(
    case: Mentioned, tmp_path: Path, meta_server: MetaServer
) -> None:
    found = open_heard_site(tmp_path / "site", case.env(meta_server), case.label)
    # Someone named the company before the site's first backfeed: that is not heard.
    case.mention(meta_server, "samuel", f"Avant le début {uuid.uuid4().hex[:8]}")
    site = found.start()
    tag = uuid.uuid4().hex[:8]
    text = f"{case.named_as} mon vélo est encore en panne, pourquoi ? {tag}"
    post = case.mention(meta_server, "lea", text)

    answered_once_then_gone(
        site,
        network=case.network,
        native_id=post,
        author=case.author,
        shown_as=case.shown_as,
        answers=lambda: case.answers(meta_server, post),
        answer=case.answer,
    )
