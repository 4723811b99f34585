"""Instagram's settings: the company's professional account, linked to its Page, and the token.

The company posts as its Instagram professional account (business or creator) linked to its
Facebook Page, through Facebook Login: the Graph API at graph.facebook.com, with a Page access
token read through a system user of the company's Meta business, which does not expire while the
system user keeps its role (https://developers.facebook.com/docs/instagram-platform/
instagram-api-with-facebook-login/get-started). The token needs ``instagram_basic``,
``instagram_content_publish`` (publish), ``instagram_manage_comments`` (read and answer the
comments) and ``pages_read_engagement`` (the Page the account is linked to). It has a variable of
its own, not Facebook's Page token: a company may use Instagram without publishing on its Page,
and the two tokens need different permissions (it may hold the same value when one has both).
A token that expires (an Instagram Login token lasts 60 days) is refreshed by
``invoke tokens --refresh`` at ``AGORA_INSTAGRAM_REFRESH_URL``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from syndication.config import base_url, credential, require
from syndication.errors import ConfigError
from syndication.networks.meta_defaults import DEFAULT_GRAPH_URL, DEFAULT_VERSION, VERSION_RE
from syndication.networks.spec import Variable

NAME = "instagram"
USER_VARIABLE = "AGORA_INSTAGRAM_USER_ID"
TOKEN_VARIABLE = "AGORA_INSTAGRAM_ACCESS_TOKEN"
BLOG_VARIABLE = "AGORA_INSTAGRAM_BLOG_NAME"
VERSION_VARIABLE = "AGORA_INSTAGRAM_GRAPH_VERSION"
GRAPH_URL_VARIABLE = "AGORA_INSTAGRAM_GRAPH_URL"
REFRESH_URL_VARIABLE = "AGORA_INSTAGRAM_REFRESH_URL"
# Where an Instagram Login token is refreshed (a system user's Page token never needs it):
# https://developers.facebook.com/docs/instagram-platform/reference/refresh_access_token
DEFAULT_REFRESH_URL = "https://graph.instagram.com"

VARIABLES: tuple[Variable, ...] = (
    Variable(USER_VARIABLE, "the Instagram professional account's id (digits, not its @name)"),
    Variable(TOKEN_VARIABLE, "the access token of the Page linked to the account", True),
    Variable(
        BLOG_VARIABLE, 'the blog\'s name as captions say it ("À lire sur le blogue de …")', False
    ),
    Variable(VERSION_VARIABLE, "the Graph API version requests name", False, DEFAULT_VERSION),
    Variable(GRAPH_URL_VARIABLE, "Meta's Graph API", False, DEFAULT_GRAPH_URL),
    Variable(
        REFRESH_URL_VARIABLE, "where a token that expires is refreshed", False, DEFAULT_REFRESH_URL
    ),
)


@dataclass(frozen=True)
class InstagramSettings:
    """The company's Instagram professional account."""

    graph_url: str
    version: str
    user_id: str
    access_token: str = field(repr=False)
    blog_name: str = ""  # empty: the host of the post's address
    author: str = ""
    refresh_url: str = DEFAULT_REFRESH_URL

    network = NAME
    credential_variable = TOKEN_VARIABLE

    @property
    def account(self) -> str:
        """How the account is named in messages and copies: its id, as Graph knows it."""
        return self.user_id


def brand_settings(env: Mapping[str, str], *, preview: bool = False) -> InstagramSettings | None:
    """The company's Instagram account, or None when Instagram is not configured."""
    user = env.get(USER_VARIABLE, "").strip()
    if not user and not env.get(TOKEN_VARIABLE, "").strip():
        return None
    if not user:
        require(env, USER_VARIABLE, f"{TOKEN_VARIABLE} is set")
    if not user.isdigit():
        raise ConfigError(
            f"{USER_VARIABLE}={user!r} is not an Instagram professional account id; give the "
            "digits GET /{page-id}?fields=instagram_business_account answers with the token."
        )
    version = env.get(VERSION_VARIABLE, "").strip() or DEFAULT_VERSION
    if not VERSION_RE.match(version):
        raise ConfigError(
            f"{VERSION_VARIABLE}={version!r} is not a Graph API version; write it like "
            f"{DEFAULT_VERSION}."
        )
    return InstagramSettings(
        graph_url=base_url(env, GRAPH_URL_VARIABLE, DEFAULT_GRAPH_URL),
        version=version,
        user_id=user,
        access_token=credential(env, TOKEN_VARIABLE, f"{USER_VARIABLE} is set", preview),
        blog_name=env.get(BLOG_VARIABLE, "").strip(),
        refresh_url=base_url(env, REFRESH_URL_VARIABLE, DEFAULT_REFRESH_URL),
    )
