"""`easyways serve` as a real process on the embedded servers: it comes up with no settings,
serves GraphQL, sends e-mail through its worker, stops cleanly on Ctrl-C and keeps its data."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import psutil
import pytest

pytestmark = pytest.mark.slow

READY_TIMEOUT_SECONDS = 120
STOP_TIMEOUT_SECONDS = 20
ADMIN = {"email": "admin@easyways.example", "password": "Admin!Easyways2026"}
LOGIN = """mutation($input: LoginInput!) {
  login(input: $input) { accessToken errors { field code message } }
}"""
REGISTER = """mutation($input: RegisterInput!) {
  register(input: $input) { errors { field code message } }
}"""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def serve_env(data_dir: Path) -> dict[str, str]:
    """No DATABASE_URL / REDIS_URL (the test session exported its own): embedded servers."""
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL"}}
    env.update(EASYWAYS_ENV="development", DATA_DIR=str(data_dir), LOG_JSON="true")
    return env


class Server:
    def __init__(self, data_dir: Path, *args: str) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log_path = data_dir.parent / f"serve-{self.port}.log"
        self.log = self.log_path.open("wb")
        self.process = subprocess.Popen(  # noqa: S603 - our own interpreter and module
            [sys.executable, "-m", "app.cli", "serve", "--port", str(self.port), *args],
            env=serve_env(data_dir),
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )

    def log_tail(self) -> str:
        self.log.flush()
        return self.log_path.read_text(errors="replace")[-4000:]

    def wait_ready(self) -> None:
        deadline = time.monotonic() + READY_TIMEOUT_SECONDS
        while time.monotonic() < deadline:
            assert self.process.poll() is None, f"serve exited early:\n{self.log_tail()}"
            try:
                if httpx.get(f"{self.url}/readyz", timeout=2).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            time.sleep(0.5)
        raise AssertionError(f"not ready after {READY_TIMEOUT_SECONDS} s:\n{self.log_tail()}")

    def graphql(self, query: str, **variables: Any) -> dict[str, Any]:
        response = httpx.post(
            f"{self.url}/graphql", json={"query": query, "variables": variables}, timeout=30
        )
        assert response.status_code == 200, response.text
        body: dict[str, Any] = response.json()
        assert "errors" not in body, body
        return body["data"]

    def interrupt(self) -> int:
        """Ctrl-C; returns the exit code, waiting at most STOP_TIMEOUT_SECONDS."""
        self.process.send_signal(signal.SIGINT)
        try:
            return self.process.wait(STOP_TIMEOUT_SECONDS)
        finally:
            self.log.close()

    def kill(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait()
        self.log.close()


def processes_using(data_dir: Path) -> list[str]:
    """Processes started for `data_dir` (postgres -D <dir>/postgres, valkey in <dir>/valkey)."""
    found = []
    for proc in psutil.process_iter(["pid", "cmdline", "cwd"]):
        cmdline = " ".join(proc.info["cmdline"] or [])
        if str(data_dir) in cmdline or str(data_dir) in (proc.info["cwd"] or ""):
            found.append(f"{proc.info['pid']}: {cmdline}")
    return found


@pytest.fixture
def data_dir() -> Iterator[Path]:
    """Outside pytest's temp root: as root, pgserver runs PostgreSQL as another user, and every
    new pytest session resets that root to mode 0700."""
    base = Path(tempfile.mkdtemp(prefix="easyways-e2e-"))
    path = base / "data"
    try:
        yield path
    finally:
        for proc in psutil.process_iter(["cmdline", "cwd"]):  # never leave a server behind
            if str(path) in " ".join(proc.info["cmdline"] or []) + (proc.info["cwd"] or ""):
                proc.kill()
        shutil.rmtree(base, ignore_errors=True)


def wait_for_eml(outbox: Path, recipient: str, timeout: float = 30) -> str:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for path in outbox.glob("*.eml"):
            text = path.read_text()
            if f"To: {recipient}" in text:
                return text
        time.sleep(0.25)
    raise AssertionError(f"no e-mail to {recipient} in {outbox}")


def test_serve_runs_on_embedded_servers_stops_on_ctrl_c_and_keeps_its_data(
    data_dir: Path,
) -> None:
    first = Server(data_dir, "--seed")
    try:
        first.wait_ready()
        assert first.graphql("{ ping }") == {"ping": "pong"}
        registered = first.graphql(
            REGISTER,
            input={
                "firstName": "Eve",
                "lastName": "Endtoend",
                "email": "eve@example.com",
                "password": "Sturdy!Passw0rd-2026",
            },
        )
        assert registered["register"]["errors"] == []
        eml = wait_for_eml(data_dir / "outbox", "eve@example.com")  # relay → Redis → worker
        assert "Subject: Confirm your e-mail address" in eml
        started = time.monotonic()
        assert first.interrupt() == 0
        assert time.monotonic() - started < STOP_TIMEOUT_SECONDS
    finally:
        first.kill()
    time.sleep(0.5)
    assert processes_using(data_dir) == []

    second = Server(data_dir)
    try:
        second.wait_ready()
        login = second.graphql(LOGIN, input=ADMIN)["login"]
        assert login["errors"] == []
        assert login["accessToken"]
        assert second.interrupt() == 0
    finally:
        second.kill()
