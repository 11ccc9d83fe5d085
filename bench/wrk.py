"""Find (or install) wrk, run it with the scenario script and parse its result line."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

from bench.plan import LUA_SCRIPT

RESULT_PREFIX = "BENCH_RESULT "


class WrkError(RuntimeError):
    """wrk is missing or a run produced no result."""


@dataclass(frozen=True)
class Load:
    threads: int = 2
    connections: int = 32
    duration_s: int = 15
    warmup_s: int = 3
    timeout_s: int = 30  # a signed-in catalogue page queues for seconds under 32 connections


@dataclass(frozen=True)
class WrkResult:
    requests: int
    duration_s: float
    errors: int  # socket errors + non-2xx/3xx responses
    p50_ms: float
    p90_ms: float
    p99_ms: float
    max_ms: float

    @property
    def rps(self) -> float:
        return self.requests / self.duration_s if self.duration_s else 0.0


def ensure_wrk() -> str:
    """The wrk executable; installs the distribution package when missing and we are root."""
    if found := shutil.which("wrk"):
        return found
    apt = shutil.which("apt-get")
    if apt is None or os.geteuid() != 0:
        raise WrkError(
            "wrk is not installed. Install it (Debian/Ubuntu: `sudo apt-get install -y wrk`, "
            "macOS: `brew install wrk`) and run `make bench` again."
        )
    print("[bench] installing wrk with apt-get …", flush=True)
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    subprocess.run([apt, "install", "-y", "-q", "wrk"], check=False, env=env)  # noqa: S603
    if found := shutil.which("wrk"):
        return found
    subprocess.run([apt, "update", "-q"], check=True, env=env)  # noqa: S603
    subprocess.run([apt, "install", "-y", "-q", "wrk"], check=True, env=env)  # noqa: S603
    if found := shutil.which("wrk"):
        return found
    raise WrkError("apt-get could not install wrk; install it by hand and run again")


def wrk_version(wrk: str) -> str:
    out = subprocess.run([wrk, "-v"], capture_output=True, text=True, check=False)  # noqa: S603
    lines = (out.stdout + out.stderr).strip().splitlines()
    return lines[0].split(" [")[0] if lines else "wrk (unknown version)"


def wrk_command(
    wrk: str, url: str, bodies_file: Path, *, token: str | None, load: Load, seconds: int
) -> list[str]:
    """The argv of one fixed-duration run with the scenario script."""
    command = [
        wrk,
        f"--threads={load.threads}",
        f"--connections={load.connections}",
        f"--duration={seconds}s",
        f"--timeout={load.timeout_s}s",
        f"--script={LUA_SCRIPT}",
        url,
        "--",
        str(bodies_file),
    ]
    if token:
        command.append(token)
    return command


def run_wrk(
    wrk: str, url: str, bodies_file: Path, *, token: str | None, load: Load, seconds: int
) -> WrkResult:
    """One fixed-duration run; raises WrkError when wrk fails or prints no result."""
    command = wrk_command(wrk, url, bodies_file, token=token, load=load, seconds=seconds)
    out = subprocess.run(  # noqa: S603
        command, capture_output=True, text=True, check=False, timeout=seconds + 60
    )
    return parse_output(out.stdout, out.stderr)


def parse_output(stdout: str, stderr: str = "") -> WrkResult:
    for line in stdout.splitlines():
        if line.startswith(RESULT_PREFIX):
            data = json.loads(line[len(RESULT_PREFIX) :])
            latency = data["latency_us"]
            return WrkResult(
                requests=data["requests"],
                duration_s=data["duration_us"] / 1e6,
                errors=sum(data["errors"].values()),
                p50_ms=latency["p50"] / 1000,
                p90_ms=latency["p90"] / 1000,
                p99_ms=latency["p99"] / 1000,
                max_ms=latency["max"] / 1000,
            )
    raise WrkError(f"wrk printed no result:\n{stdout}\n{stderr}".strip())
