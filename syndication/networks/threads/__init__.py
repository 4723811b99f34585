"""Threads: the declaration the registry lists (``syndication.networks.spec``).

``settings`` reads the environment, ``client`` does the I/O over Meta's Threads API (through the
shared ``syndication.networks.meta_graph``), ``convert`` turns its JSON into the model. The
company posts as its Threads profile: the text (500 characters, an emoji counting its UTF-8
bytes) with the page attached as its link preview, published through a container. Threads has
no idempotency key: a pending intent is reconciled through the profile's posts linking to the
page. Upstream: https://developers.facebook.com/docs/threads/posts
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

from syndication.networks.spec import AccountSettings, Counter, Network
from syndication.networks.threads.settings import (
    NAME,
    TOKEN_VARIABLE,
    USER_VARIABLE,
    VARIABLES,
    ThreadsSettings,
    brand_settings,
)

if TYPE_CHECKING:
    import httpx

    from syndication.networks.base import Adapter, TextLimits


def _own(settings: AccountSettings) -> ThreadsSettings:
    if not isinstance(settings, ThreadsSettings):
        raise TypeError(f"Threads was given the settings of {settings.network}")
    return settings


class Threads(Network):
    """Threads (see the module's docstring)."""

    name = NAME
    label = "Threads"
    variables = VARIABLES
    author_credential = TOKEN_VARIABLE

    def brand(self, env: Mapping[str, str], *, preview: bool = False) -> AccountSettings | None:
        """The company's Threads profile (``settings.brand_settings``)."""
        return brand_settings(env, preview=preview)

    def employee(
        self, brand: AccountSettings, author: str, handle: str, env: Mapping[str, str]
    ) -> AccountSettings | None:
        """None: a post or an answer goes out from the company's profile, signed by its
        author (an employee's own Threads token would need the app's review for them)."""
        return None

    def adapter(
        self,
        settings: AccountSettings,
        client: httpx.AsyncClient,
        company_accounts: Sequence[str] = (),
    ) -> Adapter:
        """A ``ThreadsClient`` for the profile."""
        from syndication.networks.threads.client import ThreadsClient

        return ThreadsClient(_own(settings), client, company_accounts)

    def counter(self, limits: TextLimits) -> Counter:
        """Characters, an emoji counting its UTF-8 bytes (``convert.length``)."""
        from syndication.networks.threads.convert import length

        return length

    def setup_hint(self) -> str:
        """The variables to set."""
        return f"{USER_VARIABLE} and {TOKEN_VARIABLE}"


NETWORK = Threads()

__all__ = ["NETWORK", "Threads", "ThreadsSettings"]
