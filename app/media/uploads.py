"""Turning an uploaded file into a safe picture: only real JPEG/PNG/WebP images of sane size.

Everything that can be refused is refused from the file's size and header, before any pixel is
decoded: non-images, animations, long thin strips, and pictures whose decoding would need more
memory than DECODE_BUDGET (a bomb packs 40 megapixels into 100 KB). What passes is decoded no larger
than its variants need (a JPEG scaled down by the decoder itself, the rest reduced a band of rows at
a time), turned upright from its EXIF orientation and re-encoded, which drops EXIF, GPS and every
other metadata. One picture at a time per worker (app/web/uploads.py) keeps a worker's memory bounded.
"""

from __future__ import annotations

import io
import math
import warnings
from typing import IO

from PIL import ExifTags, Image, ImageOps, UnidentifiedImageError

from app.media.images import VARIANT_WIDTHS
from app.media.storage import MediaStore, StoredImage

MAX_UPLOAD_BYTES = 10 * 1024 * 1024
MAX_PIXELS = 40_000_000  # 40 megapixels: more than any phone camera, far less than a bomb
# The most memory decoding one picture may take: a 40-megapixel PNG at 4 bytes a pixel.
DECODE_BUDGET = 4 * MAX_PIXELS
KEPT_PIXELS = 16_000_000  # what a decoded picture keeps at most once reduced (a 12 MP photo whole)
BAND_ROWS = 256  # rows converted and reduced at a time
ACCEPTED_FORMATS = ("JPEG", "PNG", "WEBP")
JPEG_FORMATS = ("JPEG", "MPO")  # MPO: a JPEG carrying further images (depth, gain map); we take the first
PORTRAIT_SIDE = 640  # team members' photos: square, as large as the biggest avatar needs

NOT_AN_IMAGE = "{name} isn't a JPEG, PNG or WebP picture."
DAMAGED = "{name} seems damaged or incomplete. Choose another copy of the picture."
TOO_LARGE = "{name} is larger than 10 MB. Choose a smaller picture."
TOO_MANY_PIXELS = "{name} has too many pixels. Choose a picture of at most {megapixels} megapixels."
ANIMATED = "{name} is animated. Choose a still picture."
TOO_THIN = "{name} is too long and thin to show as a photo. Crop it, or choose another."
MAX_ASPECT = 8  # longest side at most eight times the shortest: panoramas fit, long screenshots don't
EMPTY = "{name} is empty."
# What Pillow raises for files that aren't what they claim, truncated or hostile.
DECODER_ERRORS = (UnidentifiedImageError, OSError, ValueError, SyntaxError, EOFError)

# The turn that shows a picture upright, by EXIF orientation (as ImageOps.exif_transpose, which
# also rewrites the EXIF we drop anyway, and fails on malformed EXIF while doing so).
UPRIGHT = {
    2: Image.Transpose.FLIP_LEFT_RIGHT,
    3: Image.Transpose.ROTATE_180,
    4: Image.Transpose.FLIP_TOP_BOTTOM,
    5: Image.Transpose.TRANSPOSE,
    6: Image.Transpose.ROTATE_270,
    7: Image.Transpose.TRANSVERSE,
    8: Image.Transpose.ROTATE_90,
}
SIDEWAYS = (5, 6, 7, 8)


class ImageRejected(ValueError):
    """The upload is not a picture we can use; the message says why, naming the file."""


def decode_bytes_per_pixel(image: Image.Image) -> float:
    """The most memory decoding takes per pixel of ``image``, from its header (measured, Pillow 13).

    A PNG is decoded whole into the picture (up to 4 bytes a pixel). A WebP passes through
    libwebp's canvas and previous frame, then Pillow's copy and the picture: 16. A JPEG is scaled
    down while it is decoded, but a progressive or multi-scan one first keeps every DCT coefficient,
    2 bytes a sample: 3 bytes a pixel for colour at 4:2:0, 6 at 4:4:4, 8 for CMYK.
    """
    if image.format in JPEG_FORMATS:
        sampling = [(h, v) for _, h, v, _ in image.layer]  # (component, h, v, table) per component
        finest = max(h for h, _ in sampling) * max(v for _, v in sampling)
        return 2 * max(1.0, sum(h * v for h, v in sampling) / max(1, finest))
    return 16.0 if image.format == "WEBP" else 4.0


def pixel_limit(image: Image.Image) -> int:
    """The most pixels a picture of this kind may have: MAX_PIXELS, fewer where decoding costs more."""
    return min(MAX_PIXELS, int(DECODE_BUDGET / decode_bytes_per_pixel(image)))


def _too_many_pixels(label: str, limit: int) -> ImageRejected:
    return ImageRejected(TOO_MANY_PIXELS.format(name=label, megapixels=limit // 1_000_000))


def upload_open(data: bytes | IO[bytes], name: str) -> Image.Image:
    """Open an upload and refuse it from its size and header alone: no pixel is decoded here."""
    label = name or "The file"
    file = io.BytesIO(data) if isinstance(data, bytes) else data
    size = file.seek(0, io.SEEK_END)
    file.seek(0)
    if not size:
        raise ImageRejected(EMPTY.format(name=label))
    if size > MAX_UPLOAD_BYTES:
        raise ImageRejected(TOO_LARGE.format(name=label))
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(file, formats=ACCEPTED_FORMATS)
        limit = pixel_limit(image)
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise _too_many_pixels(label, MAX_PIXELS) from exc  # far beyond any limit of ours
    except DECODER_ERRORS as exc:
        raise ImageRejected(NOT_AN_IMAGE.format(name=label)) from exc
    refusal = None
    if image.width * image.height > limit:
        refusal = _too_many_pixels(label, limit)
    elif getattr(image, "n_frames", 1) > 1 and image.format not in JPEG_FORMATS:
        refusal = ImageRejected(ANIMATED.format(name=label))
    elif max(image.size) > MAX_ASPECT * min(image.size):
        refusal = ImageRejected(TOO_THIN.format(name=label))
    if refusal:
        image.close()
        raise refusal
    return image


def _reduction(size: tuple[int, int], *, portrait: bool) -> int:
    """How many times smaller a picture of ``size`` (upright) can be kept: its largest variant still
    fits (a photo's width, a portrait's side) and it keeps at most KEPT_PIXELS."""
    width, height = size
    fits = min(size) // PORTRAIT_SIDE if portrait else width // VARIANT_WIDTHS[-1]
    return max(1, fits, math.ceil(math.sqrt(width * height / KEPT_PIXELS)))


def _reduced(image: Image.Image, factor: int) -> Image.Image:
    """``image`` as RGB or RGBA, ``factor`` times smaller, made a band of rows at a time: converting
    or reducing an RGBA picture whole would make a second full-size copy."""
    alpha = image.mode in ("RGBA", "LA", "PA") or "transparency" in image.info
    mode = "RGBA" if alpha else "RGB"
    width, height = image.size
    reduced = Image.new(mode, (-(-width // factor), -(-height // factor)))
    rows = factor * max(1, BAND_ROWS // factor)  # whole blocks of rows: bands average as the whole would
    for top in range(0, height, rows):
        band = image.crop((0, top, width, min(height, top + rows))).convert(mode)
        reduced.paste(band.reduce(factor), (0, top // factor))
    return reduced


def load_upload(data: bytes | IO[bytes], name: str, *, portrait: bool = False) -> Image.Image:
    """Decode a checked upload upright, as RGB or RGBA, no larger than its variants need
    (a ``portrait``'s square side, a photo's width). Runs in a worker thread."""
    image = upload_open(data, name)
    try:
        if image.format in JPEG_FORMATS:
            # Before decoding, the orientation may still swap the sides: count with the narrower.
            factor = _reduction((min(image.size), max(image.size)), portrait=portrait)
            image.draft(None, (-(-image.width // factor), -(-image.height // factor)))  # 1/2, 1/4, 1/8
        image.load()
        orientation = image.getexif().get(ExifTags.Base.Orientation)
        width, height = image.size
        upright_size = (height, width) if orientation in SIDEWAYS else (width, height)
        picture = _reduced(image, _reduction(upright_size, portrait=portrait))
    except DECODER_ERRORS as exc:
        raise ImageRejected(DAMAGED.format(name=name or "The file")) from exc
    finally:
        image.close()  # the full-size pixels go before the turn below makes a copy
    turn = UPRIGHT.get(orientation)
    return picture.transpose(turn) if turn is not None else picture


def store_upload(
    store: MediaStore, data: bytes | IO[bytes], name: str, *, portrait: bool = False
) -> StoredImage:
    """Check an upload and store its variants; any picture the encoder can't take is refused.

    A ``portrait`` is cropped to its centre square (faces are rarely at the edges) first.
    """
    image = load_upload(data, name, portrait=portrait)
    if portrait:
        side = min(min(image.size), PORTRAIT_SIDE)
        image = ImageOps.fit(image, (side, side), Image.Resampling.LANCZOS)
    try:
        return store.save(image)
    except (OSError, ValueError) as exc:
        raise ImageRejected(NOT_AN_IMAGE.format(name=name or "The file")) from exc
    finally:
        image.close()
