"""Keeps child processes running: `easyways serve` supervises its worker, `easyways worker
--processes N` its N workers.

A child that exits (crashed, killed, or stopped itself because its threads died) is started again
after a backoff: 1 s, doubling up to 30 s while it keeps dying young, back to 1 s once a child ran
for a minute. `stop()` ends the children with SIGTERM (SIGKILL after a timeout).
"""

from __future__ import annotations

import signal
import subprocess
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

import structlog

log = structlog.get_logger(__name__)

Start = Callable[[], subprocess.Popen[bytes]]


@dataclass
class _Slot:
    process: subprocess.Popen[bytes] | None = None
    started_at: float = 0.0
    starts: int = 0
    failures: int = 0
    next_start: float = 0.0


class Supervisor:
    def __init__(
        self,
        start: Start,
        *,
        count: int = 1,
        name: str = "worker",
        min_backoff: float = 1.0,
        max_backoff: float = 30.0,
        stable_after: float = 60.0,
        poll_interval: float = 0.5,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.start = start
        self.name = name
        self.min_backoff = min_backoff
        self.max_backoff = max_backoff
        self.stable_after = stable_after
        self.poll_interval = poll_interval
        self.clock = clock
        self.slots = [_Slot() for _ in range(count)]
        self.stopping = threading.Event()
        self.restarts = 0
        self._lock = threading.Lock()

    @property
    def processes(self) -> list[subprocess.Popen[bytes]]:
        return [slot.process for slot in self.slots if slot.process is not None]

    def backoff(self, failures: int) -> float:
        """The delay before starting a child again after `failures` early deaths in a row."""
        return float(min(self.min_backoff * 2 ** min(max(failures - 1, 0), 30), self.max_backoff))

    def check(self) -> None:
        """One round: note children that exited, start those whose backoff has passed."""
        with self._lock:
            now = self.clock()
            for slot in self.slots:
                if self.stopping.is_set():
                    return
                if slot.process is not None and slot.process.poll() is not None:
                    self._exited(slot, now)
                if slot.process is None and now >= slot.next_start:
                    self.restarts += 1 if slot.starts else 0
                    slot.process = self.start()
                    slot.started_at = now
                    slot.starts += 1

    def _exited(self, slot: _Slot, now: float) -> None:
        assert slot.process is not None
        code = slot.process.returncode
        slot.failures = 1 if now - slot.started_at >= self.stable_after else slot.failures + 1
        delay = self.backoff(slot.failures)
        slot.next_start = now + delay
        log.warning(
            "supervisor.child_exited",
            child=self.name,
            pid=slot.process.pid,
            returncode=code,
            restart_in_seconds=delay,
        )
        slot.process = None

    def run(self) -> None:
        """Start the children and keep them running until `stop()` (or `stopping` is set)."""
        while not self.stopping.is_set():
            self.check()
            self.stopping.wait(self.poll_interval)

    def stop(self, timeout: float) -> None:
        """SIGTERM every child, wait up to `timeout` seconds for each, then SIGKILL."""
        self.stopping.set()
        with self._lock:
            running = [p for p in self.processes if p.poll() is None]
            for process in running:
                process.send_signal(signal.SIGTERM)
            for process in running:
                try:
                    process.wait(timeout)
                except subprocess.TimeoutExpired:
                    process.kill()
                    process.wait()
