"""What a post page shows of its life on the networks, built from its state (pure functions).

``article.agora`` is a ``Conversation``: the published copies (for ``u-syndication`` links and the
"reply on ..." invitations), the threaded replies and quotes, and the likes and reposts per network.
Nothing here reads files or touches the network; the plugin hands in the state and moderation.

A reader's words are cleaned again here (``syndication.backfeed.sanitize``), so a state file
written by an older version or edited by hand is held to today's rules: deceptive links, invisible
and bidi characters, nesting. What the page shows of them is also kept readable at any size:

- a reply longer than ``REPLY_CHARACTERS`` is cut at a word boundary, and the page links to the
  whole of it on its network;
- threads nest ``THREAD_LEVELS`` deep at most; deeper answers are shown in order under their
  ancestor at the last level, each saying whom it answers, as the large networks do;
- a display name is cut to ``NAME_CHARACTERS``, and one that reads as the company's name (once
  invisibles, case and accents are set aside) is marked as a reader's when the account is not one
  of the company's.
"""

from __future__ import annotations

import functools
import unicodedata
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field

from markupsafe import Markup

from syndication.backfeed.sanitize import clean_for_page, skeleton, strip_invisibles, text_to_html
from syndication.model import (
    AUTHOR_HANDLE,
    AUTHOR_NAME,
    CopyStatus,
    Interaction,
    InteractionKind,
    Person,
    PostState,
    interaction_key,
)

# A hook that keeps only what may be shown (the moderation file's verdict).
Filter = Callable[[list[Interaction]], list[Interaction]]
THREADED_KINDS = frozenset({InteractionKind.REPLY, InteractionKind.QUOTE})
THREAD_LEVELS = 4  # levels of replies shown nested; deeper ones are listed under the last
REPLY_CHARACTERS = 3_000  # characters of a reply shown before "read the rest on ..."
NAME_CHARACTERS = 64  # characters of a display name shown
SUMMARY_CHARACTERS = 200  # characters of a content warning shown


@functools.lru_cache(maxsize=8192)  # the same people answer many posts
def identity(name: str) -> str:
    """What a name reads as: no invisibles, accents, case, spaces or punctuation, and each
    look-alike letter as the one it imitates (ICU's confusable skeleton)."""
    letters = unicodedata.normalize("NFKD", strip_invisibles(name))
    plain = "".join(c for c in letters if c.isalnum()).casefold()
    return plain if plain.isascii() else skeleton(plain)


def one_line(text: str, limit: int) -> str:
    """``text`` on one line, without invisibles, cut to ``limit`` characters."""
    if text.isprintable() and len(text) <= limit and "  " not in text:
        return text.strip()  # most names: nothing to remove
    text = " ".join(strip_invisibles(text).split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def shown_name(name: str) -> str:
    """A display name as the page shows it."""
    return one_line(name, NAME_CHARACTERS)


@dataclass(frozen=True)
class SyndicatedCopy:
    """A published copy of the post: where readers can answer."""

    network: str
    label: str
    url: str


def web_url(url: str) -> str:
    """``url`` when it is an ``http(s)`` address, else ``""`` (never a ``javascript:`` href)."""
    return url if url.startswith(("https://", "http://")) else ""


def _local(path: str) -> str:
    """A local avatar path as the page joins it to the site's path (no slash at either end)."""
    return path.strip("/")


@dataclass(frozen=True)
class Face:
    """One person in a row of likes or reposts, as the page shows them."""

    name: str  # display name, else handle
    url: str  # their profile, http(s) only, or ""
    avatar: str  # local path under the site, or "" for the placeholder


@dataclass
class ThreadNode:
    """One reply or quote and the answers under it, oldest first.

    Besides the item, what its card shows is worked out here once, in Python, because the
    template runs for every reply of every post: a lookup there costs ten times more.
    """

    item: Interaction
    children: list[ThreadNode] = field(default_factory=list)
    who: str = ""  # display name, else handle
    handle: str = ""  # "@handle", or ""
    author_url: str = ""  # http(s) only, or ""
    permalink: str = ""  # http(s) only, or ""
    avatar: str = ""  # local path under the site, or "" for the placeholder
    published: str = ""  # ISO 8601, for <time datetime>
    lang: str = ""  # a two-letter language code, or ""
    content: Markup = field(default_factory=Markup)  # the reply's HTML, cleaned and cut as shown
    cut: bool = False  # whether ``content`` is only the start of the reply
    summary: str = ""  # the content warning, cleaned
    reply_to: str = ""  # whom it answers, when shown flat under an ancestor
    impostor: bool = False  # a reader whose name reads as the company's

    @classmethod
    def of(cls, item: Interaction, company: frozenset[str] = frozenset()) -> ThreadNode:
        """The node of ``item``, its card's fields filled in; ``company`` holds the identities
        (``identity``) of the company's names."""
        author = item.author
        handle = shown_name(author.handle)
        lang = item.lang if len(item.lang) == 2 and item.lang.isalpha() else ""
        who = shown_name(author.name) or handle
        fragment = item.content_html or text_to_html(item.content_text)
        content, cut = clean_for_page(fragment, REPLY_CHARACTERS)
        return cls(
            item=item,
            who=who,
            handle=(handle if handle.startswith("@") else f"@{handle}") if handle else "",
            author_url=web_url(author.url),
            permalink=web_url(item.url),
            avatar=_local(author.avatar),
            published=item.published_at.isoformat(),
            lang=lang,
            content=Markup(content),  # sanitised: the allowlist, text escaped
            cut=cut,
            summary=one_line(item.summary, SUMMARY_CHARACTERS),
            impostor=not item.by_company and bool(company) and identity(who) in company,
        )


@dataclass(frozen=True)
class Counts:
    """How much conversation there is, for headings and the empty state."""

    replies: int = 0  # replies and quotes at every depth
    likes: int = 0
    reposts: int = 0

    @property
    def total(self) -> int:
        """Everything together."""
        return self.replies + self.likes + self.reposts


@dataclass(frozen=True)
class Conversation:
    """Everything the post page shows about the post's copies and conversation."""

    copies: tuple[SyndicatedCopy, ...] = ()
    replies: tuple[ThreadNode, ...] = ()
    likes: Mapping[str, list[Face]] = field(default_factory=dict)
    reposts: Mapping[str, list[Face]] = field(default_factory=dict)
    # "likes" or "reposts" -> network -> how many, where the network counts them without
    # saying who (no faces to show).
    counted: Mapping[str, Mapping[str, int]] = field(default_factory=dict)
    counts: Counts = field(default_factory=Counts)

    @property
    def has_conversation(self) -> bool:
        """Whether there is any reply, like or repost to show."""
        return self.counts.total > 0


def _published_answers(state: PostState) -> list[Interaction]:
    """The company's answers recorded by ``invoke reply`` that backfeed has not brought back yet."""
    answers: list[Interaction] = []
    for parent_key, answer in state.answers.items():
        if answer.status is not CopyStatus.PUBLISHED or not answer.id:
            continue
        if interaction_key(answer.network, answer.id) in state.interactions:
            continue  # backfeed recorded the real one
        parent = state.interactions.get(parent_key)
        answers.append(
            Interaction(
                network=answer.network,
                kind=InteractionKind.REPLY,
                id=answer.id,
                author=Person(
                    network=answer.network,
                    id=answer.account,
                    handle=answer.extra.get(AUTHOR_HANDLE, answer.account),
                    name=answer.extra.get(AUTHOR_NAME, ""),
                ),
                published_at=answer.published_at or answer.intent_at,
                url=answer.url,
                content_text=answer.extra.get("text", ""),
                in_reply_to=parent.id if parent else parent_key.partition(":")[2],
                by_company=True,
                signed_by=answer.extra.get("signed_by", ""),
            )
        )
    return answers


def _sort_key(item: Interaction) -> tuple[object, ...]:
    return (item.published_at, item.network, item.id)


def _thread(items: list[Interaction], company: frozenset[str]) -> tuple[ThreadNode, ...]:
    """Nest replies and quotes under their parents; a reply to the copy (or to something gone)
    is a root. Oldest first at each level; nodes past ``THREAD_LEVELS`` flattened."""
    nodes = {
        interaction_key(i.network, i.id): ThreadNode.of(i, company)
        for i in sorted(items, key=_sort_key)
    }
    roots: list[ThreadNode] = []
    for node in nodes.values():
        parent = nodes.get(interaction_key(node.item.network, node.item.in_reply_to))
        if parent is None or parent is node:
            roots.append(node)
        else:
            parent.children.append(node)
    _flatten(roots)
    return tuple(roots)


def _flatten(roots: list[ThreadNode]) -> None:
    """Give each node at the last level every answer below it, in thread order, flat.

    Iterative, not recursive: a thread can be thousands of replies deep.
    """
    level = roots
    for _ in range(THREAD_LEVELS - 1):
        level = [child for node in level for child in node.children]
    for node in level:
        flat: list[ThreadNode] = []
        stack = [(child, node) for child in reversed(node.children)]
        while stack:
            child, parent = stack.pop()
            if parent is not node:
                child.reply_to = parent.who
            flat.append(child)
            stack.extend((grandchild, child) for grandchild in reversed(child.children))
            child.children = []
        node.children = flat


def _people(items: Iterable[Interaction]) -> dict[str, list[Face]]:
    """Network -> the distinct people, sorted by name, for a row of faces."""
    by_network: dict[str, dict[str, Person]] = {}
    for item in items:
        by_network.setdefault(item.network, {}).setdefault(item.author.id, item.author)
    return {
        network: [
            Face(
                name=shown_name(p.name) or shown_name(p.handle),
                url=web_url(p.url),
                avatar=_local(p.avatar),
            )
            for p in sorted(people.values(), key=lambda p: ((p.name or p.handle).casefold(), p.id))
        ]
        for network, people in sorted(by_network.items())
    }


def build_conversation(
    state: PostState,
    labels: Mapping[str, str],
    keep: Filter | None = None,
    company_names: Iterable[str] = (),
) -> Conversation:
    """The page's view of ``state``: published copies, threads, likes and reposts.

    ``keep`` is the moderation hook; it runs over every interaction so a hidden reply takes the
    answers under it along. A reader named like one of ``company_names`` is marked as a reader.
    """
    company = frozenset(filter(None, (identity(name) for name in company_names)))
    copies = tuple(
        SyndicatedCopy(network=name, label=labels.get(name, name.capitalize()), url=copy.url)
        for name, copy in sorted(state.copies.items())
        if copy.status is CopyStatus.PUBLISHED and copy.url
    )
    live_networks = {copy.network for copy in copies}
    items = [*state.interactions.values(), *_published_answers(state)]
    items = [item for item in items if item.network in live_networks]
    if keep is not None:
        items = keep(items)
    threaded = [item for item in items if item.kind in THREADED_KINDS]
    likes = _people(item for item in items if item.kind is InteractionKind.LIKE)
    reposts = _people(item for item in items if item.kind is InteractionKind.REPOST)
    counted = {
        plural: {
            name: number
            for name, copy in sorted(state.copies.items())
            if name in live_networks
            and name not in faces
            and (number := copy.counted.get(kind.value, 0)) > 0
        }
        for plural, kind, faces in (
            ("likes", InteractionKind.LIKE, likes),
            ("reposts", InteractionKind.REPOST, reposts),
        )
    }
    counts = Counts(
        replies=len(threaded),
        likes=sum(len(people) for people in likes.values()) + sum(counted["likes"].values()),
        reposts=sum(len(people) for people in reposts.values()) + sum(counted["reposts"].values()),
    )
    return Conversation(
        copies=copies,
        replies=_thread(threaded, company),
        likes=likes,
        reposts=reposts,
        counted={plural: numbers for plural, numbers in counted.items() if numbers},
        counts=counts,
    )
