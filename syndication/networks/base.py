"""What every network adapter shares: the draft it publishes, HTTP error mapping, retries.

An adapter is two parts (after granary): pure converters between the network's JSON and
``syndication.model``, and one client class doing the I/O through an injected
``httpx.AsyncClient`` (tests drive it against real local peers or an ``httpx.MockTransport``).
HTTP failures are mapped here, at the boundary, to the project's exceptions:

    401, 403        -> AuthError     (one sentence naming the network, account and variable)
    404             -> NotFound
    429             -> RateLimited   (with Retry-After / X-RateLimit-Reset when given)
    5xx, timeouts   -> Unavailable   (retried with backoff by ``send``)
    other 4xx       -> Rejected      (the network's own message)
"""

from __future__ import annotations

import asyncio
import email.utils
import logging
import random
from collections.abc import Awaitable, Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol, runtime_checkable

import httpx

from syndication.errors import (
    AuthError,
    NetworkError,
    NotFound,
    RateLimited,
    Rejected,
    Unavailable,
    network_words,
)
from syndication.model import Copy, Interaction, InteractionKind, Post
from syndication.secrets import redact

logger = logging.getLogger(__name__)

Sleep = Callable[[float], Awaitable[None]]


@dataclass(frozen=True)
class LinkCard:
    """The preview of the post's page that a network shows under the text."""

    url: str
    title: str
    description: str
    image_url: str | None = None
    image_path: str | None = None  # local file, for networks that take an upload
    image_alt: str = ""


@dataclass(frozen=True)
class TextLimits:
    """How a network counts a text: its maximum and the weight of any link."""

    max_characters: int
    url_weight: int | None = None  # None: links count as their own length


@dataclass(frozen=True)
class Draft:
    """Exactly what will be sent to one network for one post (the dry run prints it)."""

    network: str
    post: Post
    text: str
    length: int  # as the network counts it
    limit: int
    truncated: bool
    card: LinkCard | None
    lang: str
    signed_by: str  # the AGORA_AUTHORS key of the employee who signs it
    account: str  # the handle/acct it goes out from
    warnings: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()  # what the network adds to a dry run (``Network.dry_run_notes``)


@dataclass(frozen=True)
class Published:
    """What the network answered for a published copy."""

    id: str
    url: str
    published_at: datetime
    account: str
    extra: dict[str, str] = field(default_factory=dict)


class Publisher(Protocol):
    """The publishing side of an adapter (each network's ``client`` module)."""

    network: str

    async def text_limits(self) -> TextLimits:
        """The network's limits for this account (read from the instance where it says)."""
        ...

    async def find_published(self, key: str, draft: Draft) -> Published | None:
        """The copy published earlier under ``key``, if the network has it (reconciliation)."""
        ...

    async def publish(self, draft: Draft, key: str) -> Published:
        """Publish ``draft`` under the client-chosen idempotency ``key``."""
        ...


# Saves an adapter's progress note in the pending intent (``Resumable``); {} forgets it.
ProgressNote = Callable[[Mapping[str, str]], None]


@runtime_checkable
class Resumable(Protocol):
    """A publisher whose publication takes several calls (a media container made, then
    published) and whose network lists nothing in between: what it made is noted in the pending
    intent, in the state file, so a run after a crash takes it up instead of making it again.

    The engine calls ``resume`` before ``find_published`` and ``publish`` under ``key``, with
    what an earlier run noted for that key and the callback that saves a new note. A note is
    plain ids, never a credential; it is dropped once the copy is published.
    """

    def resume(self, key: str, noted: Mapping[str, str], note: ProgressNote) -> None:
        """Take up what an earlier run ``noted`` under ``key``; save progress with ``note``."""
        ...


@dataclass(frozen=True)
class Activity:
    """One notification: someone replied to, liked, reposted, quoted or mentioned the company."""

    kind: InteractionKind
    item_id: str  # the reply/like/repost/quote itself
    subject_id: str  # what it answers or likes (a copy, or an interaction under it)
    root_id: str = ""  # the company's copy at the root of the thread, when the network says
    # The interaction itself, when the notification carries all of it (author, text, time): then
    # backfeed records it without fetching the whole thread, so cost follows new activity only.
    item: Interaction | None = None

    @classmethod
    def heard(cls, item: Interaction) -> Activity:
        """A post or comment that names the company outside its copies: its own subject and root
        (the backfeed engine keeps it as a mention addressed to the company)."""
        return cls(InteractionKind.MENTION, item.id, subject_id=item.id, root_id=item.id, item=item)


# What ``Reader.conversation`` can read about a copy (mentions only come from notifications).
READ_KINDS: frozenset[InteractionKind] = frozenset(
    {InteractionKind.REPLY, InteractionKind.LIKE, InteractionKind.REPOST, InteractionKind.QUOTE}
)


@dataclass(frozen=True)
class Counts:
    """How many replies, likes, reposts and quotes a network counts on a copy (None: unsaid).

    Replies are the direct ones only: both networks count a reply under its parent, not under
    the thread's root.
    """

    replies: int | None = None
    likes: int | None = None
    reposts: int | None = None
    quotes: int | None = None

    @classmethod
    def read(
        cls, data: Mapping[str, Any], *, replies: str, likes: str, reposts: str, quotes: str
    ) -> Counts:
        """The counts in a network's JSON object, under that network's field names."""
        return cls(
            replies=count_field(data.get(replies)),
            likes=count_field(data.get(likes)),
            reposts=count_field(data.get(reposts)),
            quotes=count_field(data.get(quotes)),
        )

    def of(self, kind: InteractionKind) -> int | None:
        """The count of ``kind``; None when the network does not say."""
        return {
            InteractionKind.REPLY: self.replies,
            InteractionKind.LIKE: self.likes,
            InteractionKind.REPOST: self.reposts,
            InteractionKind.QUOTE: self.quotes,
        }.get(kind)


def count_field(value: object) -> int | None:
    """A count as a network's JSON gives it, or None when it is missing or not a count."""
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        return None
    return value


class Reader(Protocol):
    """The reading side of an adapter, used by backfeed and the inbox."""

    network: str
    counts_batch: int  # how many copies one ``counts`` request takes; 0 when it cannot

    def kinds_readable(self, copy: Copy) -> frozenset[InteractionKind]:
        """The lists of ``copy`` the network can still give (all of ``READ_KINDS`` but where
        it says otherwise: X searches replies over 7 days only). What it cannot read any more is
        kept as it was gathered."""
        ...

    async def counts(self, copies: Sequence[Copy]) -> dict[str, Counts] | None:
        """The counts of each copy the network still shows, by copy id, in one request.

        A copy missing from the answer is gone or hidden (read it whole to know which). None
        when this server cannot count in batches (an older version): read every list then.
        """
        ...

    async def conversation(
        self, copy: Copy, kinds: frozenset[InteractionKind] = READ_KINDS
    ) -> list[Interaction]:
        """Every public reply (nested, via ``in_reply_to``), like, repost and quote of ``copy``.

        Only the lists of ``kinds`` are read and returned. Content that must never be stored
        (non-public visibility, people who opted out of being shown to logged-out readers,
        replies hidden by the company) is left out here. Raises ``NotFound`` when the copy
        itself no longer exists on the network.
        """
        ...

    async def notifications(self, cursor: str) -> tuple[list[Activity], str]:
        """Activity newer than ``cursor`` ("" for the first run) and the cursor to store next.

        Without a cursor the engine reads every thread, so an adapter may page back through only
        what the threads do not give cheaply (Mastodon: the likes and boosts); the cursor it
        returns must still be past the newest notification of every kind.
        """
        ...


class Replier(Protocol):
    """Answering a reader in the thread (the engagement desk)."""

    network: str

    async def find_reply(self, key: str, parent: Interaction, text: str) -> Published | None:
        """The answer published earlier under ``key``, if any (reconciliation)."""
        ...

    async def reply(self, parent: Interaction, root: Copy, text: str, key: str) -> Published:
        """Publish ``text`` in answer to ``parent`` under the idempotency ``key``."""
        ...


@dataclass(frozen=True)
class CredentialStatus:
    """Whether an account's credential works, and until when (``invoke tokens``).

    ``expires_at`` is None when the credential does not expire or the network does not say;
    ``renew`` is what a person does to get a new one (the network's own steps).
    """

    expires_at: datetime | None = None
    renew: str = ""
    issued_at: datetime | None = None  # made or last renewed, where the network says


@dataclass(frozen=True)
class Renewed:
    """A credential the network renewed through its API: the new value, never shown, and
    when it expires (None when the network does not say)."""

    value: str = field(repr=False)
    expires_at: datetime | None = None


@dataclass(frozen=True)
class Found:
    """What one post search found (``Interaction`` of kind mention, the company's own left out)
    and the cursor to give the next search (the newest post seen)."""

    posts: list[Interaction]
    newest: str


@runtime_checkable
class Searcher(Protocol):
    """An adapter whose network searches public posts (``invoke listen``); its declaration says
    ``searchable``."""

    async def search(self, query: str, newest: str) -> Found:
        """Posts matching ``query`` newer than ``newest`` (the last search's cursor; "" first)."""
        ...


@runtime_checkable
class Refreshable(Protocol):
    """An adapter whose credential the network renews through its API, without a person (a
    long-lived token refreshed for another 60 days). ``invoke tokens --refresh`` asks it when
    the credential is older than ``refresh_after`` and expires soon, and hands the new value to
    the secret store the next run reads."""

    refresh_after: timedelta  # how old the credential must be before the network renews it

    async def refresh_credential(self) -> Renewed:
        """The renewed credential; the network's refusal as one sentence (``AgoraError``)."""
        ...


class Adapter(Publisher, Replier, Reader, Protocol):
    """A network's client: it publishes, answers and reads, for one account."""

    def reply_text(self, parent: Interaction, text: str) -> str:
        """The answer exactly as the network receives it (Mastodon adds a mention, say)."""
        ...

    async def credential_status(self) -> CredentialStatus:
        """One cheap authenticated call: the credential works (else the network's AuthError),
        and when it expires where the network says (a token's introspection, say)."""
        ...


@dataclass(frozen=True)
class RetryPolicy:
    """How long to insist: attempts and backoff for 5xx and timeouts, longest Retry-After kept."""

    attempts: int = 4
    base_delay: float = 0.5
    max_delay: float = 8.0
    max_retry_after: float = 60.0


def parse_retry_after(response: httpx.Response, now: datetime | None = None) -> float | None:
    """Seconds to wait from ``Retry-After`` (seconds or HTTP date) or ``X-RateLimit-Reset``
    (``x-rate-limit-reset`` on X)."""
    moment = now or datetime.now(UTC)
    value = response.headers.get("retry-after")
    if value:
        if value.strip().isdigit():
            return float(value.strip())
        parsed = email.utils.parsedate_to_datetime(value) if value else None
        if parsed is not None:
            return max(0.0, (parsed - moment).total_seconds())
    for name in ("x-ratelimit-reset", "x-rate-limit-reset", "ratelimit-reset"):
        reset = response.headers.get(name)
        if not reset:
            continue
        try:
            number = float(reset)
        except ValueError:
            try:
                return max(
                    0.0,
                    (datetime.fromisoformat(reset.replace("Z", "+00:00")) - moment).total_seconds(),
                )
            except ValueError:
                continue
        # Epoch seconds (Bluesky) or seconds from now (some servers): tell them apart by size.
        return max(0.0, number - moment.timestamp()) if number > 1e9 else number
    return None


def _network_message(response: httpx.Response) -> str:
    """The network's own explanation, from its JSON error body when there is one, on one
    printable line of readable length (``network_words``)."""
    try:
        body = response.json()
    except ValueError:
        return network_words(response.reason_phrase or "")
    if isinstance(body, dict):
        for name in ("message", "error_description", "error", "detail", "title"):
            if isinstance(body.get(name), str) and body[name]:
                return network_words(str(body[name]))
    return network_words(response.reason_phrase or "")


def raise_for_status(
    response: httpx.Response, *, network: str, label: str, account: str, credential_variable: str
) -> None:
    """Map an HTTP error answer to the project's exceptions, with a sentence a person can act on."""
    status = response.status_code
    if status < 400:
        return
    said = redact(_network_message(response))
    if status in (401, 403):
        raise AuthError(
            f"{label} refused the credentials of {account} ({status}: {said}); "
            f"check {credential_variable}.",
            network=network,
            status=status,
        )
    if status == 404:
        raise NotFound(f"{label} has no such item ({said}).", network=network, status=status)
    if status == 429:
        wait = parse_retry_after(response)
        hint = f"; it asks to wait {wait:.0f} s" if wait is not None else ""
        raise RateLimited(
            f"{label} is rate-limiting {account}{hint}; the post stays pending for the next run.",
            network=network,
            status=status,
            retry_after=wait,
        )
    if status >= 500:
        raise Unavailable(
            f"{label} is failing ({status}: {said}); try again later.",
            network=network,
            status=status,
        )
    raise Rejected(
        f"{label} rejected the request ({status}: {said}).", network=network, status=status
    )


async def send(
    client: httpx.AsyncClient,
    request: httpx.Request,
    *,
    check: Callable[[httpx.Response], None],
    policy: RetryPolicy = RetryPolicy(),
    sleep: Sleep = asyncio.sleep,
    label: str = "",
    auth: httpx.Auth | None = None,
) -> httpx.Response:
    """Send ``request``, retrying 5xx and timeouts with backoff and honouring a short Retry-After.

    Only safe to retry when the request is idempotent or carries the network's idempotency key:
    every write this project makes does, or is looked up before it is sent again. ``auth`` signs
    each attempt afresh (an OAuth 1.0a nonce is good for one request).
    """
    attempt = 0
    while True:
        attempt += 1
        try:
            response = await (
                client.send(request, auth=auth) if auth is not None else client.send(request)
            )
            await response.aread()
            check(response)
            return response
        except RateLimited as error:
            wait = error.retry_after
            if wait is None or wait > policy.max_retry_after or attempt >= policy.attempts:
                raise
            logger.info("%s asks to wait %.0f s before retrying", label or "the network", wait)
            await sleep(wait)
        except (Unavailable, httpx.TimeoutException, httpx.TransportError) as error:
            if attempt >= policy.attempts:
                if isinstance(error, NetworkError):
                    raise
                raise Unavailable(
                    f"{label or 'the network'} did not answer ({type(error).__name__}) after "
                    f"{attempt} attempts; try again later.",
                ) from error
            delay = min(policy.max_delay, policy.base_delay * 2 ** (attempt - 1))
            delay *= 0.5 + random.random() / 2  # jitter, so parallel runs do not retry in step
            logger.info("%s failed (%s); retrying in %.1f s", label or "request", error, delay)
            await sleep(delay)


def json_object(response: httpx.Response, label: str) -> dict[str, Any]:
    """The JSON object a network answered, or Unavailable when it answered something else."""
    try:
        body = response.json()
    except ValueError as error:
        raise Unavailable(f"{label} answered something that is not JSON.") from error
    if not isinstance(body, dict):
        raise Unavailable(f"{label} answered JSON that is not an object.")
    return body


# -- did anything leave? ------------------------------------------------------------------------

# httpcore's trace events (https://www.encode.io/httpcore/extensions/#trace) that prove a request
# never left this machine: its connection could not be made (DNS, refused, TLS handshake).
_CONNECT_FAILED = frozenset(
    {
        "connection.connect_tcp.failed",
        "connection.connect_unix_socket.failed",
        "connection.start_tls.failed",
    }
)
_SENDING = ".send_request_headers.started"  # http11. or http2.: bytes of the request go out


@dataclass
class _Attempt:
    """One request sent through the client while a ``Delivery`` was watched."""

    connect_failed: bool = False
    sending: bool = False

    @property
    def unsent(self) -> bool:
        """Proven never to have left: its connection failed before a byte was written."""
        return self.connect_failed and not self.sending


@dataclass
class Delivery:
    """What the requests of one step did on the wire (``watch_delivery``)."""

    attempts: list[_Attempt] = field(default_factory=list)

    @property
    def nothing_left(self) -> bool:
        """Whether the step made requests and every one provably never left this machine.

        A request whose fate is unknown (a transport without httpcore's trace, such as a test's
        ``MockTransport``) counts as sent, and so does a step that made no request through the
        watched client: only a proof lets an intent go.
        """
        return bool(self.attempts) and all(attempt.unsent for attempt in self.attempts)


_DELIVERY: ContextVar[Delivery | None] = ContextVar("agora_delivery", default=None)
TraceCallback = Callable[[str, Mapping[str, Any]], Awaitable[None]]


class _Tracer:
    """httpcore's ``trace`` callback for one attempt; it passes events on to any earlier one."""

    def __init__(self, attempt: _Attempt, previous: TraceCallback | None) -> None:
        self.attempt = attempt
        self.previous = previous

    async def __call__(self, name: str, info: Mapping[str, Any]) -> None:
        if name in _CONNECT_FAILED:
            self.attempt.connect_failed = True
        elif name.endswith(_SENDING):
            self.attempt.sending = True
        if self.previous is not None:
            await self.previous(name, info)


async def _trace_request(request: httpx.Request) -> None:
    """The client's request hook: under a watched step, trace this attempt of ``request``."""
    delivery = _DELIVERY.get()
    if delivery is None:
        return
    attempt = _Attempt()
    delivery.attempts.append(attempt)
    previous = request.extensions.get("trace")
    if isinstance(previous, _Tracer):  # the same request sent again (``send`` retries it)
        previous = previous.previous
    request.extensions["trace"] = _Tracer(attempt, previous)


@contextmanager
def watch_delivery(client: httpx.AsyncClient) -> Iterator[Delivery]:
    """Watch every request ``client`` sends within the block, from this task and the tasks it
    starts, and tell afterwards whether any may have reached a server.

    The engines use it around a publication: when the publication fails and nothing left
    (connection refused, a name that does not resolve), the network cannot have the post, and
    the intent recorded for it is taken back. It relies on httpx's request hook and httpcore's
    ``trace`` extension, both public (https://www.python-httpx.org/advanced/event-hooks/).
    """
    hooks = client.event_hooks
    if _trace_request not in hooks["request"]:
        client.event_hooks = {**hooks, "request": [*hooks["request"], _trace_request]}
    delivery = Delivery()
    token = _DELIVERY.set(delivery)
    try:
        yield delivery
    finally:
        _DELIVERY.reset(token)
