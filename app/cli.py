"""Command line: ``python -m app.cli migrate | load-demo | run | localstripe | reconcile-payments``.

``run`` is what ``make run`` calls: migrate, load the demo city into an empty database, start the
Stripe emulator and the site on 127.0.0.1, and stop everything on Ctrl-C.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import pickle
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit

import httpx

from app import database
from app.settings import PROJECT_ROOT, Settings, SettingsError
from app.shared.clock import SystemClock

STARTUP_TIMEOUT_SECONDS = 30


async def migrate(settings: Settings) -> None:
    """Apply every migration to the configured database (and turn on SQLite's write-ahead log)."""
    if str(PROJECT_ROOT) not in sys.path:
        sys.path.insert(0, str(PROJECT_ROOT))
    from piccolo.apps.migrations.commands.forwards import run_forwards

    import piccolo_conf

    engine = database.engine_from_url(settings.database_url)
    piccolo_conf.DB = engine  # Piccolo's migration runner looks the engine up here
    database.bind(engine)
    await database.prepare(engine)
    result = await run_forwards(app_name="all")
    if not result.success:
        raise SystemExit(f"Migrations failed: {result.message}")


async def load_demo(settings: Settings) -> list[str]:
    """Load the demo city if the database is empty; return the demo accounts that exist."""
    from app.accounts.tables import UserAccount
    from app.demo.data import DEMO_ACCOUNTS
    from app.demo.loader import load_demo_city

    database.bind(database.engine_from_url(settings.database_url))
    if await load_demo_city(settings, now=SystemClock().now()):
        print("Loaded the demo city into the empty database.", flush=True)
    emails = [account.email for account in DEMO_ACCOUNTS]
    rows = await UserAccount.select(UserAccount.email).where(UserAccount.email.is_in(emails))
    present = {row["email"] for row in rows}
    return [email for email in emails if email in present]


async def verify_provider(settings: Settings, slug: str) -> str:
    """Make a provider public with the verified badge; returns its name."""
    from app.catalog.tables import Provider
    from app.shared.errors import DomainError
    from app.standing.services import CLI_VERIFICATION_NOTE, provider_verify

    database.bind(database.engine_from_url(settings.database_url))
    row = await Provider.select(Provider.id, Provider.name).where(Provider.slug == slug).first()
    if row is None:
        raise SystemExit(f"No provider has the web address /providers/{slug}.")
    try:
        await provider_verify(
            provider_id=row["id"],
            note=CLI_VERIFICATION_NOTE,
            now=SystemClock().now(),
            zone=settings.city.zone,
        )
    except DomainError as error:
        raise SystemExit(error.message) from None
    return row["name"]


async def reconcile_payments(settings: Settings):
    from app.payments.services import PaymentConfig, payments_reconcile

    database.bind(database.engine_from_url(settings.database_url))
    return await payments_reconcile(config=PaymentConfig.from_settings(settings), now=SystemClock().now())


def run_localstripe(port: int, state: Path | None) -> None:
    """The Stripe emulator, bound to loopback only (its own CLI listens on every interface).

    Its state lives in ``state`` across restarts (the demo city's payments must outlive a
    restart), or only in memory; localstripe's own choice, a shared file in /tmp, would mix
    every run on the machine.
    """
    from aiohttp import web
    from localstripe import resources
    from localstripe.server import app

    store = resources.store
    if state is None:
        store.dump_to_disk = lambda: None
    else:
        if state.exists():
            # The file is the emulator's own, written by save() below in the data directory.
            store.update(pickle.loads(state.read_bytes()))  # noqa: S301

        def save() -> None:
            partial = state.with_suffix(".partial")
            partial.write_bytes(pickle.dumps(dict(store), protocol=pickle.HIGHEST_PROTOCOL))
            partial.replace(state)

        store.dump_to_disk = save
    web.run_app(app, host="127.0.0.1", port=port, print=None)


def register_local_webhook(api_base: str, receiver_url: str, secret: str) -> None:
    """Tell localstripe where to send events, signed with ``secret`` (real Stripe: the dashboard)."""
    httpx.post(
        f"{api_base}/_config/webhooks/cityloop", data={"url": receiver_url, "secret": secret}, timeout=5
    ).raise_for_status()


def server_command(port: int) -> list[str]:
    """The production server (app.serve) on loopback; settings come from the environment.

    The site logs a JSON line per request to stderr, so uvicorn's own access log is off.
    """
    return [
        sys.executable, "-m", "app.serve", "--factory", "app.main:create_app_from_env",
        "--host", "127.0.0.1", "--port", str(port), "--no-server-header", "--no-access-log",
    ]  # fmt: skip


def _wait_for(url: str, process: subprocess.Popen, what: str) -> None:
    deadline = time.monotonic() + STARTUP_TIMEOUT_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"{what} stopped during start-up (exit code {process.returncode}).")
        try:
            httpx.get(url, timeout=2)
        except httpx.TransportError:
            time.sleep(0.2)
        else:
            return  # it answered
    raise SystemExit(f"{what} did not answer at {url} within {STARTUP_TIMEOUT_SECONDS} s.")


def _port_is_free(port: int) -> bool:
    with socket.socket() as probe:
        return probe.connect_ex(("127.0.0.1", port)) != 0


def _stop(processes: list[subprocess.Popen]) -> None:
    for process in processes:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
    deadline = time.monotonic() + 10
    for process in processes:
        try:
            process.wait(timeout=max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def run(settings: Settings) -> int:
    if settings.is_production:
        raise SystemExit(
            "`make run` is for development and demos. In production apply migrations with "
            "`python -m app.cli migrate`, then start uvicorn (see README)."
        )
    port = int(os.environ.get("PORT", "8000"))
    stripe = urlsplit(settings.stripe.api_base)
    stripe_port = stripe.port or 80
    for busy, name in ((port, "PORT"), (stripe_port, "STRIPE_API_BASE")):
        if not _port_is_free(busy):
            raise SystemExit(f"Port {busy} on 127.0.0.1 is already in use: set {name} to use another one.")
    processes: list[subprocess.Popen] = []
    stopping = False

    def request_stop(signum, frame) -> None:
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGINT, request_stop)
    signal.signal(signal.SIGTERM, request_stop)
    try:
        # Own process groups: Ctrl-C reaches this supervisor only, which stops the children in order.
        # The emulator keeps its state next to the database, so both start over together.
        state = _data_directory(settings) / "localstripe.pickle"
        localstripe = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "app.cli",
                "localstripe",
                "--port",
                str(stripe_port),
                "--state",
                str(state),
            ],
            cwd=PROJECT_ROOT,
            start_new_session=True,
        )
        processes.append(localstripe)
        _wait_for(f"{settings.stripe.api_base}/v1/customers", localstripe, "The Stripe emulator")
        register_local_webhook(
            settings.stripe.api_base,
            f"http://127.0.0.1:{port}/stripe/webhook",
            settings.stripe.webhook_secret,
        )
        asyncio.run(migrate(settings))
        demo_accounts = asyncio.run(load_demo(settings))  # the demo's payments go through the emulator

        server_env = {
            **os.environ,
            "DATABASE_URL": settings.database_url,
            "APP_ENV": settings.app_env,
            "PUBLIC_URL": os.environ.get("PUBLIC_URL") or f"http://127.0.0.1:{port}",
        }
        server = subprocess.Popen(
            server_command(port),
            cwd=PROJECT_ROOT,
            env=server_env,
            start_new_session=True,
        )
        processes.append(server)
        _wait_for(f"http://127.0.0.1:{port}/healthz", server, "The web server")
        _print_banner(settings, port, demo_accounts)
        while not stopping:
            if any(process.poll() is not None for process in processes):
                print("A process stopped unexpectedly; shutting down.", file=sys.stderr, flush=True)
                return 1
            time.sleep(0.3)
        print("\nStopping Cityloop…", flush=True)
        return 0
    finally:
        _stop(processes)


def _data_directory(settings: Settings) -> Path:
    """Where the SQLite database lives (data/ for PostgreSQL)."""
    parts = urlsplit(settings.database_url)
    if parts.scheme == "sqlite":
        directory = Path(settings.database_url.removeprefix("sqlite:///")).parent
    else:
        directory = PROJECT_ROOT / "data"
    directory.mkdir(parents=True, exist_ok=True)
    return directory


def _print_banner(settings: Settings, port: int, demo_accounts: list[str]) -> None:
    from app.demo.data import DEMO_ACCOUNTS, DEMO_PASSWORD, DEMO_PROVIDER_NAME

    lines = [
        "",
        f"  Cityloop {settings.city.name} is running at http://127.0.0.1:{port}",
        f"  Stripe emulator (localstripe): {settings.stripe.api_base}",
    ]
    if demo_accounts:
        lines.append(f"  Demo accounts (password: {DEMO_PASSWORD}):")
        for account in DEMO_ACCOUNTS:
            if account.email in demo_accounts:
                extra = f", runs {DEMO_PROVIDER_NAME}" if account.role.value == "provider" else ""
                lines.append(f"    {account.email:<24} {account.role.label.lower()}{extra}")
    lines += ["  Press Ctrl-C to stop.", ""]
    print("\n".join(lines), flush=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m app.cli", description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("migrate", help="apply all database migrations")
    commands.add_parser("load-demo", help="load the demo city into an empty database")
    commands.add_parser("run", help="migrate, load the demo city and serve the site (development)")
    verify = commands.add_parser("verify-provider", help="verify a provider so it is listed publicly")
    verify.add_argument("slug", help="the provider's web address, as in /providers/<slug>")
    emulator = commands.add_parser("localstripe", help="run the Stripe emulator on 127.0.0.1")
    emulator.add_argument("--port", type=int, required=True)
    emulator.add_argument("--state", type=Path, help="keep the emulator's data in this file across restarts")
    commands.add_parser(
        "reconcile-payments", help="compare unfinished payments and refunds with Stripe and repair them"
    )
    args = parser.parse_args(argv)
    if args.command == "localstripe":
        run_localstripe(args.port, args.state)
        return 0
    try:
        settings = Settings.from_env()
    except SettingsError as exc:
        print(f"Configuration error: {exc}", file=sys.stderr)
        return 2
    if args.command == "migrate":
        asyncio.run(migrate(settings))
    elif args.command == "load-demo":
        if settings.is_production:
            print("The demo city is never loaded in production.", file=sys.stderr)
            return 2
        asyncio.run(migrate(settings))
        asyncio.run(load_demo(settings))
    elif args.command == "verify-provider":
        name = asyncio.run(verify_provider(settings, args.slug))
        print(f"{name} is verified and listed.")
    elif args.command == "run":
        return run(settings)
    elif args.command == "reconcile-payments":
        report = asyncio.run(reconcile_payments(settings))
        print(
            f"Checked {report.payments_checked} payments and {report.refunds_checked} refunds; "
            f"repaired {report.payments_changed} payments and {report.refunds_changed} refunds."
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
