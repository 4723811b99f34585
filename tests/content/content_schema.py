"""Read the front matter of the sample posts and pages, as Pelican's Markdown reader sees it.

The module name is unique across the test folders so another folder's helper cannot shadow it.
"""

from __future__ import annotations

import importlib.util
import re
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType

# No type stubs for Markdown in the lock file; the one call used here is checked by the tests.
import markdown  # type: ignore[import-untyped]

ROOT = Path(__file__).resolve().parents[2]
CONTENT = ROOT / "content"
POSTS = CONTENT / "posts"
PAGES = CONTENT / "pages"

# Markdown links and images; the alt text or label is group 1, the target group 2.
LINK_RE = re.compile(r"(!?)\[([^\]]*)\]\(([^)\s]+)\)")
DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2} \d{2}:\d{2}$")


@dataclass(frozen=True)
class Document:
    """One Markdown source file: its path, lower-cased metadata and body."""

    path: Path
    meta: dict[str, str]
    body: str

    @property
    def lang(self) -> str:
        """The document's language, French unless it says otherwise (DEFAULT_LANG)."""
        return self.meta.get("lang", "fr")

    @property
    def is_translation(self) -> bool:
        """True when the front matter marks the file as a translation."""
        return self.meta.get("translation", "").strip().lower() == "true"

    def words(self) -> int:
        """Number of words in the body, Markdown punctuation included as Pelican would count."""
        return len(self.body.split())

    def links(self) -> list[tuple[bool, str, str]]:
        """Every Markdown link or image in the body as (is_image, label, target)."""
        return [(m.group(1) == "!", m.group(2), m.group(3)) for m in LINK_RE.finditer(self.body)]


def read_document(path: Path) -> Document:
    """Parse a file with the same Meta extension Pelican uses; keys come back lower-cased."""
    text = path.read_text(encoding="utf-8")
    md = markdown.Markdown(extensions=["markdown.extensions.meta"])
    md.convert(text)
    raw: dict[str, list[str]] = md.Meta
    meta = {key: " ".join(values).strip() for key, values in raw.items()}
    # The body is what follows the first blank line after the metadata block.
    _, _, body = text.partition("\n\n")
    return Document(path=path, meta=meta, body=body)


def read_all(folder: Path) -> list[Document]:
    """Every Markdown file of a content folder, sorted by name for stable test ids."""
    return [read_document(p) for p in sorted(folder.glob("*.md"))]


def load_pelicanconf() -> ModuleType:
    """Import the repository's pelicanconf.py by path; the repository root is not a package."""
    spec = importlib.util.spec_from_file_location("pelicanconf", ROOT / "pelicanconf.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module
