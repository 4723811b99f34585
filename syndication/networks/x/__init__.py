"""X (Twitter): the declaration the registry lists (``syndication.networks.spec``).

``settings`` reads the environment, ``client`` does the I/O over API v2 (OAuth 1.0a), ``convert``
turns its JSON into the model. Lengths are X's weighted characters (280, links 23, CJK and emoji
2); X has no idempotency key, so the intent's key is ours and a pending intent is reconciled by
looking for the account's post that links to the page. X charges per call: the dry run says what
a post would cost (``AGORA_X_PRICES``).
Upstream: https://docs.x.com/x-api/posts/manage-tweets/introduction
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

from syndication.networks.spec import AccountSettings, Counter, Network
from syndication.networks.x.settings import (
    CONSUMER_KEY_VARIABLE,
    CONSUMER_SECRET_VARIABLE,
    HANDLE_VARIABLE,
    NAME,
    PRICES_VARIABLE,
    TOKEN_SECRET_VARIABLE,
    TOKEN_VARIABLE,
    VARIABLES,
    XSettings,
    brand_settings,
    employee_settings,
)

if TYPE_CHECKING:
    import httpx

    from syndication.networks.base import Adapter, Draft, TextLimits


def _own(settings: AccountSettings) -> XSettings:
    if not isinstance(settings, XSettings):
        raise TypeError(f"X was given the settings of {settings.network}")
    return settings


def _dollars(amount: float) -> str:
    return f"${amount:.3f}"


class X(Network):
    """X (see the module's docstring)."""

    name = NAME
    label = "X"
    unit = "weighted characters"
    variables = VARIABLES
    author_credential = TOKEN_VARIABLE

    def brand(self, env: Mapping[str, str], *, preview: bool = False) -> AccountSettings | None:
        """The brand's account (``settings.brand_settings``)."""
        return brand_settings(env, preview=preview)

    def employee(
        self, brand: AccountSettings, author: str, handle: str, env: Mapping[str, str]
    ) -> AccountSettings | None:
        """The employee's own account, signed by the brand's app."""
        return employee_settings(_own(brand), author, handle, env)

    def adapter(
        self,
        settings: AccountSettings,
        client: httpx.AsyncClient,
        company_accounts: Sequence[str] = (),
    ) -> Adapter:
        """An ``XClient`` for the account."""
        from syndication.networks.x.client import XClient

        return XClient(_own(settings), client, company_accounts=company_accounts)

    def counter(self, limits: TextLimits) -> Counter:
        """X's weighted length (twitter-text's rules)."""
        from syndication.networks.x.convert import weighted_length

        return weighted_length

    def setup_hint(self) -> str:
        """The variables to set."""
        return (
            f"{HANDLE_VARIABLE}, {CONSUMER_KEY_VARIABLE}, {CONSUMER_SECRET_VARIABLE}, "
            f"{TOKEN_VARIABLE} and {TOKEN_SECRET_VARIABLE}"
        )

    def dry_run_notes(self, draft: Draft, settings: AccountSettings) -> list[str]:
        """What posting this draft would cost at X's published prices."""
        prices = _own(settings).prices
        with_link = draft.post.url in draft.text
        create = prices["create_with_url" if with_link else "create"]
        what = "a post with a link" if with_link else "a post"
        return [
            f"cost on X: {_dollars(create)} for {what}, plus {_dollars(prices['user_read'])} "
            "once a run to find the account and "
            f"{_dollars(prices['post_read'])} for each of its posts of the last 7 days read "
            f"to make sure it is not there yet (prices: {PRICES_VARIABLE})"
        ]


NETWORK = X()

__all__ = ["NETWORK", "X", "XSettings"]
