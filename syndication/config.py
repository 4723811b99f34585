"""Settings read from the environment only (CI secrets, or `.sandbox/env`): the shared rules.

Each network reads its own variables (``syndication.networks.<name>``, listed by the registry and
in the README's settings table) with the helpers here, so every network names a wrong or missing
variable the same way. A network is configured when its account variables are set; a
half-configured one is a ``ConfigError`` naming the missing variable.

An employee may post under their own account: their public handle is in ``AGORA_AUTHORS`` in
``pelicanconf.py`` (under the network's name), and their credential in the network's credential
variable with ``_<AUTHOR>`` appended, where ``<AUTHOR>`` is the author's name in capitals with
``_`` between words (``CAMILLE_TREMBLAY``, see ``author_suffix``). Every credential is registered
with ``syndication.secrets`` as soon as it is read.

A preview (``invoke syndicate --dry-run``, as a pull request runs it, with no secrets) takes a
network whose public settings are there (the handle, the instance) as configured without its
credential: it composes exactly what would be sent and never calls the network with an account.

``AGORA_PAUSE_POSTING`` (any value but 0, false, no, off) or a file ``PAUSED`` in the state folder
stops all automatic posting: the kill switch (``posting_paused``). It stops automation, not people:
in the crisis it exists for, a named employee must still be able to answer in public, so answers
are only silenced by the second, explicit switch ``AGORA_PAUSE_ANSWERS`` or a file
``PAUSED_ANSWERS`` (``answers_paused``).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from pathlib import Path

from syndication import secrets
from syndication.errors import ConfigError

PAUSE_VARIABLE = "AGORA_PAUSE_POSTING"
PAUSE_FILE = "PAUSED"  # in the state folder: a file anyone can commit from the web UI
ANSWERS_PAUSE_VARIABLE = "AGORA_PAUSE_ANSWERS"
ANSWERS_PAUSE_FILE = "PAUSED_ANSWERS"

Authors = Mapping[str, Mapping[str, str]]  # AGORA_AUTHORS: name -> profile (handles, first name)


def author_suffix(author: str) -> str:
    """``Camille Tremblay`` -> ``CAMILLE_TREMBLAY``: the suffix of an author's variables."""
    plain = unicodedata.normalize("NFKD", author).encode("ascii", "ignore").decode()
    return re.sub(r"[^A-Z0-9]+", "_", plain.upper()).strip("_")


def base_url(env: Mapping[str, str], variable: str, default: str = "") -> str:
    """The URL in ``variable`` without its trailing slash; ConfigError when it is not a URL."""
    value = env.get(variable, default).strip().rstrip("/")
    if value and not re.match(r"^https?://[^/\s]+", value):
        raise ConfigError(f"{variable}={value!r} is not a URL; set it like https://example.social.")
    return value


def require(env: Mapping[str, str], variable: str, because: str) -> str:
    """The value of ``variable``; ConfigError saying ``because`` when it is not set."""
    value = env.get(variable, "").strip()
    if not value:
        raise ConfigError(f"{variable} is not set, but {because}; set it or unset the others.")
    return value


def credential(env: Mapping[str, str], variable: str, because: str, preview: bool) -> str:
    """The credential in ``variable``; in a preview its absence is fine (nothing is sent)."""
    if preview and not env.get(variable, "").strip():
        return ""
    return secrets.register(require(env, variable, because))


def author_credential(env: Mapping[str, str], variable: str, author: str) -> tuple[str, str]:
    """The employee's credential in ``variable_<AUTHOR>`` (registered as a secret) and that
    variable's name; the credential is "" when unset."""
    name = f"{variable}_{author_suffix(author)}"
    value = env.get(name, "").strip()
    return (secrets.register(value) if value else ""), name


def handle_of(profile: Mapping[str, str], network: str) -> str:
    """The author's handle on ``network`` in their ``AGORA_AUTHORS`` profile, without ``@``."""
    return str(profile.get(network, "")).strip().lstrip("@")


def posting_paused(env: Mapping[str, str], state_root: Path) -> str:
    """Why automatic posting is paused (the kill switch), or an empty string when it is not."""
    return _switch(env, state_root, PAUSE_VARIABLE, PAUSE_FILE)


def answers_paused(env: Mapping[str, str], state_root: Path) -> str:
    """Why answers are silenced too (the explicit second switch), or an empty string."""
    return _switch(env, state_root, ANSWERS_PAUSE_VARIABLE, ANSWERS_PAUSE_FILE)


def _switch(env: Mapping[str, str], state_root: Path, variable: str, file_name: str) -> str:
    """Why the switch of ``variable`` / ``file_name`` is on, or an empty string when it is off."""
    reason = env.get(variable, "").strip()
    if reason and reason.lower() not in {"0", "false", "no", "off"}:
        return f"{variable} is set ({reason})"
    pause_file = state_root / file_name
    if pause_file.exists():
        note = pause_file.read_text(encoding="utf-8").strip().splitlines()
        return f"{pause_file} exists" + (f" ({note[0]})" if note else "")
    return ""
