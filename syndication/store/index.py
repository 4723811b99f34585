"""The state index: what a backfeed run needs to know of every post, without reading every post.

A backfeed run must route each notification to its post (by the network's id of the copy, or of
an interaction under it) and know which copies are due for a refresh; with 100,000 copies,
reading every state file for that costs seconds per run (issue 20). The index keeps, per post
file, its published copies (network, id, next refresh time) and the ids of the interactions
under them, in ``index.json`` beside the state: a header line, then one post a line (together,
the members of one JSON object)::

    {"version": 4, "written_ns": 1764547200000000000, "schedule": "172800/3600 ...",
     "commit": "9fceb02...", "dirty": ["billet.fr"]}
    "billet.fr": [mtime_ns, size, "git blob id", {"mastodon": ["110", due, "111"]}],

(``due`` in seconds since the epoch, then the interactions' ids). It holds nothing a state
file does not hold (no secret). It is **never the source of truth**: each run checks it against
the post files, in one of three ways.

- **Where git can say what changed** (the state is in a repository and the index names a
  commit this repository has): every post outside ``dirty`` was, when the index was written,
  as in ``commit``. Git lists the post files that differ between that commit and the one
  checked out (``git diff-tree``: a pull, a checkout of another commit, the state commit of the
  last run), those whose bytes differ from the checked-out commit (``git diff-index HEAD``:
  edited, staged or deleted, git's own index vouching for the others by their time and size)
  and the untracked ones (``git ls-files --others``). Only the posts in those lists or in
  ``dirty`` are looked at: by the blob id git gives (a file the same as the commit's), else by
  time and size, or bytes. The others are trusted with no ``stat`` at all, so a fresh clone,
  which gives every file a new time, costs no more than any other run. The three commands run
  side by side while the index is parsed (``GitView``).
- **Where the state is in a repository but git cannot say what changed since** (the index
  names no commit, or one this clone lacks: a shallow clone, a rewritten and pruned history):
  every post is compared with the blob id git gives for its file (``git ls-files --stage``,
  true of every file ``git diff-index`` did not list), the listed ones by time and size, or
  bytes; still no ``stat`` or read of each file.
- **Otherwise** (no git, no repository, no commit yet): every post file is checked
  (``os.scandir``, one ``stat`` each), and a file whose size or modification time differ is
  read again, or, when only the time moved, compared by its content's hash (git's blob id:
  with more than a few hundred of them, git vouches for the files it tracks unmodified,
  ``git ls-files`` and ``git diff-files``, and only the others are read).

In each, a file written in the same instant as the index is checked by content, since a change
within the clock's resolution would keep the time (git's "racily clean" entries). The index then
names the commit checked out and, as ``dirty``, the posts git listed as differing from it plus
those the run writes (committed after the run, by ``gitstate.commit_state``: the next run finds
them in ``git diff-tree`` with the blob ids it recorded, and reads none of them). A missing,
unreadable or older-version index is rebuilt from the post files, which costs one full read,
and so does a changed schedule.

The due times come from the caller (``due``: the backfeed's schedule), so a run compares
integers instead of working out 100,000 schedules; the index keeps no more than that (fewer
values, a quicker parse: it is read whole at each run). Each post's line is kept as it was
read and written again only when the post changed. Only the standard library (``hashlib``,
``json``, git through ``subprocess`` where it is there): the file stays plain.
"""

from __future__ import annotations

import gc
import hashlib
import json
import logging
import os
import subprocess
import tempfile
import time
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any

from syndication.model import CopyStatus, PostState
from syndication.store.state import StateStore

logger = logging.getLogger(__name__)

VERSION = 4
INDEX_NAME = "index.json"
# A file modified less than this before the index was written may have changed again within
# the filesystem's time resolution (a tick of a few milliseconds; FAT keeps 2 s): check its bytes.
RACY_NS = 2_000_000_000

# Past this many files whose time moved (a fresh checkout), git is asked for their blob ids
# rather than each file read; under it, reading them costs less than starting git.
GIT_AFTER = 200
GIT_TIMEOUT = 60.0

# The digits of a commit id as git prints it (``_commit_id``).
_HEX = frozenset("0123456789abcdef")

# When a copy is next due: (network, copy id, published, last refresh or None) -> epoch seconds.
DueFunction = Callable[[str, str, int, int | None], int]

# One published copy as the index keeps it: [id, next refresh, *ids of the interactions under it
# on that network].
ID, DUE, ITEMS = 0, 1, 2


def _digest(data: bytes) -> str:
    """The id git gives these bytes as a blob: git can then vouch for a file without our
    reading it (``_git_blobs``). SHA-1 names content here, it guards nothing."""
    return hashlib.sha1(b"blob %d\0" % len(data) + data, usedforsecurity=False).hexdigest()


def _git_blobs(folder: Path) -> dict[str, str]:
    """The blob id of each file of ``folder`` whose bytes git knows, by file name: the files
    git tracks, less those it sees modified since its own index (``git diff-files``, which
    compares its cached times and sizes, and reads only files it cannot trust that way).
    Empty when git is not there or ``folder`` is not in a repository: the caller then reads
    the files itself.

    https://git-scm.com/docs/git-ls-files and https://git-scm.com/docs/git-diff-files
    """
    listed = _git(folder, "ls-files", "--stage", "-z", "--", ".")
    modified = _git(folder, "diff-files", "--name-only", "--relative", "-z", "--", ".")
    if listed is None or modified is None:
        logger.debug("git cannot vouch for %s: the files are read", folder)
        return {}
    changed = set(modified.decode("utf-8", "replace").split("\0"))
    return {
        name: blob
        for name, blob, stage in _staged(listed)
        if stage == "0" and "/" not in name and name not in changed
    }


def _staged(listed: bytes) -> Iterator[tuple[str, str, str]]:
    """Each entry of ``git ls-files --stage -z``: its file name, blob id and stage number."""
    for record in listed.decode("utf-8", "replace").split("\0"):
        meta, _, name = record.partition("\t")
        fields = meta.split()
        if len(fields) == 3:
            yield name, fields[1], fields[2]


def _git(folder: Path, *args: str) -> bytes | None:
    """The output of ``git *args`` run in ``folder``; None when git is not there, ``folder`` is
    in no repository, or the command fails (an absent commit, say)."""
    try:
        return subprocess.run(
            ["git", *args],
            cwd=folder,
            capture_output=True,
            check=True,
            timeout=GIT_TIMEOUT,
        ).stdout
    except (OSError, subprocess.SubprocessError):
        return None


def _keys(names: Iterable[str]) -> set[str]:
    """The post keys of those of ``names`` that are post files of the folder itself."""
    return {
        name[:-5]
        for name in names
        if name.endswith(".json") and "/" not in name and not name.startswith(".")
    }


class GitView:
    """What git says of the post files' folder at the start of a run: its commit (``head``),
    the post files whose bytes may differ from that commit's (``dirty``: modified, staged or
    deleted in the work tree, and untracked ones, ignored ones included), and those that
    differ between the commit the index was written at and ``head`` (``changed``).

    Three commands, each one pass in C, run side by side while the index file is parsed
    (``start``, then ``answer``): ``git diff-index HEAD`` (git's own index vouches for the
    unmodified files by their time and size, and compares the bytes of the racily clean ones;
    a file whose time alone moved may be listed: the index then compares it itself),
    ``git ls-files --others`` and ``git diff-tree`` between the two commits.

    https://git-scm.com/docs/git-diff-index, https://git-scm.com/docs/git-ls-files and
    https://git-scm.com/docs/git-diff-tree (raw output format)
    """

    def __init__(
        self,
        head: str,
        dirty: set[str],
        changed: dict[str, str | None] | None,
        folder: Path | None = None,
    ) -> None:
        self.folder = folder
        self.head = head
        self.dirty = dirty
        # Post key -> its blob id in ``head`` (None: not there); None when git cannot say (no
        # commit recorded, or not in this repository: a shallow clone, history rewritten).
        self.changed = changed

    @staticmethod
    def start(folder: Path, since: str) -> Callable[[], GitView | None]:
        """Start git's commands about ``folder`` (``since``: the commit the index was written
        at, "" for none); the function returned waits for them and gives the view, or None
        when git cannot give it (no git, no repository, no commit yet): the index then checks
        every file itself."""
        if not folder.is_dir():
            return lambda: None
        found = _git(folder, "rev-parse", "--verify", "-q", "HEAD")
        if not found:
            return lambda: None
        head = found.decode("ascii", "replace").strip()
        commands = [
            ["diff-index", "-z", "--name-only", "--relative", "HEAD", "--", "."],
            ["ls-files", "-z", "--others", "--", "."],
        ]
        if since and since != head:
            commands.append(
                ["diff-tree", "-r", "-z", "--no-renames", "--relative", since, head, "--", "."]
            )
        try:
            started = [
                subprocess.Popen(
                    ["git", *command],
                    cwd=folder,
                    stdin=subprocess.DEVNULL,
                    stdout=subprocess.PIPE,
                    stderr=subprocess.DEVNULL,
                )
                for command in commands
            ]
        except OSError:
            return lambda: None

        def answer() -> GitView | None:
            outputs: list[bytes | None] = []
            for process in started:
                try:
                    out, _ = process.communicate(timeout=GIT_TIMEOUT)
                except subprocess.TimeoutExpired:
                    process.kill()
                    process.communicate()
                    out = None
                outputs.append(out if process.returncode == 0 else None)
            modified, untracked = outputs[0], outputs[1]
            if modified is None or untracked is None:
                return None
            names = (modified + untracked).decode("utf-8", "replace").split("\0")
            changed: dict[str, str | None] | None = {} if since == head else None
            if len(outputs) > 2 and outputs[2] is not None:
                changed = _changed(outputs[2])
            return GitView(head, _keys(names), changed, folder)

        return answer

    def blobs(self) -> dict[str, str] | None:
        """The blob id of every post file git tracks, by post key: for those outside ``dirty``,
        the id of the bytes on disk (``git diff-index HEAD`` listed every file whose bytes
        differ from ``head``, or from git's own index). None when git cannot say.

        Asked when git cannot list what changed since the index was written (no commit named,
        or one this clone lacks): the index then compares every post with git's word instead
        of checking each file itself. https://git-scm.com/docs/git-ls-files (``--stage``)
        """
        if self.folder is None:
            return None
        listed = _git(self.folder, "ls-files", "--stage", "-z", "--", ".")
        if listed is None:
            return None
        blobs: dict[str, str] = {}
        for name, blob, stage in _staged(listed):
            if not _keys([name]):
                continue
            # A file in conflict (stages 1 to 3) has no one blob: "" matches no line, so the
            # file is read (and a conflicted state file says so).
            blobs[name[:-5]] = blob if stage == "0" and name[:-5] not in blobs else ""
        return blobs


def _changed(raw: bytes) -> dict[str, str | None]:
    """The post files of ``git diff-tree -r -z`` output, with their blob id in the second
    commit (None: not there)."""
    fields = raw.decode("utf-8", "replace").split("\0")
    changed: dict[str, str | None] = {}
    # ":old_mode new_mode old_blob new_blob status", then the path: two fields a file.
    for meta, name in zip(fields[0::2], fields[1::2], strict=False):
        parts = meta.split()
        if len(parts) != 5 or not _keys([name]):
            continue
        blob = parts[3]
        deleted = parts[4].startswith("D") or not blob.strip("0")
        changed[name[:-5]] = None if deleted else blob
    return changed


def _commit_id(value: Any) -> str:
    """``value`` if it is a commit id (SHA-1 or SHA-256, in hex), else "": the index comes
    back from a cache, and what it names is passed to git as an argument, never as an option."""
    if isinstance(value, str) and len(value) in (40, 64) and _HEX.issuperset(value):
        return value
    return ""


def _recorded_commit(text: str) -> str:
    """The commit named in the first line of an index file's ``text``; "" for none."""
    try:
        head = json.loads(text.partition("\n")[0]) if text else None
    except ValueError:
        return ""
    return _commit_id(head.get("commit")) if isinstance(head, dict) else ""


def _parse(text: str) -> Any:
    """``json.loads(text)`` with the cyclic garbage collector paused: the index is hundreds of
    thousands of small lists and strings, and the collections their creation would set off,
    each walking all the objects made so far, took half the parse's time (and nothing in
    parsed JSON can form a cycle). https://docs.python.org/3/library/gc.html"""
    enabled = gc.isenabled()
    gc.disable()
    try:
        return json.loads(text)
    finally:
        if enabled:
            gc.enable()


def _line(key: str, post: list[Any]) -> str:
    return json.dumps({key: post}, ensure_ascii=False, separators=(",", ":"))[1:-1]


class StateIndex:
    """The index of a ``StateStore``: load it with ``StateIndex.load``, inside the store's lock."""

    def __init__(self, store: StateStore, due: DueFunction, schedule: str = "") -> None:
        self.store = store
        self.due_at = due
        self.schedule = schedule  # names the schedule ``due`` follows; another one: work out again
        # key -> [mtime_ns, size, digest, {network: entry}]
        self.posts: dict[str, list[Any]] = {}
        self._read_lines: list[str] = []  # the post lines as read, in the order of ``_read_keys``
        self._read_keys: list[str] = []
        self._touched: set[str] = set()  # posts whose line must be written anew
        self._restamped: dict[str, int] = {}  # posts whose line only has a new time: the old one
        self.changed = False
        self.read = 0  # post files parsed to bring the index up to date (for tests and benches)
        # The commit the post files were checked against, and the posts whose line may differ
        # from that commit's file (changed in the work tree, untracked, written by this run):
        # the next run asks git what changed since then and checks only those (``_check_git``).
        self.commit = ""
        self.dirty: set[str] = set()
        # How the files were checked (for tests and benches): "changes" (git listed what
        # changed since the commit named), "blobs" (every post against git's blob ids) or
        # "files" (each file's time and size, then bytes).
        self.checked = ""

    @property
    def path(self) -> Path:
        """The index file, beside the post files' folder."""
        return self.store.root / INDEX_NAME

    @classmethod
    def load(cls, store: StateStore, due: DueFunction, schedule: str = "") -> StateIndex:
        """The index of ``store``, brought up to date with its post files."""
        index = cls(store, due, schedule)
        try:
            text = index.path.read_text(encoding="utf-8")
        except FileNotFoundError:
            text = ""
        except OSError as error:
            logger.info("%s cannot be read (%s); it is rebuilt from the posts", index.path, error)
            text = ""
        # git works while the index is parsed (each takes about a tenth of a second at 50,000
        # posts); the commit to compare with is in the index's first line.
        git_view = GitView.start(store.posts_dir, _recorded_commit(text))
        written_ns, commit, dirty = index._read(text)
        git = git_view()
        if git is not None and git.changed is not None and commit:
            index._check_git(written_ns, git, git.changed, dirty)
            index.checked = "changes"
        elif git is not None and (blobs := git.blobs()) is not None:
            # Git cannot say what changed since the index was written (it names no commit, or
            # one this clone lacks: a shallow clone, history rewritten): every post is compared
            # with the blob id git gives for it, still without a stat or a read of each file.
            everything: dict[str, str | None] = dict(blobs)
            everything.update((key, None) for key in index.posts.keys() - blobs.keys())
            index._check_git(written_ns, git, everything, set())
            index.checked = "blobs"
        else:
            index._check(written_ns)
            index.checked = "files"
        # From here, the index describes the files as they are: those git does not list as
        # differing from ``head`` are that commit's; whatever this run writes is not, yet.
        index.commit = git.head if git is not None else ""
        index.dirty = set(git.dirty) if git is not None else set()
        if (index.commit, index.dirty) != (commit, dirty):
            index.changed = True
        return index

    def _read(self, text: str) -> tuple[int, str, set[str]]:
        """Load the index from its file's ``text``: its write time, commit and dirty posts
        (``__init__``), or (0, "", empty) when there is none to trust."""
        nothing: tuple[int, str, set[str]] = (0, "", set())
        if not text:
            return nothing
        try:
            head_line, _, rest = text.partition("\n")
            head = json.loads(head_line)
            if not isinstance(head, dict) or head.get("version") != VERSION:
                logger.info("%s is of another version; it is rebuilt from the posts", self.path)
                return nothing
            members = rest.rstrip(",\n \t\r")
            body = members.split(",\n") if members else []
            posts = _parse("{" + members + "}")  # one parse, in C; the lines are members
        except ValueError as error:
            logger.info("%s cannot be read (%s); it is rebuilt from the posts", self.path, error)
            return nothing
        if not isinstance(posts, dict) or len(posts) != len(body):
            return nothing
        if head.get("schedule") != self.schedule:
            logger.info("%s follows another schedule; it is rebuilt from the posts", self.path)
            return nothing
        self.posts = posts
        self._read_lines, self._read_keys = body, list(posts)
        commit, dirty = _commit_id(head.get("commit")), head.get("dirty")
        if not commit or not isinstance(dirty, list):
            commit, dirty = "", []  # written without git (or by an earlier version)
        return int(head.get("written_ns", 0)), commit, {str(key) for key in dirty}

    def _check_git(
        self, written_ns: int, git: GitView, changed: dict[str, str | None], dirty: set[str]
    ) -> None:
        """Read again the post files git does not vouch for, and only those.

        Every post outside ``dirty`` was, when the index was written, as in its ``commit``
        (``load``). Git lists the files that changed between that commit and now
        (``changed``: a pull, a checkout of another commit) and those whose bytes differ from
        the current commit (``git.dirty``: edited, staged, deleted or untracked). A file in
        none of these sets is as indexed, with no ``stat`` of ours: a fresh clone's new times
        do not matter. A file changed between the commits only is compared by the blob id git
        gives; the others by their time and size, or their bytes (``_check_one``).
        """
        posts = self.posts
        folder = self.store.posts_dir
        racy_from = written_ns - RACY_NS
        for key in sorted(changed.keys() | git.dirty | dirty):
            post = posts.get(key)
            if key in changed and key not in git.dirty:
                blob = changed[key]  # the file on disk is the current commit's
                if blob is None:
                    if post is not None:
                        del posts[key]  # removed by the new commit
                        self.changed = True
                elif post is None or post[2] != blob:
                    self.record(self.store.load(key))
                    self.read += 1
                continue
            path = folder / f"{key}.json"
            try:
                info = os.stat(path)
            except FileNotFoundError:
                if post is not None:
                    del posts[key]  # its file was removed
                    self.changed = True
                continue
            if post is not None and post[1] == info.st_size:
                if post[0] == info.st_mtime_ns and info.st_mtime_ns < racy_from:
                    continue  # as indexed
                self._check_one(key, str(path), info, None)
            else:
                self.record(self.store.load(key))
                self.read += 1

    def _check(self, written_ns: int) -> None:
        """Read again every post file the index does not describe as it is now."""
        folder = self.store.posts_dir
        posts = self.posts
        seen: set[str] = set()
        suspects: list[tuple[str, str, os.stat_result]] = []
        racy_from = written_ns - RACY_NS
        if folder.is_dir():
            with os.scandir(folder) as entries:
                for entry in entries:
                    name = entry.name
                    if not name.endswith(".json") or name.startswith("."):
                        continue
                    key = name[:-5]
                    seen.add(key)
                    info = entry.stat()
                    post = posts.get(key)
                    if post is not None and post[1] == info.st_size:
                        if post[0] == info.st_mtime_ns and info.st_mtime_ns < racy_from:
                            continue  # as indexed: the common case, kept quick
                        suspects.append((key, entry.path, info))  # the bytes may be the same
                    else:
                        self.record(self.store.load(key))
                        self.read += 1
        blobs = _git_blobs(folder) if len(suspects) > GIT_AFTER else {}
        for key, path, info in suspects:
            self._check_one(key, path, info, blobs.get(f"{key}.json"))
        for key in posts.keys() - seen:
            del posts[key]  # its file was removed
            self.changed = True

    def _check_one(self, key: str, path: str, info: os.stat_result, blob: str | None) -> None:
        """A file of the indexed size whose time moved: the same bytes (by git's word, else
        read), or read again."""
        post = self.posts.get(key)
        if post is not None:
            if blob is None:
                with open(path, "rb") as stream:
                    blob = _digest(stream.read())
            if blob == post[2]:
                if post[0] != info.st_mtime_ns:
                    # Same bytes, a new time (a fresh checkout): only the time in its line moves.
                    self._restamped.setdefault(key, post[0])
                    post[0] = info.st_mtime_ns
                    self.changed = True
                return
        self.record(self.store.load(key))
        self.read += 1

    def record(self, state: PostState) -> None:
        """Describe ``state`` as its file now holds it (call after ``StateStore.save``): not
        yet in a commit, so the next run checks it (``dirty``)."""
        path = self.store.path_for(state.key)
        data = path.read_bytes()
        info = path.stat()
        copies: dict[str, list[Any]] = {}
        for network, copy in sorted(state.copies.items()):
            if copy.status is not CopyStatus.PUBLISHED:
                continue
            last = state.refreshed_at.get(network)
            refreshed = None if last is None else int(last.timestamp())
            published = int((copy.published_at or copy.intent_at).timestamp())
            items = sorted(i.id for i in state.interactions.values() if i.network == network)
            copies[network] = [copy.id, self.due_at(network, copy.id, published, refreshed), *items]
        self.posts[state.key] = [info.st_mtime_ns, info.st_size, _digest(data), copies]
        self._touched.add(state.key)
        self.dirty.add(state.key)
        self.changed = True

    def keys(self, network: str) -> list[str]:
        """The posts with a published copy on ``network``, sorted."""
        return sorted(key for key, post in self.posts.items() if network in post[3])

    def due(self, network: str, now: int) -> list[str]:
        """The posts whose copy on ``network`` is due for a refresh at ``now`` (epoch), sorted."""
        found = []
        for key, post in self.posts.items():
            entry = post[3].get(network)
            if entry is not None and entry[DUE] <= now:
                found.append(key)
        return sorted(found)

    def owners(self, network: str, ids: Iterable[str]) -> dict[str, str]:
        """The posts of those of ``ids`` we know on ``network`` (published copies and the
        interactions under them): id -> post key."""
        wanted = set(ids)
        owners: dict[str, str] = {}
        if not wanted:
            return owners
        for key, post in self.posts.items():
            entry = post[3].get(network)
            if entry is None:
                continue
            if entry[ID] in wanted:
                owners[entry[ID]] = key
            if len(entry) > ITEMS and not wanted.isdisjoint(entry):  # in C: most are passed
                owners.update((item, key) for item in entry[ITEMS:] if item in wanted)
        return owners

    def save(self) -> None:
        """Write the index atomically when it changed: the lines of unchanged posts as read."""
        if not self.changed:
            return
        head = {
            "version": VERSION,
            "written_ns": time.time_ns(),
            "schedule": self.schedule,
            "commit": self.commit,
            "dirty": sorted(self.dirty) if self.commit else [],  # without git: unused
        }
        kept = dict(zip(self._read_keys, self._read_lines, strict=True))
        body = []
        for key in sorted(self.posts):
            line = None if key in self._touched else kept.get(key)
            old_time = self._restamped.get(key)
            if line is not None and old_time is not None:
                # '"key":[mtime,...': a new time costs a splice, not a new dump (a fresh checkout
                # gives every line one).
                start = f"{json.dumps(key, ensure_ascii=False)}:["
                old_head = f"{start}{old_time},"
                fits = line.startswith(old_head)
                line = f"{start}{self.posts[key][0]},{line[len(old_head) :]}" if fits else None
            body.append(line if line is not None else _line(key, self.posts[key]))
        self.store.root.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(
            prefix=f".{INDEX_NAME}.", suffix=".tmp", dir=self.store.root
        )
        try:
            with os.fdopen(handle, "w", encoding="utf-8") as stream:
                stream.write(json.dumps(head) + "\n" + ",\n".join(body) + "\n")
            os.replace(temporary, self.path)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise
        self._read_keys, self._read_lines = sorted(self.posts), body
        self._touched.clear()
        self._restamped.clear()
        self.changed = False
