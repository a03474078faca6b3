"""Where image variants live on disk and under which URL they are served."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from pathlib import Path

from PIL import Image

from app.media.images import encode_variants, variant_widths

MEDIA_URL_PREFIX = "/media"


@dataclass(frozen=True, slots=True)
class StoredImage:
    key: str
    width: int
    height: int


def image_url(key: str, width: int) -> str:
    return f"{MEDIA_URL_PREFIX}/{key}-{width}.webp"


def image_src(key: str, width: int) -> str:
    """The plain ``src``: a phone-sized variant, for browsers that ignore ``srcset``."""
    return image_url(key, min(640, width))


def portrait_src(key: str, width: int) -> str:
    """A team member's photo at its smallest width: avatars are shown small."""
    return image_url(key, variant_widths(width)[0])


def image_srcset(key: str, width: int) -> str:
    return ", ".join(f"{image_url(key, w)} {w}w" for w in variant_widths(width))


class MediaStore:
    def __init__(self, root: Path) -> None:
        self.root = root

    def save(self, image: Image.Image) -> StoredImage:
        """Write every variant under a new random key (so URLs can be cached forever)."""
        self.root.mkdir(parents=True, exist_ok=True)
        key = secrets.token_urlsafe(12)
        (width, height), variants = encode_variants(image)
        for variant_width, data in variants.items():
            (self.root / f"{key}-{variant_width}.webp").write_bytes(data)
        return StoredImage(key=key, width=width, height=height)

    def delete(self, key: str) -> None:
        for file in self.root.glob(f"{key}-*.webp"):
            file.unlink(missing_ok=True)
