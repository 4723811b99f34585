"""Bluesky: the declaration the registry lists (``syndication.networks.spec``).

``settings`` reads the environment, ``client`` does the I/O over XRPC, ``convert`` turns its JSON
into the model. Lengths are graphemes, links counted in full; the idempotency key of a post is
its record key, a TID chosen when the intent is recorded.
Upstream: https://docs.bsky.app/docs/advanced-guides/post-richtext
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from syndication.networks.bluesky.settings import (
    HANDLE_VARIABLE,
    NAME,
    PASSWORD_VARIABLE,
    SERVICE_VARIABLE,
    VARIABLES,
    BlueskySettings,
    brand_settings,
    employee_settings,
)
from syndication.networks.spec import AccountSettings, Counter, Network

if TYPE_CHECKING:
    import httpx

    from syndication.model import Interaction
    from syndication.networks.base import Adapter, TextLimits


def _own(settings: AccountSettings) -> BlueskySettings:
    if not isinstance(settings, BlueskySettings):
        raise TypeError(f"Bluesky was given the settings of {settings.network}")
    return settings


class Bluesky(Network):
    """Bluesky (see the module's docstring)."""

    name = NAME
    label = "Bluesky"
    unit = "graphemes"
    variables = VARIABLES
    author_credential = PASSWORD_VARIABLE
    searchable = True  # invoke listen searches its public posts (client.search)
    # A handle is a domain name Bluesky verified (DNS TXT or /.well-known/atproto-did):
    # https://docs.bsky.app/docs/advanced-guides/resolving-identities
    handle_is_domain = True

    def brand(self, env: Mapping[str, str], *, preview: bool = False) -> AccountSettings | None:
        """The brand's account (``settings.brand_settings``)."""
        return brand_settings(env, preview=preview)

    def employee(
        self, brand: AccountSettings, author: str, handle: str, env: Mapping[str, str]
    ) -> AccountSettings | None:
        """The employee's own account (``settings.employee_settings``)."""
        return employee_settings(_own(brand), author, handle, env)

    def adapter(
        self,
        settings: AccountSettings,
        client: httpx.AsyncClient,
        company_accounts: Sequence[str] = (),
    ) -> Adapter:
        """A ``BlueskyClient`` for the account."""
        from syndication.networks.bluesky.client import BlueskyClient

        return BlueskyClient(_own(settings), client, company_handles=company_accounts)

    def counter(self, limits: TextLimits) -> Counter:
        """Graphemes, links counted in full (Bluesky's own rule)."""
        from syndication.networks.bluesky.convert import count_graphemes

        return count_graphemes

    def new_key(self) -> str:
        """A TID: the record key ``createRecord`` is given, so a retry cannot make a second."""
        from syndication.networks.bluesky.convert import new_tid

        return new_tid(datetime.now(UTC))

    def reply_key(self, parent: Interaction) -> str:
        """The answer's record key, the same in every checkout: a TID at the comment's own time
        with a clock id from its URI, so a second ``createRecord`` meets the first's record.
        """
        from syndication.networks.bluesky.convert import new_tid

        clock = int.from_bytes(hashlib.sha256(parent.id.encode()).digest()[:2], "big") % 1024
        return new_tid(parent.published_at.astimezone(UTC), clock_id=clock)

    def setup_hint(self) -> str:
        """The variables to set."""
        return (
            f"{HANDLE_VARIABLE} and {PASSWORD_VARIABLE} (and {SERVICE_VARIABLE} for a PDS other "
            "than bsky.social)"
        )


NETWORK = Bluesky()

__all__ = ["NETWORK", "Bluesky", "BlueskySettings"]
