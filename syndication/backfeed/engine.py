"""Bring the conversation home: gather replies, likes, reposts and quotes into the state files.

Cost follows new activity, not the archive (DESIGN.md, principle 7):

1. each network's notification stream is read from the stored cursor; a notification that carries
   the whole interaction is recorded as it is, otherwise its post is marked for a refresh;
2. whole threads are refreshed on a schedule that slows with the post's age (``refresh_interval``):
   that is how deletions and edits on the network reach the site. Each copy is due once per
   interval at its own phase (``next_refresh``), so copies refreshed together (the first run)
   spread over the interval instead of coming back as one burst. The counts of every due copy
   are read first, in batches (``Reader.counts``), and only the lists they call for are read
   (``lists_to_read``): a quiet post costs no request of its own. The counts, and the replies
   and quotes they call for, are read while the notification pages come; only the likes and
   reposts wait for them. Without a cursor, every thread is read. Likes or reposts a network
   counts but never lists (no one to show) are kept as a number on the copy (``Copy.counted``);
3. everything stored is sanitised (``sanitize``) and moderated (``moderation``) first; avatars
   are copied locally (``avatars``), all three beside this module;
4. a notification about none of our copies that is a reader's words to the company (a post
   that names one of its accounts, a reply to one of its posts elsewhere, a quote of one with
   words of its own; never a like or a repost, nor the company's own accounts' or employees'
   posts) is a comment heard outside our posts: it is kept, sanitised and moderated like the
   rest, as a mention addressed to the company in the listening store
   (``syndication.listen.store``, where ``invoke listen`` keeps what its searches find, so the
   same post heard both ways is one mention, under one inbox ID). The inbox lists it among the
   comments waiting, ``invoke reply`` answers it in its thread. Until the company answers, its
   thread is read on the schedule of a copy (``next_refresh``) for an answer made elsewhere (in
   the network's own app, say): once seen, it is answered; once the post is gone, it is taken
   out. A first run (no cursor) only starts the stream: what came before it is not kept.
   Facebook, Instagram and Threads bring the posts and media that tag the Page, the account or
   the profile (their ``tagged``, ``tags`` and ``mentions`` edges, read like notifications),
   LinkedIn the posts and comments that mention the page (its ``SHARE_MENTION`` and
   ``COMMENT_MENTION`` notifications, pulled).

A run reads only what it needs: the state index (``syndication.store.index``) routes each
notification to its post and says which copies are due, and only those posts' files are read.
The index is checked against the post files first: where the state is in a git repository, git
says which files changed since the commit the index was written at, and only those are looked
at (a fresh clone in CI reads none).
A network's cursor only moves forward when every post it touched was saved, so a failure loses
nothing: the next run sees the same notifications again. The store's lock is held for the whole
run, so a backfeed never interleaves with a syndication or another backfeed.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence, Set
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta

import httpx

from syndication.backfeed.avatars import AvatarStore
from syndication.backfeed.moderation import Moderation
from syndication.backfeed.sanitize import clean_html, html_to_text, text_to_html
from syndication.errors import AgoraError, NotFound
from syndication.listen.mentions import heard, root_copy
from syndication.listen.store import ListenStore, Mention
from syndication.model import (
    Copy,
    CopyStatus,
    Interaction,
    InteractionKind,
    PostState,
    interaction_key,
    utc_now,
)
from syndication.networks.base import READ_KINDS, Activity, Counts, Reader
from syndication.networks.registry import label
from syndication.store.index import StateIndex
from syndication.store.state import StateStore

logger = logging.getLogger(__name__)

# (posts younger than this, are refreshed at least this often); older posts: weekly.
REFRESH_SCHEDULE: tuple[tuple[timedelta, timedelta], ...] = (
    (timedelta(days=2), timedelta(hours=1)),
    (timedelta(days=14), timedelta(hours=6)),
    (timedelta(days=90), timedelta(days=1)),
)
OLDEST_INTERVAL = timedelta(days=7)
DEFAULT_CONCURRENCY = 8
CURSOR_NAME = "notifications"

Progress = Callable[[str, int, int], None]


# What one read of a copy's lists gives: the kinds read, and what they hold.
Lists = tuple[frozenset[InteractionKind], list[Interaction]]


async def _abandon(reads: Iterable[asyncio.Future[Lists]]) -> None:
    """Cancel reads whose answers are no longer wanted, and wait for them to end."""
    pending = list(reads)
    for read in pending:
        read.cancel()
    await asyncio.gather(*pending, return_exceptions=True)


def refresh_interval(age: timedelta) -> timedelta:
    """How long a post of this age may go without a full refresh of its threads."""
    for younger_than, interval in REFRESH_SCHEDULE:
        if age < younger_than:
            return interval
    return OLDEST_INTERVAL


def refresh_phase(network: str, copy_id: str) -> float:
    """Where in each interval the copy is due, in [0, 1): fixed by its network and id.

    A hash, not Python's ``hash`` (salted per process), so every run agrees; spread evenly, so
    as many copies fall due in each hour of a week.
    """
    digest = hashlib.blake2b(f"{network}:{copy_id}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big") / 2**64


# The schedule in whole seconds, for the index's thousands of due times a run (``due_epoch``).
_SCHEDULE_SECONDS = tuple(
    (int(younger.total_seconds()), int(interval.total_seconds()))
    for younger, interval in REFRESH_SCHEDULE
)
_OLDEST_SECONDS = int(OLDEST_INTERVAL.total_seconds())
# Names the schedule in the index: due times stored under another one are worked out again.
SCHEDULE_SIGNATURE = " ".join(f"{a}/{b}" for a, b in _SCHEDULE_SECONDS) + f" {_OLDEST_SECONDS}"


def due_epoch(network: str, copy_id: str, published: int, last: int | None) -> int:
    """``next_refresh`` in seconds since the epoch (what the state index stores)."""
    if last is None:
        return 0
    age = max(last - published, 0)
    interval = next((i for younger, i in _SCHEDULE_SECONDS if age < younger), _OLDEST_SECONDS)
    phase = int(refresh_phase(network, copy_id) * interval)
    return ((last - phase) // interval + 1) * interval + phase


def next_refresh(
    network: str, copy_id: str, published: datetime, last: datetime | None
) -> datetime:
    """When the threads of a copy last refreshed at ``last`` are next due.

    Due times fall at the copy's phase in each interval (counted from the Unix epoch): the first
    one after ``last``. The wait is at most the interval of the post's age at ``last`` (the
    conversation page's promise: hourly for two days, every six hours up to two weeks, daily up
    to three months, weekly after), and copies refreshed together (a first run) come due spread
    over the interval, each once per interval after that: an even trickle of requests instead
    of the same burst every week. Never refreshed: due at once.
    """
    seconds = due_epoch(
        network,
        copy_id,
        int(published.timestamp()),
        None if last is None else int(last.timestamp()),
    )
    return datetime.fromtimestamp(seconds, UTC)


def refresh_due(state: PostState, copy: Copy, now: datetime) -> bool:
    """Whether the threads of ``copy`` are due for a full refresh."""
    last = state.refreshed_at.get(copy.network)
    published = copy.published_at or copy.intent_at
    return now >= next_refresh(copy.network, copy.id, published, last)


# Kinds whose items carry text: edits and deletions of nested replies change no count at the
# copy, so their lists are read whenever there is any. Likes and reposts carry no text: the
# count tells whether the stored ones are still all of them.
_WITH_TEXT = frozenset({InteractionKind.REPLY, InteractionKind.QUOTE})
_REACTIONS = frozenset({InteractionKind.LIKE, InteractionKind.REPOST})
# What a notification about none of our copies may be to be kept as a comment heard outside our
# posts: words addressed to the company (a like or a repost of something else is not).
_HEARD_KINDS = frozenset({InteractionKind.MENTION, InteractionKind.REPLY, InteractionKind.QUOTE})
_ONLY_REPLIES = frozenset({InteractionKind.REPLY})


def heard_outside(item: Interaction | None) -> bool:
    """Whether a notification about none of our copies is a reader's words to the company:
    a mention, a reply or a quote with words of its own, not by one of the company's accounts
    (the brand's or an employee's, which the adapters mark ``by_company``)."""
    return (
        item is not None
        and item.kind in _HEARD_KINDS
        and not item.by_company
        and bool((item.content_text or item.content_html).strip())
    )


def heard_source(item: Interaction) -> str:
    """Where a comment heard outside our posts comes from, as ``invoke inbox --mentions`` says."""
    what = "Quote" if item.kind is InteractionKind.QUOTE else "Mention"
    return f"{what} on {label(item.network)}"


def lists_to_read(
    state: PostState, network: str, counts: Counts | None
) -> frozenset[InteractionKind]:
    """Which of a copy's lists a refresh must read, given what the network counts on it.

    A list is skipped when its count is 0 and nothing of its kind is stored, and for likes and
    reposts also when the count equals what is stored: new ones arrive through notifications,
    so an equal count means none left. A count that went down (a like withdrawn) or up (one the
    notifications missed) has the list read. ``counts`` None: the network did not say; read all.
    """
    if counts is None:
        return READ_KINDS
    stored = Counter(item.kind for item in state.interactions.values() if item.network == network)
    wanted = set()
    for kind in READ_KINDS:
        count = counts.of(kind)
        if count is None:
            wanted.add(kind)
        elif kind in _WITH_TEXT:
            if count > 0 or stored[kind]:
                wanted.add(kind)
        elif count != stored[kind]:
            wanted.add(kind)
    return frozenset(wanted)


def lists_known_now(
    state: PostState, network: str, counts: Counts | None
) -> frozenset[InteractionKind]:
    """The lists of ``lists_to_read`` that no notification could spare, so read without them.

    Replies and quotes are read whenever there are some; likes and reposts only when their
    count differs from what is stored, which the notifications may change, unless the network
    did not count them.
    """
    return frozenset(
        kind
        for kind in lists_to_read(state, network, counts)
        if kind in _WITH_TEXT or counts is None or counts.of(kind) is None
    )


@dataclass
class NetworkTally:
    """What one network's backfeed changed."""

    new: int = 0  # comments heard outside our posts included
    changed: int = 0
    removed: int = 0
    refreshed: int = 0
    notifications: int = 0
    heard: int = 0  # of the new, those outside our posts (mentions and quotes of the company)
    failures: list[str] = field(default_factory=list)


@dataclass
class BackfeedReport:
    """The summary printed at the end of a run."""

    tallies: dict[str, NetworkTally] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        """True when no network failed."""
        return not any(t.failures for t in self.tallies.values())

    def lines(self) -> list[str]:
        """One line per network, then one per failure."""
        lines = []
        for network in sorted(self.tallies):
            t = self.tallies[network]
            outside = f" ({t.heard} outside our posts)" if t.heard else ""
            lines.append(
                f"{network}: {t.new} new{outside}, {t.changed} changed, {t.removed} removed "
                f"({t.notifications} notifications, {t.refreshed} threads refreshed)"
            )
        for network in sorted(self.tallies):
            lines.extend(f"{network}: {failure}" for failure in self.tallies[network].failures)
        return lines


def prepare(item: Interaction, moderation: Moderation) -> Interaction | None:
    """The interaction as it may be stored (sanitised), or None when moderation blocks it."""
    if not moderation.allows(item):
        return None
    html = clean_html(item.content_html) if item.content_html else text_to_html(item.content_text)
    text = item.content_text or html_to_text(html)
    return replace(item, content_html=html, content_text=text, summary=item.summary.strip())


def _differs(old: Interaction, new: Interaction) -> bool:
    """Whether what a reader sees of an interaction changed."""
    return (
        old.content_html != new.content_html
        or old.summary != new.summary
        or old.updated_at != new.updated_at
        or old.author.name != new.author.name
        or old.author.avatar_url != new.author.avatar_url
        or old.in_reply_to != new.in_reply_to
    )


class Backfeed:
    """One backfeed run over every syndicated copy of the networks given.

    At most ``concurrency`` threads are read at once from each network (avatars: as many).
    """

    def __init__(
        self,
        store: StateStore,
        readers: Mapping[str, Reader],
        client: httpx.AsyncClient,
        *,
        moderation: Moderation | None = None,
        avatars: AvatarStore | None = None,
        now: Callable[[], datetime] = utc_now,
        concurrency: int = DEFAULT_CONCURRENCY,
        progress: Progress | None = None,
    ) -> None:
        self.store = store
        self.readers = readers
        self.client = client
        self.moderation = moderation or Moderation()
        self.avatars = avatars
        self.now = now
        # One bound per network: it spares each server, and two networks are two servers, so a
        # shared bound would halve each one's pace in a run over both.
        self.limits = {network: asyncio.Semaphore(concurrency) for network in readers}
        self.avatar_limit = asyncio.Semaphore(concurrency)
        self.progress = progress
        self.states: dict[str, PostState] = {}  # the posts this run read, by key
        self.index = StateIndex(store, due_epoch, SCHEDULE_SIGNATURE)
        self.dirty: set[str] = set()
        self._pending_cursors: dict[str, dict[str, str]] = {}
        self._streamed: set[str] = set()  # keys of the interactions this run's notifications gave
        # Comments heard outside our posts (listening's mentions), read once a run, by inbox ID;
        # those this run changed or found gone, written at its end.
        self.listening = ListenStore(store.root)
        self._mentions: dict[str, Mention] | None = None
        self._mentions_new: set[str] = set()
        self._mentions_changed: set[str] = set()
        self._mentions_gone: set[str] = set()

    # -- the posts ---------------------------------------------------------------------------

    def _state(self, key: str) -> PostState:
        """The state of post ``key``, read once per run, when a notification or the schedule
        first needs it."""
        state = self.states.get(key)
        if state is None:
            state = self.states[key] = self.store.load(key)
        return state

    # -- merging -------------------------------------------------------------------------------

    def _merge_one(self, state: PostState, item: Interaction, tally: NetworkTally) -> None:
        prepared = prepare(item, self.moderation)
        key = interaction_key(item.network, item.id)
        old = state.interactions.get(key)
        if prepared is None:
            if old is not None:
                del state.interactions[key]
                tally.removed += 1
                self.dirty.add(state.key)
            return
        if old is not None:
            prepared = replace(prepared, signed_by=prepared.signed_by or old.signed_by)
            if prepared.kind in _REACTIONS:
                # A list may not give a reaction's time (getRepostedBy): keep the one first seen.
                prepared = replace(prepared, published_at=old.published_at)
            if old.author.avatar_url == prepared.author.avatar_url and old.author.avatar:
                author = replace(prepared.author, avatar=old.author.avatar)
                prepared = replace(prepared, author=author)
            if not _differs(old, prepared) and old.to_dict() == prepared.to_dict():
                return
            tally.changed += 1 if _differs(old, prepared) else 0
        else:
            tally.new += 1
        state.interactions[key] = prepared
        self.dirty.add(state.key)

    def _replace_network(
        self,
        state: PostState,
        network: str,
        fresh: list[Interaction],
        tally: NetworkTally,
        kinds: frozenset[InteractionKind] = READ_KINDS,
        keep: Set[str] = frozenset(),
    ) -> None:
        """Make the post's ``kinds`` of interactions on ``network`` exactly ``fresh``, moderated.

        The interactions of ``keep`` (keys) are left as they are, whatever ``fresh`` says.
        """
        allowed = [
            item
            for item in self.moderation.filter(fresh)
            if interaction_key(network, item.id) not in keep
        ]
        kept = {interaction_key(network, item.id) for item in allowed} | keep
        for key in [
            k for k, v in state.interactions.items() if v.network == network and v.kind in kinds
        ]:
            if key not in kept:
                del state.interactions[key]
                tally.removed += 1
                self.dirty.add(state.key)
        for item in allowed:
            self._merge_one(state, item, tally)

    # -- network work ---------------------------------------------------------------------------

    async def _read(self, network: str, key: str, kinds: frozenset[InteractionKind]) -> Lists:
        """The ``kinds`` of lists of the post's copy, within the network's bound.

        Only the lists the network can still give are read (``Reader.kinds_readable``): the
        others keep what was gathered while they could be read.
        """
        copy = self._state(key).copies[network]
        reader = self.readers[network]
        readable = kinds & reader.kinds_readable(copy)
        if not readable:
            return readable, []
        async with self.limits[network]:
            return readable, await reader.conversation(copy, readable)

    async def _refresh(
        self,
        network: str,
        key: str,
        counts: Counts | None,
        tally: NetworkTally,
        early: asyncio.Future[Lists] | None = None,
    ) -> None:
        """Refresh the copy's lists: those read ``early``, then what the merged state calls for."""
        state = self._state(key)
        copy = state.copies[network]
        nothing: Lists = (frozenset(), [])
        try:
            early_kinds, early_items = await early if early is not None else nothing
            rest = lists_to_read(state, network, counts) - early_kinds
            rest_kinds, rest_items = await self._read(network, key, rest) if rest else nothing
        except NotFound:
            logger.info("the %s copy of %s no longer exists; it is unlinked", network, key)
            copy.status = CopyStatus.DELETED
            self._replace_network(state, network, [], tally)
            self.dirty.add(key)
            return
        if early_kinds:
            # Read while the notifications came: what they brought is as fresh, and stays.
            self._replace_network(
                state, network, early_items, tally, early_kinds, keep=self._streamed
            )
        if rest_kinds:
            self._replace_network(state, network, rest_items, tally, rest_kinds)
        self._keep_counted(copy, counts)
        state.refreshed_at[network] = self.now()
        tally.refreshed += 1
        self.dirty.add(key)

    def _keep_counted(self, copy: Copy, counts: Counts | None) -> None:
        """Keep the number of likes or reposts the network counts on ``copy`` but never lists,
        so the page can show how many there are; a count it did not give leaves the last one."""
        for kind in _REACTIONS - self.readers[copy.network].kinds_readable(copy):
            count = counts.of(kind) if counts is not None else None
            if count:
                copy.counted[kind.value] = count
            elif count == 0:
                copy.counted.pop(kind.value, None)

    async def _counts(self, network: str, keys: Sequence[str]) -> dict[str, Counts | None]:
        """What the network counts on the copies of ``keys``, read in batches, by post key.

        A copy the answer leaves out maps to None (read whole: that tells whether it is gone),
        and so does every copy when the network cannot count in batches or the read failed.
        """
        reader = self.readers[network]
        size = reader.counts_batch
        if size <= 0 or not keys:
            return {}
        owners = {self._state(key).copies[network].id: key for key in keys}
        copies = [self._state(key).copies[network] for key in keys]

        async def batch(chunk: list[Copy]) -> dict[str, Counts] | None:
            async with self.limits[network]:
                try:
                    return await reader.counts(chunk)
                except AgoraError as error:
                    # Not fatal: the lists themselves say everything, at a higher cost.
                    logger.info(
                        "%s did not give its counts (%s); reading every list", network, error
                    )
                    return None

        answers = await asyncio.gather(
            *(batch(copies[start : start + size]) for start in range(0, len(copies), size))
        )
        found: dict[str, Counts | None] = {}
        for answer in answers:
            for copy_id, counts in (answer or {}).items():
                if copy_id in owners:
                    found[owners[copy_id]] = counts
        return found

    async def _notifications(
        self, network: str, cursor: str, tally: NetworkTally
    ) -> tuple[list[Activity], str] | None:
        """The activity after ``cursor`` and the next cursor; None (recorded) when it failed."""
        try:
            return await self.readers[network].notifications(cursor)
        except AgoraError as error:
            tally.failures.append(str(error))
            return None

    async def _network(self, network: str, full: bool, report: BackfeedReport) -> None:
        tally = report.tallies.setdefault(network, NetworkTally())
        cursors = self.store.load_cursors()
        cursor = cursors.get(network, {}).get(CURSOR_NAME, "")
        now = self.now()
        # Without a cursor nothing is known of what happened: every thread is read (and the
        # adapter may page back through less, Reader.notifications).
        everything = full or not cursor
        # The index says which copies are due: only their posts are read.
        if everything:
            scheduled = set(self.index.keys(network))
        else:
            scheduled = set(self.index.due(network, int(now.timestamp())))
        # Neither the counts of the copies due by the schedule nor, once counted, their replies
        # and quotes depend on the notifications: they are read while the notification pages
        # come. Only the likes and reposts wait, since notifications bring most of them. What
        # was read early is applied once the notifications are merged, and leaves what they
        # brought alone: a thread read early may predate a reply its notification carries.
        stream = asyncio.ensure_future(self._notifications(network, cursor, tally))
        counts = await self._counts(network, sorted(scheduled))
        early = {
            key: asyncio.ensure_future(self._read(network, key, kinds))
            for key in sorted(scheduled)
            if (kinds := lists_known_now(self._state(key), network, counts.get(key)))
        }
        answer = await stream
        if answer is None:
            await _abandon(early.values())
            return
        activities, next_cursor = answer
        tally.notifications = len(activities)
        due = set(scheduled)
        # Only the ids the notifications name are looked up, not every id of the archive.
        owners = self.index.owners(
            network, (i for a in activities for i in (a.root_id, a.subject_id) if i)
        )
        outside: list[Interaction] = []
        for activity in activities:
            owner = owners.get(activity.root_id) or owners.get(activity.subject_id, "")
            if not owner:
                # About none of our copies: words to the company are a comment heard outside
                # our posts; the rest (a like of something else) is not ours to keep. A first
                # run only starts the stream (what came before it is no comment waiting now).
                if cursor and heard_outside(activity.item) and activity.item is not None:
                    outside.append(activity.item)
                continue
            if activity.item is not None:
                owners[activity.item.id] = owner
                self._streamed.add(interaction_key(network, activity.item.id))
                self._merge_one(self._state(owner), activity.item, tally)
            else:
                due.add(owner)
        self._hear(outside, tally)
        ordered = sorted(due)
        counts.update(await self._counts(network, sorted(due - scheduled)))
        done = 0

        async def refresh(key: str) -> None:
            nonlocal done
            try:
                await self._refresh(network, key, counts.get(key), tally, early.get(key))
            except AgoraError as error:
                tally.failures.append(f"{key}: {error}")
            done += 1
            if self.progress:
                self.progress(network, done, len(ordered))

        await asyncio.gather(
            *(refresh(key) for key in ordered),
            *(self._check(m) for m in self._open_mentions(network, now, everything)),
        )
        if not tally.failures and next_cursor:
            cursors.setdefault(network, {})[CURSOR_NAME] = next_cursor
            self._pending_cursors[network] = cursors[network]

    # -- comments heard outside our posts ------------------------------------------------------

    def _kept_mentions(self) -> dict[str, Mention]:
        """Every mention the listening store keeps, by inbox ID, read once a run."""
        if self._mentions is None:
            self._mentions = {m.id: m for m in self.listening.mentions()}
        return self._mentions

    def _hear(self, items: list[Interaction], tally: NetworkTally) -> None:
        """Keep ``items`` (words to the company outside our copies) as mentions addressed to it.

        Sanitised and moderated like the comments under our posts (``prepare``); one a listening
        search already found becomes addressed to us, with what the search said of it kept.
        """
        kept = self._kept_mentions()
        for item in items:
            prepared = prepare(item, self.moderation)
            if prepared is None:
                continue
            mention = heard(prepared, heard_source(prepared))
            known = kept.get(mention.id)
            if known is None:
                kept[mention.id] = mention
                self._mentions_new.add(mention.id)
            elif not known.addressed:  # a search found it first: now it waits as a comment
                known.addressed, known.kind = True, mention.kind
            else:
                continue
            tally.new += 1
            tally.heard += 1
            self._mentions_changed.add(mention.id)

    def _open_mentions(self, network: str, now: datetime, everything: bool) -> list[Mention]:
        """The mentions addressed to the company on ``network`` that wait for an answer and whose
        thread is due a look for one (every one of them on a full run)."""
        return [
            m
            for m in self._kept_mentions().values()
            if m.network == network
            and m.addressed
            and not m.answered
            and (
                everything
                or now >= next_refresh(network, m.native_id, m.published_at, m.checked_at)
            )
        ]

    async def _check(self, mention: Mention) -> None:
        """Read the mention's thread for an answer by the company made elsewhere (the network's
        own app); record it, or take the mention out when its author deleted it.

        A failure is not fatal: it is said in the log and the next run looks again (and ``invoke
        reply`` asks the network itself before sending).
        """
        network = mention.network
        reader = self.readers[network]
        root = root_copy(mention)
        if InteractionKind.REPLY not in reader.kinds_readable(root):
            return  # too old for the network to list its replies (X's recent search)
        try:
            async with self.limits[network]:
                thread = await reader.conversation(root, _ONLY_REPLIES)
        except NotFound:
            logger.info("%s: the post %s is gone; it leaves the inbox", network, mention.id)
            self._mentions_gone.add(mention.id)
            return
        except AgoraError as error:
            logger.warning("%s: the thread of %s was not read (%s)", network, mention.id, error)
            return
        mention.checked_at = self.now()
        answers = sorted(
            (i for i in thread if i.by_company and i.in_reply_to == mention.native_id),
            key=lambda i: (i.published_at, i.id),
        )
        if answers:
            # Sanitised whatever the moderation file says: the company's answer stays one.
            mention.reply = prepare(answers[0], Moderation())
        self._mentions_changed.add(mention.id)

    def _save_mentions(self) -> None:
        """Write the mentions this run heard or checked; one it heard that it also found under
        one of our copies (a reply whose parent the same run brought) is that comment only."""
        if self._mentions is None or not (self._mentions_changed or self._mentions_gone):
            return
        under_posts = {
            (item.network, item.id)
            for state in self.states.values()
            for item in state.interactions.values()
        }
        gone = [self._mentions[i] for i in sorted(self._mentions_gone)]
        changed = []
        for mention_id in sorted(self._mentions_changed - self._mentions_gone):
            mention = self._mentions[mention_id]
            new = mention_id in self._mentions_new
            if not (new and (mention.network, mention.native_id) in under_posts):
                changed.append(mention)
        self.listening.put(changed, gone)

    async def _fetch_avatars(self) -> None:
        if self.avatars is None:
            return
        avatars = self.avatars
        wanted: dict[str, list[tuple[str, str]]] = {}
        for key in sorted(self.dirty):
            for item_key, item in self.states[key].interactions.items():
                if item.author.avatar_url and not item.author.avatar:
                    wanted.setdefault(item.author.avatar_url, []).append((key, item_key))

        async def fetch(url: str, places: list[tuple[str, str]]) -> None:
            async with self.avatar_limit:
                state_key, item_key = places[0]
                person = self.states[state_key].interactions[item_key].author
                local = await avatars.fetch(self.client, person)
            if not local:
                return
            for state_key, item_key in places:
                item = self.states[state_key].interactions[item_key]
                self.states[state_key].interactions[item_key] = replace(
                    item, author=replace(item.author, avatar=local)
                )

        await asyncio.gather(*(fetch(url, places) for url, places in wanted.items()))

    async def run(self, full: bool = False) -> BackfeedReport:
        """Backfeed every network; ``full`` refreshes every thread whatever the schedule."""
        report = BackfeedReport()
        self._pending_cursors = {}
        self._streamed = set()
        self.listening = ListenStore(self.store.root)
        self._mentions = None
        self._mentions_new, self._mentions_changed, self._mentions_gone = set(), set(), set()
        with self.store.locked():
            # The index, checked against the post files, instead of every post: a run reads
            # the posts its notifications and the schedule touch (issue 20).
            self.index = StateIndex.load(self.store, due_epoch, SCHEDULE_SIGNATURE)
            self.states = {}
            await asyncio.gather(
                *(self._network(network, full, report) for network in sorted(self.readers))
            )
            await self._fetch_avatars()
            saved = [self.states[key] for key in sorted(self.dirty)]
            self.store.save_all(saved)
            self._save_mentions()
            for state in saved:
                self.index.record(state)
            # Saved after the posts: a run stopped in between leaves an index that the next
            # run's check finds out of date, and corrects.
            self.index.save()
            if self._pending_cursors:
                cursors = self.store.load_cursors()
                cursors.update(self._pending_cursors)
                self.store.save_cursors(cursors)
        return report
