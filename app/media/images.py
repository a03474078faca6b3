"""Image variants: every stored picture exists as WebP at a few widths for responsive ``srcset``."""

from __future__ import annotations

import io

from PIL import Image

VARIANT_WIDTHS = (320, 640, 1024, 1600)
WEBP_QUALITY = 80


def variant_widths(width: int) -> list[int]:
    """The widths stored for an image ``width`` pixels wide (never upscaled)."""
    widths = [w for w in VARIANT_WIDTHS if w < width]
    largest = min(width, VARIANT_WIDTHS[-1])
    if largest not in widths:
        widths.append(largest)
    return widths


def encode_variants(image: Image.Image) -> tuple[tuple[int, int], dict[int, bytes]]:
    """((width, height) of the largest variant, {width: WebP bytes}).

    Re-encoding drops every metadata block (EXIF, GPS, XMP) the source had.
    """
    rgb = image.convert("RGB") if image.mode not in ("RGB", "RGBA") else image
    variants: dict[int, bytes] = {}
    size = rgb.size
    for width in variant_widths(rgb.width):
        height = max(1, round(rgb.height * width / rgb.width))
        resized = rgb if width == rgb.width else rgb.resize((width, height), Image.Resampling.LANCZOS)
        buffer = io.BytesIO()
        resized.save(buffer, format="WEBP", quality=WEBP_QUALITY, method=4)
        variants[width] = buffer.getvalue()
        size = (width, height)
    return size, variants
