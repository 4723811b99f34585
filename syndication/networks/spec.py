"""What a network declares about itself, once, for the rest of the code to ask (the registry).

Each network's folder (``syndication/networks/<name>/``) defines one ``Network`` subclass in its
``__init__``: its name and label, the environment variables of its settings (the brand's account
and each employee's own), its adapter, how it counts a text, how it makes an idempotency key,
what its dry run shows beyond the text, and two optional capabilities that ``invoke people``
uses to find one person's accounts on two networks (``syndication.insight.links``): the sites a
profile links, verified by the network (``verified_sites``), and whether its handles are domain
names the network verified (``handle_is_domain``). Nothing outside ``syndication/networks/``
names a network: the engines, the composer, the command line and the Pelican plugin ask
``syndication.networks.registry``. ``docs/adding-a-network.md`` is the checklist.

The declaration is imported by the Pelican build (for the labels and front-matter checks), so it
stays light: the adapter's module, with its HTTP code, is only imported when a client is made.
"""

from __future__ import annotations

import uuid
from abc import ABC, abstractmethod
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, ClassVar, Protocol

if TYPE_CHECKING:
    import httpx

    from syndication.model import Interaction, Person
    from syndication.networks.base import Adapter, Draft, TextLimits

Counter = Callable[[str], int]


class AccountSettings(Protocol):
    """One account on one network, as read from the environment (secrets kept out of repr)."""

    @property
    def network(self) -> str:
        """The network's name in the registry."""
        ...

    @property
    def account(self) -> str:
        """How the account is named in messages."""
        ...

    @property
    def credential_variable(self) -> str:
        """The variable to check when the network refuses the credentials."""
        ...

    @property
    def author(self) -> str:
        """The ``AGORA_AUTHORS`` key when this is an employee's own account, else ``""``."""
        ...


@dataclass(frozen=True)
class Variable:
    """One environment variable a network reads (the README's settings table lists them all)."""

    name: str
    meaning: str
    secret: bool = False
    default: str = ""


class Network(ABC):
    """One network's declaration (see the module's docstring for what each part is for)."""

    name: ClassVar[str]  # the key in state files, front matter and AGORA_AUTHORS profiles
    label: ClassVar[str]  # as people write it
    unit: ClassVar[str] = "characters"  # what its length counts, for messages
    variables: ClassVar[tuple[Variable, ...]]  # the brand's settings
    # The employee's credential is this variable with ``_<AUTHOR>`` appended (``config``).
    author_credential: ClassVar[str]
    # Its handles are domain names the network itself verified (DNS, a well-known file): a
    # handle ``lea.example.com`` is whoever holds that site.
    handle_is_domain: ClassVar[bool] = False
    # Whether its adapter searches public posts (``base.Searcher``), for ``invoke listen``.
    searchable: ClassVar[bool] = False
    # It publishes JPEG images only: the build writes a JPEG twin of a post's social card (a PNG)
    # while the post is still to go there (``plugins/agora/twins.py``). ``account_variable`` says
    # the brand's account is there: read from the build's settings, else the environment.
    jpeg_only: ClassVar[bool] = False
    account_variable: ClassVar[str] = ""

    @abstractmethod
    def brand(self, env: Mapping[str, str], *, preview: bool = False) -> AccountSettings | None:
        """The brand's account, or None when the network is not configured.

        ``preview``: the public settings are enough (a dry run sends nothing with an account).
        A half-configured network is a ``ConfigError`` naming the missing variable.
        """

    @abstractmethod
    def employee(
        self, brand: AccountSettings, author: str, handle: str, env: Mapping[str, str]
    ) -> AccountSettings | None:
        """The account of ``author`` (handle from ``AGORA_AUTHORS``) when its credential is set."""

    @abstractmethod
    def adapter(
        self,
        settings: AccountSettings,
        client: httpx.AsyncClient,
        company_accounts: Sequence[str] = (),
    ) -> Adapter:
        """The client doing this account's I/O; ``company_accounts`` answer for the company."""

    @abstractmethod
    def counter(self, limits: TextLimits) -> Counter:
        """How the network counts a text's length, under the account's ``limits``."""

    @abstractmethod
    def setup_hint(self) -> str:
        """The variables to set to use it, for the message of a run with no network."""

    def new_key(self) -> str:
        """The idempotency key of a new intent (a UUID, unless the network chooses otherwise)."""
        return str(uuid.uuid4())

    def reply_key(self, parent: Interaction) -> str:
        """The idempotency key of an answer to ``parent``.

        A network that keeps keys on its side (a record key, an ``Idempotency-Key``) derives it
        from the comment, so two desks that answer the same comment at the same moment (two
        checkouts, two colleagues) send one answer: the second call meets the first's key. Where
        the network keeps no key, a new one (the check made right before sending is the guard).
        """
        return self.new_key()

    def override_field(self) -> str:
        """The front-matter key of a post's own text for this network (``Bluesky_text``)."""
        return f"{self.name.capitalize()}_text"

    def dry_run_notes(self, draft: Draft, settings: AccountSettings) -> list[str]:
        """Lines the dry run adds under a draft (what it would cost, say); none by default."""
        return []

    async def verified_sites(self, client: httpx.AsyncClient, person: Person) -> set[str] | None:
        """The hosts of the sites ``person``'s public profile links, that the network verified
        link back to it (``rel="me"``); read without a token.

        None when the network offers no such thing (the default: it is never asked) or the
        profile is not one to read; ``httpx.HTTPError`` or ``ValueError`` when reading failed.
        """
        return None
