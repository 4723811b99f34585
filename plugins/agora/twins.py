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
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from syndication.model import Copy
from syndication.networks.instagram.settings import NAME as INSTAGRAM
from syndication.networks.instagram.settings import USER_VARIABLE
from syndication.posts import parse_networks
from syndication.store.once import posted
from syndication.store.state import StateStore, read_json


def instagram_account(settings: Mapping[str, Any], env: Mapping[str, str] = os.environ) -> str:
    """The Instagram account the posts go to: the setting (empty: none), else the environment's;
    or ``""``."""
    value = settings[USER_VARIABLE] if USER_VARIABLE in settings else env.get(USER_VARIABLE)
    return str(value or "").strip()


# A state file that never names Instagram has no copy there: most of them, read without parsing.
_NAMES_INSTAGRAM = re.compile(rb'"instagram"')


def on_instagram(path: Path) -> bool:
    """Whether the state file at ``path`` records a copy on Instagram (a pending intent is none).

    Only the copy is read, not the conversation: a build that carries every post's state in its
    own process would hold every interaction in memory (the sections read them in workers).
    """
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        return False
    if not _NAMES_INSTAGRAM.search(data):
        return False
    copies = read_json(path).get("copies", {})
    copy = copies.get(INSTAGRAM) if isinstance(copies, dict) else None
    return isinstance(copy, dict) and posted(Copy.from_dict(copy))


class TwinRule:
    """Whether an article's card needs its JPEG twin in this build (see the module)."""

    def __init__(self, settings: Mapping[str, Any], state_root: Path) -> None:
        self.active = bool(instagram_account(settings))
        self.store = StateStore(state_root)

    def wanted(self, article: Any) -> bool:
        """Whether Instagram will be asked for ``article``'s card (it has no copy there yet)."""
        if not self.active or getattr(article, "status", "published") != "published":
            return False
        chosen = str(article.metadata.get("syndicate", "") or "")
        networks = parse_networks(chosen, str(article.source_path))
        if networks is not None and INSTAGRAM not in networks:
            return False
        return not on_instagram(self.store.path_for(f"{article.slug}.{article.lang}"))
