"""`make bench`: seed the bench database, start the API and the floor, load them with wrk, and
write the table to bench/results/latest.md.

    python -m bench.run [--duration 15] [--warmup 3] [--threads 2] [--connections 32]
                        [--only catalogPage,me,fanout] [--subscribers 1000] [--fresh] [--tiny]
                        [--output PATH]

Every process it starts (embedded PostgreSQL, a private Valkey, the two uvicorn servers, wrk) is
stopped again on success, on error and on Ctrl-C / SIGTERM. A scenario whose query the schema
does not offer yet (or that answers with errors) is reported as "not available" with the reason.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import signal
import socket
import sys
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from types import FrameType

import asyncpg

from bench import client, fanout
from bench.dataset import BENCH_PASSWORD, student_email
from bench.generate import (
    add_scale_arguments,
    bench_database_url,
    parse_scale,
    plain_dsn,
    prepare,
    say,
)
from bench.plan import Scenario, build_scenarios, sample_slugs
from bench.report import Row, machine, render
from bench.servers import (
    UVICORN_FLAGS,
    BenchValkey,
    Server,
    ServerError,
    api_settings,
    shown_settings,
    start_server,
    uvicorn_command,
)
from bench.wrk import Load, WrkError, ensure_wrk, run_wrk, wrk_version

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_OUTPUT = ROOT / "bench" / "results" / "latest.md"
PROBES_PER_SCENARIO = 3


@dataclass
class Targets:
    api: Server
    floor: Server
    token: str
    meter: client.Meter
    work_dir: Path


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _terminate(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt(signal.Signals(signum).name)


@contextlib.contextmanager
def _ctrl_c_blocked_for_children() -> Iterator[None]:
    """Database servers started here inherit a blocked SIGINT, so a Ctrl-C in the terminal
    reaches the runner (which stops everything in order), not the databases under the API."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, previous)


@contextlib.contextmanager
def _signals_ignored() -> Iterator[None]:
    previous = {s: signal.signal(s, signal.SIG_IGN) for s in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


async def _postgres_version(url: str) -> str:
    conn = await asyncpg.connect(plain_dsn(url))
    try:
        return str(await conn.fetchval("SHOW server_version"))
    finally:
        await conn.close()


# --- one scenario -------------------------------------------------------------------------------


def _url(targets: Targets, scenario: Scenario) -> str:
    server = targets.api if scenario.target == "api" else targets.floor
    return server.base_url + ("/graphql" if scenario.target == "api" else "/")


def _probe(targets: Targets, scenario: Scenario) -> tuple[str | None, str]:
    """(why it cannot run or None, cache status) from a few real requests."""
    url, token = _url(targets, scenario), targets.token if scenario.signed_in else None
    for body in scenario.bodies[:PROBES_PER_SCENARIO]:
        reply = client.post(url, body, token)
        why = reply.error(scenario.root_field) if scenario.target == "api" else None
        if why is None and reply.status != 200:
            why = f"HTTP {reply.status}"
        if why is not None:
            return why, "—"
    if not scenario.cacheable:
        return None, "—"
    again = client.post(url, scenario.bodies[0])
    headers = {k.lower(): v for k, v in again.headers.items()}
    return None, headers.get("x-cache", "no cache")


def _prime(url: str, scenario: Scenario) -> None:
    """Send every body once, one at a time: the anonymous run then measures a warm cache."""
    say(f"{scenario.name}: priming the response cache with {len(scenario.bodies)} requests")
    for body in scenario.bodies:
        client.post(url, body)


def run_scenario(wrk: str, targets: Targets, scenario: Scenario, load: Load) -> Row:
    why, cache = _probe(targets, scenario)
    if why is not None:
        say(f"{scenario.name}: not available ({why})")
        return Row(scenario.name, scenario.measures, skipped=why)
    bodies = targets.work_dir / (scenario.name.replace(" ", "_").strip("()") + ".jsonl")
    bodies.write_text("\n".join(scenario.bodies) + "\n", encoding="utf-8")
    token = targets.token if scenario.signed_in else None
    url = _url(targets, scenario)
    if scenario.cacheable:
        _prime(url, scenario)
    say(f"{scenario.name}: warm-up {load.warmup_s}s, then {load.duration_s}s")
    if load.warmup_s > 0:
        run_wrk(wrk, url, bodies, token=token, load=load, seconds=load.warmup_s)
    before = targets.meter.read_when_idle()
    result = run_wrk(wrk, url, bodies, token=token, load=load, seconds=load.duration_s)
    after = targets.meter.read_when_idle()
    served = after.graphql_requests - before.graphql_requests
    per_request = None
    if scenario.target == "api" and served:
        per_request = max(0.0, after.statements - before.statements) / served
    say(
        f"{scenario.name}: {result.rps:,.0f} req/s, p50 {result.p50_ms:.1f} ms, "
        f"p99 {result.p99_ms:.1f} ms, {per_request or 0:.2f} statements/request"
    )
    return Row(scenario.name, scenario.measures, result, per_request, cache)


# --- the whole run ------------------------------------------------------------------------------


def _selected(scenarios: list[Scenario], only: str | None) -> list[Scenario]:
    if not only:
        return scenarios
    wanted = {name.strip() for name in only.split(",") if name.strip()}
    chosen = [s for s in scenarios if s.name in wanted or s.name.split(" ")[0] in wanted]
    floor = [s for s in scenarios if s.name == "floor" and s not in chosen]
    return floor + chosen  # the floor always runs: every ratio needs it


def _start_targets(
    url: str, redis_url: str, stack: contextlib.ExitStack, work_dir: Path
) -> tuple[Targets, dict[str, str]]:
    settings = api_settings(url, redis_url, work_dir / "api")
    api_port, floor_port = _free_port(), _free_port()
    say(f"starting the API on :{api_port} and the floor on :{floor_port}")
    api = start_server(
        "api",
        uvicorn_command("app.main:create_app", api_port, "--factory"),
        env={**os.environ, **settings},
        logs=work_dir / "logs",
        health_path="/readyz",
        port=api_port,
    )
    stack.callback(api.stop)
    floor = start_server(
        "floor",
        uvicorn_command("floor:app", floor_port, "--app-dir", "bench"),
        env=dict(os.environ),
        logs=work_dir / "logs",
        health_path="/",
        port=floor_port,
    )
    stack.callback(floor.stop)
    token = client.login(api.base_url + "/graphql", student_email(0), BENCH_PASSWORD)
    return Targets(
        api, floor, token, client.Meter(api.base_url, settings["METRICS_TOKEN"]), work_dir
    ), settings


def bench(args: argparse.Namespace, stack: contextlib.ExitStack) -> Path:
    load = Load(args.threads, args.connections, args.duration, args.warmup)
    wrk = ensure_wrk()
    data_dir = Path(os.environ.get("DATA_DIR", ".data"))
    work_dir = data_dir / "bench"
    with _ctrl_c_blocked_for_children():
        url, services = bench_database_url(data_dir)
        if services is not None:
            stack.callback(services.stop)
        valkey = BenchValkey(work_dir / "valkey")
        redis_url = valkey.start()
        stack.callback(valkey.stop)
    scale = parse_scale(args)
    prepare(url, scale=scale, seed=args.seed, fresh=args.fresh)
    scenarios = _selected(build_scenarios(asyncio.run(sample_slugs(url))), args.only)
    targets, settings = _start_targets(url, redis_url, stack, work_dir)
    rows = [run_scenario(wrk, targets, s, load) for s in scenarios]
    sections: list[str] = []
    if args.subscribers > 0 and (not args.only or "fanout" in args.only.split(",")):
        result = asyncio.run(
            fanout.measure(
                targets.api.base_url, url, redis_url, targets.api.process.pid, args.subscribers
            )
        )
        say(
            f"fan-out: {result.received}/{result.subscribers} received, p50 "
            f"{result.p50_ms:.1f} ms, p99 {result.p99_ms:.1f} ms, "
            f"{result.kib_per_connection:.1f} KiB per connection"
        )
        sections = fanout.report(result)
    info = {
        **machine(),
        "PostgreSQL": asyncio.run(_postgres_version(url)) + " (embedded pgserver, default config)"
        if services is not None
        else asyncio.run(_postgres_version(url)),
        "load generator": f"{wrk_version(wrk)}, {load.threads} threads, "
        f"{load.connections} connections, {load.warmup_s}s warm-up + {load.duration_s}s "
        "measured per scenario, on the same machine as the servers",
        "server": "uvicorn app.main:create_app --factory " + " ".join(UVICORN_FLAGS),
        "data set": f"seed {args.seed}, {scale}",
        "student signed in as": student_email(0),
    }
    output = Path(args.output)
    output.parent.mkdir(parents=True, exist_ok=True)
    text = render(
        rows,
        info=info,
        settings=shown_settings(settings),
        scenarios={s.name: s.measures for s in scenarios},
        sections=sections,
    )
    output.write_text(text, encoding="utf-8")
    return output


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.run", description=__doc__)
    parser.add_argument("--duration", type=int, default=15, help="measured seconds per scenario")
    parser.add_argument("--warmup", type=int, default=3, help="warm-up seconds per scenario")
    parser.add_argument("--threads", type=int, default=2, help="wrk threads")
    parser.add_argument("--connections", type=int, default=32, help="wrk connections")
    parser.add_argument("--only", help="comma-separated scenario names (the floor always runs)")
    parser.add_argument("--output", default=str(DEFAULT_OUTPUT), help="the Markdown report")
    parser.add_argument(
        "--subscribers",
        type=int,
        default=1000,
        help="live subscribers of the fan-out scenario (0: skip it; `--only fanout` runs it alone)",
    )
    add_scale_arguments(parser)
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    previous = signal.signal(signal.SIGTERM, _terminate)
    stack = contextlib.ExitStack()
    try:
        output = bench(args, stack)
    except KeyboardInterrupt:
        say("interrupted; stopping everything")
        return 130
    except (WrkError, ServerError, RuntimeError, OSError) as exc:
        say(f"failed: {exc}")
        return 1
    finally:
        with _signals_ignored():
            stack.close()
        signal.signal(signal.SIGTERM, previous)
    say(f"report written to {output}")
    print(output.read_text(encoding="utf-8"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
