"""Mastodon: the declaration the registry lists (``syndication.networks.spec``).

``settings`` reads the environment, ``client`` does the I/O over the REST API, ``convert`` turns
its JSON into the model, ``profiles`` reads the sites a public profile links, verified by
Mastodon (``rel="me"``, for ``invoke people``). Lengths are characters, each link weighing the
instance's ``characters_reserved_per_url``; the idempotency key is a UUID sent as
``Idempotency-Key``.
Upstream: https://docs.joinmastodon.org/methods/statuses/#create
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

from syndication.networks.mastodon.settings import (
    BASE_URL_VARIABLE,
    NAME,
    TOKEN_VARIABLE,
    VARIABLES,
    MastodonSettings,
    brand_settings,
    employee_settings,
)
from syndication.networks.spec import AccountSettings, Counter, Network

if TYPE_CHECKING:
    import httpx

    from syndication.model import Interaction, Person
    from syndication.networks.base import Adapter, TextLimits


def _own(settings: AccountSettings) -> MastodonSettings:
    if not isinstance(settings, MastodonSettings):
        raise TypeError(f"Mastodon was given the settings of {settings.network}")
    return settings


class Mastodon(Network):
    """Mastodon (see the module's docstring)."""

    name = NAME
    label = "Mastodon"
    unit = "characters"
    variables = VARIABLES
    author_credential = TOKEN_VARIABLE
    searchable = True  # invoke listen searches its public posts (client.search)

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
        """A ``MastodonClient`` for the account."""
        from syndication.networks.mastodon.client import MastodonClient

        return MastodonClient(_own(settings), client, company_accounts=company_accounts)

    def counter(self, limits: TextLimits) -> Counter:
        """Characters, each link weighing the instance's ``characters_reserved_per_url``."""
        from syndication.networks.mastodon.convert import DEFAULT_URL_WEIGHT, mastodon_length

        weight = DEFAULT_URL_WEIGHT if limits.url_weight is None else limits.url_weight
        return lambda text: mastodon_length(text, weight)

    def reply_key(self, parent: Interaction) -> str:
        """The answer's ``Idempotency-Key``, the same in every checkout: Mastodon gives the first
        status back to a second request under the same key from the same account (for an hour,
        https://docs.joinmastodon.org/methods/statuses/#create)."""
        return "agora-answer-" + hashlib.sha256(parent.id.encode()).hexdigest()[:40]

    def setup_hint(self) -> str:
        """The variables to set."""
        return f"{BASE_URL_VARIABLE} and {TOKEN_VARIABLE}"

    async def verified_sites(self, client: httpx.AsyncClient, person: Person) -> set[str] | None:
        """The profile's links Mastodon verified, read from the person's own server
        (``profiles.verified_sites``)."""
        from syndication.networks.mastodon.profiles import verified_sites

        return await verified_sites(client, person)


NETWORK = Mastodon()

__all__ = ["NETWORK", "Mastodon", "MastodonSettings"]
