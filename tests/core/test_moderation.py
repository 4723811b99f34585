"""The moderation file hides spam and abuse by account, domain or item, with their answers."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from syndication.backfeed.moderation import Moderation
from syndication.errors import ConfigError
from syndication.model import Interaction, InteractionKind, Person

MOMENT = datetime(2026, 11, 1, tzinfo=UTC)


def reply(item_id: str, handle: str, parent: str = "copy", **extra: object) -> Interaction:
    author = Person("mastodon", f"id-{handle}", handle, url=f"https://{handle.split('@')[-1]}/x")
    return Interaction(
        "mastodon",
        InteractionKind.REPLY,
        item_id,
        author,
        MOMENT,
        in_reply_to=parent,
        **extra,  # type: ignore[arg-type]
    )


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "moderation.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_missing_file_hides_nothing(tmp_path: Path) -> None:
    rules = Moderation.load(tmp_path / "none.toml")
    assert rules.filter([reply("1", "lea@velo.example")]) != []


def test_blocked_account_domain_and_item(tmp_path: Path) -> None:
    rules = Moderation.load(
        write(
            tmp_path,
            'blocked_accounts = ["@Spam@Bad.example"]\n'
            'blocked_domains = ["pourriel.example"]\n'
            'hidden_items = ["mastodon:3"]\n',
        )
    )
    items = [
        reply("1", "spam@bad.example"),
        reply("2", "bot@relais.pourriel.example"),
        reply("3", "lea@velo.example"),
        reply("4", "sam@velo.example"),
        reply("5", "noor@velo.example", parent="3"),  # answers a hidden item: hidden too
        reply("6", "nina@velo.example", parent="4"),
    ]
    assert [item.id for item in rules.filter(items)] == ["4", "6"]


def test_company_answers_are_not_blocked_by_domain(tmp_path: Path) -> None:
    rules = Moderation.load(write(tmp_path, 'blocked_domains = ["velo.example"]\n'))
    answer = reply("9", "velosboreal@velo.example", by_company=True)
    assert rules.filter([answer]) == [answer]


def test_broken_file_is_one_clear_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"moderation\.toml"):
        Moderation.load(write(tmp_path, "blocked_accounts = [\n"))
    with pytest.raises(ConfigError, match="unknown key 'hide'"):
        Moderation.load(write(tmp_path, "hide = []\n"))
    with pytest.raises(ConfigError, match="list of strings"):
        Moderation.load(write(tmp_path, "blocked_accounts = 3\n"))


def test_repository_file_is_valid() -> None:
    rules = Moderation.load(Path(__file__).parents[2] / "content" / "moderation.toml")
    assert rules == Moderation()
