"""Drive the wrk load generator (Debian's /usr/bin/wrk 4.1) and read its results as numbers.

wrk accepts one Lua script, so ``run_wrk`` writes one to a temporary file: ``lua/report.lua`` (which
prints the results as one JSON line from ``done()``), then ``lua/status.lua`` when statuses are
counted, then the scenario script, if any. See the Lua files for their contracts.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

LUA_DIR = Path(__file__).parent / "lua"
REPORT_SCRIPT = LUA_DIR / "report.lua"
STATUS_SCRIPT = LUA_DIR / "status.lua"
# Scenarios: POST one pre-generated line per request / GET with extra headers or several paths.
HOLD_SCRIPT = LUA_DIR / "hold.lua"
GET_SCRIPT = LUA_DIR / "get.lua"

REQUESTS_FILE_ENV = "BENCH_REQUESTS_FILE"  # hold.lua: the file of request lines
THREADS_ENV = "BENCH_WRK_THREADS"  # wrk's -t, which the Lua scripts can't see otherwise
GET_HEADERS_ENV = "BENCH_GET_HEADERS"  # get.lua: "Name: value" lines
GET_PATHS_FILE_ENV = "BENCH_GET_PATHS_FILE"  # get.lua: paths, one per line
RESULT_PREFIX = "BENCH_RESULT "


class WrkError(RuntimeError):
    """wrk is missing, failed, or printed no result."""


@dataclass(frozen=True)
class WrkResult:
    rps: float  # completed responses (any status) per second of the run
    p50_ms: float
    p99_ms: float
    requests: int  # completed responses
    errors: int  # socket errors (connect, read, write, timeout) + non_2xx_3xx
    non_2xx_3xx: int  # wrk's count: responses with a status above 399
    status_counts: dict[int, int] | None  # per status code; None when statuses were not counted
    duration_s: float = 0.0
    p90_ms: float = 0.0
    max_ms: float = 0.0
    socket_errors: dict[str, int] = field(default_factory=dict)  # connect, read, write, timeout
    # Scenario counters summed over wrk's threads; hold.lua: lines_loaded, lines_sent, exhausted_threads.
    counters: dict[str, int] = field(default_factory=dict)

    @property
    def exhausted(self) -> bool:
        """A hold run ran out of request lines: some connections idled, so ``rps`` is too low."""
        return self.counters.get("exhausted_threads", 0) > 0

    def status_class(self, hundreds: int) -> int:
        """Responses in one class, e.g. ``status_class(2)`` for 2xx (needs counted statuses)."""
        if self.status_counts is None:
            raise ValueError("statuses were not counted: run_wrk(..., count_statuses=True)")
        return sum(n for code, n in self.status_counts.items() if code // 100 == hundreds)


class WrkNotFound(WrkError):
    pass


def find_wrk() -> str:
    """The wrk executable, or a WrkNotFound saying how to install it."""
    path = shutil.which("wrk")
    if path is None:
        raise WrkNotFound("wrk is not installed: `apt-get install wrk` (Debian's package, wrk 4.1)")
    return path


def ensure_wrk() -> str:
    """``find_wrk()``, installing Debian's package first when wrk is missing and we run as root."""
    try:
        return find_wrk()
    except WrkNotFound:
        apt_get = shutil.which("apt-get")
        if os.geteuid() != 0 or apt_get is None:
            raise
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    install = [apt_get, "install", "-y", "--no-install-recommends", "wrk"]
    if subprocess.run(install, env=env, check=False).returncode != 0:
        # A fresh container has no package lists yet.
        subprocess.run([apt_get, "update"], env=env, check=True)
        subprocess.run(install, env=env, check=True)
    return find_wrk()


def write_requests_file(path: str | Path, lines: Iterable[tuple[str, str, str, str]]) -> int:
    """Write hold.lua's request file from (path, cookie, csrf_token, urlencoded body) tuples.

    Returns the number of lines. Tabs or line breaks inside a field would break the format.
    """
    count = 0
    with open(path, "w", encoding="utf-8", newline="\n") as out:
        for fields in lines:
            if len(fields) != 4 or any(("\t" in f or "\n" in f or "\r" in f) for f in fields):
                raise ValueError(f"line {count + 1}: four fields without tabs or line breaks: {fields!r}")
            if not fields[0].startswith("/"):
                raise ValueError(f"line {count + 1}: the path must start with '/': {fields[0]!r}")
            out.write("\t".join(fields) + "\n")
            count += 1
    return count


def parse_report(stdout: str, *, stderr: str = "") -> WrkResult:
    """The WrkResult from wrk's output (the JSON line report.lua prints)."""
    line = next((x for x in reversed(stdout.splitlines()) if x.startswith(RESULT_PREFIX)), None)
    if line is None:
        raise WrkError(f"wrk printed no result line.\nstdout:\n{stdout[-2000:]}\nstderr:\n{stderr[-2000:]}")
    report = json.loads(line.removeprefix(RESULT_PREFIX))
    duration_s = report["duration_us"] / 1e6
    latency = {name: (value or 0) / 1000 for name, value in report["latency_us"].items()}
    errors = report["errors"]
    socket_errors = {name: int(errors[name]) for name in ("connect", "read", "write", "timeout")}
    non_2xx_3xx = int(errors["status"])
    status_counts = None
    if report["status_counted"]:
        status_counts = {int(code): int(n) for code, n in report["status"].items()}
    return WrkResult(
        rps=report["requests"] / duration_s if duration_s else 0.0,
        p50_ms=latency["p50"],
        p99_ms=latency["p99"],
        requests=int(report["requests"]),
        errors=sum(socket_errors.values()) + non_2xx_3xx,
        non_2xx_3xx=non_2xx_3xx,
        status_counts=status_counts,
        duration_s=duration_s,
        p90_ms=latency["p90"],
        max_ms=latency["max"],
        socket_errors=socket_errors,
        counters={name: int(n) for name, n in report["counters"].items()},
    )


def build_script(script: str | Path | None, *, count_statuses: bool) -> str:
    """The single Lua script wrk gets: report.lua, status.lua if counting, then the scenario."""
    parts = [REPORT_SCRIPT]
    if count_statuses:
        parts.append(STATUS_SCRIPT)
    if script is not None:
        parts.append(Path(script))
    return "\n".join(f"-- ===== {part.name} =====\n{part.read_text(encoding='utf-8')}" for part in parts)


def run_wrk(
    url: str,
    *,
    connections: int = 64,
    threads: int = 2,
    duration_s: int = 10,
    script: str | Path | None = None,
    headers: Mapping[str, str] | None = None,
    env: Mapping[str, str] | None = None,
    count_statuses: bool = False,
    request_timeout_s: int = 10,
    timeout_s: float | None = None,
    wrk: str | None = None,
) -> WrkResult:
    """Load ``url`` with wrk and return what it measured.

    ``script``: a scenario (``HOLD_SCRIPT``, ``GET_SCRIPT``, or another file that leaves
    ``setup``/``done`` to report.lua); ``env`` is added to this process's environment for it (e.g.
    ``{REQUESTS_FILE_ENV: path}``). ``count_statuses`` counts per status code for scenarios that
    don't already (hold.lua does); it slows wrk a little. ``request_timeout_s`` is wrk's
    ``--timeout``: a slower response counts as a timeout error, not as a latency. ``timeout_s``
    bounds the whole wrk process (default: the duration plus 30 s).
    """
    if connections < threads:
        raise ValueError("wrk needs at least one connection per thread")
    executable = wrk or find_wrk()
    run_env = {**os.environ, **(env or {}), THREADS_ENV: str(threads)}
    with tempfile.TemporaryDirectory(prefix="bench-wrk-") as tmp:
        script_path = Path(tmp) / "run.lua"
        script_path.write_text(build_script(script, count_statuses=count_statuses), encoding="utf-8")
        command = [
            executable,
            f"--threads={threads}",
            f"--connections={connections}",
            f"--duration={duration_s}s",
            f"--timeout={request_timeout_s}s",
            "--latency",
            f"--script={script_path}",
        ]
        for name, value in (headers or {}).items():
            command.append(f"--header={name}: {value}")
        command.append(url)
        try:
            completed = subprocess.run(
                command,
                env=run_env,
                capture_output=True,
                text=True,
                timeout=timeout_s if timeout_s is not None else duration_s + 30,
                check=False,
            )
        except subprocess.TimeoutExpired as exc:
            raise WrkError(f"wrk did not finish within {exc.timeout} s: {' '.join(command)}") from None
    if completed.returncode != 0:
        raise WrkError(
            f"wrk exited with {completed.returncode}: {' '.join(command)}\n"
            f"stdout:\n{completed.stdout[-2000:]}\nstderr:\n{completed.stderr[-2000:]}"
        )
    return parse_report(completed.stdout, stderr=completed.stderr)
