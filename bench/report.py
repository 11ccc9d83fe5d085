"""The Markdown report written to bench/results/latest.md."""

from __future__ import annotations

import os
import platform
import subprocess
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from bench.plan import COMPARISONS
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
    cpu_ms_per_request: float | None = None  # the server process's CPU time / requests
    response_bytes: int | None = None  # body of the first answer (the probe's)


def _num(value: float | None, digits: int = 1) -> str:
    return "—" if value is None else f"{value:,.{digits}f}"


def table(rows: list[Row], floor_rps: float | None) -> str:
    lines = [
        "| scenario | requests/s | p50 ms | p99 ms | statements/request | ratio to floor "
        "| cache | requests | errors | CPU ms/request | response bytes |",
        "|---|---:|---:|---:|---:|---:|---|---:|---:|---:|---:|",
    ]
    for row in rows:
        r = row.result
        if r is None:
            lines.append(f"| {row.name} | not available: {row.skipped} | | | | | | | | | |")
            continue
        if not r.requests:
            why = f"no request finished in {r.duration_s:.0f}s"
            lines.append(f"| {row.name} | {why} | | | | | | | | | |")
            continue
        size = "—" if row.response_bytes is None else f"{row.response_bytes:,}"
        ratio = f"{r.rps / floor_rps:.3f}" if floor_rps else "—"
        lines.append(
            f"| {row.name} | {_num(r.rps)} | {_num(r.p50_ms, 2)} | {_num(r.p99_ms, 2)} "
            f"| {_num(row.statements_per_request, 2)} | {ratio} | {row.cache} "
            f"| {r.requests:,} | {r.errors:,} | {_num(row.cpu_ms_per_request, 3)} | {size} |"
        )
    return "\n".join(lines)


def _ratio(a: float | None, b: float | None, digits: int = 3) -> str:
    return f"{a / b:.{digits}f}" if a is not None and b else "—"


def comparison_lines(
    rows: list[Row],
    same_courses: str | None = None,
    memory: str | None = None,
    same_course_pages: str | None = None,
    same_search_results: str | None = None,
) -> list[str]:
    """The goals as ratios API / reference (bench.plan.COMPARISONS), as a Markdown section;
    `same_courses` / `same_course_pages` / `same_search_results`: whether both servers answered
    the same catalogue pages, course pages and search results; `memory` is the soak's one-line
    summary (bench.soak.summary), when it ran."""
    by_name = {r.name: r for r in rows if r.result is not None and r.result.requests}
    lines = [
        "## Ratios (API / reference)",
        "",
        "| API scenario | reference | requests/s ratio | CPU/request ratio "
        "| statements/request (API / reference) | response bytes (API / reference) | compares |",
        "|---|---|---:|---:|---:|---:|---|",
    ]
    for a_name, b_name, what in COMPARISONS:
        a, b = by_name.get(a_name), by_name.get(b_name)
        if a is None or b is None:
            missing = " and ".join(n for n, r in ((a_name, a), (b_name, b)) if r is None)
            lines.append(f"| {a_name} | {b_name} | not measured: {missing} | | | | {what} |")
            continue
        assert a.result is not None
        assert b.result is not None
        statements = f"{_num(a.statements_per_request, 2)} / {_num(b.statements_per_request, 2)}"
        size = f"{_num(a.response_bytes, 0)} / {_num(b.response_bytes, 0)}"
        lines.append(
            f"| {a_name} | {b_name} | {_ratio(a.result.rps, b.result.rps)} "
            f"| {_ratio(a.cpu_ms_per_request, b.cpu_ms_per_request, 2)} | {statements} "
            f"| {size} | {what} |"
        )
    lines += [
        "",
        "requests/s ratio: the API's requests/s over the reference's (1 = as fast; the goal is "
        "near 1). CPU/request ratio: the API process's CPU time per request over the reference "
        "process's (excludes PostgreSQL's own CPU).",
        "",
    ]
    if same_courses is not None:
        lines += [f"Same courses from both servers: {same_courses}.", ""]
    if same_course_pages is not None:
        lines += [f"Same course pages from both servers: {same_course_pages}.", ""]
    if same_search_results is not None:
        lines += [f"Same search results from both servers: {same_search_results}.", ""]
    if memory is not None:
        lines += [memory, ""]
    return lines


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
    ratios: list[str] | None = None,
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
        "- CPU ms/request: user + system CPU time of the server's process over the measured "
        "window (psutil, /proc) / requests it served; PostgreSQL's CPU is not in it.",
        "- response bytes: the body of the first answer (the scenario's first request).",
        "- PostGraphile statements/request: statements its node-postgres client sent over the "
        "window (its /stats counter) / requests wrk completed.",
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
        *(ratios or []),
    ]
    return "\n".join(parts)
