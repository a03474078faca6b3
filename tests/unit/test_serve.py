import socket

import uvicorn.config

from app.serve import _bind_tcp_socket


def test_the_listening_socket_of_several_workers_is_declared_tcp_so_asyncio_sets_nodelay():
    config = uvicorn.config.Config("app.main:create_app_from_env", host="127.0.0.1", port=0, workers=2)
    plain = uvicorn.config.Config.bind_socket(config)
    assert plain.proto == 0  # what uvicorn hands its workers: asyncio then skips TCP_NODELAY
    plain.close()
    sock = _bind_tcp_socket(config)
    try:
        assert sock.proto == socket.IPPROTO_TCP and sock.family == socket.AF_INET
        assert sock.getsockname()[0] == "127.0.0.1"
    finally:
        sock.close()
