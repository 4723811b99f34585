"""Settings of the networks, read from the environment only (CI secrets, or `.sandbox/env`).

Variables (all optional; a network is configured when its account variables are set):

============================  =====================================================  ==========
variable                      meaning                                                default
============================  =====================================================  ==========
AGORA_BLUESKY_SERVICE         the PDS base URL the brand account logs in through     https://bsky.social
AGORA_BLUESKY_HANDLE          the brand account's handle                             -
AGORA_BLUESKY_APP_PASSWORD    an app password of that account (secret)               -
AGORA_BLUESKY_APPVIEW         where conversations are read, logged out (see below)   see below
AGORA_MASTODON_BASE_URL       the instance's base URL                                -
AGORA_MASTODON_ACCESS_TOKEN   an access token of the brand account (secret)          -
AGORA_MASTODON_ACCOUNT        the brand account's name on it (``velosboreal``)       read from it
AGORA_PAUSE_POSTING           any non-empty value stops all posting (kill switch)    -
============================  =====================================================  ==========

Backfeed reads public conversations from a Bluesky AppView, logged out, as a reader of the site
would see them: ``AGORA_BLUESKY_APPVIEW``, by default Bluesky's public API
(``https://public.api.bsky.app``) when the service is the default one, else through the PDS.

An employee may post under their own account: their public handle is in ``AGORA_AUTHORS`` in
``pelicanconf.py`` (keys ``bluesky`` / ``mastodon``), and their credential in
``AGORA_BLUESKY_APP_PASSWORD_<AUTHOR>`` or ``AGORA_MASTODON_ACCESS_TOKEN_<AUTHOR>``, where
``<AUTHOR>`` is the author's name in capitals with ``_`` between words (``CAMILLE_TREMBLAY``).
Every credential is registered with ``syndication.secrets`` as soon as it is read.

A preview (``invoke syndicate --dry-run``, as a pull request runs it, with no secrets) takes a
network whose public settings are there (the handle, the instance) as configured without its
credential: it composes exactly what would be sent and never calls the network with an account.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from syndication import secrets
from syndication.errors import ConfigError

NETWORKS: tuple[str, ...] = ("bluesky", "mastodon")
LABELS: dict[str, str] = {"bluesky": "Bluesky", "mastodon": "Mastodon"}
DEFAULT_BLUESKY_SERVICE = "https://bsky.social"
PUBLIC_BLUESKY_APPVIEW = "https://public.api.bsky.app"
PAUSE_VARIABLE = "AGORA_PAUSE_POSTING"
PAUSE_FILE = "PAUSED"  # in the state folder: a file anyone can commit from the web UI


@dataclass(frozen=True)
class BlueskySettings:
    """One Bluesky account and the PDS it logs in through."""

    service: str
    handle: str
    app_password: str = field(repr=False)
    password_variable: str = "AGORA_BLUESKY_APP_PASSWORD"
    author: str = ""  # the AGORA_AUTHORS key when this is an employee's own account
    # Where public conversations are read, logged out, as a site's reader sees them; "" reads
    # them through the PDS instead (slower: the PDS signs and forwards each request).
    appview: str = ""

    network = "bluesky"

    @property
    def account(self) -> str:
        """How the account is named in messages."""
        return self.handle

    @property
    def credential_variable(self) -> str:
        """The variable to check when the network refuses the credentials."""
        return self.password_variable


@dataclass(frozen=True)
class MastodonSettings:
    """One Mastodon account and its instance."""

    base_url: str
    access_token: str = field(repr=False)
    token_variable: str = "AGORA_MASTODON_ACCESS_TOKEN"
    acct: str = ""  # known when configured for an author; the brand's is read from the instance
    author: str = ""

    network = "mastodon"

    @property
    def account(self) -> str:
        """How the account is named in messages."""
        return self.acct or f"the account of {self.token_variable}"

    @property
    def credential_variable(self) -> str:
        """The variable to check when the network refuses the credentials."""
        return self.token_variable


NetworkSettings = BlueskySettings | MastodonSettings


def author_suffix(author: str) -> str:
    """``Camille Tremblay`` -> ``CAMILLE_TREMBLAY``: the suffix of an author's variables."""
    plain = unicodedata.normalize("NFKD", author).encode("ascii", "ignore").decode()
    return re.sub(r"[^A-Z0-9]+", "_", plain.upper()).strip("_")


def _base_url(env: Mapping[str, str], variable: str, default: str = "") -> str:
    value = env.get(variable, default).strip().rstrip("/")
    if value and not re.match(r"^https?://[^/\s]+", value):
        raise ConfigError(f"{variable}={value!r} is not a URL; set it like https://example.social.")
    return value


def _require(env: Mapping[str, str], variable: str, because: str) -> str:
    value = env.get(variable, "").strip()
    if not value:
        raise ConfigError(f"{variable} is not set, but {because}; set it or unset the others.")
    return value


def _credential(env: Mapping[str, str], variable: str, because: str, preview: bool) -> str:
    """The credential in ``variable``; in a preview its absence is fine (nothing is sent)."""
    if preview and not env.get(variable, "").strip():
        return ""
    return secrets.register(_require(env, variable, because))


def bluesky_settings(env: Mapping[str, str], *, preview: bool = False) -> BlueskySettings | None:
    """The brand's Bluesky account, or None when Bluesky is not configured."""
    handle = env.get("AGORA_BLUESKY_HANDLE", "").strip().lstrip("@")
    password = env.get("AGORA_BLUESKY_APP_PASSWORD", "").strip()
    if not handle and not password:
        return None
    if not handle:
        _require(env, "AGORA_BLUESKY_HANDLE", "AGORA_BLUESKY_APP_PASSWORD is set")
    service = _base_url(env, "AGORA_BLUESKY_SERVICE", DEFAULT_BLUESKY_SERVICE)
    # A PDS of the company's own is indexed by Bluesky's AppView too, but one set up for tests
    # or a private network is not: only the default service implies the public AppView.
    appview = PUBLIC_BLUESKY_APPVIEW if service == DEFAULT_BLUESKY_SERVICE else ""
    return BlueskySettings(
        service=service,
        handle=handle,
        app_password=_credential(
            env, "AGORA_BLUESKY_APP_PASSWORD", "AGORA_BLUESKY_HANDLE is set", preview
        ),
        appview=_base_url(env, "AGORA_BLUESKY_APPVIEW", appview),
    )


def mastodon_settings(env: Mapping[str, str], *, preview: bool = False) -> MastodonSettings | None:
    """The brand's Mastodon account, or None when Mastodon is not configured."""
    base_url = _base_url(env, "AGORA_MASTODON_BASE_URL")
    token = env.get("AGORA_MASTODON_ACCESS_TOKEN", "").strip()
    if not base_url and not token:
        return None
    if not base_url:
        _require(env, "AGORA_MASTODON_BASE_URL", "AGORA_MASTODON_ACCESS_TOKEN is set")
    return MastodonSettings(
        base_url=base_url,
        access_token=_credential(
            env, "AGORA_MASTODON_ACCESS_TOKEN", "AGORA_MASTODON_BASE_URL is set", preview
        ),
        acct=env.get("AGORA_MASTODON_ACCOUNT", "").strip().lstrip("@"),
    )


def configured_networks(
    env: Mapping[str, str], *, preview: bool = False
) -> dict[str, NetworkSettings]:
    """Every network whose brand account is configured, by name, in a stable order.

    ``preview``: a network with its public settings but no credential counts (a dry run).
    """
    found: dict[str, NetworkSettings] = {}
    bluesky = bluesky_settings(env, preview=preview)
    if bluesky:
        found["bluesky"] = bluesky
    mastodon = mastodon_settings(env, preview=preview)
    if mastodon:
        found["mastodon"] = mastodon
    return found


def author_account(
    brand: NetworkSettings, author: str, profile: Mapping[str, str], env: Mapping[str, str]
) -> NetworkSettings | None:
    """The employee's own account on the brand's network, when both handle and credential are set.

    ``profile`` is the author's entry in ``AGORA_AUTHORS``. Without a credential the post goes out
    from the brand account, signed with the author's first name.
    """
    handle = str(profile.get(brand.network, "")).strip().lstrip("@")
    if not handle:
        return None
    suffix = author_suffix(author)
    if isinstance(brand, BlueskySettings):
        variable = f"AGORA_BLUESKY_APP_PASSWORD_{suffix}"
        password = env.get(variable, "").strip()
        if not password:
            return None
        return BlueskySettings(
            service=brand.service,
            handle=handle,
            app_password=secrets.register(password),
            password_variable=variable,
            author=author,
            appview=brand.appview,
        )
    variable = f"AGORA_MASTODON_ACCESS_TOKEN_{suffix}"
    token = env.get(variable, "").strip()
    if not token:
        return None
    return MastodonSettings(
        base_url=brand.base_url,
        access_token=secrets.register(token),
        token_variable=variable,
        acct=handle,
        author=author,
    )


def posting_account(
    brand: NetworkSettings,
    author: str,
    authors: Mapping[str, Mapping[str, str]],
    env: Mapping[str, str],
) -> tuple[NetworkSettings, bool]:
    """The account a post or an answer by ``author`` goes out from, and whether it is their own."""
    own = author_account(brand, author, authors.get(author, {}), env)
    return (own, True) if own is not None else (brand, False)


def posting_paused(env: Mapping[str, str], state_root: Path) -> str:
    """Why posting is paused (the kill switch), or an empty string when it is not."""
    reason = env.get(PAUSE_VARIABLE, "").strip()
    if reason and reason.lower() not in {"0", "false", "no", "off"}:
        return f"{PAUSE_VARIABLE} is set ({reason})"
    pause_file = state_root / PAUSE_FILE
    if pause_file.exists():
        note = pause_file.read_text(encoding="utf-8").strip().splitlines()
        return f"{pause_file} exists" + (f" ({note[0]})" if note else "")
    return ""
