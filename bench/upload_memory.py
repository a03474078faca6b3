"""Upload memory: a worker's resident memory while hostile photo uploads arrive in parallel.

    python -m bench.upload_memory            # a minute or two (also the end of `make bench`)
    python -m bench.upload_memory --smoke    # one file: proves the harness works

Starts the real app under uvicorn (one worker: the process measured is the worker) on a temporary
SQLite database holding the demo city, signs in as the demo provider and posts batches of pictures
that are cheap to send and dear to decode: 39.7-megapixel PNGs of ~125 KB, WebPs of 2 KB, JPEGs of
1-2 MB, a few parallel requests of eight files each. The gallery is emptied between cases, except
for the one that fills it to the photo limit first. For each case it prints the peak resident
memory (the kernel's high-water mark VmHWM, reset before the case, and VmRSS sampled every 10 ms),
the resident memory once the answers are in, and how long the case took.
"""

from __future__ import annotations

import argparse
import asyncio
import io
import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import httpx
from PIL import Image

from app.cli import server_command
from app.demo.data import DEMO_PASSWORD, PROVIDER
from bench.run import site_env
from bench.servers import PROJECT_ROOT, free_port

HOSTILE_SIZE = (7716, 5145)  # 39.7 megapixels, just under the 40-megapixel cap uploads had
PHONE_SIZE = (4032, 3024)  # a 12-megapixel phone camera
REQUEST_TIMEOUT_S = 300
SAMPLE_EVERY_S = 0.01
GOAL_MB = 300  # a worker's resident memory, whatever uploads arrive (issue 13)
GALLERY_KEY = re.compile(r'action="/dashboard/photos/([^/"]+)/delete"')


@dataclass(frozen=True)
class Case:
    name: str
    picture: str  # a key of pictures()
    requests: int
    files: int
    full_gallery: bool = False


CASES = (
    Case("PNG 39.7 MP, one file", "png", 1, 1),
    Case("PNG 39.7 MP", "png", 3, 8),
    Case("PNG 39.7 MP, gallery full", "png", 3, 8, full_gallery=True),
    Case("WebP 39.7 MP", "webp", 3, 8),
    Case("JPEG 39.7 MP", "jpeg", 3, 8),
    Case("JPEG 39.7 MP progressive", "jpeg_progressive", 3, 8),
    Case("JPEG 12 MP phone photo", "phone", 1, 8),
)


@dataclass
class Result:
    case: Case
    peak_mb: float
    after_mb: float
    seconds: float
    answers: Counter


def _scene(size: tuple[int, int]) -> Image.Image:
    """Smooth colour, as in a photo, so JPEGs of it stay small."""
    ramp = Image.linear_gradient("L").resize(size)
    fractal = Image.effect_mandelbrot(size, (-2.0, -1.25, 0.7, 1.25), 60)
    return Image.merge("RGB", (ramp, fractal, ramp.transpose(Image.Transpose.FLIP_LEFT_RIGHT)))


def _encoded(image: Image.Image, format: str, **options) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format=format, **options)
    return buffer.getvalue()


def pictures() -> dict[str, bytes]:
    """The uploads, made with Pillow: one colour compresses a huge picture into a small file."""
    flat = Image.new("RGB", HOSTILE_SIZE, (200, 120, 40))
    scene = _scene(HOSTILE_SIZE)
    made = {
        "png": _encoded(flat, "PNG", optimize=True),
        "webp": _encoded(flat, "WEBP", lossless=True),
        "jpeg": _encoded(scene, "JPEG", quality=85),
        "jpeg_progressive": _encoded(scene, "JPEG", quality=85, progressive=True),
        "phone": _encoded(_scene(PHONE_SIZE), "JPEG", quality=90),
        "small": _encoded(_scene((640, 480)), "JPEG", quality=80),
    }
    del flat, scene
    return made


# --- the worker's memory ---------------------------------------------------------------------------


def _status_mb(pid: int, field: str) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(f"{field}:"):
            return int(line.split()[1]) / 1024
    return 0.0


class PeakMemory:
    """The largest resident memory of ``pid`` while the block runs."""

    def __init__(self, pid: int) -> None:
        self.pid = pid
        self.peak_mb = 0.0
        self._done = threading.Event()

    def __enter__(self) -> PeakMemory:
        try:  # "5": reset the high-water mark to the current size (Linux 4.0+)
            Path(f"/proc/{self.pid}/clear_refs").write_text("5")
            self._hwm = True
        except OSError:
            self._hwm = False  # sampling alone may miss a short spike
        self._sampler = threading.Thread(target=self._sample, daemon=True)
        self._sampler.start()
        return self

    def _sample(self) -> None:
        while not self._done.is_set():
            self.peak_mb = max(self.peak_mb, _status_mb(self.pid, "VmRSS"))
            time.sleep(SAMPLE_EVERY_S)

    def __exit__(self, *exc) -> None:
        self._done.set()
        self._sampler.join()
        if self._hwm:
            self.peak_mb = max(self.peak_mb, _status_mb(self.pid, "VmHWM"))


# --- the site ------------------------------------------------------------------------------------


class Site:
    """The demo provider's session on the running site."""

    def __init__(self, base_url: str) -> None:
        self.client = httpx.AsyncClient(base_url=base_url, timeout=REQUEST_TIMEOUT_S)

    async def log_in(self) -> None:
        await self.client.get("/login")
        form = {"email": PROVIDER.email, "password": DEMO_PASSWORD, "next": "", "_csrf_token": self.token}
        answer = await self.client.post("/login", data=form)
        if answer.status_code != 303:
            raise RuntimeError(f"signing in as {PROVIDER.email} answered {answer.status_code}")

    @property
    def token(self) -> str:
        return self.client.cookies["csrftoken"]

    async def upload(self, data: bytes, count: int, extension: str) -> int:
        files = [
            ("photos", (f"photo-{n}.{extension}", data, "application/octet-stream")) for n in range(count)
        ]
        answer = await self.client.post("/dashboard/photos", data={"_csrf_token": self.token}, files=files)
        return answer.status_code

    async def empty_gallery(self) -> None:
        page = await self.client.get("/dashboard/photos")
        for key in GALLERY_KEY.findall(page.text):
            await self.client.post(f"/dashboard/photos/{key}/delete", data={"_csrf_token": self.token})

    async def fill_gallery(self, small: bytes) -> None:
        """Add small photos until the gallery is at its limit (an upload that would pass it is refused)."""
        from app.catalog.services import PHOTO_LIMIT
        from app.dashboard.routes import MAX_FILES_PER_UPLOAD

        await self.empty_gallery()
        for start in range(0, PHOTO_LIMIT, MAX_FILES_PER_UPLOAD):
            status = await self.upload(small, min(MAX_FILES_PER_UPLOAD, PHOTO_LIMIT - start), "jpg")
            if status != 303:
                raise RuntimeError(f"filling the gallery answered {status}")


async def run_case(site: Site, pid: int, case: Case, made: dict[str, bytes]) -> Result:
    if case.full_gallery:
        await site.fill_gallery(made["small"])
    else:
        await site.empty_gallery()
    extension = "png" if case.picture == "png" else "webp" if case.picture == "webp" else "jpg"
    started = time.perf_counter()
    with PeakMemory(pid) as memory:
        statuses = await asyncio.gather(
            *(site.upload(made[case.picture], case.files, extension) for _ in range(case.requests))
        )
    seconds = time.perf_counter() - started
    await asyncio.sleep(1)  # let the worker settle before reading what it kept
    return Result(case, memory.peak_mb, _status_mb(pid, "VmRSS"), seconds, Counter(statuses))


def _env(workdir: Path) -> dict[str, str]:
    database_url = f"sqlite:///{workdir / 'cityloop.sqlite3'}"
    return {**os.environ, **site_env(database_url, workdir / "media", production=False)}


def _start(env: dict[str, str], log: Path) -> tuple[subprocess.Popen, str]:
    for command in ("migrate", "load-demo"):
        subprocess.run(
            [sys.executable, "-m", "app.cli", command],
            cwd=PROJECT_ROOT,
            env=env,
            check=True,
            capture_output=True,
        )
    port = free_port()
    process = subprocess.Popen(
        server_command(port), cwd=PROJECT_ROOT, env=env, stdout=log.open("w"), stderr=subprocess.STDOUT
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the server stopped during start-up; see {log}")
        try:
            if httpx.get(f"{url}/healthz", timeout=2).status_code == 200:
                return process, url
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    process.kill()
    raise RuntimeError(f"the server did not start within 60 s; see {log}")


async def measure(url: str, pid: int, cases: tuple[Case, ...]) -> tuple[float, list[Result]]:
    made = pictures()
    site = Site(url)
    try:
        await site.log_in()
        await site.client.get("/dashboard/photos")
        idle = _status_mb(pid, "VmRSS")
        return idle, [await run_case(site, pid, case, made) for case in cases]
    finally:
        await site.client.aclose()


def print_table(idle_mb: float, results: list[Result]) -> None:
    print(f"== uploads: one worker, at rest and signed in {idle_mb:.0f} MB ==")
    header = (
        f"{'case':<28} {'requests':>8} {'files':>5} {'peak RSS MB':>11} {'RSS after MB':>12} "
        f"{'seconds':>7}  answers"
    )
    print(header)
    print("-" * len(header))
    for r in results:
        answers = ", ".join(f"{status}×{n}" for status, n in sorted(r.answers.items()))
        print(
            f"{r.case.name:<28} {r.case.requests:>8} {r.case.requests * r.case.files:>5} "
            f"{r.peak_mb:>11.0f} {r.after_mb:>12.0f} {r.seconds:>7.1f}  {answers}"
        )
    peak = max(r.peak_mb for r in results)
    server_errors = sum(n for r in results for status, n in r.answers.items() if status >= 500)
    verdict = "within" if peak <= GOAL_MB else "OVER"
    print(f"largest peak {peak:.0f} MB, {verdict} the {GOAL_MB} MB goal; {server_errors} answers 5xx")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--smoke", action="store_true", help="one hostile PNG only")
    args = parser.parse_args(argv)
    workdir = Path(tempfile.mkdtemp(prefix="cityloop-uploads-"))
    process = None
    try:
        process, url = _start(_env(workdir), workdir / "server.log")
        idle, results = asyncio.run(measure(url, process.pid, CASES[:1] if args.smoke else CASES))
        print_table(idle, results)
    finally:
        if process is not None:
            process.terminate()
            process.wait(timeout=20)
        shutil.rmtree(workdir, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
