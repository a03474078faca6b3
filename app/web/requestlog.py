"""One log line per request, a request id on every response and log record, JSON lines on stderr.

Each request gets an id (a sane ``X-Request-ID`` from the proxy in front, else a fresh one),
returned in the ``X-Request-ID`` response header and attached to every record logged while the
request is handled, so an error can be found from the id a person or a proxy log quotes. When the
response is sent, ``cityloop.requests`` logs the method, the route's path template (not the URL:
no ids or query strings, and a bounded set of values), the status and the duration.

Records are queued by the thread that logs them, then rendered as one JSON object per line and
written to stderr by a background thread, so a slow terminal or pipe never holds up a request.
"""

from __future__ import annotations

import json
import logging
import queue
import re
import secrets
import sys
import time
from contextvars import ContextVar
from logging.handlers import QueueHandler, QueueListener

from litestar.datastructures import MutableScopeHeaders
from litestar.types import ASGIApp, Message, Receive, Scope, Send

REQUEST_ID_HEADER = "x-request-id"
# What a proxy's id may look like to be reused (nginx's $request_id, a UUID, ...): nothing that
# could forge a log line or grow without bound.
SANE_REQUEST_ID = re.compile(r"[A-Za-z0-9._:-]{1,64}")
request_logger = logging.getLogger("cityloop.requests")
current_request_id: ContextVar[str | None] = ContextVar("current_request_id", default=None)
# Attributes every LogRecord has; anything else on a record was passed in ``extra`` and is logged.
# (uvicorn adds ``color_message``, its message with terminal colours.)
_RECORD_ATTRIBUTES = frozenset(logging.LogRecord("", 0, "", 0, "", (), None).__dict__) | {
    "message",
    "asctime",
    "taskName",
    "color_message",
}
_plain_record_factory = logging.getLogRecordFactory()


def request_id_for(scope: Scope) -> str:
    for name, value in scope["headers"]:
        if name == b"x-request-id":
            incoming = value.decode("latin-1")
            if SANE_REQUEST_ID.fullmatch(incoming):
                return incoming
            break
    return secrets.token_hex(8)


class RequestLogMiddleware:
    """Outermost ASGI layer: it sees unmatched paths (404) and framework errors too."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        request_id = request_id_for(scope)
        reset = current_request_id.set(request_id)
        status = 500  # if nothing is sent, the client saw the connection fail

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                MutableScopeHeaders.from_message(message)[REQUEST_ID_HEADER] = request_id
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            duration_ms = round((time.perf_counter() - started) * 1000, 1)
            path = scope.get("path_template")  # None when no route matched
            request_logger.info(
                "%s %s %s %.1f ms",
                scope["method"],
                path or "(no route)",
                status,
                duration_ms,
                extra={"method": scope["method"], "path": path, "status": status, "duration_ms": duration_ms},
            )
            current_request_id.reset(reset)


def _record_with_request_id(*args, **kwargs) -> logging.LogRecord:
    record = _plain_record_factory(*args, **kwargs)
    record.request_id = current_request_id.get()
    return record


def request_ids_in_log_records() -> None:
    """Every record logged while a request is handled carries its id, whichever logger, handler
    or thread formats it (records outside requests carry None)."""
    logging.setLogRecordFactory(_record_with_request_id)


class JsonFormatter(logging.Formatter):
    """``{"time": ..., "level": ..., "logger": ..., "message": ..., <extra fields>, "exception": ...}``."""

    def format(self, record: logging.LogRecord) -> str:
        moment = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(record.created))
        entry = {
            "time": f"{moment}.{int(record.msecs):03d}Z",
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        for key, value in record.__dict__.items():
            if key not in _RECORD_ATTRIBUTES:
                entry[key] = value
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, default=str)


class BackgroundStderrHandler(QueueHandler):
    """Queues records for a thread of its own, which formats them and writes them to stderr.

    The request's thread only creates the record: the records never leave this process, so they
    need no flattening before they are queued. Closing drains the queue.
    """

    def __init__(self) -> None:
        super().__init__(queue.SimpleQueue())
        self.stream_handler = logging.StreamHandler(sys.stderr)
        self.listener = QueueListener(self.queue, self.stream_handler)
        self.listener.start()

    def setFormatter(self, fmt: logging.Formatter | None) -> None:
        super().setFormatter(fmt)
        self.stream_handler.setFormatter(fmt)

    def prepare(self, record: logging.LogRecord) -> logging.LogRecord:
        return record

    def close(self) -> None:
        listener, self.listener = self.listener, None
        if listener is not None:  # logging may close a handler twice
            listener.stop()  # writes what is queued, then ends the thread
        super().close()
