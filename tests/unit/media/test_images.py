import io

from PIL import Image

from app.media.images import encode_variants, variant_widths
from app.media.storage import MediaStore, image_src, image_srcset


def test_variants_never_upscale():
    assert variant_widths(2400) == [320, 640, 1024, 1600]
    assert variant_widths(1024) == [320, 640, 1024]
    assert variant_widths(500) == [320, 500]
    assert variant_widths(200) == [200]


def _photo_with_gps(width=800, height=600) -> Image.Image:
    image = Image.new("RGB", (width, height), (200, 120, 40))
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"  # Make
    exif[0x8825] = {2: (39.0, 28.0, 0.0)}  # GPSInfo: latitude
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", exif=exif)
    return Image.open(io.BytesIO(buffer.getvalue()))


def test_encoded_variants_are_webp_without_any_metadata():
    source = _photo_with_gps()
    assert source.getexif()  # the upload carried EXIF with GPS
    (width, height), variants = encode_variants(source)
    assert (width, height) == (800, 600)
    assert sorted(variants) == [320, 640, 800]
    for data in variants.values():
        decoded = Image.open(io.BytesIO(data))
        assert decoded.format == "WEBP"
        assert not decoded.getexif()
        assert "exif" not in decoded.info and "xmp" not in decoded.info


def test_stored_images_get_a_random_key_and_a_srcset(tmp_path):
    store = MediaStore(tmp_path)
    first = store.save(Image.new("RGB", (1200, 800), "teal"))
    second = store.save(Image.new("RGB", (1200, 800), "teal"))
    assert first.key != second.key
    assert (first.width, first.height) == (1200, 800)
    stored = {p.name for p in tmp_path.glob(f"{first.key}-*.webp")}
    assert stored == {f"{first.key}-{w}.webp" for w in (320, 640, 1024, 1200)}
    assert image_src(first.key, first.width) == f"/media/{first.key}-640.webp"
    assert image_srcset(first.key, first.width).endswith(f"/media/{first.key}-1200.webp 1200w")
