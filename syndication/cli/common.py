"""What every command shares: where the settings put things, the HTTP client, the log, printing.

Everything a command prints goes through ``emit`` and everything it logs through the filters
``setup_logging`` installs: secrets redacted (``syndication.secrets``), then control, bidi and
invisible characters shown as escapes (``syndication.cli.terminal``), since much of it comes from
the networks (readers' words, names, servers' error bodies).

Paths in the settings are relative to the settings file's folder (the repository root), so a
command gives the same answer from any working folder.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from pathlib import Path
from typing import Any, TextIO

import httpx

from syndication.backfeed.avatars import AvatarStore
from syndication.cli.terminal import install_printable_filter, printable
from syndication.config import Authors
from syndication.secrets import install_log_filter, redact
from syndication.store.state import DEFAULT_STATE_PATH

DEFAULT_SETTINGS = "publishconf.py"
DEFAULT_MODERATION_FILE = "content/moderation.toml"
AVATARS_FOLDER = "avatars"  # under the content folder, copied to the site by STATIC_PATHS
HTTP_TIMEOUT_SECONDS = 30.0
USER_AGENT = "Agora-syndication (+https://github.com/)"


def http_client(
    transport: httpx.AsyncBaseTransport | None = None, timeout: float = HTTP_TIMEOUT_SECONDS
) -> httpx.AsyncClient:
    """The HTTP client every network command uses: one timeout, one User-Agent."""
    return httpx.AsyncClient(
        timeout=timeout, headers={"User-Agent": USER_AGENT}, transport=transport
    )


def _relative_to(settings_file: Path, value: str) -> Path:
    path = Path(value)
    return path if path.is_absolute() else settings_file.resolve().parent / path


def state_root(settings: Mapping[str, object], settings_file: Path) -> Path:
    """The state folder: ``AGORA_STATE_PATH`` of the settings, relative to their folder."""
    return _relative_to(settings_file, str(settings.get("AGORA_STATE_PATH") or DEFAULT_STATE_PATH))


def moderation_file(settings: Mapping[str, object], settings_file: Path) -> Path:
    """The moderation file: ``AGORA_MODERATION_FILE`` of the settings, relative to their folder."""
    chosen = str(settings.get("AGORA_MODERATION_FILE") or DEFAULT_MODERATION_FILE)
    return _relative_to(settings_file, chosen)


def avatar_store(settings: Mapping[str, object], settings_file: Path) -> AvatarStore:
    """Where avatars go: ``avatars/`` in the content folder (``PATH``), served as static files."""
    content = _relative_to(settings_file, str(settings.get("PATH") or "content"))
    return AvatarStore(content / AVATARS_FOLDER, site_prefix=AVATARS_FOLDER)


def authors_of(settings: Mapping[str, Any]) -> Authors:
    """``AGORA_AUTHORS`` of the settings (none when it is not set)."""
    found: Authors = settings.get("AGORA_AUTHORS", {}) or {}
    return found


def setup_logging(level: int = logging.INFO) -> None:
    """Log to standard error, every secret redacted and every control character made visible."""
    if not logging.getLogger().handlers:
        logging.basicConfig(level=level, format="%(levelname)s %(name)s: %(message)s")
    # httpx logs every request at INFO: hundreds of lines that bury what a person must read.
    logging.getLogger("httpx").setLevel(max(level, logging.WARNING))
    install_log_filter()
    install_printable_filter()


def shown(text: str) -> str:
    """``text`` as a command prints it: secrets redacted, control characters made visible."""
    return printable(redact(text))


def emit(output: TextIO, text: str) -> None:
    """Print ``text`` to ``output`` as ``shown`` makes it, and flush: the one way commands print.

    JSON is made with ``terminal.json_text`` first: it leaves nothing for ``printable`` to
    change, so it stays valid (``\x7f`` is not a JSON escape)."""
    output.write(shown(text))
    output.flush()
