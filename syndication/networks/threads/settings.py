"""Threads' settings: the company's Threads profile and its long-lived access token.

The company posts as its own Threads profile with a long-lived Threads user access token of the
company's Threads app (the Threads use case of a Meta app, with its own app id and secret):
https://developers.facebook.com/docs/threads/get-started,
https://developers.facebook.com/docs/threads/get-started/long-lived-tokens. The token lasts 60
days and is refreshed (``GET /refresh_access_token?grant_type=th_refresh_token``) once it is a
day old; it needs ``threads_basic``, ``threads_content_publish`` (publish),
``threads_read_replies`` (read the replies), ``threads_manage_replies`` (answer them) and
``threads_manage_mentions`` (read the posts that tag the profile). Threads is not Graph at
graph.facebook.com: it has its own host (graph.threads.net) and versions (v1.0).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from syndication.config import base_url, credential, require
from syndication.errors import ConfigError
from syndication.networks.meta_defaults import VERSION_RE
from syndication.networks.spec import Variable

NAME = "threads"
USER_VARIABLE = "AGORA_THREADS_USER_ID"
TOKEN_VARIABLE = "AGORA_THREADS_ACCESS_TOKEN"
VERSION_VARIABLE = "AGORA_THREADS_API_VERSION"
GRAPH_URL_VARIABLE = "AGORA_THREADS_GRAPH_URL"
DEFAULT_GRAPH_URL = "https://graph.threads.net"
DEFAULT_VERSION = "v1.0"

VARIABLES: tuple[Variable, ...] = (
    Variable(USER_VARIABLE, "the company's Threads user id (digits)"),
    Variable(TOKEN_VARIABLE, "the profile's long-lived Threads access token (60 days)", True),
    Variable(VERSION_VARIABLE, "the Threads API version requests name", False, DEFAULT_VERSION),
    Variable(GRAPH_URL_VARIABLE, "Meta's Threads API", False, DEFAULT_GRAPH_URL),
)


@dataclass(frozen=True)
class ThreadsSettings:
    """The company's Threads profile."""

    graph_url: str
    version: str
    user_id: str
    access_token: str = field(repr=False)
    author: str = ""

    network = NAME
    credential_variable = TOKEN_VARIABLE

    @property
    def account(self) -> str:
        """How the profile is named in messages and copies: its Threads user id."""
        return self.user_id


def brand_settings(env: Mapping[str, str], *, preview: bool = False) -> ThreadsSettings | None:
    """The company's Threads profile, or None when Threads is not configured."""
    user = env.get(USER_VARIABLE, "").strip()
    if not user and not env.get(TOKEN_VARIABLE, "").strip():
        return None
    if not user:
        require(env, USER_VARIABLE, f"{TOKEN_VARIABLE} is set")
    if not user.isdigit():
        raise ConfigError(
            f"{USER_VARIABLE}={user!r} is not a Threads user id; give the digits "
            "GET https://graph.threads.net/v1.0/me?fields=id answers with the token."
        )
    version = env.get(VERSION_VARIABLE, "").strip() or DEFAULT_VERSION
    if not VERSION_RE.match(version):
        raise ConfigError(
            f"{VERSION_VARIABLE}={version!r} is not a Threads API version; write it like "
            f"{DEFAULT_VERSION}."
        )
    return ThreadsSettings(
        graph_url=base_url(env, GRAPH_URL_VARIABLE, DEFAULT_GRAPH_URL),
        version=version,
        user_id=user,
        access_token=credential(env, TOKEN_VARIABLE, f"{USER_VARIABLE} is set", preview),
    )
