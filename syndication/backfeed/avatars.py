"""Readers' avatars, copied once into the repository and served by the site itself.

A page must make no request to another origin, so every avatar is downloaded at backfeed, checked
and re-encoded by Pillow (which also drops anything but pixels), resized to a small square and
stored under ``content/avatars/`` with a name derived from its source URL: a known avatar is never
fetched twice, and a person who changes theirs gets the new one at the next backfeed.
"""

from __future__ import annotations

import hashlib
import io
import logging
from pathlib import Path

import httpx
from PIL import Image, UnidentifiedImageError

from syndication.model import Person

logger = logging.getLogger(__name__)

AVATAR_SIZE = 96  # pixels: shown at 48 CSS pixels, sharp on 2x screens
MAX_DOWNLOAD_BYTES = 2_000_000
# Decoding is bounded too: a small file can claim a huge image (decompression bomb).
MAX_PIXELS = 25_000_000


class AvatarStore:
    """Downloads avatars into ``folder``; paths returned are relative to the content folder."""

    def __init__(self, folder: Path, site_prefix: str = "avatars") -> None:
        self.folder = folder
        self.site_prefix = site_prefix

    def name_for(self, url: str) -> str:
        """The file name of the avatar at ``url``."""
        return hashlib.sha256(url.encode()).hexdigest()[:20] + ".webp"

    def known(self, url: str) -> str:
        """The site path of an already downloaded avatar, or an empty string."""
        name = self.name_for(url)
        return f"{self.site_prefix}/{name}" if (self.folder / name).exists() else ""

    async def fetch(self, client: httpx.AsyncClient, person: Person) -> str:
        """The site path of a local copy of the avatar; empty means 'show the placeholder'.

        A failed download is not an error for backfeed: the placeholder shows and the next run
        tries again.
        """
        if not person.avatar_url:
            return ""
        existing = self.known(person.avatar_url)
        if existing:
            return existing
        try:
            response = await client.get(person.avatar_url, follow_redirects=True, timeout=15)
            if response.status_code != 200 or len(response.content) > MAX_DOWNLOAD_BYTES:
                return ""
            data = self._reencode(response.content)
        except (httpx.HTTPError, UnidentifiedImageError, OSError, Image.DecompressionBombError):
            logger.info("could not fetch the avatar of %s; using the placeholder", person.handle)
            return ""
        self.folder.mkdir(parents=True, exist_ok=True)
        target = self.folder / self.name_for(person.avatar_url)
        temporary = target.with_suffix(".tmp")
        temporary.write_bytes(data)
        temporary.replace(target)
        return f"{self.site_prefix}/{target.name}"

    @staticmethod
    def _reencode(content: bytes) -> bytes:
        """Decode, crop to a centred square, resize and encode as WebP."""
        Image.MAX_IMAGE_PIXELS = MAX_PIXELS
        with Image.open(io.BytesIO(content)) as image:
            image.load()
            picture = image.convert("RGB")
        side = min(picture.size)
        left = (picture.width - side) // 2
        top = (picture.height - side) // 2
        square = picture.crop((left, top, left + side, top + side))
        square = square.resize((AVATAR_SIZE, AVATAR_SIZE), Image.Resampling.LANCZOS)
        out = io.BytesIO()
        square.save(out, format="WEBP", quality=80, method=4)
        return out.getvalue()
