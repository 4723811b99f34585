"""Mastodon's settings: the brand's account and its instance, from the environment."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from syndication.config import author_credential, base_url, credential, require
from syndication.networks.spec import Variable

NAME = "mastodon"
BASE_URL_VARIABLE = "AGORA_MASTODON_BASE_URL"
TOKEN_VARIABLE = "AGORA_MASTODON_ACCESS_TOKEN"
ACCOUNT_VARIABLE = "AGORA_MASTODON_ACCOUNT"

VARIABLES: tuple[Variable, ...] = (
    Variable(BASE_URL_VARIABLE, "the instance's base URL"),
    Variable(TOKEN_VARIABLE, "an access token of the brand account", True),
    Variable(
        ACCOUNT_VARIABLE,
        "the brand account's name on it (``velosboreal``)",
        False,
        "read from the instance",
    ),
)


@dataclass(frozen=True)
class MastodonSettings:
    """One Mastodon account and its instance."""

    base_url: str
    access_token: str = field(repr=False)
    token_variable: str = TOKEN_VARIABLE
    acct: str = ""  # known when configured for an author; the brand's is read from the instance
    author: str = ""

    network = NAME

    @property
    def account(self) -> str:
        """How the account is named in messages."""
        return self.acct or f"the account of {self.token_variable}"

    @property
    def credential_variable(self) -> str:
        """The variable to check when the network refuses the credentials."""
        return self.token_variable


def brand_settings(env: Mapping[str, str], *, preview: bool = False) -> MastodonSettings | None:
    """The brand's Mastodon account, or None when Mastodon is not configured."""
    url = base_url(env, BASE_URL_VARIABLE)
    token = env.get(TOKEN_VARIABLE, "").strip()
    if not url and not token:
        return None
    if not url:
        require(env, BASE_URL_VARIABLE, f"{TOKEN_VARIABLE} is set")
    return MastodonSettings(
        base_url=url,
        access_token=credential(env, TOKEN_VARIABLE, f"{BASE_URL_VARIABLE} is set", preview),
        acct=env.get(ACCOUNT_VARIABLE, "").strip().lstrip("@"),
    )


def employee_settings(
    brand: MastodonSettings, author: str, handle: str, env: Mapping[str, str]
) -> MastodonSettings | None:
    """The employee's own account on the brand's instance, when its token is set."""
    token, variable = author_credential(env, TOKEN_VARIABLE, author)
    if not token:
        return None
    return MastodonSettings(
        base_url=brand.base_url,
        access_token=token,
        token_variable=variable,
        acct=handle,
        author=author,
    )
