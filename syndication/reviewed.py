"""Read a reviewed TOML file of the repository (moderation, people): one sentence when it is wrong.

A missing file is empty (nothing blocked, nobody linked); a file that is not TOML, or has a key
the reader does not know, is a ``ConfigError`` naming the file. Read with the standard library's
``tomllib`` (https://docs.python.org/3/library/tomllib.html).
"""

from __future__ import annotations

import tomllib
from collections.abc import Set
from pathlib import Path
from typing import Any

from syndication.errors import ConfigError


def read_reviewed(path: Path, known: Set[str], expected: str) -> dict[str, Any]:
    """The top-level tables of ``path`` ({} when missing); ``expected`` names the known keys in
    the sentence for an unknown one."""
    if not path.exists():
        return {}
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as error:
        raise ConfigError(f"{path}: {error}; fix the TOML syntax.") from error
    unknown = sorted(set(data) - set(known))
    if unknown:
        raise ConfigError(f"{path}: unknown key {unknown[0]!r}; expected {expected}.")
    return data
