"""Photos posted in a form: checked and stored off the event loop, one at a time per worker."""

from __future__ import annotations

from functools import partial

import anyio
from litestar.datastructures import UploadFile

from app.media.storage import MediaStore, StoredImage
from app.media.uploads import ImageRejected, store_upload

# Decoding may take up to DECODE_BUDGET of memory: one picture at a time keeps a worker's peak at
# that, however many uploads arrive at once (two at a time measured 1 GB on main with 460 MB each).
_image_work = anyio.CapacityLimiter(1)


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
        try:
            stored.append(
                await anyio.to_thread.run_sync(
                    # The spooled file itself: Pillow reads the header, then the pixels, from disk.
                    partial(store_upload, portrait=portrait),
                    store,
                    upload.file,
                    upload.filename,
                    limiter=_image_work,
                )
            )
        except ImageRejected as rejected:
            errors.append(str(rejected))
    return stored, errors
