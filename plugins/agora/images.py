"""Images served at the size readers need: a few widths, modern formats, and their size set.

Every image of a post or page (``![alt]({static}/images/...)`` in the text, and its front-matter
``Image``) is served as a ``<picture>``: AVIF and WebP where Pillow can write them, and a JPEG
(PNG for an image with transparency) that every browser reads, each in a few widths, with
``srcset`` and ``sizes`` so the browser downloads the smallest one that fills the column
(https://developer.mozilla.org/en-US/docs/Web/HTML/Guides/Responsive_images), and ``width`` and
``height`` so the page keeps the image's room before it arrives (no layout shift,
https://web.dev/articles/optimize-cls#images-without-dimensions). A post's own image also gets a
1200 px wide JPEG for the social networks' link previews (Instagram publishes JPEG only). Authors'
photos (``AGORA_AUTHORS[name]["photo"]``) are cropped square and served the same way; an author
without one keeps the initials.

The original stays in the repository. Resizing a 6000 px photo costs about a second, so the
variants are cached by content like the social cards (``cards.py``): a folder outside the output,
named after a hash of the source's bytes, of what is drawn and of the renderer's version. A
rebuild copies an unchanged image's files, it never draws them again; new images are drawn in the
build's worker processes (``workers.py``) while Pelican writes the pages.

Settings (optional):

``AGORA_IMAGE_CACHE``   where drawn variants are kept between builds (default ``cache/images``)
``AGORA_IMAGE_WIDTHS``  the widths, in px, of a post's images (default ``[360, 720, 1080, 1440]``)
"""

from __future__ import annotations

import functools
import hashlib
import html
import logging
import os
import re
import shutil
import tempfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

from markupsafe import Markup
from PIL import Image, ImageOps, UnidentifiedImageError, features

from syndication.errors import ConfigError, ContentError
from syndication.site.preview import is_partial

from . import addresses, pruning
from .validate import display_path
from .workers import DrawingQueue, Drawn

logger = logging.getLogger(__name__)

# Bump when the drawing changes (sizes, qualities, formats), so every cached image is drawn again.
RENDERER_VERSION = "1"
DEFAULT_CACHE = "cache/images"
# Where the variants are published in the output: content-addressed names, cacheable forever.
OUTPUT_FOLDER = "images/resized"
# A phone (360 px at 1x, 720 at 2x), a tablet, the 43.5 rem column at 2x.
DEFAULT_WIDTHS = (360, 720, 1080, 1440)
# The column: 46 rem wide with 1.25 rem of padding each side (theme/style.css).
POST_SIZES = "(max-width: 46rem) calc(100vw - 2.5rem), 43.5rem"
# The author box shows photos 96 CSS px wide: one file for 1x screens, one for 2x and more.
AUTHOR_DISPLAY = 96
AUTHOR_WIDTHS = (AUTHOR_DISPLAY, 2 * AUTHOR_DISPLAY)
# Link previews on the networks: 1200 px wide (Open Graph's advice; Instagram wants JPEG).
SOCIAL_WIDTH = 1200
# Formats Pillow reads that can be resized; an SVG or an animated GIF is served as it is.
RESIZABLE = {".jpg", ".jpeg", ".png", ".webp", ".avif", ".tif", ".tiff", ".bmp"}
# Images a build draws in place before it hands the rest to the drawing worker: none. A photo's
# sizes and formats cost about 0.4 s of CPU, twenty times a worker's start, and in place they
# are on Pelican's critical path; the build takes back what the worker has not begun when it
# waits for them (``DrawingQueue.wait``), so a site of one new photo loses nothing.
INLINE_IMAGES = 0
QUALITY = {"AVIF": 55, "WEBP": 78, "JPEG": 80}
# libavif's encoder speed (0 slowest to 10): at 8 a 1200 px photo encodes 3 to 6 times faster
# than at 6 (0.07 s against 0.17 to 0.44 s) for the same bytes within a kilobyte; at 10 the files
# grow by half. https://pillow.readthedocs.io/en/stable/handbook/image-file-formats.html#avif
AVIF_SPEED = 8
MIME = {"AVIF": "image/avif", "WEBP": "image/webp", "JPEG": "image/jpeg", "PNG": "image/png"}
SUFFIX = {"AVIF": ".avif", "WEBP": ".webp", "JPEG": ".jpg", "PNG": ".png"}
# EXIF orientations that turn the picture a quarter: its width and height swap.
_QUARTER_TURNS = {5, 6, 7, 8}
_ORIENTATION = 0x0112


def modern_formats() -> tuple[str, ...]:
    """The modern formats this Pillow writes, best first (AVIF needs Pillow 11.3+ with libavif)."""
    return tuple(name for name in ("AVIF", "WEBP") if features.check(name.lower()))


@dataclass(frozen=True)
class Spec:
    """What is drawn from one source: its widths, in which formats, square or not, a social copy."""

    widths: tuple[int, ...]
    formats: tuple[str, ...]
    square: bool = False
    social: bool = False
    fallback: bool = True  # also a JPEG (PNG) of each width, for browsers without ``formats``

    def key(self) -> str:
        """The part of the cache key that is not the source: everything that changes a pixel."""
        parts = [RENDERER_VERSION, ",".join(map(str, self.widths)), ",".join(self.formats)]
        parts += [str(self.square), str(self.social)]
        return "|".join(parts if self.fallback else [*parts, "no fallback"])


@dataclass(frozen=True)
class Variant:
    """One drawn file: its name in the cache folder, its format and its size."""

    name: str
    format: str
    width: int
    height: int


@dataclass(frozen=True)
class Source:
    """A source image as the build found it: its content hash, size and whether it has alpha."""

    path: Path
    digest: str
    width: int
    height: int
    alpha: bool


@dataclass(frozen=True)
class Rendition:
    """Every file drawn from one source with one spec, and where they go in the output."""

    source: Source
    spec: Spec
    folder: Path  # in the cache
    variants: tuple[Variant, ...]
    stem: str  # readable part of the published names

    def published(self, variant: Variant) -> str:
        """The site-relative path ``variant`` is published at."""
        return f"{OUTPUT_FOLDER}/{self.stem}-{self.folder.name[:10]}-{variant.name}"

    def of(self, fmt: str) -> list[Variant]:
        """The variants of one format, narrowest first (social copy excluded)."""
        return [v for v in self.variants if v.format == fmt and not v.name.startswith("social")]

    @property
    def fallback_format(self) -> str:
        """JPEG for a photo, PNG for an image with transparency (JPEG has none)."""
        return "PNG" if self.source.alpha else "JPEG"

    @property
    def social(self) -> Variant | None:
        """The 1200 px JPEG the networks show, when the spec asks for it."""
        return next((v for v in self.variants if v.name.startswith("social")), None)


def _size_at(width: int, source: Source, square: bool) -> tuple[int, int]:
    """The size of a variant ``width`` px wide: the source's proportions, or a square."""
    if square:
        return width, width
    return width, max(1, round(source.height * width / source.width))


def plan(source: Source, spec: Spec, cache_root: Path, stem: str) -> Rendition:
    """The files one source gives with one spec: known before anything is drawn."""
    largest = min(source.width, source.height) if spec.square else source.width
    widths = sorted({w for w in spec.widths if w < largest} | {min(largest, max(spec.widths))})
    fallback = "PNG" if source.alpha else "JPEG"
    formats = (*spec.formats, fallback) if spec.fallback or not spec.formats else spec.formats
    variants: list[Variant] = []
    for fmt in formats:
        for width in widths:
            w, h = _size_at(width, source, spec.square)
            variants.append(Variant(f"{w}{SUFFIX[fmt]}", fmt, w, h))
    if spec.social:
        w, h = _size_at(min(SOCIAL_WIDTH, source.width), source, False)
        variants.append(Variant(f"social-{w}.jpg", "JPEG", w, h))
    digest = hashlib.sha256(f"{spec.key()}|{source.digest}".encode()).hexdigest()[:16]
    return Rendition(source, spec, cache_root / digest, tuple(variants), stem)


def inspect(path: Path) -> Source | None:
    """The source at ``path``: hashed and measured (its header only); None if not resizable."""
    if path.suffix.lower() not in RESIZABLE or not path.is_file():
        return None
    data = path.read_bytes()
    try:
        with Image.open(path) as opened:
            if getattr(opened, "is_animated", False):
                return None  # an animation would lose its frames
            width, height = opened.size
            if opened.getexif().get(_ORIENTATION) in _QUARTER_TURNS:
                width, height = height, width  # a phone photo taken upright
            alpha = opened.mode in ("RGBA", "LA", "PA") or "transparency" in opened.info
    except (OSError, UnidentifiedImageError, Image.DecompressionBombError):
        return None
    return Source(path, hashlib.sha256(data).hexdigest(), width, height, alpha)


def _open(rendition: Rendition) -> Image.Image:
    """The source decoded at the smallest scale that still covers the largest variant, upright.

    ``draft`` lets the JPEG decoder scale by 1/2, 1/4 or 1/8 while decoding: a 6000 px photo
    decodes in a tenth of the time (https://pillow.readthedocs.io/en/stable/reference/Image.html
    #PIL.Image.Image.draft).
    """
    # Both sides at least the largest variant's: a square is cut from the middle afterwards.
    need = (max(v.width for v in rendition.variants), max(v.height for v in rendition.variants))
    image = Image.open(rendition.source.path)
    if image.format == "JPEG":
        rotated = image.getexif().get(_ORIENTATION) in _QUARTER_TURNS
        image.draft("RGB", (need[1], need[0]) if rotated else need)
    upright = ImageOps.exif_transpose(image)
    mode = "RGBA" if rendition.source.alpha else "RGB"
    return upright.convert(mode)


def render(rendition: Rendition) -> None:
    """Draw every variant of ``rendition`` into its cache folder, atomically (all or nothing)."""
    rendition.folder.parent.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix=".drawing-", dir=rendition.folder.parent))
    try:
        try:
            with _open(rendition) as image:
                for variant in rendition.variants:
                    size = (variant.width, variant.height)
                    fitted = (
                        ImageOps.fit(image, size, Image.Resampling.LANCZOS)
                        if rendition.spec.square
                        else image.resize(size, Image.Resampling.LANCZOS)
                    )
                    _save(fitted, work / variant.name, variant.format)
        except (OSError, ValueError, Image.DecompressionBombError) as error:
            # A file whose header reads but whose pixels do not (cut short by an upload).
            raise ContentError(
                f"{display_path(rendition.source.path)}: this image cannot be resized ({error}); "
                "export it again as JPEG or PNG"
            ) from error
        try:
            os.replace(work, rendition.folder)
        except OSError:
            if not rendition.folder.is_dir():  # another build drew it meanwhile: keep theirs
                raise
    finally:
        shutil.rmtree(work, ignore_errors=True)


def _save(image: Image.Image, path: Path, fmt: str) -> None:
    """Encode one variant; metadata is dropped (a phone's EXIF can say where it was taken)."""
    if fmt == "JPEG":
        image = image.convert("RGB")
        # Progressive JPEG shows a whole first pass early and is often smaller.
        image.save(path, "JPEG", quality=QUALITY[fmt], optimize=True, progressive=True)
    elif fmt == "PNG":
        image.save(path, "PNG", optimize=True)
    elif fmt == "WEBP":
        image.save(path, "WEBP", quality=QUALITY[fmt], method=4)
    else:
        image.save(path, "AVIF", quality=QUALITY[fmt], speed=AVIF_SPEED)


class ImageCache:
    """Renditions on disk under ``root``, one folder per content hash; drawn only when missing.

    Like ``cards.CardCache``: a few are drawn in place, the rest by worker processes while
    Pelican writes pages; ``wait`` returns once every requested rendition is on disk.
    """

    def __init__(self, root: Path, inline_limit: int = INLINE_IMAGES) -> None:
        self.root = root
        self.queue = DrawingQueue(inline_limit)
        self._sources: dict[tuple[Path, int, int], Source | None] = {}

    def source(self, path: Path) -> Source | None:
        """``path`` inspected once per process while its size and time stay the same."""
        try:
            stat = path.stat()
        except OSError:
            return None
        key = (path.resolve(), stat.st_size, stat.st_mtime_ns)
        if key not in self._sources:
            self._sources[key] = inspect(path)
        return self._sources[key]

    def request(self, rendition: Rendition) -> None:
        """Make sure ``rendition`` will be on disk once ``wait`` returns."""
        folder = rendition.folder
        if not folder.is_dir() and not self.queue.queued(folder):
            self.queue.draw(folder, render, rendition)

    def wait(self) -> Drawn:
        """Block until every requested rendition is drawn; what was drawn since the last wait."""
        return self.queue.wait()


def _attrs(pairs: Iterable[tuple[str, str | int | None]]) -> str:
    """HTML attributes, values escaped; a None value is left out, an empty one kept."""
    return "".join(
        f' {name}="{html.escape(str(value), quote=True)}"'
        for name, value in pairs
        if value is not None
    )


def picture(
    rendition: Rendition,
    base: str,
    *,
    alt: str,
    sizes: str,
    extra: Sequence[tuple[str, str | None]] = (),
) -> Markup:
    """The ``<picture>`` of ``rendition``: a ``<source>`` per modern format, then the ``<img>``.

    ``width``/``height`` are the largest variant's: the browser takes their ratio, CSS scales the
    image to the column. ``base`` is what each file's path is joined to: ``SITEURL`` in a post's
    text, the site's path from the host's root in the theme's markup (``addresses``).
    """

    def srcset(variants: list[Variant]) -> str:
        return ", ".join(f"{base}/{rendition.published(v)} {v.width}w" for v in variants)

    parts = ["<picture>"]
    for fmt in rendition.spec.formats:
        pairs = [("type", MIME[fmt]), ("srcset", srcset(rendition.of(fmt))), ("sizes", sizes)]
        parts.append(f"<source{_attrs(pairs)}>")
    fallback = rendition.of(rendition.fallback_format)
    # The src a browser without srcset shows: what a phone at 2x takes.
    middle = min(fallback, key=lambda v: abs(v.width - 720))
    width, height = fallback[-1].width, fallback[-1].height
    attributes: list[tuple[str, str | int | None]] = [
        ("src", f"{base}/{rendition.published(middle)}"),
        ("srcset", srcset(fallback)),
        ("sizes", sizes),
        ("alt", alt),
        ("width", width),
        ("height", height),
        *extra,
    ]
    parts.append(f"<img{_attrs(attributes)}></picture>")
    return Markup("".join(parts))


def face(rendition: Rendition, base: str) -> Markup:
    """An author's photo (``author_spec``) as one ``<img>`` shown at ``AUTHOR_DISPLAY`` px, its
    2x file in ``srcset`` (https://html.spec.whatwg.org/multipage/images.html#srcset-attributes).

    One format, WebP where this Pillow writes it, and no ``<picture>``: the same photo is on
    every page of its author, so a reader downloads it once and keeps it, while a ``<picture>``
    of three formats at three widths costs 1 KB of markup on each of those pages (3.7 MB of a
    4,000-post site).
    """
    fmt = rendition.spec.formats[0] if rendition.spec.formats else rendition.fallback_format
    first, *larger = rendition.of(fmt)
    density = ", ".join(
        f"{base}/{rendition.published(v)} {v.width / AUTHOR_DISPLAY:g}x" for v in larger
    )
    attributes: list[tuple[str, str | int | None]] = [
        ("src", f"{base}/{rendition.published(first)}"),
        ("srcset", density or None),
        ("alt", ""),  # the name is written next to it
        ("width", AUTHOR_DISPLAY),
        ("height", AUTHOR_DISPLAY),
        ("class", "u-photo"),
        ("loading", "lazy"),
        ("decoding", "async"),
    ]
    return Markup(f"<img{_attrs(attributes)}>")


# -- the build step --------------------------------------------------------------------------

_IMG = re.compile(r"<img\b[^>]*>", re.I)
_PICTURE = re.compile(r"<picture\b.*?</picture>", re.I | re.S)
_LINK = re.compile(r"^\{(?:static|attach|filename)\}")
# Attributes of the writer's <img> kept on ours; ours (src, srcset, sizes, size) replace theirs.
_KEPT = ("title", "class", "id")
# A link in a post's text (``[the full photo]({static}/images/x.jpg)``): its file stays published.
_HREF = re.compile(r"""\bhref\s*=\s*["']([^"']+)["']""", re.I)


class _ImgTag(HTMLParser):
    """The attributes of one ``<img>`` tag."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.attrs: dict[str, str] = {}

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        """Keep the tag's attributes."""
        self.attrs = {key: value or "" for key, value in attrs}

    handle_startendtag = handle_starttag


def local_file(target: str, source: Path, content_root: Path) -> Path | None:
    """The content file a ``{static}``/``{attach}`` link names, or None for any other address."""
    match = _LINK.match(target)
    if match is None:
        return None
    rest = target[match.end() :].split("#", 1)[0].split("?", 1)[0]
    return content_root / rest.lstrip("/") if rest.startswith("/") else source.parent / rest


# A post as its images see it: its source, its own image and its text as Pelican read it.
PostKey = tuple[str, str, str]


def post_key(item: Any) -> PostKey:
    """What decides ``ImageStep.article``'s result for ``item`` while the images stay the same."""
    text = getattr(item, "_content", None)
    own = str(item.metadata.get("image", "") or "").strip()
    return (str(item.source_path), own, text if isinstance(text, str) else "")


@dataclass(frozen=True)
class Prepared:
    """What ``ImageStep.article`` made of one post: its HTML, its hero, and the files it uses."""

    content: str | None
    hero: Markup | None
    og_image: str | None
    og_size: tuple[int, int] | None
    copies: tuple[tuple[str, Path], ...]
    resized: frozenset[Path]
    linked: frozenset[Path]


@dataclass
class ImageStep:
    """One build's images: what to draw, and the files to copy into the output at the end."""

    cache: ImageCache
    content_root: Path
    # A post's text links its images by absolute URL: the same HTML goes into the feeds. The
    # theme's own images (a post's lead image, the authors' photos) by their path from the host's
    # root, like every other link of a page (``site_path``).
    site_url: str
    widths: tuple[int, ...]
    formats: tuple[str, ...] = field(default_factory=modern_formats)
    copies: dict[str, Path] = field(default_factory=dict)  # output path -> cached file
    resized: set[Path] = field(default_factory=set)  # originals served only as their variants
    linked: set[Path] = field(default_factory=set)  # originals a text links to: kept published

    @functools.cached_property
    def site_path(self) -> str:
        """Where the theme's links to the site start: ``site_url``'s path (``addresses``)."""
        return addresses.site_path(self.site_url)

    @property
    def unpublished_originals(self) -> set[Path]:
        """The originals pages show only as their variants: no text links to them."""
        return self.resized - self.linked

    @property
    def post_spec(self) -> Spec:
        """An image in a post's text: the column's widths."""
        return Spec(self.widths, self.formats)

    @property
    def lead_spec(self) -> Spec:
        """A post's own image: the column's widths, and a JPEG for the networks' previews."""
        return Spec(self.widths, self.formats, social=True)

    @property
    def author_spec(self) -> Spec:
        """An author's photo: square, at the author box's size, in one format (``face``)."""
        one = ("WEBP",) if "WEBP" in self.formats else ()
        return Spec(AUTHOR_WIDTHS, one, square=True, fallback=not one)

    def rendition(self, path: Path, spec: Spec) -> Rendition | None:
        """The rendition of ``path`` with ``spec``, requested and to be copied; None if unfit."""
        source = self.cache.source(path)
        if source is None:
            return None
        stem = re.sub(r"[^A-Za-z0-9_-]+", "-", path.stem).strip("-")[:60] or "image"
        rendition = plan(source, spec, self.cache.root, stem)
        self.cache.request(rendition)
        self.resized.add(path.resolve())
        for variant in rendition.variants:
            self.copies[rendition.published(variant)] = rendition.folder / variant.name
        return rendition

    def content_html(self, text: str, source: Path, *, lazy_first: bool) -> str:
        """``text`` with each local ``<img>`` served as a ``<picture>``; others left as written."""
        seen = {"count": 0}

        def replace(match: re.Match[str]) -> str:
            tag = _ImgTag()
            tag.feed(match.group(0))
            path = local_file(tag.attrs.get("src", ""), source, self.content_root)
            rendition = self.rendition(path, self.post_spec) if path is not None else None
            if rendition is None:
                return match.group(0)
            seen["count"] += 1
            # The first image may be in the first screen: loaded at once (a lazy LCP image is
            # late); the others when the reader scrolls near them.
            lazy = lazy_first or seen["count"] > 1
            extra: list[tuple[str, str | None]] = [
                (name, tag.attrs[name]) for name in _KEPT if name in tag.attrs
            ]
            extra += [("loading", "lazy" if lazy else None), ("decoding", "async")]
            return str(
                picture(
                    rendition,
                    self.site_url,
                    alt=tag.attrs.get("alt", ""),
                    sizes=POST_SIZES,
                    extra=extra,
                )
            )

        for target in _HREF.findall(text):
            linked = local_file(html.unescape(target), source, self.content_root)
            if linked is not None:
                self.linked.add(linked.resolve())
        # An image the writer already put in a <picture> of their own is left as it is.
        pieces = _PICTURE.split(text)
        kept = _PICTURE.findall(text)
        out = [_IMG.sub(replace, pieces[0])]
        for whole, piece in zip(kept, pieces[1:], strict=True):
            out += [whole, _IMG.sub(replace, piece)]
        return "".join(out)

    def article(self, item: Any) -> None:
        """Serve ``item``'s images resized: its text's, its lead image, its social image."""
        source = Path(item.source_path)
        own = str(item.metadata.get("image", "") or "").strip()
        lead = self.rendition(self.content_root / own.lstrip("/"), self.lead_spec) if own else None
        text = getattr(item, "_content", None)
        if isinstance(text, str):
            item._content = self.content_html(text, source, lazy_first=lead is not None)
        if lead is None:
            return
        alt = str(item.metadata.get("image_alt", "") or "").strip()
        extra: list[tuple[str, str | None]] = [("class", "u-featured"), ("fetchpriority", "high")]
        item.agora_hero = picture(lead, self.site_path, alt=alt, sizes=POST_SIZES, extra=extra)
        social = lead.social
        if social is not None:
            item.agora_og_image = lead.published(social)
            item.agora_og_size = (social.width, social.height)

    def article_from(self, item: Any, memo: dict[PostKey, Prepared]) -> Prepared:
        """``article(item)``, or what it gave for the same text in the previous build (``memo``).

        Only a preview's rebuild of a few posts passes the previous build's results: an image
        changed on disk makes the preview build everything again (``syndication.site.preview``),
        so the same text gives the same HTML and the same files.
        """
        text = getattr(item, "_content", None)
        known = memo.get(post_key(item))
        if known is None:
            copies, resized, linked = self.copies, self.resized, self.linked
            self.copies, self.resized, self.linked = {}, set(), set()
            try:
                self.article(item)
                known = Prepared(
                    content=getattr(item, "_content", None),
                    hero=getattr(item, "agora_hero", None),
                    og_image=getattr(item, "agora_og_image", None),
                    og_size=getattr(item, "agora_og_size", None),
                    copies=tuple(self.copies.items()),
                    resized=frozenset(self.resized),
                    linked=frozenset(self.linked),
                )
            finally:
                copies.update(self.copies)
                resized |= self.resized
                linked |= self.linked
                self.copies, self.resized, self.linked = copies, resized, linked
            return known
        if isinstance(text, str):
            item._content = known.content
        if known.hero is not None:
            item.agora_hero = known.hero
        if known.og_image is not None:
            item.agora_og_image, item.agora_og_size = known.og_image, known.og_size
        self.copies.update(known.copies)
        self.resized |= known.resized
        self.linked |= known.linked
        return known

    def author_faces(self, authors: dict[str, Any]) -> dict[str, Markup]:
        """Each author's face for the author box: their photo resized, or their initials."""
        faces: dict[str, Markup] = {}
        for name, details in authors.items():
            photo = str((details or {}).get("photo", "") or "").strip()
            rendition = (
                self.rendition(self.content_root / photo.lstrip("/"), self.author_spec)
                if photo
                else None
            )
            if rendition is None:
                if photo:
                    logger.warning(
                        "agora: the photo of %s, %s, is not an image; initials shown", name, photo
                    )
                letters = html.escape(initials(name))
                faces[name] = Markup(f'<span class="initials" aria-hidden="true">{letters}</span>')
                continue
            faces[name] = face(rendition, self.site_path)
        return faces

    def publish(self, output: Path) -> None:
        """Copy every variant this build uses into ``output`` (after ``cache.wait``)."""
        for target, cached in sorted(self.copies.items()):
            destination = output / target
            if destination.is_file() and destination.stat().st_size == cached.stat().st_size:
                continue  # names are content hashes: same name and size, same file
            destination.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(cached, destination)

    def withdraw_originals(self, output: Path) -> int:
        """Remove from ``output`` the originals that pages show only as their variants; how many.

        A build does not copy them (``_leave_out_originals``), but an output folder an earlier
        build wrote into may still hold one: a 3 MB photo would stay at a public address, with
        what its camera wrote in it (the place it was taken, often). No page names it, so it
        goes, unless a text links to it; it stays in the repository.
        """
        removed = 0
        root = self.content_root.resolve()
        for original in sorted(self.unpublished_originals):
            if not original.is_relative_to(root):
                continue
            published = output / original.relative_to(root)
            if published.is_file():
                published.unlink()
                removed += 1
        return removed


def initials(name: str) -> str:
    """Up to two initials of ``name``: "Camille Tremblay" -> "CT", "Noa Côté-Roy" -> "NC"."""
    words = [w for w in name.split() if w[:1].isalpha()]
    if not words:
        return "?"
    picked = [words[0], words[-1]] if len(words) > 1 else words[:1]
    return "".join(w[0].upper() for w in picked)


# -- signals -------------------------------------------------------------------------------------

_CACHES: dict[Path, ImageCache] = {}
_STEPS: dict[str, ImageStep] = {}  # output folder -> the step of the build writing it
# Content folder (and what changes a picture's HTML) -> each post's prepared images in the last
# build; read by a preview's rebuild of a few posts, which writes listings showing the others.
_PREPARED: dict[tuple[str, str, tuple[int, ...], tuple[str, ...]], dict[PostKey, Prepared]] = {}
FACES_NAME = "AGORA_AUTHOR_FACES"  # what templates call the authors' faces


def cache_at(root: Path) -> ImageCache:
    """The image cache at ``root``, kept for every build of the process."""
    return _CACHES.setdefault(root.resolve(), ImageCache(root))


def _widths(settings: dict[str, Any]) -> tuple[int, ...]:
    """``AGORA_IMAGE_WIDTHS``, checked: whole numbers of pixels."""
    given = settings.get("AGORA_IMAGE_WIDTHS") or DEFAULT_WIDTHS
    widths = tuple(sorted({int(w) for w in given if isinstance(w, int) and w > 0}))
    if not widths or len(widths) != len(set(given)):
        raise ConfigError(
            f"AGORA_IMAGE_WIDTHS is {given!r}; it must be a list of widths in px, like [360, 720]"
        )
    return widths


def prepare(generators: Sequence[Any]) -> None:
    """Resize every post's and page's images and the authors' photos, before pages are written.

    Called by the plugin's ``all_generators_finalized`` handler after the house rules read the
    posts as written (Pelican's receivers of one signal run in no set order).
    """
    from pelican.generators import ArticlesGenerator, PagesGenerator

    articles = next((g for g in generators if isinstance(g, ArticlesGenerator)), None)
    if articles is None:
        return
    settings = articles.settings
    root = Path(str(settings.get("AGORA_IMAGE_CACHE") or DEFAULT_CACHE))
    step = ImageStep(
        cache=cache_at(root),
        content_root=Path(articles.path),
        site_url=str(settings.get("SITEURL", "")),
        widths=_widths(settings),
    )
    items: list[Any] = [
        *articles.articles,
        *articles.translations,
        *articles.hidden_articles,
        *articles.hidden_translations,
        *articles.drafts,
        *articles.drafts_translations,
    ]
    for generator in generators:
        if isinstance(generator, PagesGenerator):
            items += [
                *generator.pages,
                *generator.translations,
                *generator.hidden_pages,
                *generator.hidden_translations,
                *generator.draft_pages,
                *generator.draft_translations,
            ]
    # A preview's rebuild of a few posts still writes listing pages and feeds that show other
    # posts' texts, so every post is prepared; the unchanged ones as the previous build did,
    # without parsing their HTML again (about 15 % of such a rebuild at 4,000 posts otherwise).
    # The content folder, not the output: a whole preview build writes into a folder of its own.
    memo_key = (str(step.content_root.resolve()), step.site_url, step.widths, step.formats)
    previous = _PREPARED.get(memo_key, {}) if is_partial(settings) else {}
    prepared: dict[PostKey, Prepared] = {}
    for item in items:
        key = post_key(item)  # before article_from rewrites the text
        prepared[key] = step.article_from(item, previous)
    _PREPARED[memo_key] = prepared
    # One context for every generator: the author pages and the articles see the faces.
    articles.context[FACES_NAME] = step.author_faces(dict(settings.get("AGORA_AUTHORS") or {}))
    _STEPS[str(Path(articles.output_path).resolve())] = step
    _leave_out_originals(generators, step)


def _leave_out_originals(generators: Sequence[Any], step: ImageStep) -> None:
    """Take the originals that pages show only resized out of the files Pelican copies.

    Pelican copies the image folders as they are (``STATIC_PATHS``) once every generator has
    read its files; here, before that, the ones no text links to leave its list of static files
    (``staticfiles``, in the generator and in the context it copies from), so a 3 MB photo and
    what its camera wrote in it are never written to the output, even by a build that stops
    before its end.
    """
    from pelican.generators import StaticGenerator

    withheld = step.unpublished_originals  # resolved paths, as ``rendition`` keeps them
    for generator in generators:
        if not isinstance(generator, StaticGenerator):
            continue
        root = Path(generator.path)
        kept = [
            static
            for static in generator.staticfiles
            if (root / static.source_path).resolve() not in withheld
        ]
        generator.staticfiles = kept
        generator.context["staticfiles"] = kept


def finish(pelican: Any) -> None:
    """Copy the variants the pages use into the output, once every one of them is drawn."""
    output = Path(pelican.output_path)
    step = _STEPS.pop(str(output.resolve()), None)
    if step is None:
        return
    built = step.cache.wait()
    logger.debug(
        "agora: %d image files, %d images drawn (%d by workers, %d taken back), the rest cached",
        len(step.copies),
        built.drawn,
        built.handed_off - built.taken_back,
        built.taken_back,
    )
    step.publish(output)
    used = {cached.parent for cached in step.copies.values()}
    pruning.after_build(used, [step.cache.root], pelican.settings)
    withdrawn = step.withdraw_originals(output)
    logger.debug("agora: %d original images left out of the output (served resized)", withdrawn)
