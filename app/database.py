"""The database engine, chosen from DATABASE_URL and shared by every table.

SQLite (the default) and PostgreSQL (production) differ in four places the rest of the code
must not care about: how a read-then-write transaction takes its lock, how a unique or overlap
violation looks, and whether there is a connection pool. Those differences live here.
"""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import UTC, datetime
from itertools import islice
from pathlib import Path
from urllib.parse import unquote, urlsplit

import asyncpg
from asyncpg.exceptions import ExclusionViolationError, ForeignKeyViolationError, UniqueViolationError
from piccolo.apps.migrations.tables import Migration
from piccolo.engine.base import Engine
from piccolo.engine.postgres import PostgresEngine
from piccolo.engine.sqlite import SQLiteEngine, TransactionType

from app.sqlite_engine import ReusedConnectionSQLiteEngine

# Seconds a write on SQLite waits in all for its turn (this worker's, the other workers', then
# SQLite's write lock) before it gives up and the visitor is asked to try again (503, Retry-After).
WRITE_DEADLINE_SECONDS = 5
_SQLITE_UNIQUE_CODES = {sqlite3.SQLITE_CONSTRAINT_UNIQUE, sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY}

_engine: Engine | None = None
_query_counter: ContextVar[list[int] | None] = ContextVar("query_counter", default=None)


@contextmanager
def count_queries() -> Iterator[list[int]]:
    """Count the statements run in this context and the tasks it starts (``n[0]`` after the block)."""
    counter = [0]
    token = _query_counter.set(counter)
    try:
        yield counter
    finally:
        _query_counter.reset(token)


class _CountingMixin:
    async def run_querystring(self, querystring, in_pool: bool = True):
        if (counter := _query_counter.get()) is not None:
            counter[0] += 1
        return await super().run_querystring(querystring, in_pool=in_pool)


class CitySQLiteEngine(_CountingMixin, ReusedConnectionSQLiteEngine):
    pass


class CityPostgresEngine(_CountingMixin, PostgresEngine):
    pass


def sqlite_path(database_url: str) -> Path | None:
    """The file behind a ``sqlite:///path`` URL (``sqlite:////abs`` or ``sqlite:///rel``), else None."""
    parts = urlsplit(database_url)
    if parts.scheme != "sqlite":
        return None
    return Path(unquote(parts.path[1:] if parts.path.startswith("/") else parts.path))


def engine_from_url(database_url: str, *, write_deadline_seconds: float = WRITE_DEADLINE_SECONDS) -> Engine:
    path = sqlite_path(database_url)
    if path is not None:
        return CitySQLiteEngine(path=str(path), write_deadline_seconds=write_deadline_seconds)
    return CityPostgresEngine(config={"dsn": database_url})


def bind(engine: Engine) -> None:
    """Point every table (ours and Piccolo's migration log) at ``engine``."""
    from app.piccolo_app import APP_CONFIG

    global _engine
    _engine = engine
    for table in [*APP_CONFIG.table_classes, Migration]:
        table._meta.db = engine


def current_engine() -> Engine:
    if _engine is None:
        raise RuntimeError("app.database.bind() has not been called")
    return _engine


def is_sqlite(engine: Engine | None = None) -> bool:
    return (engine or current_engine()).engine_type == "sqlite"


def transaction():
    """A write transaction that takes its lock up front.

    On SQLite a deferred transaction that reads and then writes fails with "database is locked"
    under concurrency; BEGIN IMMEDIATE queues writers instead. PostgreSQL relies on conditional
    writes and unique indexes for correctness.
    """
    engine = current_engine()
    if isinstance(engine, SQLiteEngine):
        return engine.transaction(transaction_type=TransactionType.immediate)
    return engine.transaction()


def batches(items: list, size: int = 500) -> Iterator[list]:
    """``items`` in lists of at most ``size``, so one statement's bound values stay well under
    each engine's limit however many rows a change touches."""
    iterator = iter(items)
    while batch := list(islice(iterator, size)):
        yield batch


async def lock_row(table, row_id: int) -> None:
    """Inside a transaction, make other writers of this row wait until we commit.

    PostgreSQL needs SELECT ... FOR UPDATE for read-then-write sequences under READ COMMITTED;
    on SQLite the IMMEDIATE transaction already holds the only write lock.
    """
    if not is_sqlite():
        await table.raw(f"SELECT id FROM {table._meta.tablename} WHERE id = {{}} FOR UPDATE", row_id)


async def read_flag_for_share(table, row_id: int, column: str) -> bool:
    """Inside a transaction: ``column`` of the row, read so a writer changing it waits for us.

    FOR SHARE on PostgreSQL: readers don't block each other, but an UPDATE of the row waits until
    we commit, so a decision taken on this value can't be overtaken. SQLite's IMMEDIATE
    transaction already excludes other writers.
    """
    lock = "" if is_sqlite() else " FOR SHARE"
    rows = await table.raw(f"SELECT {column} FROM {table._meta.tablename} WHERE id = {{}}{lock}", row_id)
    return bool(rows and rows[0][column])


async def change_marker() -> object | None:
    """A value that changes whenever a transaction commits to the database, from any process.

    SQLite: the connection's PRAGMA data_version, which costs no table read. PostgreSQL: the
    write-ahead log's insert position, which every commit moves forward (other writes to the
    cluster move it too, which only costs a cache entry; a commit becomes visible a moment after
    its log record is inserted, so a page rendered in that moment can lag until its entry's
    maximum age). Not the log's write position: the log writer moves that on its own, a moment
    after the records it writes, which would throw away pages rendered in between. None where
    neither can be read (a PostgreSQL replica, for one).
    """
    engine = current_engine()
    if (counter := _query_counter.get()) is not None:
        counter[0] += 1
    if isinstance(engine, ReusedConnectionSQLiteEngine):
        reader = engine.reader()
        return id(reader), reader.execute("PRAGMA data_version").fetchone()["data_version"]
    try:
        rows = await engine.run_ddl("SELECT pg_current_wal_insert_lsn()::text AS position")
    except asyncpg.PostgresError:
        return None
    return rows[0]["position"]


def is_unique_violation(exc: BaseException) -> bool:
    """True when ``exc`` is a unique-constraint violation on either engine."""
    if isinstance(exc, UniqueViolationError):
        return True
    if isinstance(exc, sqlite3.IntegrityError):
        return getattr(exc, "sqlite_errorcode", None) in _SQLITE_UNIQUE_CODES
    return False


def is_overlap_violation(exc: BaseException) -> bool:
    """True when ``exc`` is the database refusing two overlapping live bookings of one team member.

    PostgreSQL: the exclusion constraint ``booking_member_no_overlap``; SQLite: the triggers that
    raise ``booking_member_overlap`` (see the team migration).
    """
    if isinstance(exc, ExclusionViolationError):
        return True
    if isinstance(exc, sqlite3.IntegrityError):
        return "booking_member_overlap" in str(exc)
    return False


def is_foreign_key_violation(exc: BaseException) -> bool:
    """True when ``exc`` is a row still referenced elsewhere (or a missing referenced row)."""
    if isinstance(exc, ForeignKeyViolationError):
        return True
    if isinstance(exc, sqlite3.IntegrityError):
        return getattr(exc, "sqlite_errorcode", None) == sqlite3.SQLITE_CONSTRAINT_FOREIGNKEY
    return False


@dataclass
class SqlValues:
    """A raw SQL text's values for Piccolo's {} placeholders, in the order the text places them."""

    args: list = field(default_factory=list)

    def bind(self, value: object) -> str:
        self.args.append(value)
        return "{}"


def instant_from_db(value: datetime | str) -> datetime:
    """A timestamptz value as an aware datetime; aggregates (MIN, MAX) return text on SQLite."""
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return value if value.tzinfo else value.replace(tzinfo=UTC)


async def database_takes_writes(timeout_seconds: float = 0.5) -> bool:
    """Whether a write could start now: SQLite's write lock is free within ``timeout_seconds``
    (taken and let go at once), or the PostgreSQL server is a primary that accepts writes."""
    engine = current_engine()
    if isinstance(engine, ReusedConnectionSQLiteEngine):
        return await engine.writes_available(deadline_seconds=timeout_seconds)
    try:
        async with asyncio.timeout(timeout_seconds):
            rows = await engine.run_ddl(
                "SELECT NOT pg_is_in_recovery() AND current_setting('transaction_read_only') = 'off' AS ok"
            )
    except Exception:  # a health check reports any failure as "cannot write"
        return False
    return bool(rows) and rows[0]["ok"] is True


async def database_is_reachable(timeout_seconds: float = 3.0) -> bool:
    try:
        async with asyncio.timeout(timeout_seconds):
            rows = await current_engine().run_ddl("SELECT 1 AS ok")
    except Exception:  # any failure to reach the database means "unreachable" to a health check
        return False
    return bool(rows) and rows[0]["ok"] == 1


async def prepare(engine: Engine) -> None:
    """One-time database settings made at bootstrap: SQLite's write-ahead log persists in the file."""
    if isinstance(engine, SQLiteEngine):
        Path(engine.path).parent.mkdir(parents=True, exist_ok=True)
        await engine.run_ddl("PRAGMA journal_mode=WAL")


async def open_pool(engine: Engine, max_size: int = 10) -> None:
    if isinstance(engine, PostgresEngine):
        await engine.start_connection_pool(max_size=max_size)


async def close_pool(engine: Engine) -> None:
    if isinstance(engine, PostgresEngine):
        await engine.close_connection_pool()
