"""The plugin across builds: after Pelican's content cache, once per file, cards that fit, and
their JPEG twins for the posts Instagram has no copy of yet."""

from __future__ import annotations

import os
import re
import sys
import time
from pathlib import Path

import pytest
from fixture_site import NAMES, source
from pelican.settings import read_settings
from PIL import Image, ImageChops, ImageStat
from site_build import MEASURE, ROOT, SITEURL, WINTER, build, copy_content, write_state

from plugins.agora import cards
from syndication.model import Copy, CopyStatus, Post, PostState, utc_now
from syndication.networks.base import Draft, LinkCard
from syndication.networks.instagram.convert import image_url
from syndication.pipeline import drop_drafts

POST = WINTER.slug  # French only, no state of its own


def _state_with_copy(
    url: str,
    key: str = f"{POST}.fr",
    network: str = "mastodon",
    status: CopyStatus = CopyStatus.PUBLISHED,
) -> dict[str, object]:
    state = PostState(key=key)
    state.copies[network] = Copy(
        network=network,
        status=status,
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


def test_a_card_is_written_as_a_4_bit_palette_png_of_exactly_what_was_drawn(
    tmp_path: Path,
) -> None:
    """The card's PNG is written by the plugin itself (rows "Up"-filtered): a decoder reads back
    every pixel drawn, the chunks' checksums hold, and the file keeps 4 bits a pixel."""
    text = cards.CardText(
        title="Ce que vos 1 200 réponses ont changé à l'atelier, semaine après semaine",
        author="Awa Diallo",
        company="Vélos Boréal",
        lang="fr",
    )
    path = cards.CardCache(tmp_path).ensure(text)
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    assert (data[12:16], data[24], data[25]) == (b"IHDR", 4, 3)  # 4-bit palette indices
    drawn = cards.draw(text).convert("RGB")
    with Image.open(path) as image:
        image.load()  # Pillow checks each chunk's CRC and inflates every row
        assert (image.mode, image.size) == ("P", (1200, 630))
        assert ImageChops.difference(image.convert("RGB"), drawn).getbbox() is None
        colours = {colour for _, colour in image.convert("RGB").getcolors(1 << 16) or []}
    assert {cards.BACKGROUND, cards.FOREGROUND, cards.ACCENT, cards.MUTED} <= colours
    assert len(colours) <= 16


def test_a_whole_build_removes_the_stylesheets_earlier_builds_left(tmp_path: Path) -> None:
    """The preview builds into the same folder again and again: one stylesheet stays."""
    copy_content(tmp_path)
    output = tmp_path / "output"
    css = output / "theme" / "css"
    css.mkdir(parents=True)
    (css / "style.0123456789ab.css").write_text("body{color:red}", encoding="utf-8")
    (css / "style.print.css").write_text("@media print{}", encoding="utf-8")  # not one of ours
    build(tmp_path, output)
    page = (output / "index.html").read_text(encoding="utf-8")
    linked = re.findall(r'href="[^"]*/(theme/css/style\.[0-9a-f]{12}\.css)"', page)
    assert len(set(linked)) == 1 and (output / linked[0]).is_file()
    assert sorted(p.name for p in css.iterdir()) == sorted(
        [linked[0].rsplit("/", 1)[1], "style.print.css"]
    )


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
            assert card.size == (1200, 630) and card.format == "PNG"
    assert sorted(p.name for p in (tmp_path / "cards").iterdir()) == sorted(p.name for p in paths)
    again = cards.CardCache(tmp_path / "cards", inline_limit=0)
    assert [again.request(text) for text in texts] == paths
    assert again.wait().drawn == 0


INSTAGRAM = {"AGORA_INSTAGRAM_USER_ID": "17841400000000001"}
DRAFT = "rouler-plus-tard"


def _card(output: Path, page: str) -> Path:
    """The social card ``page`` shows in its og:image (a site-relative ``social-cards/`` file)."""
    html = (output / page / "index.html").read_text(encoding="utf-8")
    found = re.search(r'property="og:image" content="[^"]*/(social-cards/[0-9a-f]{16}\.png)"', html)
    assert found, f"{page} shows no social card"
    return output / found[1]


def _instagram_image(og_image: str) -> str | None:
    """The address the Instagram adapter gives Instagram for a page showing ``og_image``."""
    post = Post("p.fr", "p", "fr", "T", "S", f"{SITEURL}/p/", utc_now(), "Camille Tremblay")
    card = LinkCard(post.url, post.title, post.summary, image_url=og_image)
    draft = Draft("instagram", post, "T", 1, 2100, False, card, "fr", post.author, "")
    return image_url(draft, "the Instagram account 1")


def test_a_jpeg_twin_is_written_only_for_posts_instagram_still_needs(tmp_path: Path) -> None:
    """Instagram publishes JPEG only: beside the PNG card of each post still to be posted there
    (no copy, or only a pending intent), ``<digest>.jpg``; none for a post already on Instagram,
    one that leaves Instagram out, or a draft (whose PNG card ``drop_drafts`` still takes out);
    none once Instagram has them all."""
    content = copy_content(tmp_path)
    posts = content / "posts"
    write_state(
        content,
        f"{NAMES.slug}.fr",
        _state_with_copy("https://i.example/p/1", f"{NAMES.slug}.fr", "instagram"),
    )
    for lang, name in (("fr", f"{MEASURE.slug}.md"), ("en", f"{MEASURE.slug}-en.md")):
        (posts / name).write_text(
            source(MEASURE, lang, Syndicate="bluesky, mastodon"), encoding="utf-8"
        )
    later = source(WINTER, "fr", Slug=DRAFT, Title="Rouler au printemps", Date="2099-01-05 10:00")
    (posts / f"{DRAFT}.md").write_text(later, encoding="utf-8")
    # An intent recorded by a run that stopped: Instagram may not have it, the twin stays.
    pending = _state_with_copy("", f"{WINTER.slug}.fr", "instagram", CopyStatus.PENDING)
    write_state(content, f"{WINTER.slug}.fr", pending)
    output = tmp_path / "output"
    build(tmp_path, output, **INSTAGRAM)

    waiting = [_card(output, WINTER.slug), _card(output, f"en/{NAMES.slug}")]
    for card in waiting:
        twin = card.with_suffix(".jpg")
        with Image.open(twin) as image:
            assert (image.format, image.size) == ("JPEG", (1200, 630)), twin.name
        # What the Instagram adapter asks for, given the page's og:image, is that file.
        asked = _instagram_image(f"{SITEURL}/{card.relative_to(output).as_posix()}")
        assert asked == f"{SITEURL}/{twin.relative_to(output).as_posix()}"
    not_waiting = [_card(output, NAMES.slug), _card(output, MEASURE.slug)]
    not_waiting.append(_card(output, f"en/{MEASURE.slug}"))
    draft_card = _card(output, f"drafts/{DRAFT}")
    for card in [*not_waiting, draft_card]:
        assert card.is_file() and not card.with_suffix(".jpg").exists(), card.name
    assert len(list((output / "social-cards").glob("*.jpg"))) == len(waiting)

    settings = read_settings(str(ROOT / "pelicanconf.py"), override={"SITEURL": SITEURL})
    assert drop_drafts(output, settings) == 1
    assert not draft_card.exists() and all(card.is_file() for card in not_waiting + waiting)

    # The pipeline posted them: the rebuild after it leaves the twins out.
    for key in (f"{WINTER.slug}.fr", f"{NAMES.slug}.en"):
        write_state(content, key, _state_with_copy("https://i.example/p/2", key, "instagram"))
    again = tmp_path / "again"
    build(tmp_path, again, **INSTAGRAM)
    assert list((again / "social-cards").glob("*.png"))
    assert not list((again / "social-cards").glob("*.jpg"))


def test_the_twin_is_the_same_card_as_a_jpeg(tmp_path: Path) -> None:
    text = cards.CardText("Rouler l'hiver", "Mathieu Gagnon", "Vélos Boréal", "fr")
    cache = cards.CardCache(tmp_path)
    png, jpeg = cache.ensure(text), cache.ensure(text, cards.TWIN_SUFFIX)
    assert (png.name, jpeg.name) == (f"{text.digest()}.png", f"{text.digest()}.jpg")
    with Image.open(png) as drawn, Image.open(jpeg) as twin:
        assert (drawn.format, twin.format) == ("PNG", "JPEG")
        difference = ImageChops.difference(drawn.convert("RGB"), twin.convert("RGB"))
        # The same drawing: only JPEG's ringing around the letters differs, a few levels on average.
        assert max(ImageStat.Stat(difference).mean) < 2


def _slow_drawing(job: tuple[Path, int]) -> None:
    """A drawing that takes a while, and leaves one line per time it ran."""
    folder, number = job
    time.sleep(0.3)
    with (folder / "runs.log").open("a", encoding="utf-8") as log:
        log.write(f"{number}\n")
    (folder / f"{number}.txt").write_text("drawn", encoding="utf-8")


def test_wait_draws_in_place_what_no_worker_began_and_nothing_twice(tmp_path: Path) -> None:
    """With the workers busy (or starved by a busy core), the build's process draws the rest."""
    from plugins.agora.workers import DrawingQueue

    queue = DrawingQueue(inline_limit=0)
    count = 2 * (os.cpu_count() or 2) + 4  # more than the pool's workers and its queue hold
    for number in range(count):
        queue.draw(tmp_path / f"{number}.txt", _slow_drawing, (tmp_path, number))
    done = queue.wait()

    assert done.drawn == done.handed_off == count
    assert done.taken_back >= 1
    runs = (tmp_path / "runs.log").read_text(encoding="utf-8").split()
    assert sorted(runs, key=int) == [str(n) for n in range(count)]  # each drawn exactly once
