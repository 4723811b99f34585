"""Instagram: the declaration the registry lists (``syndication.networks.spec``).

``settings`` reads the environment, ``client`` does the I/O over Instagram's Graph API with
Facebook Login (through the shared ``syndication.networks.meta_graph``), ``convert`` composes the
caption and turns the JSON into the model. The company posts as its professional account linked
to its Page: the post's image (or its social card) with a caption that says where to read the
post, since Instagram does not make a caption's link clickable. No idempotency key: a pending
intent is reconciled through the account's media whose caption names the post's title.
Upstream: https://developers.facebook.com/docs/instagram-platform/content-publishing
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

from syndication.networks.instagram.settings import (
    NAME,
    TOKEN_VARIABLE,
    USER_VARIABLE,
    VARIABLES,
    InstagramSettings,
    brand_settings,
)
from syndication.networks.spec import AccountSettings, Counter, Network

if TYPE_CHECKING:
    import httpx

    from syndication.networks.base import Adapter, Draft, TextLimits


def _own(settings: AccountSettings) -> InstagramSettings:
    if not isinstance(settings, InstagramSettings):
        raise TypeError(f"Instagram was given the settings of {settings.network}")
    return settings


class Instagram(Network):
    """Instagram professional accounts (see the module's docstring)."""

    name = NAME
    label = "Instagram"
    variables = VARIABLES
    author_credential = TOKEN_VARIABLE
    # https://developers.facebook.com/docs/instagram-platform/instagram-graph-api/reference/ig-user/media#image-specifications
    jpeg_only = True
    account_variable = USER_VARIABLE

    def brand(self, env: Mapping[str, str], *, preview: bool = False) -> AccountSettings | None:
        """The company's Instagram account (``settings.brand_settings``)."""
        return brand_settings(env, preview=preview)

    def employee(
        self, brand: AccountSettings, author: str, handle: str, env: Mapping[str, str]
    ) -> AccountSettings | None:
        """None: a post or an answer goes out from the company's account, signed by its author."""
        return None

    def adapter(
        self,
        settings: AccountSettings,
        client: httpx.AsyncClient,
        company_accounts: Sequence[str] = (),
    ) -> Adapter:
        """An ``InstagramClient`` for the account."""
        from syndication.networks.instagram.client import InstagramClient

        return InstagramClient(_own(settings), client, company_accounts)

    def counter(self, limits: TextLimits) -> Counter:
        """Characters without the links the caption leaves out (``convert.length``)."""
        from syndication.networks.instagram.convert import length

        return length

    def setup_hint(self) -> str:
        """The variables to set."""
        return f"{USER_VARIABLE} and {TOKEN_VARIABLE}"

    def dry_run_notes(self, draft: Draft, settings: AccountSettings) -> list[str]:
        """The caption as Instagram gets it (no link: Instagram does not make it clickable) and
        the image (a social card's JPEG twin), or why nothing would go out."""
        from syndication.errors import Rejected
        from syndication.networks.instagram.convert import caption, hashtag_count, image_url

        own = _own(settings)
        text = caption(draft, own.blog_name)
        try:
            image = image_url(draft, f"the Instagram account {own.user_id}")
        except Rejected as refused:
            image, refusal = None, str(refused)
        else:
            refusal = "nothing goes out to Instagram: the post has no image or social card"
        notes = [
            "Instagram gets this caption, without the link (Instagram does not make a "
            f"caption's link clickable; {len(text)} characters, {hashtag_count(text)} "
            f"hashtags): {text!r}"
        ]
        if image:
            notes.append(f"with the image {image}")
        else:
            notes.append(refusal)
        return notes


NETWORK = Instagram()

__all__ = ["NETWORK", "Instagram", "InstagramSettings"]
