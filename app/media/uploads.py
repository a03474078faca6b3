"""Turning an uploaded file into a safe picture: only real JPEG/PNG/WebP images of sane size.

Refuses non-images, animations, decompression bombs (huge pixel counts in a small file) and
anything the decoder chokes on, each with a message for the person uploading. Orientation from
EXIF is applied, then the picture is re-encoded, which drops EXIF, GPS and every other metadata.
"""

from __future__ import annotations

import io
import warnings

from PIL import Image, ImageOps, UnidentifiedImageError

from app.media.storage import MediaStore, StoredImage

MAX_UPLOAD_BYTES = 10 * 1024 * 1024
MAX_PIXELS = 40_000_000  # 40 megapixels: more than any phone camera, far less than a bomb
ACCEPTED_FORMATS = ("JPEG", "PNG", "WEBP")

NOT_AN_IMAGE = "{name} isn't a JPEG, PNG or WebP picture."
TOO_LARGE = "{name} is larger than 10 MB. Choose a smaller picture."
TOO_MANY_PIXELS = "{name} has too many pixels to be a photo. Choose a smaller picture."
ANIMATED = "{name} is animated. Choose a still picture."
TOO_THIN = "{name} is too long and thin to show as a photo. Crop it, or choose another."
MAX_ASPECT = 8  # longest side at most eight times the shortest: panoramas fit, long screenshots don't
EMPTY = "{name} is empty."


class ImageRejected(ValueError):
    """The upload is not a picture we can use; the message says why, naming the file."""


def load_upload(data: bytes, name: str) -> Image.Image:
    """Decode, check and straighten an uploaded picture. Runs in a worker thread."""
    label = name or "The file"
    if not data:
        raise ImageRejected(EMPTY.format(name=label))
    if len(data) > MAX_UPLOAD_BYTES:
        raise ImageRejected(TOO_LARGE.format(name=label))
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data), formats=ACCEPTED_FORMATS)
            if image.width * image.height > MAX_PIXELS:
                raise ImageRejected(TOO_MANY_PIXELS.format(name=label))
            if getattr(image, "n_frames", 1) > 1:
                raise ImageRejected(ANIMATED.format(name=label))
            if max(image.size) > MAX_ASPECT * min(image.size):
                raise ImageRejected(TOO_THIN.format(name=label))
            image.load()
            upright = ImageOps.exif_transpose(image)
    except ImageRejected:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise ImageRejected(TOO_MANY_PIXELS.format(name=label)) from exc
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError, EOFError) as exc:
        # Truncated, corrupt or hostile files surface as any of these from Pillow's decoders.
        raise ImageRejected(NOT_AN_IMAGE.format(name=label)) from exc
    return upright.convert("RGBA" if upright.mode in ("RGBA", "LA", "PA") else "RGB")


PORTRAIT_SIDE = 640  # team members' photos: square, as large as the biggest avatar needs


def store_upload(store: MediaStore, data: bytes, name: str, *, portrait: bool = False) -> StoredImage:
    """Check an upload and store its variants; any picture the encoder can't take is refused.

    A ``portrait`` is cropped to its centre square (faces are rarely at the edges) first.
    """
    image = load_upload(data, name)
    if portrait:
        side = min(min(image.size), PORTRAIT_SIDE)
        image = ImageOps.fit(image, (side, side), Image.Resampling.LANCZOS)
    try:
        return store.save(image)
    except (OSError, ValueError) as exc:
        raise ImageRejected(NOT_AN_IMAGE.format(name=name or "The file")) from exc
