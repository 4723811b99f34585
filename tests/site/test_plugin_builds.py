"""The plugin across builds: after Pelican's content cache, once per file, cards that fit."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from PIL import Image
from site_build import WINTER, build, copy_content, write_state

from plugins.agora import cards
from syndication.model import Copy, CopyStatus, PostState, utc_now

POST = WINTER.slug  # French only, no state of its own


def _state_with_copy(url: str) -> dict[str, object]:
    state = PostState(key=f"{POST}.fr")
    state.copies["mastodon"] = Copy(
        network="mastodon",
        status=CopyStatus.PUBLISHED,
        key="k",
        intent_at=utc_now(),
        id="1",
        url=url,
    )
    return state.to_dict()


@pytest.fixture(scope="module")
def cached_workspace(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A workspace whose builds use Pelican's content cache, as ``livereload`` setups do."""
    workspace = tmp_path_factory.mktemp("cached")
    copy_content(workspace)
    return workspace


def test_a_new_state_shows_even_when_the_post_comes_from_pelicans_cache(
    cached_workspace: Path,
) -> None:
    content = cached_workspace / "content"
    cache = {"CACHE_CONTENT": True, "LOAD_CONTENT_CACHE": True}
    first = cached_workspace / "first"
    build(cached_workspace, first, **cache)
    assert "https://mastodon.example/@velosboreal/1" not in (first / POST / "index.html").read_text(
        encoding="utf-8"
    )
    write_state(content, f"{POST}.fr", _state_with_copy("https://mastodon.example/@velosboreal/1"))
    second = cached_workspace / "second"
    build(cached_workspace, second, **cache)
    page = (second / POST / "index.html").read_text(encoding="utf-8")
    assert "https://mastodon.example/@velosboreal/1" in page


def test_unchanged_state_files_are_read_once_across_builds(cached_workspace: Path) -> None:
    content = cached_workspace / "content"
    write_state(content, f"{POST}.fr", _state_with_copy("https://mastodon.example/@velosboreal/2"))
    build(cached_workspace, cached_workspace / "third")
    plugin = sys.modules["agora"].plugin()
    parsed = plugin.states.parsed
    build(cached_workspace, cached_workspace / "fourth")
    assert plugin.states.parsed == parsed, "an unchanged state file was parsed again"
    write_state(content, f"{POST}.fr", _state_with_copy("https://mastodon.example/@velosboreal/3"))
    build(cached_workspace, cached_workspace / "fifth")
    assert plugin.states.parsed == parsed + 1
    page = (cached_workspace / "fifth" / POST / "index.html").read_text(encoding="utf-8")
    assert "https://mastodon.example/@velosboreal/3" in page


def test_a_very_long_title_wraps_inside_the_card(tmp_path: Path) -> None:
    title = (
        "Pourquoi notre atelier refuse désormais les réparations express du samedi matin, "
        "ce que cela change pour vous, et comment prendre rendez-vous sans attendre "
        "Anticonstitutionnellementextraordinairementinterminablementlongmot " * 3
    )
    font, lines = cards.fit_title(title, cards.WIDTH - 2 * cards.MARGIN)
    assert 1 < len(lines) <= cards.TITLE_MAX_LINES
    assert all(font.getlength(line) <= cards.WIDTH - 2 * cards.MARGIN for line in lines)
    assert lines[-1].endswith(cards.ELLIPSIS)
    text = cards.CardText(title=title, author="Awa Diallo", company="Vélos Boréal", lang="fr")
    path = cards.CardCache(tmp_path).ensure(text)
    with Image.open(path) as image:
        assert image.size == (1200, 630)
        # Nothing is drawn in the right margin: the text never runs off the card.
        margin = image.crop((cards.WIDTH - cards.MARGIN + 8, 0, cards.WIDTH, cards.HEIGHT))
        background = image.convert("RGB").getpixel((cards.WIDTH - 1, cards.HEIGHT - 1))
        colors = {color for _, color in margin.convert("RGB").getcolors(1 << 16) or []}
        assert colors == {background}


def test_registering_again_connects_nothing_twice(cached_workspace: Path) -> None:
    from pelican import signals

    build(cached_workspace, cached_workspace / "registered")
    module = sys.modules["agora"]

    def ours() -> int:
        # Connected with weak=False: blinker keeps the bound methods themselves.
        receivers = list(signals.all_generators_finalized.receivers.values())
        return sum(getattr(r, "__self__", None) is module.plugin() for r in receivers)

    before = ours()
    module.register()
    module.register()
    assert before == ours() == 1


def test_many_new_cards_are_drawn_by_workers_and_all_land(tmp_path: Path) -> None:
    """Past the first few, new cards go to worker processes; after ``wait`` every one is there."""
    cache = cards.CardCache(tmp_path / "cards", inline_limit=2)
    texts = [
        cards.CardText(
            f"Billet numéro {n} : rouler l'hiver", "Mathieu Gagnon", "Vélos Boréal", "fr"
        )
        for n in range(12)
    ]

    paths = [cache.request(text) for text in texts]
    assert cache.request(texts[-1]) == paths[-1]  # asked twice, drawn once
    done = cache.wait()

    assert done.drawn == 12 and len(set(paths)) == 12
    assert done.handed_off == 10  # all but the first two went to the workers
    for path in paths:
        with Image.open(path) as card:
            assert card.size == (1200, 630) and card.format == "JPEG"
    assert sorted(p.name for p in (tmp_path / "cards").iterdir()) == sorted(p.name for p in paths)
    again = cards.CardCache(tmp_path / "cards", inline_limit=0)
    assert [again.request(text) for text in texts] == paths
    assert again.wait().drawn == 0
