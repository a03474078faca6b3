import io
import struct
import zlib

import pytest
from PIL import Image

from app.media.images import encode_variants
from app.media.uploads import MAX_UPLOAD_BYTES, ImageRejected, load_upload


def jpeg_with_gps(size=(400, 200), orientation: int | None = None) -> bytes:
    image = Image.new("RGB", size, (30, 120, 200))
    image.paste((250, 200, 0), (0, 0, size[0] // 4, size[1]))  # a yellow band on the left
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"
    exif[0x8825] = {1: "N", 2: (39.0, 28.0, 12.0), 3: "W", 4: (0.0, 22.0, 30.0)}
    if orientation:
        exif[0x0112] = orientation
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", exif=exif)
    return buffer.getvalue()


def png_header_only(width: int, height: int) -> bytes:
    """A tiny PNG that claims to be enormous: a decompression bomb's calling card."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"\0" * 10))
        + chunk(b"IEND", b"")
    )


def test_a_photo_is_turned_upright_and_loses_its_location():
    sideways = jpeg_with_gps(orientation=6)  # "rotate 90° clockwise to view"
    image = load_upload(sideways, "van.jpg")
    assert image.size == (200, 400)
    _, variants = encode_variants(image)
    stored = Image.open(io.BytesIO(variants[200]))
    assert not stored.getexif() and "exif" not in stored.info


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "van.jpg is empty."),
        (b"%PDF-1.7 not a picture", "van.jpg isn't a JPEG, PNG or WebP picture."),
        (jpeg_with_gps()[:300], "van.jpg isn't a JPEG, PNG or WebP picture."),  # truncated
        (png_header_only(50_000, 50_000), "van.jpg has too many pixels to be a photo."),
        (b"\xff\xd8" + b"\0" * (MAX_UPLOAD_BYTES + 1), "van.jpg is larger than 10 MB."),
    ],
    ids=["empty", "not an image", "truncated", "decompression bomb", "too large"],
)
def test_unusable_uploads_are_refused_with_a_message_naming_the_file(data, message):
    with pytest.raises(ImageRejected, match=message.replace(".", r"\.")):
        load_upload(data, "van.jpg")


def test_long_thin_pictures_are_refused_before_the_encoder_chokes_on_them():
    buffer = io.BytesIO()
    Image.new("RGB", (1000, 17000), "white").save(buffer, format="PNG")
    with pytest.raises(ImageRejected, match="too long and thin"):
        load_upload(buffer.getvalue(), "screenshot.png")


def test_gifs_and_animations_are_refused():
    frames = [Image.new("RGB", (20, 20), colour) for colour in ("red", "blue")]
    gif = io.BytesIO()
    frames[0].save(gif, format="GIF", save_all=True, append_images=frames[1:])
    with pytest.raises(ImageRejected, match="isn't a JPEG, PNG or WebP"):
        load_upload(gif.getvalue(), "anim.gif")
    webp = io.BytesIO()
    frames[0].save(webp, format="WEBP", save_all=True, append_images=frames[1:])
    with pytest.raises(ImageRejected, match="is animated"):
        load_upload(webp.getvalue(), "anim.webp")


def test_transparent_pngs_keep_their_transparency():
    buffer = io.BytesIO()
    Image.new("RGBA", (50, 50), (255, 0, 0, 0)).save(buffer, format="PNG")
    assert load_upload(buffer.getvalue(), "logo.png").mode == "RGBA"
