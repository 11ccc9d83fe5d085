"""A real `easyways serve` process on the embedded servers, and a small HTTP GraphQL client."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx
import psutil

READY_TIMEOUT_SECONDS = 120


STOP_TIMEOUT_SECONDS = 20


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def serve_env(data_dir: Path) -> dict[str, str]:
    """No DATABASE_URL / REDIS_URL (the test session exported its own): embedded servers."""
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL"}}
    env.update(EASYWAYS_ENV="development", DATA_DIR=str(data_dir), LOG_JSON="true")
    return env


def service_env(
    data_dir: Path, database_url: str, redis_url: str, **settings: str
) -> dict[str, str]:
    """Given PostgreSQL / Redis servers instead of embedded ones, plus settings (NAME=value)."""
    env = serve_env(data_dir)
    env.update(DATABASE_URL=database_url, REDIS_URL=redis_url, **settings)
    return env


class Server:
    def __init__(self, data_dir: Path, *args: str, env: dict[str, str] | None = None) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log_path = data_dir.parent / f"serve-{self.port}.log"
        self.log = self.log_path.open("wb")
        self.process = subprocess.Popen(  # noqa: S603 - our own interpreter and module
            [sys.executable, "-m", "app.cli", "serve", "--port", str(self.port), *args],
            env=env or serve_env(data_dir),
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


def wait_for_eml(outbox: Path, recipient: str, timeout: float = 30) -> str:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for path in outbox.glob("*.eml"):
            text = path.read_text()
            if f"To: {recipient}" in text:
                return text
        time.sleep(0.25)
    raise AssertionError(f"no e-mail to {recipient} in {outbox}")


class Client:
    def __init__(self, server: Server) -> None:
        self.server = server
        self.token = ""

    def run(self, query: str, **variables: Any) -> dict[str, Any]:
        headers = {"Authorization": f"Bearer {self.token}"} if self.token else {}
        response = httpx.post(
            f"{self.server.url}/graphql",
            json={"query": query, "variables": variables},
            headers=headers,
            timeout=30,
        )
        assert response.status_code == 200, response.text
        body: dict[str, Any] = response.json()
        assert "errors" not in body, body
        return body["data"]

    def mutate(self, name: str, input_: dict[str, Any], fields: str) -> dict[str, Any]:
        type_name = name[0].upper() + name[1:]
        query = (
            f"mutation($input: {type_name}Input!) {{ {name}(input: $input) "
            f"{{ {fields} errors {{ field code message }} }} }}"
        )
        payload: dict[str, Any] = self.run(query, input=input_)[name]
        assert payload["errors"] == [], payload["errors"]
        return payload


def wait_for_eml_with_subject(outbox: Path, recipient: str, subject: str) -> str:
    deadline = time.monotonic() + CERTIFICATE_TIMEOUT_SECONDS
    while time.monotonic() < deadline:
        for path in outbox.glob("*.eml"):
            text = path.read_text()
            if f"To: {recipient}" in text and f"Subject: {subject}" in text:
                return text
        time.sleep(0.25)
    raise AssertionError(f"no e-mail '{subject}' to {recipient} in {outbox}")


CERTIFICATE_TIMEOUT_SECONDS = 60
