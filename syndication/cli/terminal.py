"""Text from the networks made safe to print: control characters shown, never obeyed.

Readers' words, display names, handles, URLs and servers' error bodies reach a terminal (``invoke
inbox``, the failure lines of every command, the log). A terminal obeys what it prints: ``ESC ] 52``
writes the reader's clipboard, ``ESC [ 2J`` clears the screen, a right-to-left override turns the
rest of the line around. So everything printed goes through ``printable``, which shows each such
character in **Python's escape notation** instead of letting it act:

- C0 and C1 controls and DEL: ``\\x1b``, ``\\x7f``, ``\\x9b``; tab, carriage return and line feed
  as ``\\t``, ``\\r``, ``\\n`` (a line feed is kept as it is where the output has lines, never a
  carriage return: it would let a line overwrite the one before);
- bidi overrides, embeddings and isolates (U+202A to U+202E, U+2066 to U+2069), the other invisible
  format characters (zero-width space, BOM, soft hyphen, tag characters), the line and paragraph
  separators and lone surrogates: ``\\u202e``, ``\\U000e0041``. A zero-width joiner or non-joiner
  stays where it joins two non-ASCII characters (an emoji sequence, Persian, Indic scripts), the
  only places where it serves a language; beside ASCII it only hides, and is shown.

``one_line`` also folds every run of white space into one space and cuts the text to a readable
length: that is how a server's error body enters a sentence. ``json_text`` keeps ``--json`` output
valid and lossless while escaping the same characters (``json.dumps`` leaves DEL, C1 and format
characters raw when ``ensure_ascii`` is off). The standard library's ``unicodedata`` gives every
character's category: no dependency is needed.
"""

from __future__ import annotations

import json
import logging
import unicodedata
from typing import Any

READABLE_LENGTH = 200  # characters of a server's words kept in a one-line message
ELLIPSIS = "…"
_JOINERS = frozenset({"\u200c", "\u200d"})  # zero-width non-joiner and joiner
_NAMED = {"\t": "\\t", "\n": "\\n", "\r": "\\r"}
# Unicode categories never printed raw: controls, format characters, line and paragraph
# separators, lone surrogates.
_HIDDEN_CATEGORIES = frozenset({"Cc", "Cf", "Zl", "Zp", "Cs"})


def _escape(char: str) -> str:
    """``char`` in Python's escape notation: ``\\x1b``, ``\\u202e``, ``\\U000e0041``."""
    if char in _NAMED:
        return _NAMED[char]
    code = ord(char)
    if code <= 0xFF:
        return f"\\x{code:02x}"
    if code <= 0xFFFF:
        return f"\\u{code:04x}"
    return f"\\U{code:08x}"


def _joins(text: str, index: int) -> bool:
    """Whether the joiner at ``index`` sits between two non-ASCII, non-hidden characters."""
    if index == 0 or index == len(text) - 1:
        return False
    before, after = text[index - 1], text[index + 1]
    return all(
        ord(c) > 0x7F and unicodedata.category(c) not in _HIDDEN_CATEGORIES for c in (before, after)
    )


def hidden(text: str, index: int) -> bool:
    """Whether the character at ``index`` of ``text`` must not reach a terminal raw."""
    char = text[index]
    if unicodedata.category(char) not in _HIDDEN_CATEGORIES:
        return False
    return not (char in _JOINERS and _joins(text, index))


def printable(text: str, *, newlines: bool = True) -> str:
    """``text`` with every control, bidi and invisible format character shown as an escape.

    With ``newlines`` a line feed stays a line feed (the output is made of lines); without, it
    is shown as ``\\n`` too. A carriage return is always shown.
    """
    if text.isascii() and text.isprintable():
        return text  # the common case, at no cost
    out: list[str] = []
    for index, char in enumerate(text):
        if char == "\n" and newlines:
            out.append(char)
        elif hidden(text, index):
            out.append(_escape(char))
        else:
            out.append(char)
    return "".join(out)


def one_line(text: str, limit: int | None = READABLE_LENGTH) -> str:
    """``text`` on one printable line: white space folded, cut to ``limit`` characters with an
    ellipsis (no cut when ``limit`` is None)."""
    flat = printable(" ".join(text.split()), newlines=False)
    if limit is None or len(flat) <= limit:
        return flat
    return flat[: limit - 1].rstrip() + ELLIPSIS


def json_text(data: Any) -> str:
    """``data`` as indented JSON (UTF-8 text kept readable) with every character ``printable``
    escapes written as a JSON ``\\u`` escape: the same value for a parser, inert on a terminal."""
    text = json.dumps(data, ensure_ascii=False, indent=2)
    if text.isascii():
        return text
    out: list[str] = []
    for index, char in enumerate(text):
        if char != "\n" and hidden(text, index):
            # Outside the BMP, JSON writes a character as its UTF-16 surrogate pair.
            units = char.encode("utf-16-be")
            out.extend(
                f"\\u{int.from_bytes(units[i : i + 2], 'big'):04x}" for i in range(0, len(units), 2)
            )
        else:
            out.append(char)
    return "".join(out)


class PrintableFilter(logging.Filter):
    """A logging filter that makes every record's message printable (lines kept).

    The log goes to a terminal or a CI log as surely as the reports do, and carries network
    text too (a server's answer, a URL).
    """

    def filter(self, record: logging.LogRecord) -> bool:
        """Replace the record's message by its printable form; never drops a record."""
        message = record.getMessage()
        shown = printable(message)
        if shown != message:
            record.msg = shown
            record.args = None
        return True


def install_printable_filter(logger: logging.Logger | None = None) -> None:
    """Attach ``PrintableFilter`` to every handler of ``logger`` (the root logger by default)."""
    target = logger or logging.getLogger()
    for handler in target.handlers:
        if not any(isinstance(f, PrintableFilter) for f in handler.filters):
            handler.addFilter(PrintableFilter())
