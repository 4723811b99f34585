"""Answers written as files: the team answers from GitHub's web editor, CI sends them once.

An answer is a Markdown file in ``content/answers/`` (setting ``AGORA_ANSWERS_PATH``), written and
reviewed like a post, in a pull request::

    Comment: bluesky-3l6ugk2vzc2a
    As: Camille

    Merci de votre message ! La purge des freins est comprise.

``Comment`` is an ID from the inbox, ``As`` who answers (``AGORA_AUTHORS``: full or first name);
the text after the first blank line is the answer, sent as written. The header is read by
Python-Markdown's Meta-Data extension, the same reader Pelican uses for posts' front matter, so
the rules a writer already knows hold (https://python-markdown.github.io/extensions/meta_data/).

``invoke answers --check`` (the pull request) says, one line per file, whether each answer can go
out, without any network or secret. ``invoke answers`` (the pipeline, after merge) sends each
through the reply engine (``desk.reply``: checked against the network right before sending,
recorded, exactly once) and deletes the file once the answer is recorded in the state, in the
same commit; a file that cannot be sent stays, with the sentence saying what to fix.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import markdown

from syndication.errors import ContentError

DEFAULT_ANSWERS_PATH = "content/answers"
ANSWER_SUFFIX = ".md"
# Files a writer may keep in the folder that are not answers (a how-to, the template).
SKIPPED_NAMES = frozenset({"README.md", "LISEZMOI.md"})
TEMPLATE_PREFIX = "_"  # ``_modele.md``: a template to copy, never sent


@dataclass(frozen=True)
class AnswerFile:
    """One answer written as a file."""

    path: Path
    comment: str  # the inbox ID
    author: str  # as written: resolved against AGORA_AUTHORS by the reply engine
    text: str


def answer_files(folder: Path) -> list[Path]:
    """The answer files of ``folder``, by name (none when the folder does not exist)."""
    if not folder.is_dir():
        return []
    return sorted(
        path
        for path in folder.iterdir()
        if path.is_file()
        and path.suffix == ANSWER_SUFFIX
        and path.name not in SKIPPED_NAMES
        and not path.name.startswith(TEMPLATE_PREFIX)
    )


def read_answer(path: Path) -> AnswerFile:
    """The answer in ``path``; ContentError naming the file and what to fix."""
    try:
        source = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as error:
        raise ContentError(f"{path.name}: not UTF-8 text; save it as UTF-8.") from error
    header, blank, body = source.replace("\r\n", "\n").partition("\n\n")
    reader = markdown.Markdown(extensions=["meta"])
    reader.convert(header + "\n\n")
    meta: dict[str, list[str]] = getattr(reader, "Meta", {})
    unknown = sorted(set(meta) - {"comment", "as"})
    if unknown:
        raise ContentError(
            f"{path.name}: unknown key {unknown[0]!r} in the header; only Comment and As are read."
        )
    comment = " ".join(meta.get("comment", [])).strip()
    author = " ".join(meta.get("as", [])).strip()
    if not comment or not author:
        missing = "Comment" if not comment else "As"
        raise ContentError(
            f"{path.name}: no {missing} line; start the file with 'Comment: <ID from the inbox>' "
            "and 'As: <your name>', then a blank line and the answer."
        )
    text = body.strip() if blank else ""
    if not text:
        raise ContentError(f"{path.name}: the answer is empty; write it after a blank line.")
    return AnswerFile(path, comment, author, text)
