"""Make content from the networks safe to store and show: a small allowlist, nothing active.

Everything a reader wrote is untrusted. It is cleaned here, with the maintained ``nh3`` sanitiser
(ammonia), before it reaches a state file, and cleaned again by the plugin at build, so a state file
edited by hand cannot inject anything either. What survives: text, paragraphs and line breaks,
emphasis, code, quotes, lists, and links to http(s) or mailto that carry
``rel="nofollow ugc noopener"``. No images (they would be requests to other origins), no styles, no
scripts, no event handlers, no ids or classes except Mastodon's two link-shortening classes.
"""

from __future__ import annotations

import html

import nh3

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
ALLOWED_CLASSES = {"span": frozenset({"invisible", "ellipsis"})}


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


def clean_html(fragment: str) -> str:
    """Return ``fragment`` reduced to the allowlist, links made safe and marked as user content."""
    return str(_CLEANER.clean(fragment)).strip()


def text_to_html(text: str) -> str:
    """Plain text as safe HTML: escaped, blank lines as paragraphs, line breaks kept."""
    paragraphs = [part for part in text.replace("\r\n", "\n").split("\n\n") if part.strip()]
    return "".join(
        "<p>" + "<br>".join(html.escape(line) for line in part.strip().split("\n")) + "</p>"
        for part in paragraphs
    )


def html_to_text(fragment: str) -> str:
    """The visible text of a fragment (for the inbox and for word lists), without any markup."""
    with_breaks = fragment.replace("<br>", "\n").replace("<br/>", "\n").replace("</p>", "\n\n")
    return html.unescape(nh3.clean(with_breaks, tags=set())).strip()
