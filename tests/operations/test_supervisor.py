"""The supervisor keeps its children running: a child that dies is started again after a backoff
that grows while it keeps dying young and resets once it ran a while."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from typing import Any

from app.supervisor import Supervisor


class FakeProcess:
    pids = iter(range(1000, 10_000))

    def __init__(self) -> None:
        self.pid = next(self.pids)
        self.returncode: int | None = None

    def poll(self) -> int | None:
        return self.returncode

    def die(self) -> None:
        self.returncode = -9


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def fake_supervisor(clock: Clock, count: int = 1) -> tuple[Supervisor, list[FakeProcess]]:
    started: list[FakeProcess] = []

    def start() -> Any:
        started.append(FakeProcess())
        return started[-1]

    return Supervisor(start, count=count, clock=clock, stable_after=60), started


def test_children_are_started_and_a_dead_one_comes_back_after_its_backoff() -> None:
    clock = Clock()
    supervisor, started = fake_supervisor(clock, count=2)
    supervisor.check()
    assert len(started) == 2
    started[0].die()
    supervisor.check()  # noticed; restart due one second later
    assert len(started) == 2
    clock.now += 1
    supervisor.check()
    assert len(started) == 3
    assert supervisor.restarts == 1
    assert started[1].poll() is None  # the healthy sibling is left alone


def test_the_backoff_doubles_while_a_child_dies_young_and_resets_after_a_stable_run() -> None:
    clock = Clock()
    supervisor, started = fake_supervisor(clock)
    supervisor.check()
    delays = []
    for lifetime in (1, 1, 1, 1, 1, 1, 1, 120, 1):
        clock.now += lifetime
        started[-1].die()
        supervisor.check()
        died_at, before = clock.now, len(started)
        while len(started) == before:
            clock.now += 0.5
            supervisor.check()
        delays.append(clock.now - died_at)
    assert delays == [1, 2, 4, 8, 16, 30, 30, 1, 2]


def test_a_stopping_supervisor_starts_nothing() -> None:
    clock = Clock()
    supervisor, started = fake_supervisor(clock)
    supervisor.check()
    started[0].die()
    supervisor.stopping.set()
    clock.now += 60
    supervisor.check()
    assert len(started) == 1


def test_a_real_child_killed_with_sigkill_is_restarted_and_stop_ends_it() -> None:
    command = [sys.executable, "-c", "import time; time.sleep(600)"]
    supervisor = Supervisor(
        lambda: subprocess.Popen(command),  # noqa: S603 - our own interpreter
        min_backoff=0.05,
        poll_interval=0.05,
    )
    runner = threading.Thread(target=supervisor.run)
    runner.start()
    try:
        first = wait_for_child(supervisor, lambda pid: True)
        os.kill(first, signal.SIGKILL)
        second = wait_for_child(supervisor, lambda pid: pid != first)
        assert supervisor.restarts == 1
    finally:
        supervisor.stop(timeout=10)
        runner.join(timeout=10)
    assert not runner.is_alive()
    assert all(p.poll() is not None for p in supervisor.processes)
    assert second != first


def wait_for_child(supervisor: Supervisor, wanted: Any) -> int:
    for _ in range(400):
        running = [p.pid for p in supervisor.processes if p.poll() is None and wanted(p.pid)]
        if running:
            return running[0]
        time.sleep(0.05)
    raise AssertionError("no child was (re)started")
