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

import io
import json
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from sandbox.meta import MetaServer
from syndication.cli import backfeed as backfeed_cli
from syndication.cli.desk import run_inbox, run_reply
from syndication.desk.inbox import item_id

pytestmark = pytest.mark.meta

SETTINGS = """\
PATH = {content!r}
AGORA_STATE_PATH = {state!r}
SITENAME = "Heard on Threads"
SITEURL = "http://127.0.0.1"
PLUGINS = []
PLUGIN_PATHS = []
AGORA_AUTHORS = {{"Camille Tremblay": {{"first_name": "Camille"}}}}
"""


@dataclass
class Site:
    """A site with no post, its state folder, and the profile's credentials on the double."""

    root: Path
    env: dict[str, str]

    @property
    def settings(self) -> Path:
        return self.root / "heardconf.py"

    def backfeed(self) -> str:
        """``invoke backfeed``; its report."""
        out = io.StringIO()
        code = backfeed_cli.run(
            self.settings, env=self.env, stdout=out, progress_stream=io.StringIO()
        )
        assert code == 0, out.getvalue()
        return out.getvalue()

    def inbox(self, *options: str) -> str:
        out = io.StringIO()
        assert run_inbox(self.settings, as_json="--json" in options, stdout=out) == 0
        return out.getvalue()

    def waiting(self) -> list[dict[str, Any]]:
        """``invoke inbox --json``'s items."""
        return list(json.loads(self.inbox("--json"))["items"])

    def reply(self, wanted: str, text: str) -> tuple[int, str]:
        out = io.StringIO()
        code = run_reply(wanted, text, "Camille", self.settings, env=self.env, stdout=out)
        return code, out.getvalue()


@pytest.fixture
def site(tmp_path: Path, meta_server: MetaServer) -> Site:
    root = tmp_path / "site"
    (root / "content").mkdir(parents=True)
    (root / "content" / "complaint-words.txt").write_text("# words\npanne\n", encoding="utf-8")
    found = Site(root, meta_server.threads_env())
    found.settings.write_text(
        SETTINGS.format(content=str(root / "content"), state=str(root / "state")),
        encoding="utf-8",
    )
    # Someone tagged the profile before the site's first backfeed: that is not heard.
    meta_server.threads_mention("samuel", f"Avant le début {uuid.uuid4().hex[:8]}")
    found.backfeed()
    assert found.inbox() == "Nothing waits for an answer.\n"
    return found


def profile_replies(server: MetaServer, post: str) -> list[dict[str, Any]]:
    """The profile's replies to ``post``, as Threads shows its thread."""
    mine = {"id": server.threads_user_id}
    return [r for r in server.threads_replies_to(post) if r["owner"] == mine]


def test_a_post_tagging_the_profile_waits_is_answered_once_then_leaves(
    site: Site, meta_server: MetaServer
) -> None:
    tag = uuid.uuid4().hex[:8]
    post = meta_server.threads_mention(
        "lea", f"@velosboreal mon vélo est encore en panne, pourquoi ? {tag}"
    )

    said = site.backfeed()
    assert "Threads: 1 new," in said, said
    [item] = site.waiting()
    wanted = item_id("threads", post)
    assert (item["id"], item["network"], item["kind"], item["heard"]) == (
        wanted,
        "threads",
        "mention",
        True,
    )
    assert (item["question"], item["complaint"], item["first_time"]) == (True, ["panne"], True)
    assert item["author"]["handle"] == "lea"
    text = site.inbox()
    assert text.startswith("1 comment waiting for an answer")
    assert "mentions us  [question, complaint (panne), first time]" in text
    assert f"ID {wanted}" in text and "Avant le début" not in text

    code, out = site.reply(wanted, "Désolés ! On vous écrit en privé.")
    assert code == 0 and out.startswith("Answered on "), out
    [answer] = profile_replies(meta_server, post)
    assert answer["text"] == "Désolés ! On vous écrit en privé. — Camille"
    assert site.waiting() == []

    site.backfeed()
    assert site.inbox() == "Nothing waits for an answer.\n"
    code, out = site.reply(wanted, "Encore un mot.")
    assert code == 2
    assert out.startswith(f"Nothing was posted: {wanted} was already answered on Threads (")
    assert out.count("\n") == 1
    assert len(profile_replies(meta_server, post)) == 1
