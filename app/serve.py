"""Serve with uvicorn's command line, fixed for several workers: ``python -m app.serve [uvicorn options]``.

uvicorn's own lines (start-up, shut-down, and its access log unless ``--no-access-log``) are JSON
objects like the site's, so everything on stderr reads the same way (app/web/requestlog.py).

With ``--workers`` above 1, uvicorn opens the listening socket itself without naming its protocol,
so asyncio does not set TCP_NODELAY on the connections it accepts (uvicorn issue #3149). Every
response on a kept-alive connection then waits for the client's delayed ACK, about 40 ms: a
server that could answer thousands of requests a second is held to about 1,400 at 64 connections.
Re-declaring the socket as TCP (the same descriptor) restores the option in every worker.
"""

from __future__ import annotations

import copy
import importlib
import socket

import uvicorn.config

# The module: the package's attribute `uvicorn.main` is the command it defines.
uvicorn_main = importlib.import_module("uvicorn.main")

JSON_FORMATTER = {"()": "app.web.requestlog.JsonFormatter"}

_bind_socket = uvicorn.config.Config.bind_socket


def _bind_tcp_socket(config: uvicorn.config.Config) -> socket.socket:
    sock = _bind_socket(config)
    if sock.family in (socket.AF_INET, socket.AF_INET6) and sock.proto != socket.IPPROTO_TCP:
        sock = socket.socket(sock.family, sock.type, socket.IPPROTO_TCP, fileno=sock.detach())
    return sock


def json_log_config() -> dict:
    """uvicorn's logging configuration with every formatter writing JSON lines."""
    config = copy.deepcopy(uvicorn.config.LOGGING_CONFIG)
    config["formatters"] = {name: dict(JSON_FORMATTER) for name in config["formatters"]}
    return config


def main() -> None:
    uvicorn.config.Config.bind_socket = _bind_tcp_socket
    uvicorn_main.LOGGING_CONFIG = json_log_config()  # the default of --log-config
    uvicorn_main.main()


if __name__ == "__main__":
    main()
