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

``Checkpoint`` is the fault-injection seam of the tests: the engines call it with each of
``CHECKPOINTS`` around a call, so a test can stop the process at each step and run again, and
with ``AFTER_PROGRESS`` once an adapter that publishes in several calls (``Resumable``: a media
container made, not yet published) has saved its progress note in the pending intent.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
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
