"""The reply engine: answer one comment of the inbox in its thread, exactly once.

``invoke reply ID TEXT --as AUTHOR`` comes here (DESIGN.md, principle 3). Under the store's lock:

1. the request is checked before anything is sent: the ID names a comment of the inbox
   (``inbox.find``), the comment can be answered (a reply, mention or quote by a reader, under a
   published copy, on a configured network; or a post heard outside our copies, answered under
   it: ``listen.mentions.WithMentions`` shows it to the engine as the published root of a state
   of its own), the author is in ``AGORA_AUTHORS`` (full name or first
   name alone), the text is not empty and fits the network's limit as the network counts it
   (``Network.counter``), signature and any mention the network adds included;
2. from the brand account the text is signed with the employee's first name (``— Camille``); from
   the employee's own account (``registry.author_account``) it goes out unsigned;
3. right before sending, the network is asked whether the company already answered the comment
   (the thread read with the brand's account, which knows every company account): an answer
   made in the network's own app, or from another checkout, since the last backfeed refuses the
   command with one sentence and nothing is recorded;
4. the intent is recorded first (``syndication.store.once``): a pending ``Copy`` in
   ``PostState.answers`` under the comment's interaction key, with the key the network's
   declaration derives from the comment (``Network.reply_key``), so two checkouts that pass the
   check at the same moment meet the same key on networks that keep keys (Bluesky's record key,
   Mastodon's ``Idempotency-Key``) and send one answer;
5. the network is called, and the answer is recorded as published, and as a company
   ``Interaction`` under its network id, so the page shows it in the thread at once and the inbox
   drops the comment. Backfeed brings back the same post under the same id, so it replaces this
   one (keeping ``signed_by``) instead of showing twice.

A pending answer found on a rerun is first looked up with ``find_reply``; only when the network
does not have it is it sent again, under the same key. Every bad request is one sentence and
nothing is posted. ``checkpoint`` is the fault-injection seam of the tests (``store.once``).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from enum import StrEnum

import httpx

from syndication.backfeed.sanitize import text_to_html
from syndication.config import Authors, answers_paused, posting_paused
from syndication.desk.inbox import WAITING_KINDS, find, fold
from syndication.errors import AgoraError, ConfigError, ContentError
from syndication.model import (
    AUTHOR_HANDLE,
    AUTHOR_NAME,
    Copy,
    CopyStatus,
    Interaction,
    InteractionKind,
    Person,
    PostState,
    interaction_key,
    utc_now,
)
from syndication.networks.base import Adapter, Published, watch_delivery
from syndication.networks.registry import adapter_for, network, posting_account, reply_key
from syndication.networks.registry import label as network_label
from syndication.networks.spec import AccountSettings
from syndication.publish.compose import first_name, signature
from syndication.store.once import Checkpoint, Snapshot, no_checkpoint, record_published
from syndication.store.state import StateStore

logger = logging.getLogger(__name__)


AnswerAdapter = Adapter  # what the engine needs: limits, reply_text, find_reply and reply
AdapterFactory = Callable[[AccountSettings], AnswerAdapter]


class ReplyAction(StrEnum):
    """What one ``invoke reply`` did."""

    POSTED = "posted"
    RECONCILED = "found already posted"  # a pending answer the network had: recorded, not re-sent
    ALREADY = "already answered"  # the same answer was recorded before: nothing sent


@dataclass(frozen=True)
class ReplyResult:
    """The answer as recorded: where it went, from which account, signed by whom."""

    action: ReplyAction
    post: str
    parent: Interaction
    answer: Copy

    @property
    def label(self) -> str:
        """The network's name as people write it."""
        return network_label(self.parent.network)


def resolve_author(name: str, authors: Authors) -> str:
    """The ``AGORA_AUTHORS`` key that ``name`` means: the full name or the first name alone."""
    wanted = fold(" ".join(name.split()))
    if not wanted:
        raise ConfigError("say who answers with --as, e.g. --as Camille (see AGORA_AUTHORS).")
    exact = [key for key in authors if fold(key) == wanted]
    by_first = [key for key in authors if fold(first_name(key, authors)) == wanted]
    found = exact or by_first
    if len(found) == 1:
        return found[0]
    known = ", ".join(sorted(authors)) or "nobody"
    if found:
        raise ConfigError(
            f"{name!r} is the first name of {', '.join(sorted(found))}; give the full name."
        )
    raise ConfigError(
        f"{name!r} is not in AGORA_AUTHORS (known: {known}); use one of them with --as, "
        "or add them to pelicanconf.py."
    )


def signed(text: str, author: str, authors: Authors, own_account: bool) -> str:
    """The answer as it goes out: signed with the first name, unless from the author's account."""
    body = text.strip()
    if own_account:
        return body
    sign = signature(author, authors)
    if not sign or body.endswith(sign):
        return body
    return f"{body} {sign}"


def check_answerable(state: PostState, parent: Interaction, wanted: str) -> Copy:
    """The published copy at the root of ``parent``'s thread; ContentError when it cannot be
    answered."""
    label = network_label(parent.network)
    if parent.by_company:
        raise ContentError(
            f"{wanted} is the company's own answer on {label}, not a reader's comment; "
            "answer the comment it replies to instead."
        )
    if parent.kind not in WAITING_KINDS:
        raise ContentError(
            f"{wanted} is a {parent.kind.value} on {label}, which cannot be answered; only "
            "replies, mentions and quotes can."
        )
    root = state.copies.get(parent.network)
    if root is None or root.status is not CopyStatus.PUBLISHED:
        raise ContentError(
            f"the {label} copy of {state.key} is no longer published, so {wanted} cannot be "
            "answered there."
        )
    return root


def company_answer(parent: Interaction, answer: Copy) -> Interaction:
    """The published answer as the company's interaction in the thread (before any backfeed)."""
    text = answer.extra.get("text", "")
    return Interaction(
        network=answer.network,
        kind=InteractionKind.REPLY,
        id=answer.id,
        # The account's own name and handle where its adapter said (``Published.extra``: a
        # network that knows accounts by an id, with no handles); else the account as posted.
        author=Person(
            network=answer.network,
            id=answer.account,
            handle=answer.extra.get(AUTHOR_HANDLE, answer.account),
            name=answer.extra.get(AUTHOR_NAME, ""),
        ),
        published_at=answer.published_at or answer.intent_at,
        url=answer.url,
        content_html=text_to_html(text),
        content_text=text,
        lang=parent.lang,
        in_reply_to=parent.id,
        by_company=True,
        signed_by=answer.extra.get("signed_by", ""),
    )


def _answered_by_company(state: PostState, parent: Interaction) -> Interaction | None:
    """A company answer to ``parent`` already in the thread (sent by hand on the network, say)."""
    for item in state.interactions.values():
        if item.by_company and item.network == parent.network and item.in_reply_to == parent.id:
            return item
    return None


class ReplyEngine:
    """One ``invoke reply`` (see the module's docstring)."""

    def __init__(
        self,
        networks: Mapping[str, AccountSettings],
        *,
        store: StateStore,
        authors: Authors,
        env: Mapping[str, str],
        client: httpx.AsyncClient,
        adapter_factory: AdapterFactory | None = None,
        checkpoint: Checkpoint | None = None,
    ) -> None:
        self.networks = dict(networks)
        self.store = store
        self.authors = authors
        self.env = env
        self.client = client
        self.factory: AdapterFactory = adapter_factory or (
            lambda settings: adapter_for(settings, client, authors)
        )
        self.checkpoint = checkpoint or no_checkpoint

    def account_for(self, network: str, author: str) -> tuple[AccountSettings, bool]:
        """The account the answer goes out from, and whether it is the author's own."""
        brand = self.networks.get(network)
        if brand is None:
            raise ConfigError(
                f"{network_label(network)} is not configured, so this comment cannot be "
                "answered; set its account variables (see the README) and run the command again."
            )
        return posting_account(brand, author, self.authors, self.env)

    async def run(self, wanted: str, text: str, author_name: str) -> ReplyResult:
        """Answer the comment ``wanted`` with ``text`` as ``author_name``, exactly once."""
        if not text.strip():
            raise ContentError(
                "the answer is empty; write it in quotes after the ID, "
                'e.g. invoke reply ID "Merci!" --as Camille.'
            )
        author = resolve_author(author_name, self.authors)
        silenced = answers_paused(self.env, self.store.root)
        if silenced:
            raise ConfigError(f"answers are paused: {silenced}; lift it to answer.")
        paused = posting_paused(self.env, self.store.root)
        if paused:
            # The kill switch stops automation, not people: a named employee still answers.
            logger.warning(
                "automatic posting is paused (%s); "
                "this answer, signed by a person, still goes out.",
                paused,
            )
        with self.store.locked():
            # Read under the lock: a run that held it before us may have answered meanwhile.
            state, parent = find(list(self.store.all()), wanted)
            root = check_answerable(state, parent, wanted)
            return await self._answer_once(state, parent, root, wanted, text, author)

    async def _answer_once(
        self,
        state: PostState,
        parent: Interaction,
        root: Copy,
        wanted: str,
        text: str,
        author: str,
    ) -> ReplyResult:
        network = parent.network
        label = network_label(network)
        parent_key = interaction_key(network, parent.id)
        answer = state.answers.get(parent_key)
        by_hand = _answered_by_company(state, parent)
        if answer is None and by_hand is not None:
            raise ContentError(
                f"{wanted} was already answered on {label} by @{by_hand.author.handle.lstrip('@')} "
                f"({by_hand.url or by_hand.id})."
            )
        settings, own = self.account_for(network, author)
        adapter = self.factory(settings)
        body = signed(text, author, self.authors, own)
        if answer is not None and answer.status is CopyStatus.PUBLISHED:
            if answer.extra.get("text") == body:
                return ReplyResult(ReplyAction.ALREADY, state.key, parent, answer)
            raise ContentError(
                f"{wanted} was already answered on {label} ({answer.url or answer.id}); add to "
                "the conversation on the network itself."
            )
        await self._check_length(adapter, parent, body, label)
        if answer is not None:  # a pending intent: did the network get it before the stop?
            found, same_account = await self._reconcile(state, parent, answer, settings)
            if found is not None:
                return found
            if not same_account:  # another account: its key means nothing there
                answer = None
        # Right before sending: the company may have answered since the last backfeed (in the
        # network's own app, or from another checkout), which the state cannot know.
        answered = await self._answered_on_network(parent, root)
        if answered is not None:
            raise ContentError(
                f"{wanted} was already answered on {label} by "
                f"@{answered.author.handle.lstrip('@')} ({answered.url or answered.id}); "
                "run invoke backfeed to bring that answer home."
            )
        before = Snapshot.of(self.store.path_for(state.key)) if answer is None else None
        if answer is None:
            answer = Copy(
                network, CopyStatus.PENDING, reply_key(network, parent), intent_at=utc_now()
            )
        answer.extra = {"text": body, "signed_by": author}
        state.answers[parent_key] = answer
        self.store.save(state)  # the intent, before any call
        logger.info("%s: answer to %s recorded under key %s", state.key, parent_key, answer.key)
        self.checkpoint("before-call")
        with watch_delivery(self.client) as delivery:
            try:
                published = await adapter.reply(parent, root, body, answer.key)
            except (AgoraError, httpx.HTTPError):
                if before is not None and delivery.nothing_left:
                    # Not one request left this machine: the network cannot have the answer.
                    before.restore()
                    state.answers.pop(parent_key, None)
                    logger.info(
                        "%s: nothing was sent; the answer's intent is taken back", state.key
                    )
                raise
        self.checkpoint("after-call")
        return self._record(state, parent, answer, published, ReplyAction.POSTED)

    async def _answered_on_network(self, parent: Interaction, root: Copy) -> Interaction | None:
        """The company's answer to ``parent`` on the network now, if any, read with the brand's
        account (whose adapter knows every company account, the brand's and the employees')."""
        reader = self.factory(self.networks[parent.network])
        thread = await reader.conversation(root, frozenset({InteractionKind.REPLY}))
        for item in thread:
            if item.in_reply_to == parent.id and item.by_company:
                return item
        return None

    async def _check_length(
        self, adapter: AnswerAdapter, parent: Interaction, body: str, label: str
    ) -> None:
        """ContentError when ``body`` is over the network's limit, counted as the network does."""
        limits = await adapter.text_limits()
        spec = network(parent.network)
        length = spec.counter(limits)(adapter.reply_text(parent, body))
        if length > limits.max_characters:
            unit = spec.unit
            raise ContentError(
                f"the answer is {length} {unit} as {label} counts it (signature and mention "
                f"included), over its {limits.max_characters}; shorten it by "
                f"{length - limits.max_characters}."
            )

    async def _reconcile(
        self, state: PostState, parent: Interaction, answer: Copy, settings: AccountSettings
    ) -> tuple[ReplyResult | None, bool]:
        """Look the pending ``answer`` up on the account it was meant for; record it if there.

        Also says whether that account is the one of ``settings`` (then its key is kept).
        """
        pending_author = answer.extra.get("signed_by", "")
        if pending_author not in self.authors:
            return None, False
        pending, _own = self.account_for(parent.network, pending_author)
        same = pending.credential_variable == settings.credential_variable
        adapter = self.factory(pending)
        found = await adapter.find_reply(answer.key, parent, answer.extra.get("text", ""))
        if found is None:
            logger.info(
                "%s: the pending answer %s is not on the network; sending it again",
                state.key,
                answer.key,
            )
            return None, same
        return self._record(state, parent, answer, found, ReplyAction.RECONCILED), same

    def _record(
        self,
        state: PostState,
        parent: Interaction,
        answer: Copy,
        sent: Published,
        action: ReplyAction,
    ) -> ReplyResult:
        """Record ``answer`` as published, and in the thread as the company's interaction."""
        kept = dict(answer.extra)  # text and signer: record_published keeps the network's only
        record_published(answer, sent)
        answer.extra = {**kept, **sent.extra}
        key = interaction_key(answer.network, answer.id)
        backfed = state.interactions.get(key)
        # Backfeed may have brought it back already (a stop before recording): keep what the
        # network said, and add who signed it.
        state.interactions[key] = (
            replace(backfed, signed_by=answer.extra.get("signed_by", ""))
            if backfed is not None
            else company_answer(parent, answer)
        )
        self.store.save(state)
        self.checkpoint("after-record")
        logger.info("%s: answered %s: %s", state.key, parent.id, answer.url)
        return ReplyResult(action, state.key, parent, answer)


async def reply(
    wanted: str,
    text: str,
    author: str,
    networks: Mapping[str, AccountSettings],
    *,
    store: StateStore,
    authors: Authors,
    env: Mapping[str, str],
    client: httpx.AsyncClient,
    adapter_factory: AdapterFactory | None = None,
    checkpoint: Checkpoint | None = None,
) -> ReplyResult:
    """Answer the comment ``wanted`` once (see the module's docstring)."""
    engine = ReplyEngine(
        networks,
        store=store,
        authors=authors,
        env=env,
        client=client,
        adapter_factory=adapter_factory,
        checkpoint=checkpoint,
    )
    return await engine.run(wanted, text, author)
