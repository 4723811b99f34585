"""Social cards: a 1200 x 630 palette PNG with the post's title, its author and the company's name.

PNG with a fixed palette of the card's own colours: flat colours and anti-aliased text are what
PNG keeps exactly, at about 12 KB a card (a JPEG of the same card weighs about 63 KB at full
chroma, and its text's edges blur at less). Every network reads the card from the page's
``og:image`` and takes PNG, but one: Instagram publishes JPEG only
(https://developers.facebook.com/docs/instagram-platform/instagram-graph-api/reference/ig-user/media#image-specifications).
For it, the build also writes a JPEG twin of a card, ``<digest>.jpg`` beside ``<digest>.png``,
for the posts still to be posted to Instagram (``AgoraPlugin.social_image``), and the Instagram
adapter asks for the twin instead of the PNG (``syndication.networks.instagram.client``). Once
Instagram has its copy the twin is left out of the next build: the site carries JPEGs only for
the few posts on their way there.

Posts without their own image get one, so every link shared on a network shows a card. Drawing
costs tens of milliseconds, so cards are cached by content in a folder outside the output: the
file name carries a hash of everything drawn (and of the renderer's version), and a rebuild copies
an unchanged card instead of drawing it again.
"""

from __future__ import annotations

import functools
import hashlib
import os
import tempfile
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from PIL import Image, ImageDraw, ImageFont

from .workers import DrawingQueue, Drawn

# Bump when the drawing changes, so every cached card is drawn again.
RENDERER_VERSION = "7"
WIDTH, HEIGHT = 1200, 630
CARD_SUFFIX = ".png"  # what pages show (og:image)
TWIN_SUFFIX = ".jpg"  # the JPEG twin Instagram is given
MARGIN = 80
FONTS = Path(__file__).resolve().parent / "fonts"
TITLE_FONT = FONTS / "DejaVuSans-Bold.ttf"
TEXT_FONT = FONTS / "DejaVuSans.ttf"
# Largest title size first; smaller ones are tried until the title fits in its lines.
TITLE_SIZES = (72, 64, 56, 50, 44)
TITLE_MAX_LINES = 5
BYLINE_SIZE = 34
BACKGROUND = (16, 52, 44)  # deep green, white text well above 4.5:1 contrast
ACCENT = (242, 183, 5)
FOREGROUND = (255, 255, 255)
MUTED = (214, 230, 224)
ELLIPSIS = "…"
# Cards a build draws in place before it hands the rest to worker processes.
INLINE_CARDS = 24
# Steps of the anti-aliased edges between the background and each colour of text: with the
# background and the accent, 16 colours, so a pixel takes 4 bits (no channel off by more than 17
# of 255 on an edge).
TEXT_STEPS = {FOREGROUND: 8, MUTED: 6}
BACKGROUND_INDEX, ACCENT_INDEX = 0, 1
# Where each text colour's blends start in the palette (after the background and the accent).
PALETTE_START = {
    colour: 2 + sum(list(TEXT_STEPS.values())[:number]) for number, colour in enumerate(TEXT_STEPS)
}
# zlib's default level with its run-length strategy (``Z_RLE``: a card is long runs of one colour),
# on 4-bit pixels. A card of the benchmark's titles weighs 15.9 KB for 2.9 ms of encoding; 8-bit
# pixels with zlib's default strategy: 15.4 KB for 5.1 ms (level 1: 23 KB for 2 ms; level 9:
# 13 KB for 30 ms); the JPEG twin: 63 KB for 2.5 ms (drawing costs about 2 ms more, whatever the
# format). https://pillow.readthedocs.io/en/stable/handbook/image-file-formats.html#png-saving
PNG_LEVEL = 6
PNG_STRATEGY = zlib.Z_RLE
PNG_BITS = 4


@dataclass(frozen=True)
class CardText:
    """Everything drawn on a card: it is also what the cache key is made of."""

    title: str
    author: str
    company: str
    lang: str

    def digest(self) -> str:
        """A short hash of the text and the renderer version: the card's cache key."""
        parts = (RENDERER_VERSION, self.title, self.author, self.company, self.lang)
        return hashlib.sha256("\x1f".join(parts).encode("utf-8")).hexdigest()[:16]

    @property
    def alt(self) -> str:
        """The alternative text of the card: what it says."""
        return f"{self.title} — {self.author}, {self.company}"


@functools.lru_cache(maxsize=16)
def _font(path: Path, size: int) -> ImageFont.FreeTypeFont:
    """A font at a size, loaded once per process (loading costs more than drawing a line)."""
    return ImageFont.truetype(str(path), size)


def _split_long_word(word: str, font: ImageFont.FreeTypeFont, width: int) -> list[str]:
    """Cut a word wider than the box (a URL, a German compound) into pieces that fit."""
    if font.getlength(word) <= width:
        return [word]  # nearly every word: one measure instead of one per letter
    pieces: list[str] = []
    current = ""
    for char in word:
        if current and font.getlength(current + char) > width:
            pieces.append(current)
            current = char
        else:
            current += char
    if current:
        pieces.append(current)
    return pieces


def wrap(text: str, font: ImageFont.FreeTypeFont, width: int) -> list[str]:
    """``text`` broken into lines no wider than ``width`` pixels in ``font``."""
    lines: list[str] = []
    current = ""
    for word in text.split():
        for piece in _split_long_word(word, font, width):
            candidate = f"{current} {piece}" if current else piece
            if font.getlength(candidate) <= width:
                current = candidate
            else:
                if current:
                    lines.append(current)
                current = piece
    if current:
        lines.append(current)
    return lines


def _shorten(line: str, font: ImageFont.FreeTypeFont, width: int) -> str:
    """``line`` cut at a word (or a letter) so that it ends with an ellipsis within ``width``."""
    while line and font.getlength(line + ELLIPSIS) > width:
        cut = line.rsplit(" ", 1)[0] if " " in line else line[:-1]
        line = cut.rstrip(" ,;:.-—")
    return line + ELLIPSIS


def fit_title(
    title: str, width: int, sizes: tuple[int, ...] = TITLE_SIZES, max_lines: int = TITLE_MAX_LINES
) -> tuple[ImageFont.FreeTypeFont, list[str]]:
    """The largest title font whose wrapped lines fit; at the smallest, the last line is cut."""
    for size in sizes:
        font = _font(TITLE_FONT, size)
        lines = wrap(title, font, width)
        if len(lines) <= max_lines:
            return font, lines
    lines = lines[:max_lines]
    lines[-1] = _shorten(lines[-1], font, width)
    return font, lines


def draw(text: CardText) -> Image.Image:
    """The card for ``text`` in its palette (mode "P"): title top left, a rule, author and company
    at the bottom.

    The text is drawn once, as coverage (mode "L": how much of each pixel the glyphs cover), and
    each coverage becomes the palette's blend of the background and the text's colour by a
    lookup table (``Image.point``). Drawing in colour and then mapping every pixel to its nearest
    colour of the palette gave the same card for 2.5 ms more of a card's 7 ms.
    """
    coverage = Image.new("L", (WIDTH, HEIGHT), 0)
    canvas = ImageDraw.Draw(coverage)
    inner = WIDTH - 2 * MARGIN
    byline_font = _font(TEXT_FONT, BYLINE_SIZE)
    company_font = _font(TITLE_FONT, BYLINE_SIZE)
    author = wrap(text.author, byline_font, inner)[:1] or [""]
    company = wrap(text.company, company_font, inner)[:1] or [""]
    byline_top = HEIGHT - MARGIN - 2 * BYLINE_SIZE - 16
    font, lines = fit_title(text.title, inner)
    line_height = int(font.size * 1.2)
    # The title never reaches the byline: fit_title bounds the lines, this bounds the pixels.
    room = max(1, (byline_top - 40 - MARGIN) // line_height)
    if len(lines) > room:
        lines = lines[:room]
        lines[-1] = _shorten(lines[-1], font, inner)
    y = MARGIN
    for line in lines:
        canvas.text((MARGIN, y), line, font=font, fill=255)
        y += line_height
    company_top = byline_top + BYLINE_SIZE + 16
    canvas.text((MARGIN, company_top), company[0], font=company_font, fill=255)
    # The author's line, in the muted colour, has a band of its own between the two.
    band = (0, byline_top - 4, WIDTH, company_top - 4)
    author_coverage = Image.new("L", (band[2] - band[0], band[3] - band[1]), 0)
    ImageDraw.Draw(author_coverage).text(
        (MARGIN, byline_top - band[1]), author[0], font=byline_font, fill=255
    )
    card = _indexed(coverage, FOREGROUND)
    card.paste(_indexed(author_coverage, MUTED), band[:2])
    shapes = ImageDraw.Draw(card)
    shapes.rectangle((0, 0, 24, HEIGHT), fill=ACCENT_INDEX)
    shapes.rectangle((MARGIN, byline_top - 28, MARGIN + 120, byline_top - 22), fill=ACCENT_INDEX)
    return card


def _indexed(coverage: Image.Image, colour: tuple[int, int, int]) -> Image.Image:
    """``coverage`` as palette indices: the background, or the blend step of ``colour`` nearest to
    how much of the pixel the text covers."""
    indices = coverage.point(_steps(colour))
    card = Image.frombytes("P", coverage.size, indices.tobytes())
    card.putpalette(palette().getpalette() or [])
    return card


@functools.lru_cache(maxsize=len(TEXT_STEPS))
def _steps(colour: tuple[int, int, int]) -> list[int]:
    """Coverage (0 to 255) to the palette index of ``colour``'s nearest blend (0: background)."""
    first = PALETTE_START[colour]
    steps = TEXT_STEPS[colour]
    table = []
    for value in range(256):
        step = round(value * steps / 255)
        table.append(BACKGROUND_INDEX if step == 0 else first + step - 1)
    return table


def _blend(start: tuple[int, int, int], end: tuple[int, int, int], share: float) -> list[int]:
    return [round(a + (b - a) * share) for a, b in zip(start, end, strict=True)]


@functools.lru_cache(maxsize=1)
def palette() -> Image.Image:
    """The card's colours: the background, the accent, and the blends text edges are made of.

    Text is drawn in one colour over a flat background, so each edge pixel lies between the two:
    with 8 and 6 steps of blend, no channel is off by more than 17 of 255 from the exact colour,
    and no palette is computed per card (Pillow's ``Image.quantize`` cost several times more).
    """
    colours = [list(BACKGROUND), list(ACCENT)]
    for colour, steps in TEXT_STEPS.items():
        colours += [_blend(BACKGROUND, colour, step / steps) for step in range(1, steps + 1)]
    image = Image.new("P", (1, 1))
    image.putpalette([value for colour in colours for value in colour])
    return image


def _encode(card: Image.Image, stream: IO[bytes], suffix: str) -> None:
    """``card`` as a palette PNG, or as the JPEG twin when ``suffix`` is ``.jpg``."""
    if suffix == TWIN_SUFFIX:
        # Full chroma (4:4:4) keeps the text's edges clean; no Huffman optimisation, which
        # would save 10 % of the bytes for 70 % more encoding time.
        card.convert("RGB").save(stream, format="JPEG", quality=85, subsampling=0)
        return
    card.save(
        stream, format="PNG", compress_level=PNG_LEVEL, compress_type=PNG_STRATEGY, bits=PNG_BITS
    )


def write_card(path: Path, text: CardText) -> None:
    """Draw the card for ``text`` and write it to ``path`` atomically (a reader never sees half);
    a palette PNG, or a JPEG when ``path`` ends in ``.jpg``."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(prefix=".card-", suffix=path.suffix, dir=path.parent)
    try:
        with os.fdopen(handle, "wb") as stream:
            _encode(draw(text), stream, path.suffix)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


class CardCache:
    """Cards on disk under ``root``, one file per content hash; drawn only when missing.

    A build that needs many new cards (a first build, a new theme) draws them in worker processes
    while Pelican goes on writing pages, so the drawing costs little more than Pelican's own time
    on a machine with a second core; ``wait`` returns once every card is on disk. A few cards are
    drawn in place: starting workers would cost more than it saves.
    """

    def __init__(self, root: Path, inline_limit: int = INLINE_CARDS) -> None:
        self.root = root
        self.queue = DrawingQueue(inline_limit)

    def path_for(self, text: CardText, suffix: str = CARD_SUFFIX) -> Path:
        """Where the card for ``text`` is kept (``suffix``: ``TWIN_SUFFIX`` for its JPEG twin)."""
        return self.root / f"{text.digest()}{suffix}"

    def ensure(self, text: CardText, suffix: str = CARD_SUFFIX) -> Path:
        """The cached card for ``text``, drawn now and written atomically if it is not there yet."""
        path = self.path_for(text, suffix)
        if not path.is_file() and not self.queue.queued(path):
            write_card(path, text)
        return path

    def request(self, text: CardText, suffix: str = CARD_SUFFIX) -> Path:
        """Where the card for ``text`` will be once ``wait`` returns; drawn now or by a worker."""
        path = self.path_for(text, suffix)
        if not path.is_file() and not self.queue.queued(path):
            self.root.mkdir(parents=True, exist_ok=True)
            self.queue.draw(path, functools.partial(write_card, path), text)
        return path

    def wait(self) -> Drawn:
        """Block until every requested card is on disk; what was drawn since the last wait.

        A card that failed raises here. The counters start again at zero for the next build.
        """
        return self.queue.wait()
