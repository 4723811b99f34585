"""Facebook: the declaration the registry lists (``syndication.networks.spec``).

``settings`` reads the environment, ``client`` does the I/O over Meta's Graph API (through the
shared ``syndication.networks.meta_graph``), ``convert`` turns its JSON into the model. The
company posts on its Page as the Page, with the page's link (Facebook draws the preview from its
OpenGraph tags); the composer signs the text with the author's first name. Graph has no
idempotency key: the intent's key is ours, and a pending intent is reconciled through the Page's
published posts that link to the page.
Upstream: https://developers.facebook.com/docs/pages-api/posts
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

from syndication.networks.facebook.settings import (
    NAME,
    PAGE_VARIABLE,
    TOKEN_VARIABLE,
    VARIABLES,
    FacebookSettings,
    brand_settings,
)
from syndication.networks.spec import AccountSettings, Counter, Network

if TYPE_CHECKING:
    import httpx

    from syndication.networks.base import Adapter, TextLimits


def _own(settings: AccountSettings) -> FacebookSettings:
    if not isinstance(settings, FacebookSettings):
        raise TypeError(f"Facebook was given the settings of {settings.network}")
    return settings


class Facebook(Network):
    """Facebook Pages (see the module's docstring)."""

    name = NAME
    label = "Facebook"
    variables = VARIABLES
    # Graph cannot post as a person: no employee has an account of their own here (``employee``).
    author_credential = TOKEN_VARIABLE

    def brand(self, env: Mapping[str, str], *, preview: bool = False) -> AccountSettings | None:
        """The company's Page (``settings.brand_settings``)."""
        return brand_settings(env, preview=preview)

    def employee(
        self, brand: AccountSettings, author: str, handle: str, env: Mapping[str, str]
    ) -> AccountSettings | None:
        """None: a post or an answer goes out from the Page, signed by its author."""
        return None

    def adapter(
        self,
        settings: AccountSettings,
        client: httpx.AsyncClient,
        company_accounts: Sequence[str] = (),
    ) -> Adapter:
        """A ``FacebookClient`` for the Page."""
        from syndication.networks.facebook.client import FacebookClient

        return FacebookClient(_own(settings), client)

    def counter(self, limits: TextLimits) -> Counter:
        """Characters as Python counts them (Facebook's limit, 63,206, is far away)."""
        return len

    def setup_hint(self) -> str:
        """The variables to set."""
        return f"{PAGE_VARIABLE} and {TOKEN_VARIABLE}"


NETWORK = Facebook()

__all__ = ["NETWORK", "Facebook", "FacebookSettings"]
