"""LinkedIn: the declaration the registry lists (``syndication.networks.spec``).

``settings`` reads the environment, ``client`` does the I/O over LinkedIn's versioned REST API
(Rest.li 2.0), ``convert`` turns its JSON into the model and writes little text. The company
posts on its page as the organization; an employee with their own token posts as themselves.
Lengths are the text as written, before little text's escaping (3,000). LinkedIn has no
idempotency key: the intent's key is ours, and a pending intent is reconciled through the
organization's recent posts that link to the page.
Upstream: https://learn.microsoft.com/en-us/linkedin/marketing/community-management/shares/posts-api
(each page the adapter follows is linked in ``client``'s, ``convert``'s and ``settings``'s
docstrings).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

from syndication.networks.linkedin.settings import (
    NAME,
    ORGANIZATION_VARIABLE,
    TOKEN_VARIABLE,
    VARIABLES,
    LinkedInSettings,
    brand_settings,
    employee_settings,
)
from syndication.networks.spec import AccountSettings, Counter, Network

if TYPE_CHECKING:
    import httpx

    from syndication.networks.base import Adapter, TextLimits


def _own(settings: AccountSettings) -> LinkedInSettings:
    if not isinstance(settings, LinkedInSettings):
        raise TypeError(f"LinkedIn was given the settings of {settings.network}")
    return settings


class LinkedIn(Network):
    """LinkedIn (see the module's docstring)."""

    name = NAME
    label = "LinkedIn"
    unit = "characters (UTF-16)"
    variables = VARIABLES
    author_credential = TOKEN_VARIABLE

    def brand(self, env: Mapping[str, str], *, preview: bool = False) -> AccountSettings | None:
        """The company page's account (``settings.brand_settings``)."""
        return brand_settings(env, preview=preview)

    def employee(
        self, brand: AccountSettings, author: str, handle: str, env: Mapping[str, str]
    ) -> AccountSettings | None:
        """The employee's own account (their person id), with their own token."""
        return employee_settings(_own(brand), author, handle, env)

    def adapter(
        self,
        settings: AccountSettings,
        client: httpx.AsyncClient,
        company_accounts: Sequence[str] = (),
    ) -> Adapter:
        """A ``LinkedInClient`` for the account."""
        from syndication.networks.linkedin.client import LinkedInClient

        return LinkedInClient(_own(settings), client, company_accounts=company_accounts)

    def counter(self, limits: TextLimits) -> Counter:
        """The text as the person wrote it, in UTF-16 code units (``convert.text_length``)."""
        from syndication.networks.linkedin.convert import text_length

        return text_length

    def setup_hint(self) -> str:
        """The variables to set."""
        return f"{ORGANIZATION_VARIABLE} and {TOKEN_VARIABLE}"


NETWORK = LinkedIn()

__all__ = ["NETWORK", "LinkedIn", "LinkedInSettings"]
