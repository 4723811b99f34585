"""`invoke inbox` and `invoke reply` never let a reader's or a server's characters drive a terminal.

A reader of the local Mastodon peer whose display name, handle, text, content warning and link
carry terminal escapes (``ESC ] 52`` writes the clipboard, ``ESC [ 2J`` clears the screen), C1
controls, DEL, bidi overrides and isolates and invisible characters waits in the inbox: the table
shows each of them as a visible escape, ``--json`` stays valid JSON that gives back the exact
text while carrying none of them raw. Answering the reader meets a server whose error body carries
the same: ``invoke reply`` prints the failure on one line, made visible, cut to a readable length.
"""

from __future__ import annotations

import io
import json
import logging
import re
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from sandbox.mastodon import MastodonServer
from syndication.cli.desk import run_inbox, run_reply
from syndication.cli.terminal import install_printable_filter, one_line, printable
from syndication.desk.inbox import item_id
from syndication.model import (
    Copy,
    CopyStatus,
    Interaction,
    InteractionKind,
    Person,
    PostState,
    interaction_key,
    utc_now,
)
from syndication.store.state import StateStore

pytestmark = pytest.mark.mastodon

# What a terminal would obey: C0 but line feed, DEL, C1, bidi controls, other format characters.
RAW = re.compile("[\x00-\x09\x0b-\x1f\x7f-\x9f\u061c\u200b-\u200f\u2028-\u202e\u2060-\u206f\ufeff]")
CLIPBOARD = "\x1b]52;c;cm0gLXJmIH4=\x07"  # OSC 52: set the clipboard to "rm -rf ~"
CLEAR = "\x1b[2J\x1b[H"
NAME = f"Vélos Boréal\u200b{CLIPBOARD}\u202e"  # the company's name, plus what hides or acts
TEXT = (
    f"Bonjour{CLEAR} vous\r\nlivrez ?{CLIPBOARD} \u202eesrever\u202c \u2066isolé\u2069 "
    "\x9b31mrouge\x7f\u200bcollé\ufeff"
)
WARNING = "Attention\x1b[5m clignote\u2028"
LINK = f"https://mastodon.example/@mallory/1{CLIPBOARD}\u202e"
AUTHORS = {"Mathieu Gagnon": {"first_name": "Mathieu"}}


def project(tmp_path: Path) -> Path:
    """A settings file, a content folder with a complaint word; no state yet."""
    (tmp_path / "content").mkdir()
    (tmp_path / "content" / "complaint-words.txt").write_text("déçu\n", encoding="utf-8")
    settings = tmp_path / "settings.py"
    settings.write_text(
        f'PATH = "content"\nAGORA_STATE_PATH = "content/state"\nAGORA_AUTHORS = {AUTHORS!r}\n',
        encoding="utf-8",
    )
    return settings


def on_the_peer(server: MastodonServer) -> tuple[dict[str, Any], dict[str, Any], str]:
    """The brand's status and a hostile reader's reply to it, on the peer; and the reader's
    handle as the peer gives it."""
    with httpx.Client(base_url=server.base_url, timeout=30) as http:
        made = http.post("/api/v1/_mock/dev_user", json={"display_name": NAME})
        made.raise_for_status()
        reader = made.json()
        brand = {"Authorization": f"Bearer {server.brand_token}"}
        root = http.post(
            "/api/v1/statuses",
            json={"status": "Nouveau billet", "visibility": "public"},
            headers=brand,
        )
        root.raise_for_status()
        answer = http.post(
            "/api/v1/statuses",
            json={
                "status": "Question",
                "in_reply_to_id": root.json()["id"],
                "visibility": "public",
            },
            headers={"Authorization": f"Bearer {reader['access_token']}"},
        )
        answer.raise_for_status()
        return root.json(), answer.json(), str(answer.json()["account"]["acct"])


def waiting_state(settings: Path, root: dict[str, Any], reply: dict[str, Any], acct: str) -> str:
    """The post's state: the brand's copy and the reader's reply with every field hostile (as an
    older state, or a network the sanitiser does not know, could hold). The inbox ID."""
    now = utc_now()
    state = PostState(key="billet.fr")
    state.copies["mastodon"] = Copy(
        "mastodon",
        CopyStatus.PUBLISHED,
        "key",
        now - timedelta(hours=3),
        id=root["id"],
        url=root["url"],
        published_at=now - timedelta(hours=3),
    )
    reader = Person("mastodon", str(reply["account"]["id"]), f"{acct}{CLEAR}\u202e", name=NAME)
    item = Interaction(
        network="mastodon",
        kind=InteractionKind.REPLY,
        id=reply["id"],
        author=reader,
        published_at=now - timedelta(hours=2),
        url=LINK,
        content_text=TEXT,
        summary=WARNING,
        in_reply_to=root["id"],
    )
    state.interactions[interaction_key("mastodon", item.id)] = item
    StateStore(settings.parent / "content" / "state").save(state)
    return item_id("mastodon", item.id)


def test_the_inbox_shows_a_readers_controls_and_json_keeps_them_exactly(
    tmp_path: Path, mastodon_server: MastodonServer
) -> None:
    settings = project(tmp_path)
    root, reply, acct = on_the_peer(mastodon_server)
    wanted = waiting_state(settings, root, reply, acct)

    out = io.StringIO()
    assert run_inbox(settings, stdout=out) == 0
    table = out.getvalue()

    assert not RAW.search(table), repr(table)
    assert wanted in table and acct in table
    assert "\\x1b]52" in table and "\\u202e" in table  # the link's, shown, not obeyed

    out = io.StringIO()
    assert run_inbox(settings, as_json=True, stdout=out) == 0
    text = out.getvalue()

    assert not RAW.search(text.replace("\n", "")), repr(text)
    item = json.loads(text)["items"][0]
    assert (item["text"], item["url"], item["author"]["name"]) == (TEXT, LINK, NAME)


def test_a_servers_error_body_in_reply_is_one_visible_line(
    tmp_path: Path, mastodon_server: MastodonServer
) -> None:
    settings = project(tmp_path)
    root, reply, acct = on_the_peer(mastodon_server)
    wanted = waiting_state(settings, root, reply, acct)
    env = {
        "AGORA_MASTODON_BASE_URL": mastodon_server.base_url,
        "AGORA_MASTODON_ACCESS_TOKEN": mastodon_server.brand_token,
        "AGORA_MASTODON_ACCOUNT": mastodon_server.brand.username,
    }
    body = {"error": f"Validation failed{CLIPBOARD}{CLEAR}\r\n\u202e" + "B" * 4000}
    rule = {
        "match": {"path": "/api/v1/statuses"},
        "effect": {"type": "status", "status": 422, "body": body},
        "count": 1,
    }
    with httpx.Client(base_url=mastodon_server.base_url, timeout=30) as http:
        http.post("/api/v1/_mock/faults", json=rule).raise_for_status()
        try:
            out = io.StringIO()
            code = run_reply(
                wanted, "Oui, dès lundi.", "Mathieu Gagnon", settings, env=env, stdout=out
            )
        finally:
            http.delete("/api/v1/_mock/faults").raise_for_status()

    printed = out.getvalue()
    assert code == 1, printed
    assert not RAW.search(printed), repr(printed)
    assert printed.count("\n") == 1  # one line
    assert "\\x1b]52" in printed and "BBBB" in printed and "…" in printed
    assert len(printed) < 600


def test_the_escapes_chosen_and_what_is_kept() -> None:
    # A line feed stays where the output has lines; a carriage return never reaches a terminal.
    assert printable("un\r\ndeux\x1b[2J") == "un\\r\ndeux\\x1b[2J"
    assert printable("un\ndeux", newlines=False) == "un\\ndeux"
    # Joiners stay where a language or an emoji sequence needs them, and are shown elsewhere.
    family = "👩\u200d👧"
    persian = "\u0645\u06cc\u200c\u062e\u0648\u0627\u0647\u0645"  # "I want", ZWNJ inside
    assert printable(family) == family and printable(persian) == persian
    assert printable("Velos\u200dBoreal") == "Velos\\u200dBoreal"
    assert printable("\U000e0041\u202e\x9b\x7f") == "\\U000e0041\\u202e\\x9b\\x7f"
    assert one_line("a\n\n b" + "c" * 300, 20) == "a b" + "c" * 16 + "…"


def test_the_log_shows_what_a_network_sent() -> None:
    stream = io.StringIO()
    logger = logging.getLogger("agora.test.terminal")
    logger.propagate = False
    handler = logging.StreamHandler(stream)
    logger.addHandler(handler)
    try:
        install_printable_filter(logger)
        logger.warning("cannot fetch %s", f"https://example.test/{CLIPBOARD}")
    finally:
        logger.removeHandler(handler)
    assert stream.getvalue() == "cannot fetch https://example.test/\\x1b]52;c;cm0gLXJmIH4=\\x07\n"
