import io
import struct
import zlib

import pytest
from PIL import Image, ImageChops, ImageOps

from app.media.images import encode_variants
from app.media.uploads import MAX_UPLOAD_BYTES, ImageRejected, load_upload, upload_open


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


def jpeg_header_only(
    width: int, height: int, *, sampling=((2, 2), (1, 1), (1, 1)), progressive=False
) -> bytes:
    """A JPEG's frame and scan headers without any coded data: all the pixel limit reads."""

    def segment(marker: bytes, body: bytes) -> bytes:
        return marker + struct.pack(">H", len(body) + 2) + body

    components = b"".join(bytes((n + 1, h << 4 | v, 0)) for n, (h, v) in enumerate(sampling))
    frame = struct.pack(">BHHB", 8, height, width, len(sampling)) + components
    scan = bytes((len(sampling), *(b for n in range(len(sampling)) for b in (n + 1, 0)), 0, 63, 0))
    start = b"\xff\xc2" if progressive else b"\xff\xc0"
    return b"\xff\xd8" + segment(start, frame) + segment(b"\xff\xda", scan) + b"\xff\xd9"


def webp_header_only(width: int, height: int) -> bytes:
    """A lossless WebP that is only its header: 14 bits of width - 1, then of height - 1."""
    bitstream = b"\x2f" + struct.pack("<I", (width - 1) | (height - 1) << 14)
    chunk = b"VP8L" + struct.pack("<I", len(bitstream)) + bitstream + b"\0"
    return b"RIFF" + struct.pack("<I", 4 + len(chunk)) + b"WEBP" + chunk


def encoded(image: Image.Image, format: str, **options) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format=format, **options)
    return buffer.getvalue()


def same_pixels(one: Image.Image, other: Image.Image) -> bool:
    return one.size == other.size and ImageChops.difference(one, other).getbbox() is None


@pytest.mark.parametrize("orientation", range(1, 9))
def test_a_photo_is_turned_upright_and_loses_its_location(orientation):
    sideways = jpeg_with_gps(orientation=orientation)  # 6: "rotate 90° clockwise to view"
    image = load_upload(sideways, "van.jpg")
    assert same_pixels(image, ImageOps.exif_transpose(Image.open(io.BytesIO(sideways))))
    assert image.size == ((200, 400) if orientation >= 5 else (400, 200))
    _, variants = encode_variants(image)
    stored = Image.open(io.BytesIO(variants[min(image.size[0], 320)]))
    assert not stored.getexif() and "exif" not in stored.info


def jpeg_with_malformed_exif() -> bytes:
    """400 x 200, to be turned upright, with a tag Pillow can read but not write back: 0x0118
    (MinSampleValue) holding text. ImageOps.exif_transpose raises struct.error on it."""
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"
    exif[0x0112] = 6
    broken = exif.tobytes().replace(b"\x01\x0f\x00\x02", b"\x01\x18\x00\x02")
    return encoded(Image.new("RGB", (400, 200), "teal"), "JPEG", exif=broken)


def test_a_photo_with_malformed_exif_is_still_turned_upright():
    assert load_upload(jpeg_with_malformed_exif(), "van.jpg").size == (200, 400)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "van.jpg is empty."),
        (b"%PDF-1.7 not a picture", "van.jpg isn't a JPEG, PNG or WebP picture."),
        (jpeg_with_gps()[:300], "van.jpg isn't a JPEG, PNG or WebP picture."),  # cut in its header
        (jpeg_with_gps()[:-300], "van.jpg seems damaged or incomplete."),  # cut in its pixels
        (png_header_only(7716, 5145), "van.jpg seems damaged or incomplete."),  # a header only
        (b"\xff\xd8" + b"\0" * (MAX_UPLOAD_BYTES + 1), "van.jpg is larger than 10 MB."),
    ],
    ids=["empty", "not an image", "truncated header", "truncated pixels", "no pixels", "too large"],
)
def test_unusable_uploads_are_refused_with_a_message_naming_the_file(data, message):
    with pytest.raises(ImageRejected, match=message.replace(".", r"\.")):
        load_upload(data, "van.jpg")


@pytest.mark.parametrize(
    ("data", "megapixels"),
    [
        (png_header_only(7000, 6000), 40),
        (png_header_only(10_000, 10_000), 40),  # Pillow warns of a bomb
        (png_header_only(50_000, 50_000), 40),  # Pillow refuses a bomb
        (webp_header_only(4000, 3000), 10),  # libwebp holds the picture four times over
        (jpeg_header_only(6000, 5000, sampling=((1, 1),) * 3, progressive=True), 26),  # 6 bytes a pixel
        (jpeg_header_only(5000, 5000, sampling=((1, 1),) * 4, progressive=True), 20),  # CMYK: 8
    ],
    ids=["png 42 MP", "png 100 MP", "png 2500 MP", "webp 12 MP", "progressive jpeg 30 MP", "cmyk jpeg 25 MP"],
)
def test_the_pixel_limit_is_read_from_the_header_and_follows_what_decoding_costs(data, megapixels):
    message = f"van.jpg has too many pixels. Choose a picture of at most {megapixels} megapixels."
    with pytest.raises(ImageRejected, match=message.replace(".", r"\.")):
        upload_open(data, "van.jpg")


@pytest.mark.parametrize(
    "data",
    [
        png_header_only(7716, 5145),
        jpeg_header_only(7716, 5145),
        jpeg_header_only(7716, 5145, progressive=True),  # 4:2:0: 3 bytes a pixel
        webp_header_only(3000, 2000),
    ],
    ids=["png 39.7 MP", "jpeg 39.7 MP", "progressive jpeg 39.7 MP", "webp 6 MP"],
)
def test_pictures_within_the_limits_pass_the_check_on_their_header_alone(data):
    """These files hold no pixels at all: passing shows the check decoded nothing."""
    image = upload_open(data, "van.jpg")
    assert image.width * image.height > 5_000_000


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
    for format in ("WEBP", "PNG"):  # animated WebP, APNG
        animation = encoded(frames[0], format, save_all=True, append_images=frames[1:])
        with pytest.raises(ImageRejected, match="is animated"):
            load_upload(animation, f"anim.{format.lower()}")


def test_a_jpeg_carrying_further_images_is_taken_as_its_first():
    """Phones add a depth map or gain map as a second image (MPO); the photo is the first."""
    frames = [Image.new("RGB", (200, 100), colour) for colour in ("red", "blue")]
    image = load_upload(encoded(frames[0], "MPO", save_all=True, append_images=frames[1:]), "photo.jpg")
    assert image.size == (200, 100) and image.getpixel((100, 50))[0] > 200


@pytest.mark.parametrize(
    ("picture", "mode"),
    [
        (Image.new("RGBA", (50, 50), (255, 0, 0, 0)), "RGBA"),
        (Image.new("LA", (50, 50), (90, 128)), "RGBA"),
        (Image.new("P", (50, 50), 0), "RGBA"),  # palette with a transparent entry
        (Image.new("L", (50, 50), 90), "RGB"),
        (Image.new("I;16", (50, 50), 40_000), "RGB"),
    ],
    ids=["rgba", "grey with alpha", "palette", "grey", "16-bit grey"],
)
def test_pngs_become_rgb_or_keep_their_transparency(picture, mode):
    options = {"transparency": 0} if picture.mode == "P" else {}
    image = load_upload(encoded(picture, "PNG", **options), "logo.png")
    assert image.mode == mode and image.size == (50, 50)


def test_a_large_picture_is_kept_no_larger_than_its_largest_variant_needs():
    ramp = Image.linear_gradient("L").resize((3300, 1100))
    picture = Image.merge(
        "RGBA", (ramp, ramp.rotate(180), ramp, ramp.transpose(Image.Transpose.FLIP_LEFT_RIGHT))
    )
    kept = load_upload(encoded(picture, "PNG"), "shop.png")
    # Reduced a band at a time, it is exactly what reducing the whole would give.
    assert same_pixels(kept, picture.reduce(2))
    assert load_upload(encoded(picture, "PNG"), "face.png", portrait=True).size == (3300, 1100)


@pytest.mark.parametrize(
    ("size", "orientation", "kept"),
    [((6400, 3600), None, (1600, 900)), ((3600, 6400), 6, (1600, 900)), ((2600, 1400), None, (2600, 1400))],
    ids=["landscape", "sideways", "under twice the largest variant"],
)
def test_a_large_jpeg_is_scaled_down_as_it_is_decoded_to_what_its_variants_need(size, orientation, kept):
    exif = Image.Exif()
    if orientation:
        exif[0x0112] = orientation
    data = encoded(Image.new("RGB", size, "teal"), "JPEG", exif=exif)
    assert load_upload(data, "van.jpg").size == kept
