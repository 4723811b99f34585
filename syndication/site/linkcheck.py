"""Check every internal link and anchor of a built site, reading the files only.

A link is internal when it is relative or starts with the site's own URL. It is broken when no
file answers it (``/x/`` is ``x/index.html``) or when its ``#anchor`` names no ``id`` in the target
page. External links are not followed: the build never touches the network.
"""

from __future__ import annotations

from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path, PurePosixPath
from urllib.parse import unquote, urldefrag, urljoin, urlsplit

LINK_ATTRIBUTES = {"a": "href", "link": "href", "img": "src", "script": "src", "source": "src"}
# Alternate links may point at feeds or other languages: still ours, still checked.
IGNORED_SCHEMES = ("mailto:", "tel:", "data:", "javascript:")


@dataclass(frozen=True)
class BrokenLink:
    """A link that leads nowhere."""

    page: str  # path of the page, relative to the output folder
    link: str
    reason: str

    def __str__(self) -> str:
        return f"{self.page}: broken link {self.link!r} ({self.reason})"


class _PageParser(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.links: list[str] = []
        self.ids: set[str] = set()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        for name in ("id", "name") if tag == "a" else ("id",):
            if values.get(name):
                self.ids.add(str(values[name]))
        wanted = LINK_ATTRIBUTES.get(tag)
        if wanted and values.get(wanted):
            self.links.append(str(values[wanted]))
        # Every candidate of a responsive image: the <img>'s and each <source>'s of a <picture>
        # (https://html.spec.whatwg.org/multipage/images.html#srcset-attributes).
        if tag in ("img", "source") and values.get("srcset"):
            for candidate in str(values["srcset"]).split(","):
                if candidate.strip():
                    self.links.append(candidate.strip().split()[0])


def _parse(path: Path) -> _PageParser:
    parser = _PageParser()
    parser.feed(path.read_text(encoding="utf-8", errors="replace"))
    return parser


def _target_file(output: Path, url_path: str) -> Path | None:
    """The file that serves ``url_path``, the way a static server would find it."""
    relative = unquote(url_path).lstrip("/")
    candidate = output / relative
    if relative == "" or url_path.endswith("/") or candidate.is_dir():
        candidate = candidate / "index.html"
    return candidate if candidate.is_file() else None


def check_site(output: Path, siteurl: str) -> list[BrokenLink]:
    """Every broken internal link and anchor in the HTML pages under ``output``."""
    site = urlsplit(siteurl.rstrip("/") + "/")
    parsed: dict[Path, _PageParser] = {}
    broken: list[BrokenLink] = []

    def page(path: Path) -> _PageParser:
        if path not in parsed:
            parsed[path] = _parse(path)
        return parsed[path]

    for html_file in sorted(output.rglob("*.html")):
        relative = html_file.relative_to(output).as_posix()
        base = site._replace(path=site.path + relative).geturl()
        for link in page(html_file).links:
            if link.startswith(IGNORED_SCHEMES):
                continue
            absolute = urlsplit(urljoin(base, link))
            if (absolute.scheme, absolute.netloc) != (site.scheme, site.netloc):
                continue  # another site: not ours to check, and the build stays offline
            if not absolute.path.startswith(site.path):
                broken.append(BrokenLink(relative, link, "outside the site's path"))
                continue
            inside = "/" + absolute.path[len(site.path) :]
            target = _target_file(output, inside)
            if target is None:
                broken.append(BrokenLink(relative, link, "no such page or file"))
                continue
            anchor = unquote(urldefrag(link).fragment)
            if anchor and target.suffix == ".html" and anchor not in page(target).ids:
                name = PurePosixPath(target.relative_to(output).as_posix())
                broken.append(BrokenLink(relative, link, f"no id {anchor!r} in {name}"))
    return broken
