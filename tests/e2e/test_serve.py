"""`easyways serve` as a real process on the embedded servers: it comes up with no settings,
serves GraphQL, sends e-mail through its worker, stops cleanly on Ctrl-C and keeps its data."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from tests.support.server import STOP_TIMEOUT_SECONDS, Server, processes_using, wait_for_eml

pytestmark = pytest.mark.slow

ADMIN = {"email": "admin@easyways.example", "password": "Admin!Easyways2026"}
LOGIN = """mutation($input: LoginInput!) {
  login(input: $input) { accessToken errors { field code message } }
}"""
REGISTER = """mutation($input: RegisterInput!) {
  register(input: $input) { errors { field code message } }
}"""


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
