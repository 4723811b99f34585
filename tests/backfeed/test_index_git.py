"""The state index asks git what changed since the commit it was written at (issue 20).

A backfeed run in CI starts from a fresh clone with the index of the last run (the Actions
cache): git lists the post files that changed between the commit the index names and the one
checked out, and those that differ from it in the work tree; only those are looked at. The
index is never the source of truth, so each way a file changes on disk is driven here with real
repositories: edited by hand, changed by a pull, staged, added or deleted without a commit, a
checkout of another commit, history rewritten so the recorded commit is gone, and a shallow
clone that never had it. In each case the index must say what a rebuild from the files says.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from dataclasses import replace
from pathlib import Path
from typing import Any

from test_scale import NOW, CountingStore, Network, answer, archive, key, load_index, run

from syndication.backfeed.engine import SCHEDULE_SIGNATURE, due_epoch
from syndication.model import CopyStatus
from syndication.store.gitstate import commit_state
from syndication.store.index import StateIndex
from syndication.store.state import StateStore

IDENTITY = ["-c", "user.name=Agora", "-c", "user.email=agora@example.com"]
STATE = Path("content/state")


def git(where: Path, *args: str) -> str:
    done = subprocess.run(
        ["git", *IDENTITY, *args], cwd=where, check=True, capture_output=True, text=True
    )
    return done.stdout.strip()


def truth(store: StateStore) -> dict[str, Any]:
    """What an index rebuilt from every post file says: per post, its bytes' id and copies."""
    rebuilt = StateIndex(store, due_epoch, SCHEDULE_SIGNATURE)
    for path in store.posts_dir.glob("*.json"):
        rebuilt.record(store.load(path.name.removesuffix(".json")))
    return {name: post[2:] for name, post in rebuilt.posts.items()}


def described(index: StateIndex) -> dict[str, Any]:
    return {name: post[2:] for name, post in index.posts.items()}


def site(tmp_path: Path, posts: int = 8) -> tuple[Path, CountingStore]:
    """A site repository whose state was backfed once, committed, and backfed again: its index
    names a commit, as CI's cache keeps it."""
    origin = tmp_path / "origin"
    store = CountingStore(origin / STATE)
    archive(store, posts=posts)
    # As this project's .gitignore: the index and the lock stay out of the commits.
    (origin / ".gitignore").write_text("/content/state/index.json\n/content/state/.lock\n")
    git(origin, "init", "-q", "-b", "main")
    git(origin, "add", ".")
    git(origin, "commit", "-q", "-m", "the posts")
    run(store, Network(), NOW, full=True)
    commit_state(origin, "backfeed")
    load_index(store).save()
    return origin, store


def clone(origin: Path, where: Path, *options: str) -> CountingStore:
    """A fresh clone of ``origin`` (new times on every file) with ``origin``'s index beside it,
    as CI's checkout and cache leave them."""
    # file://: what a server sends, the commits the branch reaches (a local path copies all).
    subprocess.run(["git", "clone", "-q", *options, f"file://{origin}", str(where)], check=True)
    shutil.copy(origin / STATE / "index.json", where / STATE / "index.json")
    return CountingStore(where / STATE)


def edit(store: StateStore, n: int) -> None:
    """Unlink post ``n``'s copy, as a person does by hand: the index must drop it."""
    state = store.load(key(n))
    state.copies["mastodon"].status = CopyStatus.DELETED
    store.save(state)


def test_a_fresh_clone_reads_no_post_and_the_index_stays_true(tmp_path: Path) -> None:
    origin, _ = site(tmp_path)
    store = clone(origin, tmp_path / "ci")
    index = load_index(store)
    assert index.checked == "changes"
    assert store.loaded == []
    assert described(index) == truth(store)


def test_the_posts_a_run_wrote_are_vouched_for_by_the_commit_that_holds_them(
    tmp_path: Path,
) -> None:
    origin, store = site(tmp_path)
    # The hourly run: a reply to post 2, recorded, then the state committed (invoke refresh).
    reader = Network()
    reader.announce(answer(2, "r1"))
    run(store, reader, NOW)
    header = (store.root / "index.json").read_text(encoding="utf-8").partition("\n")[0]
    assert json.loads(header)["dirty"] == [key(2)]  # not in a commit yet
    commit_state(origin, "backfeed")
    ci = clone(origin, tmp_path / "ci")
    index = load_index(ci)
    assert ci.loaded == []  # git gave the blob id of the file the run wrote: the same bytes
    assert index.owners("mastodon", ["r1"]) == {"r1": key(2)}
    assert described(index) == truth(ci)


def test_a_file_edited_by_hand_is_read_again(tmp_path: Path) -> None:
    origin, _ = site(tmp_path)
    store = clone(origin, tmp_path / "ci")
    edit(store, 3)
    store.loaded.clear()
    index = load_index(store)
    assert store.loaded == [key(3)]
    assert key(3) not in index.keys("mastodon")
    assert described(index) == truth(store)


def test_a_file_changed_by_a_pull_is_read_again(tmp_path: Path) -> None:
    origin, _ = site(tmp_path)
    store = clone(origin, tmp_path / "ci")
    load_index(store).save()  # the index names the clone's commit
    edit(StateStore(origin / STATE), 4)  # elsewhere: committed and pushed
    (origin / STATE / "posts" / f"{key(5)}.json").unlink()
    git(origin, "commit", "-q", "-am", "unlinked by hand")
    git(store.root.parent.parent, "pull", "-q", "--ff-only")
    store.loaded.clear()
    index = load_index(store)
    assert store.loaded == [key(4)]
    assert key(4) not in index.keys("mastodon") and key(5) not in index.posts
    assert described(index) == truth(store)


def test_uncommitted_changes_staged_added_or_deleted_are_seen(tmp_path: Path) -> None:
    origin, _ = site(tmp_path)
    store = clone(origin, tmp_path / "ci")
    work = store.root.parent.parent
    edit(store, 1)
    git(work, "add", str(STATE / "posts" / f"{key(1)}.json"))  # staged, not committed
    store.save(replace(store.load(key(6)), key="copie.fr"))  # a new post, untracked
    (store.posts_dir / f"{key(7)}.json").unlink()  # deleted in the work tree
    store.loaded.clear()
    index = load_index(store)
    assert sorted(store.loaded) == [key(1), "copie.fr"]
    assert key(7) not in index.posts
    assert index.keys("mastodon").count(key(1)) == 0 and "copie.fr" in index.keys("mastodon")
    assert described(index) == truth(store)


def test_a_checkout_of_another_commit_reads_the_posts_that_differ(tmp_path: Path) -> None:
    origin, store = site(tmp_path)
    edit(store, 2)
    git(origin, "commit", "-q", "-am", "unlinked")
    load_index(store).save()  # the index names the newest commit
    git(origin, "checkout", "-q", "HEAD~1")
    store.loaded.clear()
    index = load_index(store)
    assert store.loaded == [key(2)]
    assert key(2) in index.keys("mastodon")  # as that commit has it
    assert described(index) == truth(store)


def test_history_rewritten_so_the_recorded_commit_is_gone(tmp_path: Path) -> None:
    origin, store = site(tmp_path)
    recorded = git(origin, "rev-parse", "HEAD")
    edit(store, 3)
    git(origin, "commit", "-q", "-a", "--amend", "-m", "rewritten")  # then force-pushed
    ci = clone(origin, tmp_path / "ci")  # a clone never had the commit the index names
    assert subprocess.run(["git", "cat-file", "-e", recorded], cwd=ci.root).returncode != 0
    index = load_index(ci)
    assert index.checked == "blobs"  # every post compared with the blob id git gives
    assert ci.loaded == [key(3)]
    assert described(index) == truth(ci)
    index.save()
    ci.loaded.clear()
    again = load_index(ci)  # the index now names the new commit: git lists the changes again
    assert again.checked == "changes" and ci.loaded == []


def test_a_shallow_clone_without_the_recorded_commit_compares_every_post_with_git(
    tmp_path: Path,
) -> None:
    origin, store = site(tmp_path)
    edit(store, 6)
    (store.posts_dir / f"{key(5)}.json").unlink()
    git(origin, "commit", "-q", "-am", "unlinked, removed")
    ci = clone(origin, tmp_path / "ci", "--depth", "1")  # actions/checkout's fetch-depth: 1
    index = load_index(ci)
    assert index.checked == "blobs"  # new times on every file, yet only the changed one read
    assert ci.loaded == [key(6)]
    assert key(6) not in index.keys("mastodon") and key(5) not in index.posts
    assert described(index) == truth(ci)


def test_without_git_every_file_is_checked(tmp_path: Path) -> None:
    origin, _ = site(tmp_path)
    plain = tmp_path / "copie"
    shutil.copytree(origin / STATE, plain)  # the state outside any repository
    store = CountingStore(plain)
    edit(store, 0)
    store.loaded.clear()
    index = load_index(store)
    assert index.checked == "files" and index.commit == ""
    assert store.loaded == [key(0)]
    assert described(index) == truth(store)


def test_what_a_run_wrote_then_discarded_with_git_restore_is_read_again(tmp_path: Path) -> None:
    origin, store = site(tmp_path)
    reader = Network()
    reader.announce(answer(5, "r1"))
    run(store, reader, NOW)  # post 5 written, not committed
    git(origin, "restore", str(STATE / "posts" / f"{key(5)}.json"))  # same commit, clean again
    store.loaded.clear()
    index = load_index(store)
    assert store.loaded == [key(5)]
    assert index.owners("mastodon", ["r1"]) == {}
    assert described(index) == truth(store)


def test_an_index_naming_an_option_instead_of_a_commit_is_not_trusted(tmp_path: Path) -> None:
    _, store = site(tmp_path)
    # The index comes back from a cache: what it names must not reach git as an option.
    path = store.root / "index.json"
    header, _, body = path.read_text(encoding="utf-8").partition("\n")
    fields = json.loads(header)
    fields["commit"] = f"--output={tmp_path / 'written'}"
    path.write_text(json.dumps(fields) + "\n" + body, encoding="utf-8")
    edit(store, 2)
    store.loaded.clear()
    index = load_index(store)
    assert index.checked == "blobs" and not (tmp_path / "written").exists()
    assert store.loaded == [key(2)]
    assert described(index) == truth(store)
