"""Front matter checks: a post with broken metadata stops the build with one sentence.

Pelican itself logs and skips a file it cannot read (no title, a date it cannot parse) and builds
the rest, so a post silently vanishes. This module finds those files (Pelican marks them in the
shared context) and checks what Pelican accepts but the project does not: an unknown author, a
translation of nothing, an unconfigured language, a missing image or alt text, an unknown network.
Every problem is raised as a ``ContentError`` whose message names the file and the problem.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from syndication.errors import ContentError

DATE_FORMAT_HINT = "expected YYYY-MM-DD HH:MM"
# Markdown front matter: "Key: value" lines up to the first blank line.
_META_LINE = re.compile(r"^(?P<key>[A-Za-z][A-Za-z0-9_-]*)\s*:\s*(?P<value>.*)$")


def display_path(path: str | os.PathLike[str]) -> str:
    """``path`` as a person finds it: relative to the working folder when it lies inside it."""
    absolute = Path(path).resolve()
    try:
        return absolute.relative_to(Path.cwd().resolve()).as_posix()
    except ValueError:
        return str(absolute)


def raw_metadata(path: Path) -> dict[str, str]:
    """The front matter of a Markdown file as written, keys lower-cased (Pelican's convention)."""
    metadata: dict[str, str] = {}
    for line in path.read_text(encoding="utf-8-sig").splitlines():
        if not line.strip():
            break
        match = _META_LINE.match(line)
        if match:
            metadata[match["key"].lower()] = match["value"].strip()
    return metadata


def diagnose_unread(path: Path) -> str:
    """Why Pelican could not read ``path``: the problem in a few words, for the error line."""
    from pelican.utils import get_date

    try:
        metadata = raw_metadata(path)
    except (OSError, UnicodeDecodeError) as error:
        return f"cannot be read ({error})"
    if not metadata.get("title"):
        return "no title; add a 'Title:' line to the front matter"
    for name in ("date", "modified"):
        value = metadata.get(name)
        if value is None:
            continue
        try:
            get_date(value)
        except ValueError:
            return f'unparseable {name} "{value}"; {DATE_FORMAT_HINT}'
    if "date" not in metadata:
        return f"no date; add a 'Date:' line ({DATE_FORMAT_HINT})"
    return "Pelican could not read its metadata; check the front matter"


def _is_translation(item: Any) -> bool:
    """Whether the front matter says ``Translation: true`` (Pelican keeps the raw string)."""
    value = str(getattr(item, "metadata", {}).get("translation", "false")).strip().lower()
    return value not in ("", "false", "no", "0")


def check_article(
    item: Any,
    *,
    content_root: Path,
    authors: Mapping[str, object],
    languages: Iterable[str],
    networks: Iterable[str],
) -> str:
    """The first problem of one article's metadata, or an empty string when it is sound."""
    metadata: Mapping[str, Any] = item.metadata
    known = ", ".join(sorted(authors))
    if "author" not in metadata and "authors" not in metadata:
        return f"no author; add an 'Author:' line with one of: {known}"
    for author in getattr(item, "authors", []):
        name = str(getattr(author, "name", author))
        if name not in authors:
            return f'unknown author "{name}"; known authors: {known}'
    known_languages = list(languages)
    if item.lang not in known_languages:
        return f'language "{item.lang}" is not configured; expected one of: ' + ", ".join(
            known_languages
        )
    image = str(metadata.get("image", "")).strip()
    if image:
        if not (content_root / image).is_file():
            return f'image "{image}" does not exist under {display_path(content_root)}'
        if not str(metadata.get("image_alt", "")).strip():
            return f'image "{image}" has no Image_alt; describe it for readers who cannot see it'
    chosen = str(metadata.get("syndicate", "")).strip()
    if chosen:
        names = [part.strip().lower() for part in chosen.split(",") if part.strip()]
        allowed = sorted(networks)
        if names != ["none"]:
            for network in names:
                if network not in allowed:
                    return (
                        f'unknown network "{network}" in Syndicate; expected "none" or any of: '
                        + ", ".join(allowed)
                    )
    return ""


def check_translations(items: Iterable[Any]) -> tuple[Any, str] | None:
    """The first translation of nothing, or duplicate language, among one status's articles."""
    groups: dict[str, list[Any]] = {}
    for item in items:
        groups.setdefault(item.slug, []).append(item)
    for slug, group in sorted(groups.items()):
        seen: dict[str, Any] = {}
        for item in sorted(group, key=lambda i: i.source_path):
            if item.lang in seen:
                other = display_path(seen[item.lang].source_path)
                return item, f'has the same slug "{slug}" and language "{item.lang}" as {other}'
            seen[item.lang] = item
        originals = [item for item in group if not _is_translation(item)]
        if not originals:
            first = sorted(group, key=lambda i: i.source_path)[0]
            return first, (
                f'is marked "Translation: true" but no original post has the slug "{slug}"; '
                "fix the Slug or remove the Translation line"
            )
    return None


def fail(path: str | os.PathLike[str], problem: str) -> ContentError:
    """The error for ``problem`` in ``path``, as one line."""
    return ContentError(f"{display_path(path)}: {problem}")
