"""Servers under test: uvicorn with two workers on a free loopback port, what they cost, and
localstripe beside them.

CPU time and memory are read from /proc for the worker processes (the master only supervises),
so "server CPU per request" excludes the load generator running on the same machine. A server can
also be killed with SIGKILL, master and workers at once, and started again on the same port.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx

PROJECT_ROOT = Path(__file__).resolve().parent.parent
WORKERS = 2
STARTUP_SECONDS = 60
_TICKS_PER_SECOND = os.sysconf("SC_CLK_TCK")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _children(pid: int) -> list[int]:
    """The worker processes: the master's children except multiprocessing's resource tracker."""
    try:
        text = Path(f"/proc/{pid}/task/{pid}/children").read_text()
    except OSError:
        return []
    workers = []
    for child in map(int, text.split()):
        try:
            if b"resource_tracker" not in Path(f"/proc/{child}/cmdline").read_bytes():
                workers.append(child)
        except OSError:
            continue
    return workers


def _cpu_seconds(pid: int) -> float:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / _TICKS_PER_SECOND  # utime + stime


def _rss_mb(pid: int) -> float:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


@dataclass
class Server:
    """A running uvicorn (master + workers, or one process); use as a context manager."""

    name: str
    factory: str
    env: dict[str, str]
    log_path: Path
    ready_path: str = "/healthz"
    worker_count: int = WORKERS
    port: int = 0  # kept when the server is started again
    process: subprocess.Popen | None = None

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def __enter__(self) -> Server:
        return self.start()

    def start(self) -> Server:
        self.launch()
        self.wait_until_ready()
        return self

    def launch(self) -> None:
        self.port = self.port or free_port()
        command = [
            sys.executable, "-m", "app.serve", "--factory", self.factory,
            "--host", "127.0.0.1", "--port", str(self.port), "--workers", str(self.worker_count),
            "--no-access-log", "--no-server-header", "--log-level", "warning",
        ]  # fmt: skip
        self.log = self.log_path.open("a")
        self.process = subprocess.Popen(
            command,
            cwd=PROJECT_ROOT,
            env={**os.environ, **self.env},
            stdout=self.log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def wait_until_ready(self) -> None:
        """Until every worker answers; a server that does not come up is stopped."""
        try:
            self._wait_until_ready()
        except BaseException:
            self.__exit__()
            raise

    def _wait_until_ready(self) -> None:
        deadline = time.monotonic() + STARTUP_SECONDS
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"{self.name} stopped during start-up; see {self.log_path}")
            try:
                # Every worker must answer, so hit the port until both have been seen busy.
                if httpx.get(f"{self.base_url}{self.ready_path}", timeout=2).status_code == 200 and (
                    len(self.workers()) == self.worker_count
                ):
                    for _ in range(20):
                        httpx.get(f"{self.base_url}{self.ready_path}", timeout=2)
                    return
            except httpx.TransportError:
                pass
            time.sleep(0.2)
        raise RuntimeError(f"{self.name} did not start within {STARTUP_SECONDS} s; see {self.log_path}")

    def workers(self) -> list[int]:
        if not self.process:
            return []
        return [self.process.pid] if self.worker_count == 1 else _children(self.process.pid)

    def cpu_seconds(self) -> float:
        return sum(_cpu_seconds(pid) for pid in self.workers())

    def rss_mb(self) -> float:
        """The largest worker's resident memory."""
        return max((_rss_mb(pid) for pid in self.workers()), default=0.0)

    def kill(self) -> None:
        """SIGKILL to master and workers at once, as a crash of the machine would stop them."""
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait()
        self.log.close()

    def __exit__(self, *exc) -> None:
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()
        self.log.close()


@contextmanager
def running(servers: list[Server]) -> Iterator[list[Server]]:
    """Several servers, their start-ups side by side; all stopped at the end."""
    try:
        for server in servers:
            server.launch()
        for server in servers:
            server.wait_until_ready()
        yield servers
    finally:
        for server in servers:
            if server.process:
                server.__exit__()


@contextmanager
def localstripe() -> Iterator[str]:
    """The Stripe emulator on a free loopback port (state in memory only); yields its URL."""
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "app.cli", "localstripe", "--port", str(port)],
        cwd=PROJECT_ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                httpx.get(f"{url}/v1/customers", timeout=1)
                break
            except httpx.TransportError:
                if process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError("localstripe did not start") from None
                time.sleep(0.1)
        yield url
    finally:
        process.terminate()
        process.wait(timeout=10)
