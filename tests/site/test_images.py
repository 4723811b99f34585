"""Images are served at the size readers need: resized, in modern formats, cached by content.

A real build (``syndication.site.build.build``, what ``invoke check`` runs) of a small blog of its
own (``tests/content/fixture_blog.py``) whose first post leads with a 6000 px photo of about 3 MB
and shows a PNG with transparency in its text, by an author with a photo; the second post is by
an author without one. The photo is drawn once per session (noise over a gradient, so that it
weighs what a phone photo weighs).
"""

from __future__ import annotations

import contextlib
import io
import os
import re
import sys
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urljoin

import pytest
from PIL import Image

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT / "tests" / "content") not in sys.path:
    sys.path.append(str(ROOT / "tests" / "content"))

from fixture_blog import AUTHOR, FIRST, SECOND, SITEURL, write_blog, write_settings  # noqa: E402

PHOTO = "images/posts/grand-format.jpg"
DIAGRAM = "images/posts/schema.png"
PORTRAIT = "images/authors/alex.jpg"
NO_PHOTO = "Noa Côté-Bernier"
PHONE_BUDGET = 200_000  # bytes a phone may download for the lead photo


def write_photo(path: Path, size: tuple[int, int] = (6000, 4000)) -> Path:
    """A JPEG photo of about 3 MB: noise over a smooth gradient, as a camera's photo weighs."""
    path.parent.mkdir(parents=True, exist_ok=True)
    gradient = Image.frombytes("RGB", (12, 8), os.urandom(12 * 8 * 3)).resize(
        size, Image.Resampling.BICUBIC
    )
    noise = Image.effect_noise(size, 40).convert("RGB")
    Image.blend(gradient, noise, 0.1).save(path, "JPEG", quality=85)
    return path


@pytest.fixture(scope="session")
def big_photo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The 6000 px photo, drawn once per session."""
    return write_photo(tmp_path_factory.mktemp("photo") / "photo.jpg")


@dataclass(frozen=True)
class Built:
    """A built workspace: its output folder and what each build said."""

    workspace: Path
    output: Path
    said: str


def _build(workspace: Path, output: Path) -> str:
    """Build ``workspace`` as ``invoke check`` does (debug logging on); what it printed."""
    import logging

    from syndication.site.build import build

    said = io.StringIO()
    handler = logging.StreamHandler(said)
    logger = logging.getLogger("agora")
    logger.addHandler(handler)
    previous = logger.level
    logger.setLevel(logging.DEBUG)
    try:
        with contextlib.redirect_stderr(said), contextlib.redirect_stdout(said):
            build(workspace / "settings.py", output)
    finally:
        logger.removeHandler(handler)
        logger.setLevel(previous)
    return said.getvalue()


@pytest.fixture(scope="module")
def blog(tmp_path_factory: pytest.TempPathFactory, big_photo: Path) -> Built:
    """The blog, built once: a big lead photo, a diagram in the text, an author photo."""
    workspace = tmp_path_factory.mktemp("images")
    content = write_blog(workspace)
    (content / PHOTO).write_bytes(big_photo.read_bytes())
    Image.new("RGBA", (500, 300), (200, 30, 30, 128)).save(content / DIAGRAM)
    portrait = content / PORTRAIT
    portrait.parent.mkdir(parents=True)
    Image.new("RGB", (800, 600), (30, 120, 60)).save(portrait, "JPEG", quality=90)
    for name in (f"{FIRST}.md", f"{FIRST}-en.md"):
        post = content / "posts" / name
        text = post.read_text(encoding="utf-8").replace("images/posts/premier-article.jpg", PHOTO)
        text += f'\n![Un schéma du moyeu]({{static}}/{DIAGRAM} "Le moyeu")\n'
        post.write_text(text, encoding="utf-8")
    second = content / "posts" / f"{SECOND}.md"
    second.write_text(
        second.read_text(encoding="utf-8").replace(f"Author: {AUTHOR}", f"Author: {NO_PHOTO}")
        + f"\nLe [schéma en grand]({{static}}/{DIAGRAM}).\n",
        encoding="utf-8",
    )
    settings = write_settings(workspace)
    with settings.open("a", encoding="utf-8") as lines:
        lines.write(f"AGORA_IMAGE_CACHE = {str(workspace / 'image-cache')!r}\n")
        lines.write(f"AGORA_AUTHORS[{AUTHOR!r}]['photo'] = {PORTRAIT!r}\n")
        lines.write(f"AGORA_AUTHORS[{NO_PHOTO!r}] = {{'first_name': 'Noa'}}\n")
    output = workspace / "output"
    return Built(workspace, output, _build(workspace, output))


@dataclass
class _Pic:
    """One ``<picture>``: its ``<source>`` elements' attributes and its ``<img>``'s."""

    sources: list[dict[str, str]] = field(default_factory=list)
    img: dict[str, str] = field(default_factory=dict)


class _Pictures(HTMLParser):
    """The ``<picture>`` elements of a page: their sources and their image's attributes."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.pictures: list[_Pic] = []
        self.images: list[dict[str, str]] = []  # every <img>, in a picture or not
        self.initials: list[str] = []
        self._in_picture = False
        self._in_initials = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        """Note pictures, their sources and images, and the initials' spans."""
        values = {key: value or "" for key, value in attrs}
        if tag == "picture":
            self._in_picture = True
            self.pictures.append(_Pic())
        elif tag == "source" and self._in_picture:
            self.pictures[-1].sources.append(values)
        elif tag == "img":
            self.images.append(values)
            if self._in_picture:
                self.pictures[-1].img = values
        elif tag == "span" and "initials" in values.get("class", "").split():
            self._in_initials = True

    def handle_endtag(self, tag: str) -> None:
        """Close a picture or the initials."""
        if tag == "picture":
            self._in_picture = False
        elif tag == "span":
            self._in_initials = False

    def handle_data(self, data: str) -> None:
        """Keep the initials' letters."""
        if self._in_initials and data.strip():
            self.initials.append(data.strip())


def _page(built: Built, path: str) -> tuple[str, _Pictures]:
    """A page's HTML and its pictures."""
    text = (built.output / path / "index.html").read_text(encoding="utf-8")
    parsed = _Pictures()
    parsed.feed(text)
    return text, parsed


def _file(built: Built, url: str) -> Path:
    """The file of the output at ``url``: absolute (a post's text, which feeds carry too) or from
    the host's root (the theme's markup), as a browser on the site resolves it."""
    absolute = urljoin(f"{SITEURL}/", url)
    assert absolute.startswith(SITEURL + "/"), f"{url} is not on the site"
    return built.output / absolute.removeprefix(SITEURL + "/")


def _files(built: Built, srcset: str) -> list[tuple[int, Path]]:
    """The (width, file in the output) of each candidate of a ``srcset`` of widths."""
    found = []
    for candidate in srcset.split(","):
        url, width = candidate.split()
        found.append((int(width.rstrip("w")), _file(built, url)))
    return found


def _picture_with_alt(parsed: _Pictures, alt: str) -> _Pic:
    """The picture whose image has the alt text ``alt``."""
    matches = [p for p in parsed.pictures if p.img.get("alt") == alt]
    assert matches, f"no <picture> with alt {alt!r}"
    return matches[0]


def test_lead_photo_is_served_in_widths_and_formats_each_on_disk(blog: Built) -> None:
    """The 6000 px photo: AVIF, WebP and JPEG at 360 to 1440 px, every file published."""
    _, parsed = _page(blog, FIRST)
    lead = _picture_with_alt(parsed, "Un vélo sur un pied d'atelier")
    img, sources = lead.img, lead.sources
    assert [s["type"] for s in sources] == ["image/avif", "image/webp"]
    for srcset in [s["srcset"] for s in sources] + [img["srcset"]]:
        files = _files(blog, srcset)
        assert [w for w, _ in files] == [360, 720, 1080, 1440]
        for width, path in files:
            with Image.open(path) as drawn:
                assert drawn.size == (width, round(width * 4000 / 6000)), path.name
    assert (img["width"], img["height"]) == ("1440", "960")  # the photo's 3:2, no layout shift
    assert img["fetchpriority"] == "high" and "loading" not in img
    assert img["sizes"] and img["src"].endswith(".jpg")


def test_a_phone_gets_the_3_mb_photo_well_under_200_kb(blog: Built) -> None:
    """The widths a phone picks (720 px at 2x) weigh a fraction of the original, in each format."""
    original = (blog.workspace / "content" / PHOTO).stat().st_size
    assert original > 2_500_000, "the fixture photo should weigh a camera's ~3 MB"
    _, parsed = _page(blog, FIRST)
    lead = _picture_with_alt(parsed, "Un vélo sur un pied d'atelier")
    img, sources = lead.img, lead.sources
    for srcset in [s["srcset"] for s in sources] + [img["srcset"]]:
        phone = dict(_files(blog, srcset))[720]
        assert phone.stat().st_size < PHONE_BUDGET / 2, f"{phone.name}: {phone.stat().st_size} B"


def test_social_image_is_a_1200_px_jpeg(blog: Built) -> None:
    """og:image is a 1200 px wide JPEG (Instagram takes JPEG only), with its real size."""
    text, _ = _page(blog, FIRST)
    found = re.search(r'<meta property="og:image" content="([^"]+)"', text)
    assert found is not None
    path = blog.output / found[1].removeprefix(SITEURL + "/")
    with Image.open(path) as image:
        assert (image.format, image.size) == ("JPEG", (1200, 800))
    assert '<meta property="og:image:width" content="1200">' in text
    assert '<meta property="og:image:height" content="800">' in text


def test_image_in_text_keeps_its_alt_and_title_and_transparency(blog: Built) -> None:
    """The diagram of the text: its alt and title kept, PNG fallback, no width above its own."""
    _, parsed = _page(blog, FIRST)
    diagram = _picture_with_alt(parsed, "Un schéma du moyeu")
    img = diagram.img
    assert img["title"] == "Le moyeu" and img["loading"] == "lazy"
    assert (img["width"], img["height"]) == ("500", "300")
    widths = [w for w, _ in _files(blog, img["srcset"])]
    assert widths == [360, 500]  # never enlarged past the original
    for _, path in _files(blog, img["srcset"]):
        with Image.open(path) as drawn:
            assert drawn.format == "PNG" and drawn.mode == "RGBA"
    # No image of the post is left pointing at the original file.
    assert all("/images/posts/" not in i["src"] for i in parsed.images)


def test_every_image_has_width_and_height(blog: Built) -> None:
    """Every <img> of every page says its size, so nothing moves when it arrives."""
    for page in sorted(blog.output.rglob("index.html")):
        parsed = _Pictures()
        parsed.feed(page.read_text(encoding="utf-8"))
        for img in parsed.images:
            assert img.get("width") and img.get("height"), f"{page}: {img}"


def test_author_photo_is_one_square_webp_with_its_2x_and_initials_are_the_fallback(
    blog: Built,
) -> None:
    """The author with a photo: one <img> (no <picture>: the same photo is on each of their pages),
    a 96 px square WebP shown at 96 px and a 192 px one for 2x screens; the other: initials."""
    _, first = _page(blog, FIRST)
    img = next(i for i in first.images if i.get("class") == "u-photo")
    assert (img["width"], img["height"], img["alt"]) == ("96", "96", "")
    assert not any(p.img.get("class") == "u-photo" for p in first.pictures)
    url, density = img["srcset"].split()
    assert density == "2x"
    for path, size in ((_file(blog, img["src"]), 96), (_file(blog, url), 192)):
        with Image.open(path) as drawn:
            assert (drawn.format, drawn.size) == ("WEBP", (size, size)), path
    _, second = _page(blog, SECOND)
    assert not any(i.get("class") == "u-photo" for i in second.images)
    assert second.initials == ["NC"]
    _, authors = _page(blog, "auteurs")
    assert authors.initials == ["NC"]
    assert any(i.get("class") == "u-photo" for i in authors.images)


def test_a_second_build_draws_nothing_and_copies_the_same_files(blog: Built) -> None:
    """The cache is keyed by content: a rebuild into a new folder redraws no image."""
    assert re.search(r"[1-9]\d* images drawn", blog.said), blog.said[-2000:]
    again = blog.workspace / "output-again"
    said = _build(blog.workspace, again)
    assert "0 images drawn" in said, said[-2000:]
    first = sorted(p.name for p in (blog.output / "images" / "resized").iterdir())
    second = sorted(p.name for p in (again / "images" / "resized").iterdir())
    assert first == second and len(first) > 20


def test_image_weight_warning_says_readers_get_it_resized(blog: Built) -> None:
    """``invoke check`` still warns about a heavy file, and says readers get it resized."""
    lines = [line for line in blog.said.splitlines() if ": image_weight: " in line]
    assert any(PHOTO in line and "resized" in line for line in lines), lines


def test_originals_served_resized_stay_off_the_site_unless_a_text_links_them(blog: Built) -> None:
    """The 3 MB photo and the author's photo reach readers only resized (what the camera wrote
    in the original stays in the repository); the diagram a post links to stays published."""
    assert (blog.workspace / "content" / PHOTO).is_file()
    assert not (blog.output / PHOTO).exists()
    assert not (blog.output / PORTRAIT).exists()
    assert (blog.output / DIAGRAM).is_file()
    text, _ = _page(blog, SECOND)
    assert f'href="{SITEURL}/{DIAGRAM}"' in text


def test_a_phone_photo_taken_upright_is_served_upright(tmp_path: Path) -> None:
    """A photo stored sideways with an EXIF orientation is measured and drawn the right way up."""
    from plugins.agora import images

    photo = tmp_path / "upright.jpg"
    exif = Image.Exif()
    exif[0x0112] = 6  # "rotate 90° clockwise to view": the sensor's landscape, held upright
    Image.new("RGB", (1600, 1200), (90, 60, 30)).save(photo, "JPEG", exif=exif)
    source = images.inspect(photo)
    assert source is not None and (source.width, source.height) == (1200, 1600)
    spec = images.Spec((360, 720), ("WEBP",))
    rendition = images.plan(source, spec, tmp_path / "cache", "upright")
    images.render(rendition)
    for variant in rendition.variants:
        with Image.open(rendition.folder / variant.name) as drawn:
            assert drawn.size == (variant.width, variant.height)
            assert drawn.width < drawn.height, variant.name
            assert 0x0112 not in drawn.getexif()  # nothing of the original's metadata is kept


def test_images_it_cannot_resize_are_left_as_written(tmp_path: Path) -> None:
    """An SVG, a missing file, a web address keep their <img>; a bad author photo: initials."""
    from plugins.agora import images

    content = tmp_path / "content"
    (content / "images").mkdir(parents=True)
    (content / "images" / "logo.svg").write_text("<svg xmlns='http://www.w3.org/2000/svg'/>")
    (content / "images" / "broken.jpg").write_bytes(b"not a jpeg")
    step = images.ImageStep(
        cache=images.ImageCache(tmp_path / "cache"),
        content_root=content,
        site_url=SITEURL,
        widths=(360, 720),
    )
    written = (
        '<p><img alt="Logo" src="{static}/images/logo.svg"> '
        '<img alt="Missing" src="{static}/images/missing.jpg"> '
        '<img alt="Far" src="https://example.org/far.jpg"></p>'
    )
    assert step.content_html(written, content / "posts" / "x.md", lazy_first=True) == written
    faces = step.author_faces({"Alex Martin": {"photo": "images/broken.jpg"}})
    assert "initials" in faces["Alex Martin"] and ">AM<" in faces["Alex Martin"]
    assert step.copies == {}


def test_an_image_cut_short_fails_the_build_with_one_sentence(tmp_path: Path) -> None:
    """A JPEG whose upload was cut short: one line naming the file and what to do."""
    from syndication.site.build import BuildFailed, build

    content = write_blog(tmp_path)
    whole = io.BytesIO()
    Image.effect_noise((1200, 630), 40).convert("RGB").save(whole, "JPEG", quality=90)
    (content / "images/posts/premier-article.jpg").write_bytes(whole.getvalue()[:20_000])
    settings = write_settings(tmp_path)
    with settings.open("a", encoding="utf-8") as lines:
        lines.write(f"AGORA_IMAGE_CACHE = {str(tmp_path / 'image-cache')!r}\n")
    with (
        pytest.raises(BuildFailed) as failed,
        contextlib.redirect_stderr(io.StringIO()),
        contextlib.redirect_stdout(io.StringIO()),
    ):
        build(settings, tmp_path / "output")
    message = str(failed.value)
    assert "\n" not in message
    assert "images/posts/premier-article.jpg: this image cannot be resized" in message
    assert "export it again as JPEG or PNG" in message


def test_a_scheduled_posts_photos_are_not_deployed_before_its_date(
    tmp_path: Path, big_photo: Path
) -> None:
    """A post dated in the future is a draft that the deploy leaves out, and with it every file
    only it shows: its photo's resized variants and its social image, which would announce it.
    What a published post shows, and the theme's own files, stay."""
    from fixture_blog import post
    from pelican.settings import read_settings

    from syndication.pipeline import drop_drafts

    workspace = tmp_path
    content = write_blog(workspace)
    (content / "images" / "posts" / "annonce.jpg").write_bytes(big_photo.read_bytes())
    (content / "posts" / "annonce.md").write_text(
        post(
            "annonce",
            title="Le nouveau vélo",
            date="2099-01-05 10:00",
            image="images/posts/annonce.jpg",
            image_alt="Le nouveau vélo, encore secret",
        ),
        encoding="utf-8",
    )
    settings_file = write_settings(workspace)
    with settings_file.open("a", encoding="utf-8") as lines:
        lines.write(f"AGORA_IMAGE_CACHE = {str(workspace / 'image-cache')!r}\n")
    output = workspace / "output"
    _build(workspace, output)
    draft = next((output / "drafts").rglob("annonce/index.html"))
    shown = set(re.findall(r"/images/resized/[^\s\"',]+", draft.read_text(encoding="utf-8")))
    published = (output / FIRST / "index.html").read_text(encoding="utf-8")
    kept = set(re.findall(r"/images/resized/[^\s\"',]+", published))
    assert shown and kept and not shown & kept

    held = drop_drafts(output, read_settings(str(settings_file)))

    assert held == 1 and not (output / "drafts").exists()
    for path in shown:
        assert not (output / path.lstrip("/")).exists(), f"{path} of the draft is deployed"
    for path in kept:
        assert (output / path.lstrip("/")).is_file(), f"{path} of a published post is gone"
    theme = output / "theme"
    assert (theme / "images" / "favicon.svg").is_file(), "the theme's files went with the draft"
    assert list((theme / "fonts").glob("*.woff2")), "the theme's fonts went with the draft"


def test_a_build_never_writes_an_original_it_serves_resized(
    blog: Built, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Pelican is not given the originals to copy: with the sweep that removes them afterwards
    turned off, a fresh output still has none of them (a build stopped halfway leaves none)."""
    images = sys.modules["agora.images"]  # the plugin as Pelican loaded it (PLUGIN_PATHS)
    monkeypatch.setattr(images.ImageStep, "withdraw_originals", lambda self, output: 0)
    output = blog.workspace / "output-unswept"
    _build(blog.workspace, output)
    assert (output / SECOND / "index.html").is_file()
    assert not (output / PHOTO).exists() and not (output / PORTRAIT).exists()
    assert (output / DIAGRAM).is_file()  # linked by a text: published as it is
