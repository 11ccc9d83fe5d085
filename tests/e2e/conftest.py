"""The e2e fixtures: a data directory outside pytest's temp root, and a seeded server on it."""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import psutil
import pytest

from tests.support.server import Server


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


@pytest.fixture
def server(data_dir: Path) -> Iterator[Server]:
    running = Server(data_dir, "--seed")
    try:
        running.wait_ready()
        yield running
        print(running.log_tail())  # shown by pytest only when the test fails
        assert running.interrupt() == 0
    finally:
        running.kill()
