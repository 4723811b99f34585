"""The card and image caches keep what builds use and lose what none has used for a month."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest
from site_build import build, copy_content

from plugins.agora import pruning
from syndication.errors import ConfigError
from syndication.site.preview import Selection

MONTH_AGO = time.time() - 31 * pruning.DAY


def _age(path: Path, moment: float = MONTH_AGO) -> Path:
    os.utime(path, (moment, moment))
    return path


def test_what_no_build_used_within_the_limit_goes_and_the_rest_stays(tmp_path: Path) -> None:
    stale_card = tmp_path / "0123456789abcdef.png"
    stale_card.write_bytes(b"the card of a title no post has any more")
    _age(stale_card)
    half_written = tmp_path / ".card-x1y2.png"  # a crash between mkstemp and replace
    half_written.write_bytes(b"half")
    _age(half_written)
    stale_image = tmp_path / "fedcba9876543210"
    stale_image.mkdir()
    (stale_image / "360.avif").write_bytes(b"old variant")
    _age(stale_image)
    recent = tmp_path / "1111111111111111.png"
    recent.write_bytes(b"used last week")
    _age(recent, time.time() - 7 * pruning.DAY)
    used_long_ago = tmp_path / "2222222222222222.png"
    used_long_ago.write_bytes(b"used again today")
    _age(used_long_ago)
    pruning.mark_used([used_long_ago, tmp_path / "never-drawn.png"])

    assert pruning.prune(tmp_path, 30) == 3
    assert sorted(p.name for p in tmp_path.iterdir()) == [recent.name, used_long_ago.name]
    assert pruning.prune(tmp_path / "no-cache-yet", 30) == 0


@pytest.mark.parametrize("value", [0, -3, "30", True, None])
def test_the_age_limit_must_be_a_number_of_days(value: object) -> None:
    with pytest.raises(ConfigError, match=r"AGORA_CACHE_KEEP_DAYS is .*number of days above 0"):
        pruning.keep_days({"AGORA_CACHE_KEEP_DAYS": value})
    assert pruning.keep_days({}) == pruning.DEFAULT_KEEP_DAYS
    assert pruning.keep_days({"AGORA_CACHE_KEEP_DAYS": 7.5}) == 7.5


def test_a_build_keeps_the_drawings_it_uses_and_removes_the_stale_ones(tmp_path: Path) -> None:
    copy_content(tmp_path)
    cards, images = tmp_path / "card-cache", tmp_path / "image-cache"
    settings = {"AGORA_IMAGE_CACHE": str(images)}
    build(tmp_path, tmp_path / "first", **settings)
    drawn_cards, drawn_images = sorted(cards.iterdir()), sorted(images.iterdir())
    assert drawn_cards and drawn_images
    # A month later: everything drawn then looks old, and a retitled post left its old card.
    for path in [*drawn_cards, *drawn_images]:
        _age(path)
    old_card = cards / "0123456789abcdef.png"
    old_card.write_bytes(b"the card of a title no post has any more")
    _age(old_card)
    old_image = images / "fedcba9876543210"
    old_image.mkdir()
    _age(old_image)

    build(tmp_path, tmp_path / "second", **settings)
    # The stale ones are gone; the ones the build used are kept, marked as used today.
    assert sorted(cards.iterdir()) == drawn_cards
    assert sorted(images.iterdir()) == drawn_images
    assert all(path.stat().st_mtime > time.time() - 3600 for path in drawn_cards + drawn_images)


def test_a_previews_rebuild_of_a_few_posts_removes_nothing(tmp_path: Path) -> None:
    """A preview's rebuild of the posts just saved uses a few drawings: what the other posts use
    must not look unused to it (syndication.site.preview.is_partial)."""
    copy_content(tmp_path)
    cards, images = tmp_path / "card-cache", tmp_path / "image-cache"
    settings = {"AGORA_IMAGE_CACHE": str(images)}
    build(tmp_path, tmp_path / "preview", **settings)
    drawn = [*cards.iterdir(), *images.iterdir()]
    for path in drawn:
        _age(path)  # a month without a whole build
    nothing_saved = Selection(sources=frozenset())
    build(tmp_path, tmp_path / "preview", AGORA_PREVIEW_SELECTION=nothing_saved, **settings)
    assert all(path.exists() for path in drawn)
    build(tmp_path, tmp_path / "preview", **settings)  # the next whole build marks and keeps
    assert sorted([*cards.iterdir(), *images.iterdir()]) == sorted(drawn)
