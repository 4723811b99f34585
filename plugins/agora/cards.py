"""Social cards: a 1200 x 630 palette PNG with the post's title, its author and the company's name.

PNG with a fixed palette of the card's own colours: flat colours and anti-aliased text are what
PNG keeps exactly, at about 9 KB a card (a JPEG of the same card weighs about 63 KB at full
chroma, and its text's edges blur at less). Every network reads the card from the page's
``og:image`` and takes PNG, but one: Instagram publishes JPEG only
(https://developers.facebook.com/docs/instagram-platform/instagram-graph-api/reference/ig-user/media#image-specifications).
For it, the build also writes a JPEG twin of a card, ``<digest>.jpg`` beside ``<digest>.png``,
for the posts still to be posted to Instagram (``AgoraPlugin.social_image``), and the Instagram
adapter asks for the twin instead of the PNG (``syndication.networks.instagram.client``). Once
Instagram has its copy the twin is left out of the next build: the site carries JPEGs only for
the few posts on their way there.

Posts without their own image get one, so every link shared on a network shows a card. Drawing
and writing one costs about 3 ms of CPU (1,700 of them, five seconds), so cards are cached by
content in a folder outside the output: the file name carries a hash of everything drawn (and of
the renderer's version), and a rebuild copies an unchanged card instead of drawing it again.
"""

from __future__ import annotations

import functools
import hashlib
import os
import struct
import tempfile
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from PIL import Image, ImageChops, ImageDraw, ImageFont

from .workers import DrawingQueue, Drawn

# Bump when the drawing changes, so every cached card is drawn again.
RENDERER_VERSION = "9"
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
# The palette, at most 16 colours so that a pixel takes 4 bits: the background (0), the
# foreground's anti-aliased blends over it (1 to 4, the last one the foreground itself), the
# accent (5), then the muted colour's blends (6 to 9). Four steps of coverage, not eight: side by
# side at twice the size the edges look the same, and a card weighs 13 % less (9.3 KB instead of
# 10.6 for the benchmark's titles: 2.4 MB of a 4,000-post site); no channel of an edge is off by
# more than 30 of 255.
BACKGROUND_INDEX = 0
FOREGROUND_STEPS = 4
ACCENT_INDEX = FOREGROUND_STEPS + 1
MUTED_STEPS = 4
MUTED_START = ACCENT_INDEX + 1
# How a card is written as PNG (``_png``): 4-bit pixels, every row with PNG's "Up" filter (each
# byte less the one above it), zlib's default level with its run-length strategy (``Z_RLE``: a
# filtered card is long runs of zeros). For the benchmark's titles (measured with eight steps
# of coverage): 12.8 KB for 1.1 ms, where Pillow's own writer, which tries libpng's five filters
# on every row and has no option to choose one, took 2.8 ms for 12.5 KB; unfiltered, 17.3 KB;
# zlib's default strategy, 12.3 KB for 3.1 ms; level 9, 10.7 KB for 36 ms. The JPEG twin: 63 KB
# for 2.5 ms.
# https://www.w3.org/TR/png-3/#9Filter-types
PNG_LEVEL = 6
PNG_STRATEGY = zlib.Z_RLE
PNG_BITS = 4
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
PNG_INDEXED = 3  # IHDR colour type: palette indices
UP_FILTER = 2


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

    The text is drawn straight as palette indices. Pillow blends an anti-aliased glyph's ink with
    what is under it by how much of each pixel the glyph covers: over 0 with an ink of
    ``FOREGROUND_STEPS``, that is the coverage in as many steps, which are the foreground's blends
    in the palette. No pass maps the pixels afterwards (a lookup table over the whole card, and
    two copies of it, were a quarter of a card's cost); only the author's line, in the muted
    colour, is mapped, in a band of its own.
    """
    card = Image.new("L", (WIDTH, HEIGHT), BACKGROUND_INDEX)
    canvas = ImageDraw.Draw(card)
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
        canvas.text((MARGIN, y), line, font=font, fill=FOREGROUND_STEPS)
        y += line_height
    company_top = byline_top + BYLINE_SIZE + 16
    canvas.text((MARGIN, company_top), company[0], font=company_font, fill=FOREGROUND_STEPS)
    band = (0, byline_top - 4, WIDTH, company_top - 4)
    author_band = Image.new("L", (band[2] - band[0], band[3] - band[1]), BACKGROUND_INDEX)
    ImageDraw.Draw(author_band).text(
        (MARGIN, byline_top - band[1]), author[0], font=byline_font, fill=MUTED_STEPS
    )
    card.paste(author_band.point(_muted_indices()), band[:2])
    card.putpalette(_palette_values())  # an "L" image becomes a "P" one in place
    shapes = ImageDraw.Draw(card)
    shapes.rectangle((0, 0, 24, HEIGHT), fill=ACCENT_INDEX)
    shapes.rectangle((MARGIN, byline_top - 28, MARGIN + 120, byline_top - 22), fill=ACCENT_INDEX)
    return card


@functools.lru_cache(maxsize=1)
def _muted_indices() -> list[int]:
    """The author band's steps (0 to ``MUTED_STEPS``) to the palette: the background, or the muted
    colour's blend."""
    return [
        MUTED_START + value - 1 if 0 < value <= MUTED_STEPS else BACKGROUND_INDEX
        for value in range(256)
    ]


def _blend(start: tuple[int, int, int], end: tuple[int, int, int], share: float) -> list[int]:
    return [round(a + (b - a) * share) for a, b in zip(start, end, strict=True)]


@functools.lru_cache(maxsize=1)
def _palette_values() -> list[int]:
    """The card's colours as Pillow's flat palette: the background, the foreground's blends, the
    accent, the muted colour's blends (text is drawn in one colour over a flat background, so each
    edge pixel lies between the two; no palette is computed per card, which cost several times
    more with Pillow's ``Image.quantize``)."""
    colours = [list(BACKGROUND)]
    colours += [
        _blend(BACKGROUND, FOREGROUND, step / FOREGROUND_STEPS)
        for step in range(1, FOREGROUND_STEPS + 1)
    ]
    colours.append(list(ACCENT))
    colours += [_blend(BACKGROUND, MUTED, step / MUTED_STEPS) for step in range(1, MUTED_STEPS + 1)]
    return [value for colour in colours for value in colour]


def _encode(card: Image.Image, stream: IO[bytes], suffix: str) -> None:
    """``card`` as a palette PNG, or as the JPEG twin when ``suffix`` is ``.jpg``."""
    if suffix == TWIN_SUFFIX:
        # Full chroma (4:4:4) keeps the text's edges clean; no Huffman optimisation, which
        # would save 10 % of the bytes for 70 % more encoding time.
        card.convert("RGB").save(stream, format="JPEG", quality=85, subsampling=0)
        return
    stream.write(_png(card))


def _png(card: Image.Image) -> bytes:
    """``card`` (``draw``'s, in the card's palette) as a 4-bit palette PNG, every row "Up"-filtered.

    The PNG chunks as the specification lays them out (https://www.w3.org/TR/png-3/#5DataRep);
    the rows are packed, filtered and framed by Pillow's own C code (``tobytes("raw", "P;4")``,
    ``ImageChops.subtract_modulo``, ``paste``), so no Python loop runs over a pixel.
    """
    width, height = card.size
    row_bytes = (width * PNG_BITS + 7) // 8
    rows = Image.frombytes("L", (row_bytes, height), card.tobytes("raw", f"P;{PNG_BITS}"))
    above = Image.new("L", rows.size, 0)  # the row above the first is zeros
    above.paste(rows.crop((0, 0, row_bytes, height - 1)), (0, 1))
    framed = Image.new("L", (row_bytes + 1, height), UP_FILTER)  # each row's filter byte first
    framed.paste(ImageChops.subtract_modulo(rows, above), (1, 0))
    compressor = zlib.compressobj(PNG_LEVEL, zlib.DEFLATED, zlib.MAX_WBITS, 9, PNG_STRATEGY)
    pixels = compressor.compress(framed.tobytes()) + compressor.flush()
    header = struct.pack(">IIBBBBB", width, height, PNG_BITS, PNG_INDEXED, 0, 0, 0)
    return b"".join(
        (
            PNG_SIGNATURE,
            _chunk(b"IHDR", header),
            _chunk(b"PLTE", bytes(_palette_values())),  # the card's own: ``draw`` set it
            _chunk(b"IDAT", pixels),
            _chunk(b"IEND", b""),
        )
    )


def _chunk(kind: bytes, data: bytes) -> bytes:
    """A PNG chunk: length, type, data, and the CRC of type and data."""
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


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
