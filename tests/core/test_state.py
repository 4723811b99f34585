"""The state store: atomic, stable, readable files; a corrupt file is a clear error."""

from __future__ import annotations

import json
import multiprocessing
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest

from syndication.errors import StateError
from syndication.model import Copy, CopyStatus, Interaction, InteractionKind, Person, PostState
from syndication.store.state import StateStore, write_json_atomically

MOMENT = datetime(2026, 11, 2, 14, 30, tzinfo=UTC)


def sample_state() -> PostState:
    state = PostState(key="rappel-freins.fr")
    state.copies["mastodon"] = Copy(
        "mastodon", CopyStatus.PUBLISHED, "k-1", MOMENT, id="1", url="u"
    )
    state.copies["bluesky"] = Copy("bluesky", CopyStatus.PENDING, "3lab", MOMENT)
    reader = Person("mastodon", "9", "lea@example.social", name="Léa")
    for number in (3, 1, 2):
        state.interactions[f"mastodon:{number}"] = Interaction(
            "mastodon",
            InteractionKind.REPLY,
            str(number),
            reader,
            MOMENT.replace(minute=number),
            content_text=f"réponse {number}",
        )
    return state


def test_round_trip_keeps_everything(tmp_path: Path) -> None:
    store = StateStore(tmp_path)
    store.save(sample_state())
    loaded = store.load("rappel-freins.fr")
    assert loaded.to_dict() == sample_state().to_dict()
    assert loaded.copies["bluesky"].status is CopyStatus.PENDING


def test_file_is_stable_and_diffable(tmp_path: Path) -> None:
    store = StateStore(tmp_path)
    store.save(sample_state())
    first = store.path_for("rappel-freins.fr").read_text(encoding="utf-8")
    store.save(store.load("rappel-freins.fr"))
    assert store.path_for("rappel-freins.fr").read_text(encoding="utf-8") == first
    data = json.loads(first)
    assert list(data["copies"]) == ["bluesky", "mastodon"]  # sorted networks
    assert [item["id"] for item in data["interactions"]] == ["1", "2", "3"]  # oldest first
    assert "Léa" in first  # readable, not \u-escaped
    assert first.endswith("\n") and first.count("\n") > 10  # indented: one field per line


def test_missing_post_has_empty_state(tmp_path: Path) -> None:
    assert StateStore(tmp_path).load("nouveau.fr").copies == {}


def test_corrupt_file_names_the_file(tmp_path: Path) -> None:
    store = StateStore(tmp_path)
    store.posts_dir.mkdir(parents=True)
    store.path_for("casse.fr").write_text("{ not json", encoding="utf-8")
    with pytest.raises(StateError, match=r"casse\.fr\.json.*not valid JSON"):
        store.load("casse.fr")


def test_bad_key_is_refused(tmp_path: Path) -> None:
    with pytest.raises(StateError):
        StateStore(tmp_path).path_for("../../etc/passwd")


def test_failed_write_leaves_old_file(tmp_path: Path) -> None:
    target = tmp_path / "state.json"
    write_json_atomically(target, {"version": 1})

    class Unserialisable:
        pass

    with pytest.raises(TypeError):
        write_json_atomically(target, {"version": Unserialisable()})
    assert json.loads(target.read_text()) == {"version": 1}
    assert [p.name for p in tmp_path.iterdir()] == ["state.json"]  # no temporary file left


def test_cursors_round_trip(tmp_path: Path) -> None:
    store = StateStore(tmp_path)
    store.save_cursors({"mastodon": {"notifications": "42"}, "bluesky": {"seen": "2026"}})
    assert store.load_cursors() == {
        "bluesky": {"seen": "2026"},
        "mastodon": {"notifications": "42"},
    }
    assert list(json.loads((tmp_path / "networks.json").read_text())) == ["bluesky", "mastodon"]


def _hold_lock(root: str, seconds: float) -> None:
    with StateStore(Path(root)).locked():
        time.sleep(seconds)


def test_lock_excludes_a_second_process(tmp_path: Path) -> None:
    holder = multiprocessing.get_context("spawn").Process(
        target=_hold_lock, args=(str(tmp_path), 3.0)
    )
    holder.start()
    deadline = time.monotonic() + 20
    while not (tmp_path / ".lock").exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    time.sleep(0.5)
    with (
        pytest.raises(StateError, match="another Agora command"),
        StateStore(tmp_path).locked(timeout=0.2),
    ):
        pass
    holder.join()
    with StateStore(tmp_path).locked(timeout=1):
        pass
