"""Piccolo's SQLite engine with connections that live as long as the worker, and writers that queue.

The stock engine opens a new connection, and a new thread, for every single query: most of a page's
time went there. This engine keeps one reading and one writing connection and runs statements at
once, on the event loop's thread:

- Reads outside a transaction use the read-only connection. In WAL mode a reader never waits for
  a writer, and a page's few small queries cost less than a hop to a thread and back.
- Writes and transactions use the writer. A transaction whose statements run without a hop never
  gives the loop away, so it holds SQLite's write lock only for the time its SQL takes (with a
  thread per statement, the lock was held across several turns of a busy loop and writers from
  the other workers piled up behind it).
- Writers queue first on an asyncio lock (this worker), then on an advisory file lock beside the
  database (all workers), then on SQLite's own write lock (anyone else: a backup, a shell), each
  taken without blocking and retried after a short sleep, all within one deadline. SQLite's busy
  handler would wait on the loop's thread and freeze every request of the worker, so the writer
  connection has no busy timeout at all; the loop keeps serving reads while a writer waits, and a
  writer that runs out of time fails with "database is locked", which the error pages turn into a
  503 with Retry-After.
"""

from __future__ import annotations

import asyncio
import fcntl
import os
import sqlite3
import threading
import time
import weakref
from typing import Any

from piccolo.engine.sqlite import SQLiteEngine, SQLiteTransaction, TransactionType, dict_factory

_READ_PREFIXES = ("SELECT", "EXPLAIN")
# Statements SQLite refuses inside a transaction.
_OUTSIDE_TRANSACTION_PREFIXES = ("PRAGMA", "VACUUM")
# Waits for the file lock: short sleeps, since a holder keeps it for a fraction of a millisecond.
_LOCK_RETRY_SECONDS = 0.0005
# Waits for SQLite's lock held by a program that isn't a worker: back off up to this.
_FOREIGN_LOCK_RETRY_MAX_SECONDS = 0.05
# A read waits at most this long on the loop's thread: in WAL mode readers are only ever held up
# for a moment (while another connection recovers the log), never by a writer.
_READ_BUSY_TIMEOUT_SECONDS = 0.25


def _is_read(sql: str) -> bool:
    return sql.lstrip()[:7].upper().startswith(_READ_PREFIXES)


def _is_locked(exc: sqlite3.OperationalError) -> bool:
    return getattr(exc, "sqlite_errorcode", None) in (sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED)


def _locked_error() -> sqlite3.OperationalError:
    return sqlite3.OperationalError("database is locked")


def _fetch(connection: sqlite3.Connection, sql: str, args: list[Any]) -> list[dict]:
    cursor = connection.execute(sql, args)
    try:
        return cursor.fetchall()  # to the end, so the statement ends its read snapshot now
    finally:
        cursor.close()


class _Writer:
    """The writing connection of one event loop, and the locks that admit one writer at a time."""

    def __init__(self, connection: sqlite3.Connection, lock_path: str, deadline_seconds: float) -> None:
        self.connection = connection
        self.lock = asyncio.Lock()
        self._lock_file = os.open(lock_path, os.O_RDWR | os.O_CREAT, 0o644)
        self.deadline_seconds = deadline_seconds

    async def acquire(self, *, begin: bool = True, deadline_seconds: float | None = None) -> None:
        """Wait for this worker's turn, then every other worker's, then SQLite's write lock
        (``BEGIN IMMEDIATE``; without ``begin`` for statements that can't run in a transaction),
        all within one deadline."""
        seconds = self.deadline_seconds if deadline_seconds is None else deadline_seconds
        deadline = time.monotonic() + seconds
        try:
            async with asyncio.timeout(seconds):
                await self.lock.acquire()
        except TimeoutError:
            raise _locked_error() from None
        try:
            while True:
                try:
                    fcntl.flock(self._lock_file, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    break
                except BlockingIOError:
                    if time.monotonic() > deadline:
                        raise _locked_error() from None
                    await asyncio.sleep(_LOCK_RETRY_SECONDS)
            if begin:
                await self._begin(deadline)
        except BaseException:
            fcntl.flock(self._lock_file, fcntl.LOCK_UN)
            self.lock.release()
            raise

    async def _begin(self, deadline: float) -> None:
        pause = _LOCK_RETRY_SECONDS
        while True:
            try:
                self.connection.execute("BEGIN IMMEDIATE")
                return
            except sqlite3.OperationalError as exc:
                if not _is_locked(exc) or time.monotonic() > deadline:
                    raise
            await asyncio.sleep(pause)
            pause = min(pause * 2, _FOREIGN_LOCK_RETRY_MAX_SECONDS)

    def release(self) -> None:
        if self.connection.in_transaction:  # a transaction must never outlive its turn
            self.connection.execute("ROLLBACK")
        fcntl.flock(self._lock_file, fcntl.LOCK_UN)
        self.lock.release()

    def fetch(self, sql: str, args: list[Any] | None = None) -> list[dict]:
        return _fetch(self.connection, sql, args or [])

    async def execute(self, sql: str) -> None:
        """A statement without rows; the name lets Piccolo's savepoints use the writer."""
        self.fetch(sql)

    def close(self) -> None:
        self.connection.close()
        os.close(self._lock_file)


class ReusedConnectionTransaction(SQLiteTransaction):
    """A transaction on the loop's writer connection, holding the writer's locks until it ends."""

    __slots__ = ("writer",)

    async def __aenter__(self) -> ReusedConnectionTransaction:
        if self._parent is not None:
            return self._parent
        self.writer = self.engine.writer()
        # Always IMMEDIATE, whatever type was asked for: the writer's turn is exclusive anyway, and a
        # deferred transaction would meet SQLite's lock at its first write, with no way left to wait.
        await self.writer.acquire()
        self.connection = self.writer
        self.context = self.engine.current_transaction.set(self)
        return self

    async def begin(self):  # done in __aenter__, after the locks
        raise NotImplementedError

    async def commit(self):
        self.writer.fetch("COMMIT")
        self._committed = True

    async def rollback(self):
        self.writer.fetch("ROLLBACK")
        self._rolled_back = True

    async def __aexit__(self, exception_type, exception, traceback) -> bool:
        if self._parent:
            return exception is None
        try:
            if exception:
                if not self._rolled_back:
                    await self.rollback()
            elif not self._committed and not self._rolled_back:
                await self.commit()
        finally:
            self.engine.current_transaction.reset(self.context)
            self.writer.release()  # rolls back whatever a failed COMMIT left open
        return exception is None


class ReusedConnectionSQLiteEngine(SQLiteEngine):
    def __init__(self, path: str, write_deadline_seconds: float = 5, **connection_kwargs) -> None:
        super().__init__(path=path, check_same_thread=False, **connection_kwargs)
        self.write_deadline_seconds = write_deadline_seconds
        self._readers = threading.local()
        # One writer per event loop: tests and tools may drive the engine from several loops.
        self._writers: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, _Writer] = (
            weakref.WeakKeyDictionary()
        )

    def _connect(self, *, read_only: bool) -> sqlite3.Connection:
        # The writer never busy-waits on the loop's thread: _Writer waits for the lock itself.
        timeout = _READ_BUSY_TIMEOUT_SECONDS if read_only else 0
        connection = sqlite3.connect(**{**self.connection_kwargs, "timeout": timeout})
        connection.row_factory = dict_factory
        connection.execute("PRAGMA foreign_keys = ON")
        if read_only:
            connection.execute("PRAGMA query_only = ON")
        else:
            # In WAL mode NORMAL keeps the database consistent and skips an fsync per commit.
            connection.execute("PRAGMA synchronous = NORMAL")
        return connection

    def reader(self) -> sqlite3.Connection:
        connection = getattr(self._readers, "connection", None)
        if connection is None:
            connection = self._readers.connection = self._connect(read_only=True)
        return connection

    def writer(self) -> _Writer:
        loop = asyncio.get_running_loop()
        writer = self._writers.get(loop)
        if writer is None:
            connection = self._connect(read_only=False)
            writer = self._writers[loop] = _Writer(
                connection, f"{self.path}.writelock", self.write_deadline_seconds
            )
            weakref.finalize(loop, writer.close)
        return writer

    def transaction(
        self,
        transaction_type: TransactionType = TransactionType.deferred,
        allow_nested: bool = True,
    ) -> ReusedConnectionTransaction:
        return ReusedConnectionTransaction(
            engine=self, transaction_type=transaction_type, allow_nested=allow_nested
        )

    async def _run(self, sql: str, args: list[Any] | None) -> list[dict]:
        if (transaction := self.current_transaction.get()) is not None:
            return transaction.writer.fetch(sql, args)
        if _is_read(sql):
            return _fetch(self.reader(), sql, args or [])
        writer = self.writer()
        in_transaction = not sql.lstrip()[:6].upper().startswith(_OUTSIDE_TRANSACTION_PREFIXES)
        await writer.acquire(begin=in_transaction)
        try:
            rows = writer.fetch(sql, args)
            if in_transaction:
                writer.fetch("COMMIT")
            return rows
        finally:
            writer.release()

    async def writes_available(self, *, deadline_seconds: float) -> bool:
        """Whether a writer gets SQLite's write lock within ``deadline_seconds`` (then let it go)."""
        writer = self.writer()
        try:
            await writer.acquire(deadline_seconds=deadline_seconds)
        except sqlite3.OperationalError:
            return False
        writer.release()
        return True

    async def run_querystring(self, querystring, in_pool: bool = False):
        query, args = querystring.compile_string(engine_type=self.engine_type)
        if self.log_queries:
            self.print_query(query_id=self.get_query_id(), query=query)
        return await self._run(query, args)

    async def run_ddl(self, ddl: str, in_pool: bool = False):
        if self.log_queries:
            self.print_query(query_id=self.get_query_id(), query=ddl)
        return await self._run(ddl, None)
