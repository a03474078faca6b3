"""Reference apps `make bench` measures next to the site, in the same run and on the same machine.

They bound what this stack (uvicorn + Litestar + Jinja2 + SQLite) can do, so the site's figures
read as "x % of the ceiling" rather than as bare numbers:

- ``GET /plaintext`` (P): "Hello, World!"; the cost of uvicorn and Litestar alone.
- ``GET /fortunes`` (F): the TechEmpower "fortunes" page: a dozen rows read with raw ``sqlite3`` on
  one connection per worker, one fortune added at request time, sorted, rendered by Jinja2 with
  autoescaping. The ceiling for a page that reads the database.
- ``GET /fortunes-naive`` (F_naive): the same page through Piccolo's stock ``SQLiteEngine``, which
  opens a connection (and an aiosqlite thread) per query: what a naive user of our stack gets.
- ``POST /book`` (B): book a slot with raw ``sqlite3``: ``BEGIN IMMEDIATE``, a conditional
  ``UPDATE``, an ``INSERT``, ``COMMIT``; 201 when booked, 409 when the slot is full or unknown.

Serve it like the site, e.g. ``BENCH_REFERENCE_DB=/tmp/ref.sqlite3 uvicorn --factory
bench.reference:create_app --workers 2 --host 127.0.0.1 --port N --no-access-log``, after
``prepare_reference_db(path, slots=...)``. Serve the site with the same flags. Caveat (uvicorn
0.54, issue #3149): with ``--workers`` > 1, uvicorn's own listening socket leaves Nagle's
algorithm on, so every keep-alive request after the first waits ~40 ms for a delayed ACK. Every
app, this one and the site alike, then tops out near connections / 44 ms (~1,450 req/s at 64),
unless the launcher marks the socket IPPROTO_TCP (then asyncio sets TCP_NODELAY).
"""

from __future__ import annotations

import asyncio
import os
import sqlite3
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager, closing
from operator import attrgetter, itemgetter
from pathlib import Path
from typing import NamedTuple

from jinja2 import DictLoader, Environment
from litestar import Litestar, Request, get, post
from litestar.datastructures import State
from litestar.enums import MediaType
from litestar.exceptions import ValidationException
from litestar.plugins.jinja import JinjaTemplateEngine
from litestar.response import Response, Template
from litestar.template.config import TemplateConfig
from piccolo.columns import Text
from piccolo.engine.sqlite import SQLiteEngine
from piccolo.table import Table

DB_ENV = "BENCH_REFERENCE_DB"
# Same busy timeout as the site (app.database): a writer waits this long for the other worker's lock.
BUSY_TIMEOUT_SECONDS = 10
# How long a booking waits before trying the write lock again (epoll's resolution is 1 ms anyway).
LOCK_RETRY_SECONDS = 0.001

# The TechEmpower fortunes, with the script tag that must come out escaped and non-ASCII text.
FORTUNES = (
    "fortune: No such file or directory",
    "A computer scientist is someone who fixes things that aren't broken.",
    "After enough decimal places, nobody gives a damn.",
    "A bad random number generator: 1, 1, 1, 1, 1, 4.33e+67, 1, 1, 1",
    "A computer program does what you tell it to do, not what you want it to do.",
    "Emacs is a nice operating system, but I prefer UNIX. — Tom Christaensen",
    "Any program that runs right is obsolete.",
    "A list is only as strong as its weakest link. — Donald Knuth",
    "Feature: A bug with seniority.",
    "Computers make very fast, very accurate mistakes.",
    '<script>alert("This should not be displayed in a browser alert box.");</script>',
    "フレームワークのベンチマーク",
)
EXTRA_FORTUNE = "Additional fortune added at request time."

FORTUNES_TEMPLATE = """\
<!DOCTYPE html>
<html>
<head><title>Fortunes</title></head>
<body>
<table>
<tr><th>id</th><th>message</th></tr>
{% for fortune in fortunes %}
<tr><td>{{ fortune.id }}</td><td>{{ fortune.message }}</td></tr>
{% endfor %}
</table>
</body>
</html>
"""

# One schema serves both fortune pages: Piccolo's ``Fortune`` table below maps onto ``fortune``
# (Piccolo's default ``id`` is an integer primary key, and ``message`` is TEXT).
SCHEMA = """
DROP TABLE IF EXISTS booking;
DROP TABLE IF EXISTS slot;
DROP TABLE IF EXISTS fortune;
CREATE TABLE fortune (id INTEGER PRIMARY KEY, message TEXT NOT NULL);
CREATE TABLE slot (
    id INTEGER PRIMARY KEY,
    capacity INTEGER NOT NULL,
    booked INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE booking (
    id INTEGER PRIMARY KEY,
    slot_id INTEGER NOT NULL REFERENCES slot (id),
    resident TEXT NOT NULL,
    created_at TEXT NOT NULL DEFAULT CURRENT_TIMESTAMP
);
"""


class FortuneRow(NamedTuple):
    id: int
    message: str


class Fortune(Table):
    """The naive page's table; its engine is bound in ``create_app`` (the path comes from the env)."""

    message = Text()


def prepare_reference_db(path: str | Path, *, slots: int) -> None:
    """(Re)create the reference tables in ``path``: 12 fortunes, and slots 1..``slots`` of capacity 1.

    WAL is a property of the file, so it is set here once; every connection then reads without
    blocking the writer, as the site's SQLite set-up does.
    """
    with closing(sqlite3.connect(path, isolation_level=None)) as db:
        db.execute("PRAGMA journal_mode = WAL")
        db.executescript(SCHEMA)
        db.execute("BEGIN")
        db.executemany("INSERT INTO fortune (id, message) VALUES (?, ?)", enumerate(FORTUNES, start=1))
        db.executemany("INSERT INTO slot (id, capacity) VALUES (?, 1)", ((i,) for i in range(1, slots + 1)))
        db.execute("COMMIT")
        db.execute("PRAGMA wal_checkpoint(TRUNCATE)")  # start every run from a compact WAL


def _connect(path: str, *, busy_timeout: float) -> sqlite3.Connection:
    # isolation_level=None: no implicit transactions, so BEGIN IMMEDIATE below is the only one.
    db = sqlite3.connect(path, isolation_level=None, timeout=busy_timeout)
    # A per-connection setting. In WAL mode NORMAL keeps the database consistent and skips the
    # fsync per commit (a power cut may lose the last commits), as the site's engine does.
    db.execute("PRAGMA synchronous = NORMAL")
    return db


def _db_path() -> str:
    path = os.environ.get(DB_ENV, "").strip()
    if not path:
        raise RuntimeError(f"{DB_ENV} must name the SQLite file prepared by prepare_reference_db()")
    if not Path(path).is_file():
        raise RuntimeError(f"{DB_ENV}={path} does not exist: run prepare_reference_db() first")
    return path


@get("/plaintext", media_type=MediaType.TEXT, sync_to_thread=False)
def plaintext() -> bytes:
    return b"Hello, World!"


# The raw sqlite3 calls below run on the event loop, not in a thread: each is tens of
# microseconds of C work on a connection this worker owns, less than a hop to a thread and back.
# Reads never wait in WAL mode. A booking does wait while the other worker holds SQLite's single
# write lock, and SQLite's busy handler sleeps through that wait (1, 2, 5 ms...) with the loop
# blocked, for a lock held ~30 µs. Measured with 64 connections (2 workers, on a shared 2-core
# machine, so roughly): that stalled each worker ~13 % of the time, and a dedicated writer thread
# (what aiosqlite does) then beat running inline by ~10 %. So the booking connection has no busy
# timeout and a busy BEGIN IMMEDIATE is retried after a short asyncio sleep: no thread hop and no
# stalled loop, which beat the writer thread by another ~5 %. The fastest correct way is the
# ceiling.


@get("/fortunes")
async def fortunes(state: State) -> Template:
    rows = [FortuneRow(*row) for row in state.db.execute("SELECT id, message FROM fortune")]
    rows.append(FortuneRow(0, EXTRA_FORTUNE))
    rows.sort(key=attrgetter("message"))
    return Template("fortunes.html", context={"fortunes": rows})


@get("/fortunes-naive")
async def fortunes_naive() -> Template:
    rows = await Fortune.select()  # a list of dicts; the template reads them the same way
    rows.append({"id": 0, "message": EXTRA_FORTUNE})
    rows.sort(key=itemgetter("message"))
    return Template("fortunes.html", context={"fortunes": rows})


async def _begin_immediate(db: sqlite3.Connection) -> None:
    """Take the write lock up front, letting the loop run while another worker holds it."""
    # IMMEDIATE, as the site does on SQLite: a deferred transaction that reads and then writes
    # fails with "database is locked" under concurrency.
    deadline = time.monotonic() + BUSY_TIMEOUT_SECONDS
    while True:
        try:
            db.execute("BEGIN IMMEDIATE")
            return
        except sqlite3.OperationalError as exc:
            if exc.sqlite_errorcode & 0xFF != sqlite3.SQLITE_BUSY or time.monotonic() > deadline:
                raise
        await asyncio.sleep(LOCK_RETRY_SECONDS)


async def _book(db: sqlite3.Connection, slot_id: int, resident: str) -> bool:
    """Take one place in the slot; False when it is full or does not exist."""
    await _begin_immediate(db)
    # Nothing awaits from here to COMMIT, so the lock is held only for these statements.
    try:
        taken = db.execute(
            "UPDATE slot SET booked = booked + 1 WHERE id = ? AND booked < capacity", (slot_id,)
        ).rowcount
        if taken != 1:
            db.execute("ROLLBACK")
            return False
        db.execute("INSERT INTO booking (slot_id, resident) VALUES (?, ?)", (slot_id, resident))
        db.execute("COMMIT")
        return True
    except BaseException:
        if db.in_transaction:
            db.execute("ROLLBACK")
        raise


@post("/book")
async def book(request: Request, state: State) -> Response[str]:
    form = await request.form()
    try:
        slot_id = int(form["slot"])
        resident = form["resident"]
    except (KeyError, ValueError):
        raise ValidationException("slot (an id) and resident are required") from None
    if await _book(state.writer, slot_id, resident):
        return Response("booked", status_code=201, media_type=MediaType.TEXT)
    return Response("slot full or unknown", status_code=409, media_type=MediaType.TEXT)


def create_app() -> Litestar:
    """The reference app on the SQLite file named by ``BENCH_REFERENCE_DB``.

    uvicorn calls this once in every worker, so each worker opens its own connection.
    """
    path = _db_path()
    # Stock engine, stock settings: one aiosqlite connection per query.
    Fortune._meta.db = SQLiteEngine(path=path)

    @asynccontextmanager
    async def lifespan(app: Litestar) -> AsyncIterator[None]:
        # Opened on the loop's thread, the one that uses them: one for reads, one for bookings.
        app.state.db = _connect(path, busy_timeout=BUSY_TIMEOUT_SECONDS)
        app.state.writer = _connect(path, busy_timeout=0)  # see _begin_immediate
        try:
            yield
        finally:
            app.state.writer.close()
            app.state.db.close()

    # Autoescaping on, and the site's whitespace settings (app.web.templating).
    templates = Environment(
        loader=DictLoader({"fortunes.html": FORTUNES_TEMPLATE}),
        autoescape=True,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    return Litestar(
        route_handlers=[plaintext, fortunes, fortunes_naive, book],
        template_config=TemplateConfig(instance=JinjaTemplateEngine.from_environment(templates)),
        lifespan=[lifespan],
        openapi_config=None,
        debug=False,
    )
