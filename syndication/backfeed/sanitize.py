"""Make content from the networks safe to store and show: a small allowlist, nothing active.

Everything a reader wrote is untrusted. It is cleaned here, with the maintained ``nh3`` sanitiser
(ammonia), before it reaches a state file, and cleaned again by the plugin at build, so a state file
edited by hand cannot inject anything either. What survives: text, paragraphs and line breaks,
emphasis, code, quotes, lists, and links to http(s) or mailto that carry
``rel="nofollow ugc noopener"``. No images (they would be requests to other origins), no styles, no
scripts, no event handlers, no ids or classes except Mastodon's two link-shortening classes and our
own ``lookalike`` mark.

What cannot run can still deceive or break a page, so ammonia's output is rewritten once more
(one streaming pass over its well-formed HTML):

- **Links.** A link whose text reads as an address (a domain anywhere in it) must name where it
  goes: when its hosts differ, the text becomes the real destination. A host is shown the way
  Chromium shows it (https://chromium.googlesource.com/chromium/src/+/main/docs/idn.md): in
  Unicode when ICU's spoof checker (UTS #39,
  https://unicode-org.github.io/icu/userguide/transforms/confusables.html) passes each label
  at the "highly restrictive" level (one script, or Latin with one CJK script) and no label is a
  whole-script look-alike of a Latin name; otherwise in punycode, marked
  ``<span class="lookalike">⚠ …</span>``. A link to such a host keeps any other text and
  gets its real host beside it. ICU is the checker Chromium itself calls, so the verdicts match what
  a reader's browser would show in its address bar; ``pyicu-wheels`` ships PyICU with ICU inside,
  where ``pyicu`` itself needs a compiler and ICU's headers (``confusable_homoglyphs`` was the other
  candidate: pure Python, but without UTS #39's restriction levels, so it cannot tell Japanese
  that mixes Latin and kana from a Latin name with one Cyrillic letter). Domain names
  are turned into punycode by the ``idna`` package (UTS #46 mapping, as browsers do).
- **Invisibles and direction.** Format and control characters are removed from text (bidi
  overrides and isolates, zero-width spaces, soft hyphens, word joiners, the BOM, Hangul fillers),
  except where a language needs them: the zero-width joiner between two pictographs (emoji
  sequences such as 👩‍💻), the zero-width non-joiner after a letter of a script other than Latin
  (Persian, Indic scripts: it changes how letters join), the tag characters of a subdivision flag
  (🏴 + tags), and the prepended concatenation marks of Arabic and Syriac (visible signs).
- **Nesting.** Quotes and lists nest at most ``MAX_NESTING`` deep and any element at most
  ``MAX_DEPTH`` deep; deeper ones give their text to the level above (2,000 nested quotes would
  otherwise push a page 19,000 px wide).
- **Length.** ``clean_for_page`` also cuts a reply after ``limit`` characters of text, at a word
  boundary, and says so, for the page to link to the rest on the network.
"""

from __future__ import annotations

import functools
import html
import re
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import idna
import nh3
import regex

ALLOWED_TAGS = frozenset(
    {
        "p",
        "br",
        "a",
        "span",
        "em",
        "strong",
        "b",
        "i",
        "u",
        "s",
        "del",
        "code",
        "pre",
        "blockquote",
        "ul",
        "ol",
        "li",
    }
)
# Removed with their content: never useful as text, often hostile.
DROPPED_WITH_CONTENT = frozenset(
    {
        "script",
        "style",
        "svg",
        "math",
        "iframe",
        "object",
        "embed",
        "template",
        "noscript",
        "textarea",
        "select",
        "title",
    }
)
LINK_REL = "nofollow ugc noopener"
URL_SCHEMES = frozenset({"http", "https", "mailto"})
# Mastodon shortens long links with these; the theme hides ``.invisible`` and adds an ellipsis.
# ``lookalike`` is ours: a host shown in punycode because it imitates another.
LOOKALIKE = "lookalike"
ALLOWED_CLASSES = {"span": frozenset({"invisible", "ellipsis", LOOKALIKE})}
NESTING_TAGS = frozenset({"blockquote", "ul", "ol"})
MAX_NESTING = 3  # quotes and lists inside each other
MAX_DEPTH = 12  # any element inside another
PATH_SHOWN = 30  # characters of a link's path shown after its host


# One reusable cleaner: building ammonia's rules costs more than cleaning a reply.
_CLEANER = nh3.Cleaner(
    tags=set(ALLOWED_TAGS),
    clean_content_tags=set(DROPPED_WITH_CONTENT),
    attributes={"a": {"href"}},
    strip_comments=True,
    link_rel=LINK_REL,
    url_schemes=set(URL_SCHEMES),
    allowed_classes={tag: set(names) for tag, names in ALLOWED_CLASSES.items()},
    url_relative="deny",  # a relative link would point into our own site
)

# Invisible or direction-changing characters, and the few sequences that keep them (see above).
_INVISIBLES = regex.compile(
    r"(?P<keep>\U0001F3F4[\U000E0020-\U000E007E]+\U000E007F"
    r"|(?<=[\p{Extended_Pictographic}\p{Emoji_Modifier}\uFE0F])\u200D(?=\p{Extended_Pictographic})"
    r"|(?<=[\p{L}\p{M}--\p{Latin}])\u200C(?=[\p{L}\p{M}]))"
    r"|[\p{Cf}\p{Cc}\u034F\u115F\u1160\u3164\uFFA0"
    r"--[\t\n\u0600-\u0605\u06DD\u070F\u0890\u0891\u08E2\U000110BD\U000110CD]]",
    regex.V1,
)
# A domain name in a link's text: labels of letters, digits and hyphens, a TLD of letters.
_DOMAIN = regex.compile(
    r"(?<![\p{L}\p{N}\p{M}_-])"
    r"(?:[\p{L}\p{N}\p{M}](?:[\p{L}\p{N}\p{M}-]*[\p{L}\p{N}\p{M}])?[.\u3002\uFF0E\uFF61])+"
    r"\p{L}[\p{L}\p{M}]+(?![\p{L}\p{N}\p{M}_-])"
)
_ANY_DOT = str.maketrans({"\u3002": ".", "\uff0e": ".", "\uff61": "."})
_SPACE = re.compile(r"\s")
_GRAPHEMES = regex.compile(r"\X")


# What ``str.isprintable`` lets through of the above: blank letters and the grapheme joiner.
_PRINTABLE_BLANKS = re.compile("[\u034f\u115f\u1160\u3164\uffa0]")


def _may_hide(text: str) -> bool:
    """Whether ``text`` may hold an invisible character: a quick test first, as most text has
    none (``isprintable`` is false for every format and control character, and for spaces other
    than U+0020)."""
    return not text.isprintable() or _PRINTABLE_BLANKS.search(text) is not None


def strip_invisibles(text: str) -> str:
    """``text`` without the invisible and bidi control characters that serve no language."""
    if not _may_hide(text):
        return text
    return _INVISIBLES.sub(lambda m: m.group("keep") or "", text)


@functools.cache
def _spoof_checker() -> Any:
    """ICU's checker set as Chromium sets it (restriction level, invisibles, mixed digits).

    https://unicode-org.github.io/icu-docs/apidoc/released/icu4c/uspoof_8h.html. Imported on first
    need: most replies carry no internationalised domain, and ICU costs 35 ms to load.
    """
    import icu

    checker = icu.SpoofChecker()
    checker.setRestrictionLevel(icu.URestrictionLevel.HIGHLY_RESTRICTIVE)
    checker.setChecks(
        icu.USpoofChecks.RESTRICTION_LEVEL
        | icu.USpoofChecks.INVISIBLE
        | icu.USpoofChecks.MIXED_NUMBERS
    )
    return checker


def skeleton(text: str) -> str:
    """What ``text`` looks like: each confusable character as its prototype (UTS #39), so
    "Velos" with a Cyrillic "e" (U+0435) and "Velos" give the same skeleton."""
    return str(_spoof_checker().getSkeleton(0, text))


def _label_deceives(label: str, tld_is_ascii: bool) -> bool:
    """Whether one Unicode label mixes scripts or imitates a Latin name with another script.

    The second test is Chromium's whole-script confusable rule (its own, as ICU dropped it): a
    label with no Latin letter whose confusable skeleton is all ASCII, under a Latin TLD.
    """
    if label.isascii():
        return False
    checker = _spoof_checker()
    if checker.check(label) != 0:
        return True
    if not tld_is_ascii or regex.search(r"\p{Latin}", label):
        return False
    shape = skeleton(label)
    return shape.isascii() and shape.replace("-", "").isalnum()


_PLAIN_HOST = re.compile(r"[a-z0-9](?:[a-z0-9.-]*[a-z0-9])?")


@functools.lru_cache(maxsize=4096)  # the same few hosts recur across a site's replies
def ascii_host(host: str) -> str | None:
    """``host`` in punycode and lower case (UTS #46, as browsers map it); None if it is not one."""
    if _PLAIN_HOST.fullmatch(host) and ".." not in host:
        return host  # already what UTS #46 would give
    try:
        return idna.encode(host.translate(_ANY_DOT).rstrip("."), uts46=True).decode("ascii")
    except (idna.IDNAError, UnicodeError, ValueError):
        return None


@functools.lru_cache(maxsize=4096)
def shown_host(host: str) -> tuple[str, bool]:
    """How a browser shows ``host``, and whether it deceives: (Unicode or punycode, flagged)."""
    ace = ascii_host(host)
    if ace is None:
        return host.lower(), True  # not a name a browser would resolve: shown as it is, flagged
    if "xn--" not in ace:
        return ace, False
    try:
        labels = idna.decode(ace).split(".")
    except (idna.IDNAError, UnicodeError, ValueError):
        return ace, True
    tld_is_ascii = labels[-1].isascii()
    if any(_label_deceives(label, tld_is_ascii) for label in labels):
        return ace, True
    return ".".join(labels), False


def _link_host(href: str) -> str:
    """The host a link goes to ("" when it has none): the domain of a mailto address."""
    parts = urlsplit(href)
    if parts.scheme == "mailto":
        return parts.path.rpartition("@")[2].split("?")[0]
    return parts.hostname or ""


def _shown_destination(href: str, host: str) -> str:
    """The real destination as a link's text: host, then the path, shortened."""
    parts = urlsplit(href)
    if parts.scheme == "mailto":
        return f"{parts.path.rpartition('@')[0]}@{host}"
    rest = parts.path if parts.path not in ("", "/") else ""
    rest += f"?{parts.query}" if parts.query else ""
    if len(rest) > PATH_SHOWN:
        rest = rest[:PATH_SHOWN] + "…"
    return host + rest


def _tag(name: str, attrs: list[tuple[str, str | None]]) -> str:
    """A start tag as ammonia wrote it, its attribute values escaped again."""
    written = "".join(f' {key}="{html.escape(value or "", quote=True)}"' for key, value in attrs)
    return f"<{name}{written}>"


@dataclass
class _Link:
    """A link being read: its start tag, what is inside it, its text."""

    href: str
    start: str
    parts: list[str] = field(default_factory=list)
    text: list[str] = field(default_factory=list)


# ammonia's output, as html5ever serialises it: tags with quoted attributes, and text between.
_TOKENS = re.compile(r'<(/?)([a-z][a-z0-9]*)((?: [^\s="<>/]+="[^"]*")*) ?/?>|([^<]+)|(<)')
_ATTRIBUTES = re.compile(r' ([^\s="<>/]+)="([^"]*)"')


class _Rewriter:
    """One pass over ammonia's output: invisibles, deceptive links, nesting, length (see above).

    ammonia writes well-formed HTML (every element closed, attributes quoted), so a tokenising
    regular expression reads it, at a third of the cost of ``html.parser``.
    """

    def __init__(self, limit: int | None) -> None:
        self.out: list[str] = []
        self.stack: list[tuple[str, bool]] = []  # open elements, and whether each was written
        self.nesting = 0  # quotes and lists open and written
        self.link: _Link | None = None
        self.dropped_from = -1  # the depth of the element being dropped with its text, or -1
        self.budget = limit  # characters of text still to show, None for all
        self.cut = False
        self.at_boundary = True  # the text written so far ends between two words
        self.shown = 0  # characters of text written so far

    def _emit(self, piece: str) -> None:
        (self.link.parts if self.link is not None else self.out).append(piece)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if self.cut:
            return
        if self.dropped_from >= 0:
            if tag != "br":
                self.stack.append((tag, False))
            return
        if tag == "span" and ("class", LOOKALIKE) in attrs:
            # Our own mark, from an earlier cleaning, made again below: cleaning twice gives what
            # cleaning once gave. One outside a link (a host beside it) goes with its text; a
            # reader's own inside a link loses the class.
            if self.link is None:
                self.dropped_from = len(self.stack)
                self.stack.append((tag, False))
                return
            attrs = []
        if tag == "br":
            self._emit("<br>")
            return
        written = sum(1 for _, kept in self.stack if kept)
        nests = tag in NESTING_TAGS
        keep = written < MAX_DEPTH and not (nests and self.nesting >= MAX_NESTING)
        if tag == "li" and self.stack and not self.stack[-1][1]:
            keep = False  # an item of a list that was flattened
        if tag == "a" and keep and self.link is None:
            href = dict(attrs).get("href") or ""
            self.link = _Link(href, _tag(tag, attrs))
            self.stack.append((tag, False))  # written when the link ends (``_end_link``)
            return
        self.stack.append((tag, keep))
        if tag == "li" and not keep:
            self._emit("<br>")  # a flattened list keeps one item a line
        if keep:
            self.nesting += nests
            self._emit(_tag(tag, attrs))

    def handle_endtag(self, tag: str) -> None:
        if self.cut or tag == "br" or not any(name == tag for name, _ in self.stack):
            return
        while self.stack:
            name, kept = self.stack.pop()
            if len(self.stack) <= self.dropped_from:
                self.dropped_from = -1
            if kept:
                self.nesting -= name in NESTING_TAGS
                self._emit(f"</{name}>")
            elif name == "a" and self.link is not None:
                self._end_link()
            if name == tag:
                return

    def handle_data(self, data: str) -> None:
        if self.cut or self.dropped_from >= 0:
            return
        text = strip_invisibles(data)
        if self.link is not None:
            self.link.text.append(text)
            self.link.parts.append(html.escape(text, quote=False))
            return
        shown = self._within_budget(text)
        if shown:
            self.at_boundary = shown[-1].isspace()
        self.out.append(html.escape(shown, quote=False))

    def _within_budget(self, text: str) -> str:
        """``text``, or its start cut at a word boundary when the budget runs out in it."""
        if self.budget is None:
            return text
        if len(text) <= self.budget:
            self.budget -= len(text)
            self.shown += len(text)
            return text
        self.cut = True
        head = text[: self.budget + 1]
        space = max((m.start() for m in _SPACE.finditer(head)), default=-1)
        if space > 0:
            return head[:space].rstrip() + " …"
        if self.at_boundary and self.shown:
            return "…"  # the word starts here: cut before it
        # no word boundary: cut between two graphemes (never inside an emoji or an accent)
        kept: list[str] = []
        size = 0
        for grapheme in _GRAPHEMES.finditer(head):
            size += len(grapheme.group())
            if size > self.budget:
                break
            kept.append(grapheme.group())
        return "".join(kept) + "…"

    def _end_link(self) -> None:
        """Write the link that ends: as it was, or naming its real destination."""
        link, self.link = self.link, None
        assert link is not None
        text = "".join(link.text)
        host = _link_host(link.href)
        shown, flagged = shown_host(host) if host else ("", False)
        # a link that goes nowhere (its href was unsafe) deceives no one: left as written
        claimed = [ascii_host(m.group()) for m in _DOMAIN.finditer(text)] if host else []
        real = ascii_host(host) if host else None
        if any(claim != real for claim in claimed) or (flagged and claimed):
            destination = html.escape(_shown_destination(link.href, shown), quote=False)
            if flagged:
                destination = f'<span class="{LOOKALIKE}">⚠\u00a0{destination}</span>'
            body, size = destination, len(_shown_destination(link.href, shown))
        else:
            body, size = "".join(link.parts), len(text)
        if self.budget is not None:
            if size > self.budget:
                self.cut = True
                self.out.append("…")
                return
            self.budget -= size
            self.shown += size
        self.at_boundary = False
        self.out.append(f"{link.start}{body}</a>")
        if flagged and not claimed:
            self.out.append(f'<span class="{LOOKALIKE}"> (⚠\u00a0{html.escape(shown)})</span>')

    def feed(self, cleaned: str) -> None:
        """Read ammonia's output, token by token."""
        for token in _TOKENS.finditer(cleaned):
            closing, tag, attributes, text, stray = token.groups()
            if text is not None or stray is not None:
                self.handle_data(html.unescape(text or stray) if "&" in token.group() else text)
            elif closing:
                self.handle_endtag(tag)
            else:
                attrs: list[tuple[str, str | None]] = [
                    (key, html.unescape(value)) for key, value in _ATTRIBUTES.findall(attributes)
                ]
                self.handle_starttag(tag, attrs)
                if tag != "br" and token.group().endswith("/>"):
                    self.handle_endtag(tag)

    def finish(self) -> str:
        """The rewritten fragment, every element written closed."""
        self.link = None  # a link cut short is not shown
        for name, kept in reversed(self.stack):
            if kept:
                self.out.append(f"</{name}>")
        self.stack.clear()
        return "".join(self.out).strip()


def _rewrite(cleaned: str, limit: int | None) -> tuple[str, bool]:
    if (
        "<a " not in cleaned
        and LOOKALIKE not in cleaned
        and (limit is None or len(cleaned) <= limit)  # its text is shorter than its HTML
        and sum(cleaned.count(f"<{tag}>") for tag in NESTING_TAGS) <= MAX_NESTING
        and cleaned.count("<") <= 2 * MAX_DEPTH  # fewer elements than the depth allowed
        and not (_may_hide(cleaned) and _INVISIBLES.search(cleaned))
    ):
        return cleaned, False  # nothing to rewrite: most replies, at a tenth of the cost
    rewriter = _Rewriter(limit)
    rewriter.feed(cleaned)
    return rewriter.finish(), rewriter.cut


def clean_html(fragment: str) -> str:
    """Return ``fragment`` reduced to the allowlist, links made safe and marked as user content,
    links naming their real destination, invisibles removed, nesting capped."""
    return _rewrite(str(_CLEANER.clean(fragment)), None)[0]


def clean_for_page(fragment: str, limit: int) -> tuple[str, bool]:
    """``clean_html`` of ``fragment`` with at most ``limit`` characters of text, and whether it
    was cut (the page then links to the whole reply on its network)."""
    return _rewrite(str(_CLEANER.clean(fragment)), limit)


def text_to_html(text: str) -> str:
    """Plain text as safe HTML: escaped, blank lines as paragraphs, line breaks kept."""
    text = strip_invisibles(text.replace("\r\n", "\n"))
    paragraphs = [part for part in text.split("\n\n") if part.strip()]
    return "".join(
        "<p>" + "<br>".join(html.escape(line) for line in part.strip().split("\n")) + "</p>"
        for part in paragraphs
    )


def html_to_text(fragment: str) -> str:
    """The visible text of a fragment (for the inbox and for word lists), without any markup."""
    with_breaks = fragment.replace("<br>", "\n").replace("<br/>", "\n").replace("</p>", "\n\n")
    return html.unescape(nh3.clean(with_breaks, tags=set())).strip()
