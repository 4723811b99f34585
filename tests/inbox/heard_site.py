"""A site with no post at all, for the tests of mentions heard outside our copies.

Nothing on it is under one of our copies, so whatever the inbox lists was heard by the backfeed
from the network's mentions (``syndication/backfeed/engine.py``). The commands run in process,
as ``invoke`` runs them: ``backfeed``, ``inbox`` (text and ``--json``) and ``reply`` as Camille.
``open_heard_site`` writes the settings and the complaint words; the caller tags the company
once (what came before the site's first backfeed is not heard) and calls ``start``.
Named uniquely: test folders have no ``__init__.py``.
"""

from __future__ import annotations

import io
import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from syndication.cli import backfeed as backfeed_cli
from syndication.cli.desk import run_inbox, run_reply
from syndication.desk.inbox import item_id
from syndication.networks import registry

SETTINGS = """\
PATH = {content!r}
AGORA_STATE_PATH = {state!r}
SITENAME = {sitename!r}
SITEURL = "http://127.0.0.1"
PLUGINS = []
PLUGIN_PATHS = []
AGORA_AUTHORS = {{"Camille Tremblay": {{"first_name": "Camille"}}}}
"""


@dataclass
class HeardSite:
    """A site with no post, its state folder, and the company's credentials on a peer."""

    root: Path
    env: dict[str, str]

    @property
    def settings(self) -> Path:
        return self.root / "heardconf.py"

    def backfeed(self, *, full: bool = False) -> str:
        """``invoke backfeed`` (``--full``); its report."""
        out = io.StringIO()
        code = backfeed_cli.run(
            self.settings, full=full, env=self.env, stdout=out, progress_stream=io.StringIO()
        )
        assert code == 0, out.getvalue()
        return out.getvalue()

    def inbox(self, *options: str) -> str:
        """``invoke inbox`` (``--json``, ``--mentions`` among ``options``); what it printed."""
        out = io.StringIO()
        code = run_inbox(
            self.settings,
            as_json="--json" in options,
            mentions="--mentions" in options,
            stdout=out,
        )
        assert code == 0, out.getvalue()
        return out.getvalue()

    def waiting(self) -> list[dict[str, Any]]:
        """``invoke inbox --json``'s items."""
        return list(json.loads(self.inbox("--json"))["items"])

    def reply(self, wanted: str, text: str) -> tuple[int, str]:
        """``invoke reply wanted text --as Camille``; its exit code and what it printed."""
        out = io.StringIO()
        code = run_reply(wanted, text, "Camille", self.settings, env=self.env, stdout=out)
        return code, out.getvalue()

    def start(self) -> HeardSite:
        """The site's first backfeed, which only starts the network's stream: nothing waits."""
        self.backfeed()
        assert self.inbox() == "Nothing waits for an answer.\n"
        return self


def open_heard_site(root: Path, env: dict[str, str], network: str) -> HeardSite:
    """The settings of a site with no post under ``root``, reading ``network`` with ``env``."""
    content = root / "content"
    content.mkdir(parents=True)
    (content / "complaint-words.txt").write_text("# words\npanne\n", encoding="utf-8")
    site = HeardSite(root, env)
    site.settings.write_text(
        SETTINGS.format(
            content=str(content), state=str(root / "state"), sitename=f"Heard on {network}"
        ),
        encoding="utf-8",
    )
    return site


ANSWER = "Désolés ! On vous écrit en privé."


def answered_once_then_gone(
    site: HeardSite,
    *,
    network: str,
    native_id: str,
    author: tuple[str, str],
    shown_as: str,
    answers: Callable[[], list[str]],
    answer: str,
) -> None:
    """What a reader's post naming the company (Léa's "… en panne, pourquoi ?", tagged after
    ``start``) goes through: the backfeed hears it; it waits in the inbox as a mention with its
    flags, shown as ``shown_as``; ``invoke reply`` sends ``answer`` (what ``answers`` reads back
    from the network) once; the next backfeed takes it out of the inbox; a second answer is
    refused in one sentence and nothing more is posted.

    ``author`` is a field of the inbox's JSON author and the value it must have."""
    label = registry.label(network)
    said = site.backfeed()
    assert f"{label}: 1 new," in said, said
    [item] = site.waiting()
    wanted = item_id(network, native_id)
    assert (item["id"], item["network"], item["kind"], item["heard"]) == (
        wanted,
        network,
        "mention",
        True,
    )
    assert (item["question"], item["complaint"], item["first_time"]) == (True, ["panne"], True)
    field, value = author
    assert item["author"][field] == value
    text = site.inbox()
    assert text.startswith("1 comment waiting for an answer")
    assert f"{label}  {shown_as}  mentions us  [question, complaint (panne), first time]" in text, (
        text
    )
    assert f"ID {wanted}" in text and "Avant le début" not in text

    code, out = site.reply(wanted, ANSWER)
    assert code == 0 and out.startswith("Answered on "), out
    assert answers() == [answer]
    assert site.waiting() == []

    site.backfeed()
    assert site.inbox() == "Nothing waits for an answer.\n"
    code, out = site.reply(wanted, "Encore un mot.")
    assert code == 2
    assert out.startswith(f"Nothing was posted: {wanted} was already answered on {label} (")
    assert out.count("\n") == 1
    assert answers() == [answer]
