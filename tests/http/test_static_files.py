"""File mounts (/static, /vendor, /media): a name no file can have is a 404 page, never a 500."""

from __future__ import annotations

import pytest

IMPOSSIBLE_NAMES = {
    "a NUL byte": "%00-320.webp",
    "a NUL inside a folder name": "x%00/y.webp",
    "a 5,000-character name": "a" * 5000 + ".webp",
    "a name over the 255-byte limit": "a" * 300,
    "a path over the 4,096-byte limit": "/".join(["ab"] * 2500),
    "a folder below a file": "css/site.css/x",
    "a folder below a script": "htmx.min.js/x",
    "a link that points at itself": "loop/x.webp",
}


@pytest.fixture
def media_with_a_file(settings):
    settings.media_root.mkdir(parents=True, exist_ok=True)
    (settings.media_root / "ab12-320.webp").write_bytes(b"RIFF0000WEBP")
    (settings.media_root / "loop").symlink_to(settings.media_root / "loop")
    return settings.media_root


@pytest.mark.parametrize("prefix", ["/media", "/static", "/vendor"])
async def test_a_file_name_no_file_can_have_gets_the_404_page(client, media_with_a_file, prefix):
    for what, name in IMPOSSIBLE_NAMES.items():
        for method in ("GET", "HEAD"):
            response = await client.request(method, f"{prefix}/{name}")
            assert response.status_code == 404, f"{method} {prefix} with {what}: {response.status_code}"
        page = await client.get(f"{prefix}/{name}")
        assert "We couldn&#39;t find that page" in page.text, what


async def test_stored_images_are_still_served_for_a_year(client, media_with_a_file):
    response = await client.get("/media/ab12-320.webp")
    assert response.status_code == 200
    assert response.content == b"RIFF0000WEBP"
    assert "max-age=31536000" in response.headers["cache-control"]
