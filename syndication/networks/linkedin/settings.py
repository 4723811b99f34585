"""LinkedIn's settings: the company page (an organization) and its token, from the environment.

The company posts as its organization (``urn:li:organization:{id}``) with the access token of a
page administrator, through an app that has the Community Management API (scopes
``w_organization_social`` and ``r_organization_social``, and ``rw_organization_admin`` for the
repost counts:
https://learn.microsoft.com/en-us/linkedin/marketing/community-management/organizations/share-statistics).
An employee posts as themselves (``urn:li:person:{id}``: their person id under ``linkedin`` in
``AGORA_AUTHORS``) with their own token (``w_member_social``, and ``r_member_postAnalytics`` for
their repost counts:
https://learn.microsoft.com/en-us/linkedin/marketing/community-management/members/post-statistics).
Access tokens last 60 days
(https://learn.microsoft.com/en-us/linkedin/shared/authentication/programmatic-refresh-tokens);
with the app's client id and secret, ``credential_status`` reads when they end
(https://learn.microsoft.com/en-us/linkedin/shared/authentication/token-introspection).
Every request names the API version it was written for (``LinkedIn-Version``); LinkedIn retires
each version about a year after its release
(https://learn.microsoft.com/en-us/linkedin/marketing/versioning).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field

from syndication import secrets
from syndication.config import author_credential, base_url, credential, require
from syndication.errors import ConfigError
from syndication.networks.spec import Variable

NAME = "linkedin"
DEFAULT_API_URL = "https://api.linkedin.com"
DEFAULT_OAUTH_URL = "https://www.linkedin.com"
DEFAULT_VERSION = "202611"
API_URL_VARIABLE = "AGORA_LINKEDIN_API_URL"
OAUTH_URL_VARIABLE = "AGORA_LINKEDIN_OAUTH_URL"
ORGANIZATION_VARIABLE = "AGORA_LINKEDIN_ORGANIZATION"
TOKEN_VARIABLE = "AGORA_LINKEDIN_ACCESS_TOKEN"
VERSION_VARIABLE = "AGORA_LINKEDIN_VERSION"
CLIENT_ID_VARIABLE = "AGORA_LINKEDIN_CLIENT_ID"
CLIENT_SECRET_VARIABLE = "AGORA_LINKEDIN_CLIENT_SECRET"

VARIABLES: tuple[Variable, ...] = (
    Variable(ORGANIZATION_VARIABLE, "the company page's organization id (digits)"),
    Variable(TOKEN_VARIABLE, "a page administrator's access token (60 days)", True),
    Variable(VERSION_VARIABLE, "the API version requests name (YYYYMM)", False, DEFAULT_VERSION),
    Variable(CLIENT_ID_VARIABLE, "the app's client id, to read when the token ends", True),
    Variable(CLIENT_SECRET_VARIABLE, "the app's client secret, with the client id", True),
    Variable(API_URL_VARIABLE, "LinkedIn's API", False, DEFAULT_API_URL),
    Variable(OAUTH_URL_VARIABLE, "LinkedIn's OAuth server", False, DEFAULT_OAUTH_URL),
)
_VERSION_RE = re.compile(r"^\d{6}(\.\d{2})?$")
_PERSON_PREFIX = "urn:li:person:"


@dataclass(frozen=True)
class LinkedInSettings:
    """One LinkedIn account: the company's organization, or an employee's own person."""

    api_url: str
    oauth_url: str
    organization: str  # the company page's id; always set (an employee's answers are its too)
    version: str
    access_token: str = field(repr=False)
    client_id: str = field(default="", repr=False)
    client_secret: str = field(default="", repr=False)
    person: str = ""  # an employee's person id; "" when this is the organization
    token_variable: str = TOKEN_VARIABLE
    author: str = ""

    network = NAME

    @property
    def author_urn(self) -> str:
        """Who posts: ``urn:li:person:{id}`` for an employee, else the organization."""
        if self.person:
            return f"{_PERSON_PREFIX}{self.person}"
        return f"urn:li:organization:{self.organization}"

    @property
    def account(self) -> str:
        """How the account is named in messages (its URN, which is how LinkedIn knows it)."""
        return self.author_urn

    @property
    def credential_variable(self) -> str:
        """The variable to check when LinkedIn refuses the token."""
        return self.token_variable


def _version(env: Mapping[str, str]) -> str:
    value = env.get(VERSION_VARIABLE, "").strip() or DEFAULT_VERSION
    if not _VERSION_RE.match(value):
        raise ConfigError(
            f"{VERSION_VARIABLE}={value!r} is not a LinkedIn API version; write it as YYYYMM "
            f"(e.g. {DEFAULT_VERSION})."
        )
    return value


def brand_settings(env: Mapping[str, str], *, preview: bool = False) -> LinkedInSettings | None:
    """The company page's account, or None when LinkedIn is not configured."""
    organization = env.get(ORGANIZATION_VARIABLE, "").strip()
    if not organization and not env.get(TOKEN_VARIABLE, "").strip():
        return None
    if not organization:
        require(env, ORGANIZATION_VARIABLE, f"{TOKEN_VARIABLE} is set")
    organization = organization.removeprefix("urn:li:organization:")
    if not organization.isdigit():
        raise ConfigError(
            f"{ORGANIZATION_VARIABLE}={organization!r} is not an organization id; give the digits "
            "at the end of the page's admin address (linkedin.com/company/<id>/admin)."
        )
    client_id = env.get(CLIENT_ID_VARIABLE, "").strip()
    client_secret = env.get(CLIENT_SECRET_VARIABLE, "").strip()
    if bool(client_id) != bool(client_secret):
        missing = CLIENT_SECRET_VARIABLE if client_id else CLIENT_ID_VARIABLE
        present = CLIENT_ID_VARIABLE if client_id else CLIENT_SECRET_VARIABLE
        raise ConfigError(f"{missing} is not set, but {present} is; set both or neither.")
    return LinkedInSettings(
        api_url=base_url(env, API_URL_VARIABLE, DEFAULT_API_URL),
        oauth_url=base_url(env, OAUTH_URL_VARIABLE, DEFAULT_OAUTH_URL),
        organization=organization,
        version=_version(env),
        access_token=credential(env, TOKEN_VARIABLE, f"{ORGANIZATION_VARIABLE} is set", preview),
        client_id=secrets.register(client_id),
        client_secret=secrets.register(client_secret),
    )


def employee_settings(
    brand: LinkedInSettings, author: str, handle: str, env: Mapping[str, str]
) -> LinkedInSettings | None:
    """The employee's own account (their person id), when their token is set."""
    token, variable = author_credential(env, TOKEN_VARIABLE, author)
    if not token:
        return None
    return LinkedInSettings(
        api_url=brand.api_url,
        oauth_url=brand.oauth_url,
        organization=brand.organization,
        version=brand.version,
        access_token=token,
        client_id=brand.client_id,
        client_secret=brand.client_secret,
        person=handle.removeprefix(_PERSON_PREFIX),
        token_variable=variable,
        author=author,
    )
