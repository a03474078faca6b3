"""Photos posted in a form: checked and stored off the event loop, a couple at a time."""

from __future__ import annotations

from functools import partial

import anyio
from litestar.datastructures import UploadFile

from app.media.storage import MediaStore, StoredImage
from app.media.uploads import MAX_UPLOAD_BYTES, ImageRejected, store_upload

_image_work = anyio.CapacityLimiter(2)  # decoding and encoding photos is CPU-heavy


def posted_files(form, name: str) -> list[UploadFile]:
    """The files chosen in the ``name`` field (an empty file input posts one nameless part)."""
    return [item for item in form.getall(name, []) if isinstance(item, UploadFile) and item.filename]


async def store_uploads(
    store: MediaStore, files: list[UploadFile], *, portrait: bool = False
) -> tuple[list[StoredImage], list[str]]:
    """Store every usable picture (square ``portrait``s); the rest come back as messages naming the file."""
    stored: list[StoredImage] = []
    errors: list[str] = []
    for upload in files:
        data = await upload.read(MAX_UPLOAD_BYTES + 1)
        try:
            stored.append(
                await anyio.to_thread.run_sync(
                    partial(store_upload, portrait=portrait),
                    store,
                    data,
                    upload.filename,
                    limiter=_image_work,
                )
            )
        except ImageRejected as rejected:
            errors.append(str(rejected))
    return stored, errors
