"""The one list of networks, and what the rest of the code asks about them.

Adding a network is adding its folder and one line to ``NETWORKS`` (``docs/adding-a-network.md``).
The order of ``NETWORKS`` is the order of every report, state file and page.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

from syndication.config import Authors, author_suffix, handle_of
from syndication.errors import ConfigError
from syndication.networks.bluesky import NETWORK as BLUESKY
from syndication.networks.facebook import NETWORK as FACEBOOK
from syndication.networks.instagram import NETWORK as INSTAGRAM
from syndication.networks.linkedin import NETWORK as LINKEDIN
from syndication.networks.mastodon import NETWORK as MASTODON
from syndication.networks.spec import AccountSettings, Network, Variable
from syndication.networks.threads import NETWORK as THREADS
from syndication.networks.x import NETWORK as X

if TYPE_CHECKING:
    import httpx

    from syndication.model import Interaction
    from syndication.networks.base import Adapter

NETWORKS: tuple[Network, ...] = (BLUESKY, MASTODON, X, LINKEDIN, FACEBOOK, THREADS, INSTAGRAM)
_BY_NAME: dict[str, Network] = {network.name: network for network in NETWORKS}


def names() -> tuple[str, ...]:
    """Every network's name, in the registry's order."""
    return tuple(_BY_NAME)


def network(name: str) -> Network:
    """The declaration of ``name``; ConfigError for a name no network has."""
    try:
        return _BY_NAME[name]
    except KeyError:
        known = ", ".join(_BY_NAME)
        raise ConfigError(f"{name!r} is not a network Agora knows (known: {known}).") from None


def label(name: str) -> str:
    """The network's name as people write it (the name itself for one Agora does not know)."""
    found = _BY_NAME.get(name)
    return found.label if found else name


def labels() -> dict[str, str]:
    """Name -> label of every network (the site's templates show these)."""
    return {network.name: network.label for network in NETWORKS}


def unit(name: str) -> str:
    """What the network's length counts (``graphemes``, ``characters``)."""
    found = _BY_NAME.get(name)
    return found.unit if found else "characters"


def variables() -> list[Variable]:
    """Every environment variable of every network, in order (the README's table lists them)."""
    return [variable for network in NETWORKS for variable in network.variables]


def setup_hint() -> str:
    """What to set to use any network, for the message of a run with none configured."""
    return ", or ".join(network.setup_hint() for network in NETWORKS)


def configured_networks(
    env: Mapping[str, str], *, preview: bool = False
) -> dict[str, AccountSettings]:
    """Every network whose brand account is configured, by name, in the registry's order.

    ``preview``: a network with its public settings but no credential counts (a dry run).
    """
    found: dict[str, AccountSettings] = {}
    for declared in NETWORKS:
        settings = declared.brand(env, preview=preview)
        if settings is not None:
            found[declared.name] = settings
    return found


def author_account(
    brand: AccountSettings, author: str, profile: Mapping[str, str], env: Mapping[str, str]
) -> AccountSettings | None:
    """The employee's own account on the brand's network, when both handle and credential are set.

    ``profile`` is the author's entry in ``AGORA_AUTHORS``. Without a credential the post goes out
    from the brand account, signed with the author's first name.
    """
    handle = handle_of(profile, brand.network)
    if not handle:
        return None
    return network(brand.network).employee(brand, author, handle, env)


def posting_account(
    brand: AccountSettings, author: str, authors: Authors, env: Mapping[str, str]
) -> tuple[AccountSettings, bool]:
    """The account a post or an answer by ``author`` goes out from, and whether it is their own."""
    own = author_account(brand, author, authors.get(author, {}), env)
    return (own, True) if own is not None else (brand, False)


def unused_employee_credentials(env: Mapping[str, str], authors: Authors) -> list[str]:
    """One sentence per employee credential set in ``env`` that nothing can use.

    An employee's credential is used only with their handle on that network in ``AGORA_AUTHORS``;
    a secret added under a misspelt name, or for an author without that handle, would otherwise
    leave their posts and answers going out from the brand without a word.
    """
    declared = {variable.name for declared in NETWORKS for variable in declared.variables}
    by_suffix = {author_suffix(author): author for author in authors}
    sentences = []
    for declared_network in NETWORKS:
        prefix = f"{declared_network.author_credential}_"
        # Another brand variable can share the prefix (X's ACCESS_TOKEN and ACCESS_TOKEN_SECRET).
        others = [name for name in declared if name.startswith(prefix)]
        for name in sorted(env):
            if not name.startswith(prefix) or not env[name].strip() or name in declared:
                continue
            if any(name.startswith(f"{other}_") for other in others):
                continue
            suffix = name.removeprefix(prefix)
            author = by_suffix.get(suffix)
            if author is None:
                sentences.append(
                    f"{name} is set but no author in AGORA_AUTHORS is called {suffix}, so it is "
                    "never used; rename it after an author or remove it."
                )
            elif not handle_of(authors[author], declared_network.name):
                sentences.append(
                    f"{name} is set but {author} has no {declared_network.label} handle "
                    f'("{declared_network.name}") in AGORA_AUTHORS, so it is never used; add the '
                    "handle or remove the credential."
                )
    return sentences


def company_accounts(name: str, authors: Authors) -> list[str]:
    """The employees' own handles on ``name`` (``AGORA_AUTHORS``), in a stable order.

    Their answers count as the company's, even when made by hand on the network.
    """
    return sorted({handle for profile in authors.values() if (handle := handle_of(profile, name))})


def adapter_for(
    settings: AccountSettings, client: httpx.AsyncClient, authors: Authors | None = None
) -> Adapter:
    """The adapter for ``settings``; ``authors`` say whose answers are the company's."""
    declared = network(settings.network)
    return declared.adapter(settings, client, company_accounts(declared.name, authors or {}))


def reply_key(name: str, parent: Interaction) -> str:
    """The idempotency key of an answer to ``parent`` on ``name`` (``Network.reply_key``)."""
    return network(name).reply_key(parent)


def new_key(name: str) -> str:
    """The idempotency key of a new intent on ``name`` (``Network.new_key``)."""
    return network(name).new_key()
