"""The Markdown report written to bench/results/latest.md."""

from __future__ import annotations

import os
import platform
import subprocess
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from bench.wrk import WrkResult

ROOT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class Row:
    name: str
    measures: str
    result: WrkResult | None = None
    statements_per_request: float | None = None
    cache: str = "—"  # HIT when the anonymous probe was served from the response cache
    skipped: str | None = None  # why the scenario did not run


def _num(value: float | None, digits: int = 1) -> str:
    return "—" if value is None else f"{value:,.{digits}f}"


def table(rows: list[Row], floor_rps: float | None) -> str:
    lines = [
        "| scenario | requests/s | p50 ms | p99 ms | statements/request | ratio to floor "
        "| cache | requests | errors |",
        "|---|---:|---:|---:|---:|---:|---|---:|---:|",
    ]
    for row in rows:
        r = row.result
        if r is None:
            lines.append(f"| {row.name} | not available: {row.skipped} | | | | | | | |")
            continue
        if not r.requests:
            why = f"no request finished in {r.duration_s:.0f}s"
            lines.append(f"| {row.name} | {why} | | | | | | | |")
            continue
        ratio = f"{r.rps / floor_rps:.3f}" if floor_rps else "—"
        lines.append(
            f"| {row.name} | {_num(r.rps)} | {_num(r.p50_ms, 2)} | {_num(r.p99_ms, 2)} "
            f"| {_num(row.statements_per_request, 2)} | {ratio} | {row.cache} "
            f"| {r.requests:,} | {r.errors:,} |"
        )
    return "\n".join(lines)


def machine() -> dict[str, str]:
    return {
        "date (UTC)": datetime.now(UTC).strftime("%Y-%m-%d %H:%M"),
        "CPU": _cpu_model(),
        "cores": str(os.cpu_count()),
        "memory": _memory(),
        "OS": f"{platform.system()} {platform.release()}",
        "Python": platform.python_version(),
        "commit": _git_commit(),
    }


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def _memory() -> str:
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                return f"{int(line.split()[1]) / 1024 / 1024:.1f} GiB"
    except OSError:
        pass
    return "unknown"


def _git_commit() -> str:
    def git(*args: str) -> str:
        out = subprocess.run(  # noqa: S603
            ["git", *args],  # noqa: S607
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=False,
        )
        return out.stdout.strip()

    commit = git("rev-parse", "--short", "HEAD") or "unknown"
    return commit + (" + uncommitted changes" if git("status", "--porcelain") else "")


def render(
    rows: list[Row],
    *,
    info: dict[str, str],
    settings: dict[str, str],
    scenarios: dict[str, str],
    sections: list[str] | None = None,
) -> str:
    floor = next((r.result.rps for r in rows if r.name == "floor" and r.result), None)
    parts = [
        "# Benchmark results",
        "",
        "Written by `make bench` (bench/run.py); how to read it: docs/benchmarks.md.",
        "",
        table(rows, floor),
        "",
        "- requests/s, p50, p99: wrk over the measured window (after the warm-up); latencies "
        "are wrk's HdrHistogram percentiles.",
        "- statements/request: growth of `easyways_db_statement_duration_seconds_count` on "
        "/metrics over the window / growth of the API's /graphql request count, both read "
        "when the server is idle (requests wrk abandons at the end still finish and count) and "
        "net of the scrapes' own statements.",
        "- cache: `X-Cache` of a repeated anonymous probe — HIT means the response cache served "
        "it (no SQL); signed-in requests always execute.",
        "- errors: socket errors + non-2xx responses counted by wrk.",
        "",
        *(sections or []),
        "## Scenarios",
        "",
        *[f"- **{name}**: {text}" for name, text in scenarios.items()],
        "",
        "## Run",
        "",
        *[f"- {key}: {value}" for key, value in info.items()],
        "",
        "## API settings (environment)",
        "",
        *[f"- `{key}={value}`" for key, value in settings.items()],
        "",
    ]
    return "\n".join(parts)
