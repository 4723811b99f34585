"""Jinja filters of the theme that are not about language (``i18n`` has ``t`` and ``date_in``).

Filters are plain Python calls: a Jinja macro costs about ten times more, which counts in a
template run once per reply and per face of every post's conversation.
"""

from __future__ import annotations

from typing import Any

from pelican import signals

from . import conversation


def web_url(url: object) -> str:
    """``url`` when it is an ``http(s)`` address, else ``""``.

    Addresses come from the networks: a ``javascript:`` or ``data:`` one never reaches an href.
    """
    return conversation.web_url(url) if isinstance(url, str) else ""


def add_filters(generator: Any) -> None:
    """Give one generator's Jinja environment the theme's filters."""
    generator.env.filters["web_url"] = web_url


def register() -> None:
    """Add the filters to every generator's environment as soon as it exists."""
    signals.generator_init.connect(add_filters)
