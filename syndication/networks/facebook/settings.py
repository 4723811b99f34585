"""Facebook's settings: the company's Page and its Page access token, from the environment.

The company posts on its Page as the Page, with a Page access token read through a system user
of the company's Meta business (Business settings > Users > System users), which does not expire
while the system user keeps its role on the Page
(https://developers.facebook.com/docs/pages-api/overview,
https://developers.facebook.com/docs/facebook-login/guides/access-tokens/get-long-lived). The
token needs ``pages_manage_posts`` (publish), ``pages_read_engagement`` and
``pages_read_user_content`` (read the comments and reactions) and ``pages_manage_engagement``
(answer them). Graph cannot post on a person's own profile (since 2018): an employee's post goes
out from the Page, signed with their first name, so ``employee_settings`` has nothing to read.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from syndication.config import base_url, credential, require
from syndication.errors import ConfigError
from syndication.networks.meta_defaults import DEFAULT_GRAPH_URL, DEFAULT_VERSION, VERSION_RE
from syndication.networks.spec import Variable

NAME = "facebook"
PAGE_VARIABLE = "AGORA_FACEBOOK_PAGE_ID"
TOKEN_VARIABLE = "AGORA_FACEBOOK_PAGE_TOKEN"
VERSION_VARIABLE = "AGORA_FACEBOOK_GRAPH_VERSION"
GRAPH_URL_VARIABLE = "AGORA_FACEBOOK_GRAPH_URL"

VARIABLES: tuple[Variable, ...] = (
    Variable(PAGE_VARIABLE, "the company's Facebook Page id (digits)"),
    Variable(TOKEN_VARIABLE, "the Page access token, read through a system user", True),
    Variable(VERSION_VARIABLE, "the Graph API version requests name", False, DEFAULT_VERSION),
    Variable(GRAPH_URL_VARIABLE, "Meta's Graph API", False, DEFAULT_GRAPH_URL),
)


@dataclass(frozen=True)
class FacebookSettings:
    """The company's Facebook Page."""

    graph_url: str
    version: str
    page_id: str
    page_token: str = field(repr=False)
    author: str = ""

    network = NAME
    credential_variable = TOKEN_VARIABLE

    @property
    def account(self) -> str:
        """How the Page is named in messages and copies: its id, which is how Graph knows it."""
        return self.page_id


def graph_version(env: Mapping[str, str], variable: str) -> str:
    """The Graph API version in ``variable`` (``v26.0``), or the default."""
    value = env.get(variable, "").strip() or DEFAULT_VERSION
    if not VERSION_RE.match(value):
        raise ConfigError(
            f"{variable}={value!r} is not a Graph API version; write it like {DEFAULT_VERSION}."
        )
    return value


def brand_settings(env: Mapping[str, str], *, preview: bool = False) -> FacebookSettings | None:
    """The company's Page, or None when Facebook is not configured."""
    page = env.get(PAGE_VARIABLE, "").strip()
    if not page and not env.get(TOKEN_VARIABLE, "").strip():
        return None
    if not page:
        require(env, PAGE_VARIABLE, f"{TOKEN_VARIABLE} is set")
    if not page.isdigit():
        raise ConfigError(
            f"{PAGE_VARIABLE}={page!r} is not a Page id; give the digits Meta Business Suite "
            "shows under the Page's settings (Page transparency, Page ID)."
        )
    return FacebookSettings(
        graph_url=base_url(env, GRAPH_URL_VARIABLE, DEFAULT_GRAPH_URL),
        version=graph_version(env, VERSION_VARIABLE),
        page_id=page,
        page_token=credential(env, TOKEN_VARIABLE, f"{PAGE_VARIABLE} is set", preview),
    )
