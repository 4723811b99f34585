"""The theme's stylesheet: one file per build, named by its content, linked from every page.

``style.css`` at the theme's root (outside ``static/``, which Pelican copies as it is) is written
once into the output as ``<THEME_STATIC_DIR>/css/style.<sha256-12>.css`` and every page links it
(``base.html``, ``AGORA_STYLESHEET``). Named by its digest, it can be cached for good
(``Cache-Control: immutable``, https://developer.mozilla.org/en-US/docs/Web/HTTP/Headers/Cache-Control#immutable):
a changed stylesheet is a new address. Inlined, it weighed 7 KB in each of a site's pages
(issue 20); as a file the pages' Content-Security-Policy allows styles from the site only
(``style-src 'self'``, no ``'unsafe-inline'``). Its fonts are addressed relative to the file
(``url(../fonts/…)``, resolved against the stylesheet's address as CSS says:
https://www.w3.org/TR/css-values-4/#relative-urls), so the file does not depend on ``SITEURL``.
"""

from __future__ import annotations

import hashlib
import os
import re
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

SOURCE = "style.css"  # in the theme's folder
CONTEXT_NAME = "AGORA_STYLESHEET"  # what templates call its site-relative path
DIGEST_LENGTH = 12
# What this module names a stylesheet: only such files are ever removed (``remove_others``).
_WRITTEN = re.compile(rf"style\.[0-9a-f]{{{DIGEST_LENGTH}}}\.css")


@dataclass(frozen=True)
class Stylesheet:
    """The stylesheet's content and where it goes in the output (site-relative)."""

    target: str
    content: bytes


def find(settings: dict[str, Any]) -> Stylesheet | None:
    """The theme's stylesheet as this build writes it; None when the theme has none."""
    source = Path(str(settings.get("THEME", ""))) / SOURCE
    if not source.is_file():
        return None
    content = source.read_bytes()
    digest = hashlib.sha256(content).hexdigest()[:DIGEST_LENGTH]
    static = str(settings.get("THEME_STATIC_DIR", "theme")).strip("/")
    return Stylesheet(f"{static}/css/style.{digest}.css", content)


def write(output: Path, sheet: Stylesheet) -> None:
    """Write ``sheet`` into ``output`` unless it is there (same name, same content), atomically."""
    destination = output / sheet.target
    if destination.is_file():
        return  # a preview's rebuild of one post, or a build into the same folder
    destination.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(prefix=".style-", dir=destination.parent)
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(sheet.content)
        os.chmod(temporary, 0o644)  # mkstemp's 0600 would hide it from a web server's user
        os.replace(temporary, destination)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def remove_others(output: Path, sheet: Stylesheet) -> int:
    """Remove from ``output`` the stylesheets earlier builds wrote beside ``sheet``; how many.

    A build into a fresh folder has none; the preview's folder keeps one per change of
    ``style.css`` otherwise. Called after a whole build only: then every page links ``sheet``.
    """
    folder = (output / sheet.target).parent
    current = (output / sheet.target).name
    removed = 0
    for old in folder.glob("style.*.css"):
        if old.name != current and _WRITTEN.fullmatch(old.name):
            old.unlink(missing_ok=True)
            removed += 1
    return removed
