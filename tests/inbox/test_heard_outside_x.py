"""Every comment heard, on X: a post naming the brand outside our posts waits, is answered once.

Against the session's X double (``x_server``), on a fixture site with no post: a reader names
``@velosboreal`` in a post of her own; the brand's mentions (``GET /2/users/:id/mentions``, what
the adapter's notifications read) bring it to ``invoke backfeed``; ``invoke inbox`` lists it as a
comment waiting; ``invoke reply`` answers it in its thread; after the next backfeed it is gone,
and a second answer is refused with one sentence, nothing posted. The brand's own post naming
itself is never listed.
"""

from __future__ import annotations

import io
import json
import uuid
from pathlib import Path
from typing import Any

import httpx
import pytest

from sandbox.x import XServer
from syndication.cli import backfeed as backfeed_cli
from syndication.cli.desk import run_inbox, run_reply
from syndication.desk.inbox import item_id
from syndication.networks.x.oauth import OAuth1

pytestmark = pytest.mark.x

SETTINGS = """\
PATH = {content!r}
AGORA_STATE_PATH = {state!r}
SITENAME = "Heard outside"
SITEURL = "http://127.0.0.1"
PLUGINS = []
PLUGIN_PATHS = []
AGORA_AUTHORS = {{"Camille Tremblay": {{"first_name": "Camille"}}}}
"""


def post(server: XServer, username: str, text: str, **extra: Any) -> str:
    """``username`` posts ``text`` with their own keys; the post's id."""
    account = server.account(username)
    auth = OAuth1(
        server.consumer_key,
        server.consumer_secret,
        account.access_token,
        account.access_token_secret,
    )
    answer = httpx.post(
        f"{server.base_url}/2/tweets", json={"text": text, **extra}, auth=auth, timeout=30
    )
    answer.raise_for_status()
    return str(answer.json()["data"]["id"])


def answers(server: XServer, parent: str) -> list[dict[str, Any]]:
    """The brand's posts on the double that answer ``parent``."""
    brand = server.brand
    auth = OAuth1(
        server.consumer_key, server.consumer_secret, brand.access_token, brand.access_token_secret
    )
    response = httpx.get(
        f"{server.base_url}/2/users/{brand.user_id}/tweets",
        params={"max_results": "100", "expansions": "referenced_posts"},
        auth=auth,
        timeout=30,
    )
    response.raise_for_status()
    return [
        item
        for item in response.json().get("data", [])
        if {"type": "replied_to", "id": parent}
        in (item.get("referenced_posts") or item.get("referenced_tweets") or [])
    ]


def test_a_mention_on_x_waits_is_answered_once_then_leaves(
    tmp_path: Path, x_server: XServer
) -> None:
    root = tmp_path / "site"
    (root / "content").mkdir(parents=True)
    (root / "content" / "complaint-words.txt").write_text("panne\n", encoding="utf-8")
    settings = root / "heardconf.py"
    settings.write_text(
        SETTINGS.format(content=str(root / "content"), state=str(root / "state")),
        encoding="utf-8",
    )
    env = {
        "AGORA_X_API_URL": x_server.base_url,
        "AGORA_X_HANDLE": x_server.brand.username,
        "AGORA_X_CONSUMER_KEY": x_server.consumer_key,
        "AGORA_X_CONSUMER_SECRET": x_server.consumer_secret,
        "AGORA_X_ACCESS_TOKEN": x_server.brand.access_token,
        "AGORA_X_ACCESS_TOKEN_SECRET": x_server.brand.access_token_secret,
    }

    def backfeed() -> str:
        out = io.StringIO()
        code = backfeed_cli.run(settings, env=env, stdout=out, progress_stream=io.StringIO())
        assert code == 0, out.getvalue()
        return out.getvalue()

    def inbox() -> dict[str, Any]:
        out = io.StringIO()
        assert run_inbox(settings, as_json=True, stdout=out) == 0
        return dict(json.loads(out.getvalue()))

    def reply(wanted: str, text: str) -> tuple[int, str]:
        out = io.StringIO()
        return run_reply(wanted, text, "Camille", settings, env=env, stdout=out), out.getvalue()

    # The first backfeed starts the brand's mentions (nothing from before is heard); a mention
    # gives it a cursor even when this test runs alone.
    post(x_server, "lea", f"@velosboreal bonjour {uuid.uuid4().hex[:8]}")
    backfeed()
    assert inbox()["count"] == 0

    tag = uuid.uuid4().hex[:8]
    asked = post(x_server, "noor", f"@velosboreal mon vélo est encore en panne, pourquoi ? {tag}")
    post(x_server, "velosboreal", f"Chez @velosboreal, l'atelier ouvre à 9 h {tag}")
    said = backfeed()
    assert "X: 1 new" in said, said
    [item] = inbox()["items"]
    wanted = item_id("x", asked)
    assert (item["id"], item["kind"], item["post"], item["heard"]) == (wanted, "mention", "", True)
    assert (item["question"], item["complaint"]) == (True, ["panne"])

    code, out = reply(wanted, "Désolés ! On vous écrit en privé.")
    assert code == 0 and out.startswith("Answered on X"), out
    [answer] = answers(x_server, asked)
    assert answer["text"].endswith("Désolés ! On vous écrit en privé. — Camille")

    backfeed()
    assert inbox()["count"] == 0
    code, out = reply(wanted, "Encore un mot.")
    assert code == 2 and out.startswith(f"Nothing was posted: {wanted} was already answered on X")
    assert len(answers(x_server, asked)) == 1
