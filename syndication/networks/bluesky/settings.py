"""Bluesky's settings: the brand's account and the PDS it logs in through, from the environment.

Backfeed reads public conversations from a Bluesky AppView, logged out, as a reader of the site
would see them: ``AGORA_BLUESKY_APPVIEW``, by default Bluesky's public API
(``https://public.api.bsky.app``) when the service is the default one, else through the PDS.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from syndication.config import author_credential, base_url, credential, require
from syndication.networks.spec import Variable

NAME = "bluesky"
DEFAULT_SERVICE = "https://bsky.social"
PUBLIC_APPVIEW = "https://public.api.bsky.app"
HANDLE_VARIABLE = "AGORA_BLUESKY_HANDLE"
PASSWORD_VARIABLE = "AGORA_BLUESKY_APP_PASSWORD"
SERVICE_VARIABLE = "AGORA_BLUESKY_SERVICE"
APPVIEW_VARIABLE = "AGORA_BLUESKY_APPVIEW"

VARIABLES: tuple[Variable, ...] = (
    Variable(
        SERVICE_VARIABLE,
        "the PDS base URL the brand account logs in through",
        False,
        DEFAULT_SERVICE,
    ),
    Variable(HANDLE_VARIABLE, "the brand account's handle"),
    Variable(PASSWORD_VARIABLE, "an app password of that account", True),
    Variable(
        APPVIEW_VARIABLE,
        "where conversations are read, logged out",
        False,
        f"{PUBLIC_APPVIEW} with the default service, else through the PDS",
    ),
)


@dataclass(frozen=True)
class BlueskySettings:
    """One Bluesky account and the PDS it logs in through."""

    service: str
    handle: str
    app_password: str = field(repr=False)
    password_variable: str = PASSWORD_VARIABLE
    author: str = ""  # the AGORA_AUTHORS key when this is an employee's own account
    # Where public conversations are read, logged out, as a site's reader sees them; "" reads
    # them through the PDS instead (slower: the PDS signs and forwards each request).
    appview: str = ""

    network = NAME

    @property
    def account(self) -> str:
        """How the account is named in messages."""
        return self.handle

    @property
    def credential_variable(self) -> str:
        """The variable to check when the network refuses the credentials."""
        return self.password_variable


def brand_settings(env: Mapping[str, str], *, preview: bool = False) -> BlueskySettings | None:
    """The brand's Bluesky account, or None when Bluesky is not configured."""
    handle = env.get(HANDLE_VARIABLE, "").strip().lstrip("@")
    password = env.get(PASSWORD_VARIABLE, "").strip()
    if not handle and not password:
        return None
    if not handle:
        require(env, HANDLE_VARIABLE, f"{PASSWORD_VARIABLE} is set")
    service = base_url(env, SERVICE_VARIABLE, DEFAULT_SERVICE)
    # A PDS of the company's own is indexed by Bluesky's AppView too, but one set up for tests
    # or a private network is not: only the default service implies the public AppView.
    appview = PUBLIC_APPVIEW if service == DEFAULT_SERVICE else ""
    return BlueskySettings(
        service=service,
        handle=handle,
        app_password=credential(env, PASSWORD_VARIABLE, f"{HANDLE_VARIABLE} is set", preview),
        appview=base_url(env, APPVIEW_VARIABLE, appview),
    )


def employee_settings(
    brand: BlueskySettings, author: str, handle: str, env: Mapping[str, str]
) -> BlueskySettings | None:
    """The employee's own account on the brand's PDS, when its app password is set."""
    password, variable = author_credential(env, PASSWORD_VARIABLE, author)
    if not password:
        return None
    return BlueskySettings(
        service=brand.service,
        handle=handle,
        app_password=password,
        password_variable=variable,
        author=author,
        appview=brand.appview,
    )
