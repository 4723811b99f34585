"""Which posts get a JPEG twin of their social card: those still to be posted to Instagram.

The cards are palette PNGs (``cards``); Instagram publishes JPEG only
(https://developers.facebook.com/docs/instagram-platform/instagram-graph-api/reference/ig-user/media#image-specifications),
so its adapter asks for ``<digest>.jpg`` beside the card's ``<digest>.png``
(``syndication.networks.instagram.convert.image_url``). The twin is written where the pipeline
will post to Instagram, by the same rule (``syndication.publish.syndicate.still_to_post``):

- Instagram is configured: ``AGORA_INSTAGRAM_USER_ID`` in the settings (set empty: never), else
  in the environment, where the pipeline and its workflows read it (``.github/agora.env``);
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

from syndication.networks.instagram.settings import NAME as INSTAGRAM
from syndication.networks.instagram.settings import USER_VARIABLE
from syndication.posts import parse_networks
from syndication.store.once import posted

from .statecache import StateReader


def instagram_account(settings: Mapping[str, Any], env: Mapping[str, str] = os.environ) -> str:
    """The Instagram account the posts go to: the setting (empty: none), else the environment's;
    or ``""``."""
    value = settings[USER_VARIABLE] if USER_VARIABLE in settings else env.get(USER_VARIABLE)
    return str(value or "").strip()


class TwinRule:
    """Whether an article's card needs its JPEG twin in this build (see the module)."""

    def __init__(self, settings: Mapping[str, Any], states: StateReader, state_root: Path) -> None:
        self.active = bool(instagram_account(settings))
        self.states = states
        self.state_root = state_root

    def wanted(self, article: Any) -> bool:
        """Whether Instagram will be asked for ``article``'s card (it has no copy there yet)."""
        if not self.active or getattr(article, "status", "published") != "published":
            return False
        chosen = str(article.metadata.get("syndicate", "") or "")
        networks = parse_networks(chosen, str(article.source_path))
        if networks is not None and INSTAGRAM not in networks:
            return False
        state = self.states.post_state(self.state_root, f"{article.slug}.{article.lang}")
        return not posted(state.copies.get(INSTAGRAM))
