"""Which posts get a JPEG twin of their social card: those still to be posted to Instagram.

The cards are palette PNGs (``cards``); Instagram publishes JPEG only
(https://developers.facebook.com/docs/instagram-platform/instagram-graph-api/reference/ig-user/media#image-specifications),
so its adapter asks for ``<digest>.jpg`` beside the card's ``<digest>.png``
(``syndication.networks.instagram.convert.image_url``). The twin is written where the pipeline
will post to Instagram, by the same rule (``syndication.publish.syndicate.still_to_post``):

- Instagram is configured: ``AGORA_INSTAGRAM_USER_ID`` in the settings (set empty: never), else
  in the environment, where the pipeline and its workflows read it (``.github/agora.env``).
  Instagram is not named here: a network declares it publishes JPEG only (``Network.jpeg_only``)
  and the variable that says its account is set (``Network.account_variable``);
- the post is published (a draft or a hidden post is never syndicated, and a draft's twin would
  be an image of its title that no page names, which ``drop_drafts`` could not find);
- its ``Syndicate`` front matter does not leave Instagram out;
- its state has no copy on Instagram, or only a pending intent.

So the pipeline's first build writes the twin, Instagram fetches it when the post goes out, and
the rebuild after that leaves it out: the site carries JPEGs only for posts on their way.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from syndication.model import Copy
from syndication.networks import registry
from syndication.posts import parse_networks
from syndication.store.once import posted
from syndication.store.state import StateStore, read_json


def jpeg_networks(settings: Mapping[str, Any], env: Mapping[str, str] = os.environ) -> list[str]:
    """The configured networks that publish JPEG only (``Network.jpeg_only``), by name.

    A network's account variable is read from the settings (set empty: never), else from the
    environment, where the pipeline and its workflows read it.
    """
    found = []
    for network in registry.NETWORKS:
        if not network.jpeg_only or not network.account_variable:
            continue
        variable = network.account_variable
        value = settings[variable] if variable in settings else env.get(variable)
        if str(value or "").strip():
            found.append(network.name)
    return found


def posted_on(path: Path, names: list[str]) -> set[str]:
    """Which of the networks ``names`` the state file at ``path`` records a copy on (a pending
    intent is none).

    Only the copies are read, not the conversation: a build that carries every post's state in
    its own process would hold every interaction in memory (the sections read them in workers).
    A file that never names one of those networks, most of them, is not parsed at all.
    """
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        return set()
    if not any(f'"{name}"'.encode() in data for name in names):
        return set()
    copies = read_json(path).get("copies", {})
    if not isinstance(copies, dict):
        return set()
    return {
        name
        for name in names
        if isinstance(copies.get(name), dict) and posted(Copy.from_dict(copies[name]))
    }


class TwinRule:
    """Whether an article's card needs its JPEG twin in this build (see the module)."""

    def __init__(self, settings: Mapping[str, Any], state_root: Path) -> None:
        self.networks = jpeg_networks(settings)
        self.active = bool(self.networks)
        self.store = StateStore(state_root)

    def wanted(self, article: Any) -> bool:
        """Whether a JPEG-only network will be asked for ``article``'s card (no copy there yet)."""
        if not self.active or getattr(article, "status", "published") != "published":
            return False
        chosen = str(article.metadata.get("syndicate", "") or "")
        networks = parse_networks(chosen, str(article.source_path))
        targets = [name for name in self.networks if networks is None or name in networks]
        if not targets:
            return False
        done = posted_on(self.store.path_for(f"{article.slug}.{article.lang}"), targets)
        return any(name not in done for name in targets)
