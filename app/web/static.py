"""Static files: our own under /static, npm-installed front-end packages under /vendor.

URLs carry a short content hash (``?v=``) so files can be cached for a year and still change
the moment a deploy changes them.
"""

from __future__ import annotations

import errno
import hashlib
from pathlib import Path
from typing import Any

from litestar.datastructures import CacheControlHeader
from litestar.file_system import BaseLocalFileSystem
from litestar.router import Router
from litestar.static_files import create_static_files_router

from app.settings import PROJECT_ROOT
from app.web.route_options import CACHEABLE_ROUTE_OPT

STATIC_DIR = PROJECT_ROOT / "static"
VENDOR_DIR = PROJECT_ROOT / "node_modules" / "htmx.org" / "dist"
MOUNTS = {"/static": STATIC_DIR, "/vendor": VENDOR_DIR}
REQUIRED_VENDOR_FILES = ("htmx.min.js",)
ONE_YEAR = 365 * 24 * 3600
# What the disk answers for a name no file can have: too long, or a folder below a file.
_IMPOSSIBLE_NAMES = frozenset({errno.ENAMETOOLONG, errno.ENOTDIR, errno.ELOOP, errno.EILSEQ})


class MissingAssetsError(RuntimeError):
    pass


class LocalFiles(BaseLocalFileSystem):
    """The local disk, where a name no file can have is simply not found (a 404).

    Litestar's file system lets a NUL in the name (``ValueError``) or a name the kernel refuses
    (``OSError``) escape as a 500.
    """

    async def info(self, path: Any, **kwargs: Any) -> Any:
        try:
            return await super().info(path, **kwargs)
        except ValueError as exc:
            raise FileNotFoundError(path) from exc
        except OSError as exc:
            if exc.errno in _IMPOSSIBLE_NAMES:
                raise FileNotFoundError(path) from exc
            raise


def files_router(*, path: str, directory: Path, name: str) -> Router:
    """Files under ``path``, cached for a year: each URL's content never changes (hashed or random)."""
    return create_static_files_router(
        path=path,
        directories=[directory],
        name=name,
        file_system=LocalFiles(),
        cache_control=CacheControlHeader(max_age=ONE_YEAR, public=True),
        opt=CACHEABLE_ROUTE_OPT,
        include_in_schema=False,
    )


class StaticAssets:
    def __init__(self, mounts: dict[str, Path] = MOUNTS, *, watch: bool = True) -> None:
        """``watch``: notice edited files (development); in production files change only with a deploy."""
        self.mounts = mounts
        self.watch = watch
        self._versions: dict[str, tuple[float, str]] = {}
        missing = [name for name in REQUIRED_VENDOR_FILES if not (mounts["/vendor"] / name).is_file()]
        if missing:
            raise MissingAssetsError(
                f"{', '.join(missing)} not found in {mounts['/vendor']}: run `npm ci` (or `make run`) first."
            )

    def url(self, path: str) -> str:
        """``/static/css/site.css`` -> ``/static/css/site.css?v=1a2b3c4d``."""
        cached = self._versions.get(path)
        if cached is not None and not self.watch:
            return f"{path}?v={cached[1]}"
        prefix, _, relative = path.lstrip("/").partition("/")
        file = self.mounts[f"/{prefix}"] / relative
        mtime = file.stat().st_mtime
        if cached is None or cached[0] != mtime:
            digest = hashlib.sha256(file.read_bytes()).hexdigest()[:10]
            cached = self._versions[path] = (mtime, digest)
        return f"{path}?v={cached[1]}"

    def routers(self) -> list[Router]:
        return [
            files_router(path=prefix, directory=directory, name=prefix.strip("/"))
            for prefix, directory in self.mounts.items()
        ]
