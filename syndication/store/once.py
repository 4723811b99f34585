"""Exactly once (DESIGN.md, principle 3): the machinery both writing engines share.

Publishing a post (``syndication.publish.syndicate``) and answering a comment
(``syndication.desk.reply``) follow the same three steps, each saved before the next:

1. **intent**: a pending ``Copy`` with a key chosen here (``new_intent``; the network's
   declaration says what kind of key: a Bluesky record key, a UUID sent as ``Idempotency-Key``)
   is saved before any call;
2. **reconcile**: a pending intent found by a later run is first looked up on the network under
   that key (the adapter's ``find_published`` / ``find_reply``); only when the network does not
   have it is it sent again, under the same key;
3. **record**: what the network answered turns the intent into a published copy
   (``record_published``).

An intent is only left where the network may have received the call: a fresh intent is saved
after the network was first read (a refused login or an unreachable server fail there), and when
the call itself fails without one request having left this machine, the state file is put back
byte for byte (``Snapshot``), so a run that could not reach a network leaves no diff to commit.

``Checkpoint`` is the fault-injection seam of the tests: the engines call it with each of
``CHECKPOINTS`` around a call, so a test can stop the process at each step and run again, and
with ``AFTER_PROGRESS`` once an adapter that publishes in several calls (``Resumable``: a media
container made, not yet published) has saved its progress note in the pending intent.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, TypeGuard

from syndication.model import Copy, CopyStatus, utc_now
from syndication.networks.registry import new_key

if TYPE_CHECKING:
    from syndication.networks.base import Published

Checkpoint = Callable[[str], None]
CHECKPOINTS: tuple[str, ...] = ("before-call", "after-call", "after-record")
AFTER_PROGRESS = "after-progress"  # only for adapters that note progress (``Resumable``)


def no_checkpoint(step: str) -> None:
    """The checkpoint of a real run: nothing happens between the steps."""


def new_intent(network: str) -> Copy:
    """A pending copy on ``network`` under a new idempotency key, stamped now (not yet saved)."""
    return Copy(network, CopyStatus.PENDING, new_key(network), intent_at=utc_now())


def posted(copy: Copy | None) -> TypeGuard[Copy]:
    """Whether a copy is on the network for good (a pending intent still has to be settled)."""
    return copy is not None and copy.status is not CopyStatus.PENDING


def record_published(copy: Copy, published: Published) -> None:
    """Turn the pending ``copy`` into the published one the network answered."""
    copy.status = CopyStatus.PUBLISHED
    copy.id = published.id
    copy.url = published.url
    copy.published_at = published.published_at
    copy.account = published.account
    copy.extra = dict(published.extra)


def note_progress(copy: Copy, progress: Mapping[str, str]) -> None:
    """Write an adapter's progress note (plain ids) in the pending ``copy``; {} clears it.

    It lives in ``extra``, which ``record_published`` replaces with what the network answered.
    """
    copy.extra = dict(progress)


@dataclass(frozen=True)
class Snapshot:
    """A state file as it was before an intent was saved in it, to be put back exactly.

    ``data`` is None when there was no file; ``folder_existed`` says whether its folder was there.
    """

    path: Path
    data: bytes | None
    mode: int
    folder_existed: bool

    @classmethod
    def of(cls, path: Path) -> Snapshot:
        """The bytes and permissions of ``path`` now."""
        try:
            return cls(path, path.read_bytes(), path.stat().st_mode & 0o777, True)
        except FileNotFoundError:
            return cls(path, None, 0, path.parent.is_dir())

    def restore(self) -> None:
        """Put the file back as it was, through a rename like every state write (all or nothing);
        remove it, and the folder made for it, when there was none."""
        if self.data is None:
            self.path.unlink(missing_ok=True)
            if not self.folder_existed and not any(self.path.parent.iterdir()):
                self.path.parent.rmdir()
            return
        handle, temporary = tempfile.mkstemp(
            prefix=f".{self.path.name}.", suffix=".tmp", dir=self.path.parent
        )
        try:
            with os.fdopen(handle, "wb") as stream:
                stream.write(self.data)
                stream.flush()
                os.fsync(stream.fileno())
            os.chmod(temporary, self.mode)
            os.replace(temporary, self.path)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise
