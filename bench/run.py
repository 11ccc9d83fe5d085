"""`make bench`: seed the bench database, start the API and the floor, load them with wrk, and
write the table to bench/results/latest.md.

    python -m bench.run [--duration 15] [--warmup 3] [--threads 2] [--connections 32]
                        [--only catalogPage,me,fanout,soak] [--subscribers 1000] [--soak 600]
                        [--fresh] [--tiny] [--output PATH]

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
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from types import FrameType
from typing import Any

import asyncpg

from bench import client, fanout, soak
from bench.dataset import BENCH_PASSWORD, instructor_email, search_terms, student_email
from bench.generate import (
    add_scale_arguments,
    bench_database_url,
    parse_scale,
    plain_dsn,
    prepare,
    say,
)
from bench.plan import (
    COMPARISONS,
    SEARCH_TERMS,
    Scenario,
    build_scenarios,
    catalog_bodies,
    create_reference_functions,
    detail_bodies,
    postgraphile_catalog_bodies,
    postgraphile_detail_bodies,
    postgraphile_search_bodies,
    roll_up_analytics,
    sample_slugs,
    search_results_bodies,
    soak_bodies,
)
from bench.report import Row, comparison_lines, machine, render
from bench.servers import (
    UVICORN_FLAGS,
    BenchValkey,
    Server,
    ServerError,
    api_settings,
    cpu_seconds,
    pin_all_threads,
    postgraphile_command,
    postgraphile_missing,
    shown_settings,
    start_server,
    uvicorn_command,
)
from bench.wrk import Load, WrkError, ensure_wrk, run_wrk, wrk_version

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_OUTPUT = ROOT / "bench" / "results" / "latest.md"
PROBES_PER_SCENARIO = 3
SETTLE_S = 1.0  # after wrk stops, requests it abandoned still finish on the server


@dataclass
class Targets:
    api: Server
    floor: Server
    postgraphile: Server | None  # None: not installed or did not start (`postgraphile_skip`)
    token: str
    meter: client.Meter
    work_dir: Path
    postgraphile_skip: str | None = None
    pinned: str = "not pinned (fewer than 2 cores)"
    instructor_token: str = ""

    def token_for(self, scenario: Scenario) -> str | None:
        if not scenario.signed_in:
            return None
        return self.instructor_token if scenario.as_instructor else self.token


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


def _server(targets: Targets, scenario: Scenario) -> Server | None:
    return {"api": targets.api, "floor": targets.floor, "postgraphile": targets.postgraphile}[
        scenario.target
    ]


def _url(targets: Targets, scenario: Scenario) -> str:
    server = _server(targets, scenario)
    assert server is not None
    default = "/" if scenario.target == "floor" else "/graphql"
    return server.base_url + (scenario.path or default)


def _probe(targets: Targets, scenario: Scenario) -> tuple[str | None, str, int | None]:
    """(why it cannot run or None, cache status, bytes of the first answer's body) from a few
    real requests."""
    if scenario.target == "postgraphile" and targets.postgraphile is None:
        return targets.postgraphile_skip or "PostGraphile did not start", "—", None
    url, token = _url(targets, scenario), targets.token_for(scenario)
    size: int | None = None
    for body in scenario.bodies[:PROBES_PER_SCENARIO]:
        reply = client.post(url, body, token)
        size = len(reply.raw) if size is None else size
        why = reply.error(scenario.root_field) if scenario.target != "floor" else None
        if why is None and reply.status != 200:
            why = f"HTTP {reply.status}"
        if why is not None:
            return why, "—", None
    if not scenario.cacheable:
        return None, "—", size
    again = client.post(url, scenario.bodies[0])
    headers = {k.lower(): v for k, v in again.headers.items()}
    return None, headers.get("x-cache", "no cache"), size


def _statements(targets: Targets, scenario: Scenario) -> float | None:
    """The running count of SQL statements the scenario's server has sent (None: no SQL)."""
    if scenario.target == "postgraphile" and targets.postgraphile is not None:
        return client.postgraphile_queries(targets.postgraphile.base_url)
    return None


def _prime(url: str, scenario: Scenario) -> None:
    """Send every body once, one at a time: the anonymous run then measures a warm cache."""
    say(f"{scenario.name}: priming the response cache with {len(scenario.bodies)} requests")
    for body in scenario.bodies:
        client.post(url, body)


def run_scenario(wrk: str, targets: Targets, scenario: Scenario, load: Load) -> Row:
    why, cache, size = _probe(targets, scenario)
    if why is not None:
        say(f"{scenario.name}: not available ({why})")
        return Row(scenario.name, scenario.measures, skipped=why)
    bodies = targets.work_dir / (scenario.name.replace(" ", "_").strip("()") + ".jsonl")
    bodies.write_text("\n".join(scenario.bodies) + "\n", encoding="utf-8")
    token = targets.token_for(scenario)
    url = _url(targets, scenario)
    if scenario.cacheable:
        _prime(url, scenario)
    say(f"{scenario.name}: warm-up {load.warmup_s}s, then {load.duration_s}s")
    if load.warmup_s > 0:
        run_wrk(wrk, url, bodies, token=token, load=load, seconds=load.warmup_s)
    server = _server(targets, scenario)
    assert server is not None
    pid = server.process.pid
    api = scenario.target == "api"
    if api:
        before = targets.meter.read_when_idle()
    else:
        time.sleep(SETTLE_S)
    statements_before = _statements(targets, scenario)
    cpu_before = cpu_seconds(pid)
    result = run_wrk(wrk, url, bodies, token=token, load=load, seconds=load.duration_s)
    if api:
        after = targets.meter.read_when_idle()
    else:
        time.sleep(SETTLE_S)
    cpu = cpu_seconds(pid) - cpu_before
    statements_after = _statements(targets, scenario)
    served = float(result.requests)
    per_request = None
    if api:
        served = after.graphql_requests - before.graphql_requests
        if served:
            per_request = max(0.0, after.statements - before.statements) / served
    elif statements_before is not None and statements_after is not None and served:
        per_request = (statements_after - statements_before) / served
    cpu_ms = cpu * 1000 / served if served else None
    say(
        f"{scenario.name}: {result.rps:,.0f} req/s, p50 {result.p50_ms:.1f} ms, "
        f"p99 {result.p99_ms:.1f} ms, {per_request or 0:.2f} statements/request, "
        f"{cpu_ms or 0:.2f} ms CPU/request, {size or 0:,} bytes"
    )
    return Row(scenario.name, scenario.measures, result, per_request, cache, None, cpu_ms, size)


# --- the whole run ------------------------------------------------------------------------------


def run_soak(
    wrk: str, targets: Targets, slugs: list[str], load: Load, seconds: int
) -> tuple[soak.SoakResult | None, str | None]:
    """The soak (bench/soak.py): its result, or None and why it could not run."""
    mix = Scenario("soak", soak.MIX, "api", None, soak_bodies(slugs), signed_in=True)
    why, _, _ = _probe(targets, mix)
    if why is not None:
        say(f"soak: not available ({why})")
        return None, why
    bodies = targets.work_dir / "soak.jsonl"
    bodies.write_text("\n".join(mix.bodies) + "\n", encoding="utf-8")
    url, pid = _url(targets, mix), targets.api.process.pid
    result = soak.measure(
        wrk, url, bodies, token=targets.token, load=load, seconds=seconds, pid=pid
    )
    return result, None


def _wanted(only: str | None, name: str) -> bool:
    """Whether a scenario outside the wrk table (fanout, soak) runs under `--only`."""
    return not only or name in {n.strip() for n in only.split(",")}


def _selected(scenarios: list[Scenario], only: str | None) -> list[Scenario]:
    if not only:
        return scenarios
    wanted = {name.strip() for name in only.split(",") if name.strip()}
    chosen = [s for s in scenarios if s.name in wanted or s.name.split(" ")[0] in wanted]
    references = {b for a, b, _ in COMPARISONS if a in {s.name for s in chosen}} | {"floor"}
    # the floor always runs (every ratio needs it), and so does a chosen scenario's reference
    return [s for s in scenarios if s in chosen or s.name in references]


def _start_targets(
    url: str, redis_url: str, stack: contextlib.ExitStack, work_dir: Path
) -> tuple[Targets, dict[str, str]]:
    settings = api_settings(url, redis_url, work_dir / "api")
    api_port, floor_port, graphile_port = _free_port(), _free_port(), _free_port()
    logs = work_dir / "logs"
    say(f"starting the API on :{api_port}")
    api = start_server(
        "api",
        uvicorn_command("app.main:create_app", api_port, "--factory"),
        env={**os.environ, **settings},
        logs=logs,
        health_path="/readyz",
        port=api_port,
    )
    stack.callback(api.stop)
    payload = _floor_payload(api.base_url + "/graphql", work_dir)
    say(f"starting the floor on :{floor_port} ({payload.stat().st_size:,}-byte payload)")
    floor = start_server(
        "floor",
        uvicorn_command("floor:app", floor_port, "--app-dir", "bench"),
        env={
            **os.environ,
            "BENCH_FLOOR_PAYLOAD": str(payload),
            "BENCH_FLOOR_DATABASE_URL": plain_dsn(url),
        },
        logs=logs,
        health_path="/",
        port=floor_port,
    )
    stack.callback(floor.stop)
    postgraphile, skip = None, postgraphile_missing()
    if skip is None:
        say(f"starting PostGraphile on :{graphile_port}")
        try:
            asyncio.run(create_reference_functions(url))
            postgraphile = start_server(
                "postgraphile",
                postgraphile_command(graphile_port, plain_dsn(url)),
                env={**os.environ, "NODE_ENV": "production"},
                logs=logs,
                health_path="/healthz",
                port=graphile_port,
            )
        except (ServerError, asyncpg.PostgresError, OSError) as exc:
            skip = f"PostGraphile did not start (see {logs / 'postgraphile.log'})"
            say(f"{skip}: {exc}")
        else:
            stack.callback(postgraphile.stop)
    else:
        say(f"PostGraphile: {skip}")
    token = client.login(api.base_url + "/graphql", student_email(0), BENCH_PASSWORD)
    meter = client.Meter(api.base_url, settings["METRICS_TOKEN"])
    targets = Targets(api, floor, postgraphile, token, meter, work_dir, skip)
    targets.instructor_token = client.login(
        api.base_url + "/graphql", instructor_email(0), BENCH_PASSWORD
    )
    targets.pinned = _pin(targets, stack)
    return targets, settings


def _same_courses(targets: Targets) -> str | None:
    """Whether PostGraphile's 9 catalogue pages list the same courses, in the same order, with
    the same instructor rating, as the API's (None when PostGraphile did not run)."""
    if targets.postgraphile is None:
        return None
    ours, theirs = catalog_bodies(), postgraphile_catalog_bodies()
    for index, (a, b) in enumerate(zip(ours, theirs, strict=True)):
        api = client.post(targets.api.base_url + "/graphql", a, targets.token).body
        ref = client.post(targets.postgraphile.base_url + "/graphql", b).body
        api_cards = catalog_cards(api.get("data"))
        ref_cards = catalog_cards(ref.get("data"))
        if [slug for slug, _ in api_cards] != [slug for slug, _ in ref_cards]:
            return f"no: page {index + 1} differs ({len(api_cards)} vs {len(ref_cards)} courses)"
        for (slug, api_numbers), (_, ref_numbers) in zip(api_cards, ref_cards, strict=True):
            if api_numbers != ref_numbers:
                return f"no: page {index + 1}, {slug}: instructor {api_numbers} vs {ref_numbers}"
    return f"yes, all {len(ours)} pages (same slugs in the same order, same instructor rating)"


InstructorNumbers = dict[str, float | int | None]
# the instructor numbers both servers compute from the courses taught (app/catalog/teaching_sql.py
# and bench/postgraphile/instructorStats.sql), by their field name on either server
INSTRUCTOR_NUMBERS = ("totalCourses", "totalStudents", "reviewCount", "rating")


def instructor_numbers(course: dict[str, Any]) -> InstructorNumbers:
    """The instructor numbers a course node of either server shows (the API's `instructor`,
    PostGraphile's `userByInstructorId.instructorProfileByUserId`), only those asked; the
    rating as a float of 2 decimals (PostGraphile sends a numeric as a string)."""
    if "instructor" in course:
        shown = course.get("instructor") or {}
    else:
        shown = (course.get("userByInstructorId") or {}).get("instructorProfileByUserId") or {}
    numbers: InstructorNumbers = {}
    for name in INSTRUCTOR_NUMBERS:
        if name in shown:
            value = shown[name]
            if name == "rating":
                numbers[name] = None if value is None else round(float(value), 2)
            else:
                numbers[name] = None if value is None else int(value)
    return numbers


def catalog_cards(data: dict[str, Any] | None) -> list[tuple[str, InstructorNumbers]]:
    """(slug, instructor numbers) of each course of a catalogue page of either server, in
    order (the API's `courses`, PostGraphile's `allCourses`)."""
    data = data or {}
    page = data.get("courses") if "courses" in data else data.get("allCourses")
    return [
        (str(e["node"].get("slug")), instructor_numbers(e["node"]))
        for e in (page or {}).get("edges") or []
    ]


CourseOutline = tuple[str, str, tuple[str, ...], int, InstructorNumbers]


def course_outline(data: dict[str, Any] | None) -> CourseOutline | None:
    """(slug, title, module titles in order, lessons, instructor numbers) of a course page from
    either server's `data` (the API's `course`, PostGraphile's `courseBySlug`); None when there
    is no course."""
    data = data or {}
    if course := data.get("course"):
        modules = course.get("modules") or []
        lessons = sum(len(m.get("lessons") or []) for m in modules)
    elif course := data.get("courseBySlug"):
        modules = (course.get("courseModulesByCourseId") or {}).get("nodes") or []
        lessons = sum(len((m.get("lessonsByModuleId") or {}).get("nodes") or []) for m in modules)
    else:
        return None
    titles = tuple(str(m.get("title")) for m in modules)
    return (
        str(course.get("slug")),
        str(course.get("title")),
        titles,
        lessons,
        instructor_numbers(course),
    )


def _same_course_pages(targets: Targets, slugs: list[str]) -> str | None:
    """Whether PostGraphile's course pages show the same courses (slug, title, modules in order,
    lesson count, instructor numbers) as the API's, slug by slug (None when PostGraphile did not
    run)."""
    if targets.postgraphile is None or not slugs:
        return None
    ours, theirs = detail_bodies(slugs), postgraphile_detail_bodies(slugs)
    for slug, a, b in zip(slugs, ours, theirs, strict=True):
        api = client.post(targets.api.base_url + "/graphql", a, targets.token).body
        ref = client.post(targets.postgraphile.base_url + "/graphql", b).body
        api_outline, ref_outline = course_outline(api.get("data")), course_outline(ref.get("data"))
        if api_outline is None or api_outline != ref_outline:
            return f"no: {slug} differs ({api_outline} vs {ref_outline})"
    return f"yes, all {len(slugs)} slugs (same title, modules, lesson count and instructor numbers)"


def search_slugs(data: Any) -> list[str] | None:
    """The course slugs, in order, of a search results answer of either server."""
    edges = ((data or {}).get("searchCourses") or {}).get("edges")
    if not isinstance(edges, list):
        return None
    return [str((e.get("node") or {}).get("slug")) for e in edges]


def _same_search_results(targets: Targets) -> str | None:
    """Whether PostGraphile's search results list the same courses in the same order as the
    API's, term by term (None when PostGraphile did not run)."""
    if targets.postgraphile is None:
        return None
    ours, theirs = search_results_bodies(), postgraphile_search_bodies()
    for term, a, b in zip(search_terms(SEARCH_TERMS), ours, theirs, strict=True):
        api = client.post(targets.api.base_url + "/graphql", a, targets.token).body
        ref = client.post(targets.postgraphile.base_url + "/graphql", b).body
        found = search_slugs(api.get("data"))
        if not found or found != search_slugs(ref.get("data")):
            return f"no: {term!r} differs"
    return f"yes, all {len(ours)} terms (the same courses in the same order)"


def _floor_payload(graphql_url: str, work_dir: Path) -> Path:
    """The anonymous catalogue page the API answers (its first sort), written for the payload
    floor; empty when the API cannot answer it (the payload floor then reports why)."""
    path = work_dir / "floor_payload.json"
    reply = client.post(graphql_url, catalog_bodies()[0])
    path.write_bytes(reply.raw if reply.error("courses") is None else b"")
    return path


def _pin(targets: Targets, stack: contextlib.ExitStack) -> str:
    """Every server (all threads) on the first CPU, this runner and wrk (its children) on the
    second, so a server's figure is not the client's: PostgreSQL and Valkey stay free."""
    cpus = sorted(os.sched_getaffinity(0))
    if len(cpus) < 2:
        return "not pinned (fewer than 2 cores)"
    servers = [targets.api, targets.floor, targets.postgraphile]
    for server in servers:
        if server is not None:
            pin_all_threads(server.process.pid, {cpus[0]})
    os.sched_setaffinity(0, {cpus[1]})
    stack.callback(os.sched_setaffinity, 0, set(cpus))
    return f"servers on CPU {cpus[0]}, wrk and the runner on CPU {cpus[1]}"


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
    slugs = asyncio.run(sample_slugs(url))
    say(f"analytics: rolled up {asyncio.run(roll_up_analytics(url))} days")
    scenarios = _selected(build_scenarios(slugs), args.only)
    targets, settings = _start_targets(url, redis_url, stack, work_dir)
    sections: list[str] = []
    # the fan-out first: its memory per connection is read from the API's RSS, which the big
    # pages of the other scenarios would already have raised (the allocator then reuses it)
    if args.subscribers > 0 and _wanted(args.only, "fanout"):
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
        sections += fanout.report(result)
    rows = [run_scenario(wrk, targets, s, load) for s in scenarios]
    # the soak last: its RSS then starts from what every other scenario has already taken
    soaked, soak_skipped = None, None
    if args.soak > 0 and _wanted(args.only, "soak"):
        soaked, soak_skipped = run_soak(wrk, targets, slugs, load, args.soak)
        sections += soak.report(soaked, soak_skipped)
    info = {
        **machine(),
        "PostgreSQL": asyncio.run(_postgres_version(url)) + " (embedded pgserver, default config)"
        if services is not None
        else asyncio.run(_postgres_version(url)),
        "load generator": f"{wrk_version(wrk)}, {load.threads} threads, "
        f"{load.connections} connections, {load.warmup_s}s warm-up + {load.duration_s}s "
        "measured per scenario, on the same machine as the servers",
        "server": "uvicorn app.main:create_app --factory " + " ".join(UVICORN_FLAGS),
        "reference server": "PostGraphile v5 (bench/postgraphile, node "
        f"{_node_version()}), one process, pool of 10"
        if targets.postgraphile is not None
        else f"PostGraphile not run: {targets.postgraphile_skip}",
        "CPU pinning": targets.pinned,
        "data set": f"seed {args.seed}, {scale}",
        "student signed in as": student_email(0),
    }
    output = Path(args.output)
    output.parent.mkdir(parents=True, exist_ok=True)
    text = render(
        rows,
        info=info,
        settings=shown_settings(settings),
        scenarios={
            **{s.name: s.measures for s in scenarios},
            **({"soak": soak.MEASURES} if soaked or soak_skipped else {}),
        },
        sections=sections,
        ratios=comparison_lines(
            rows,
            same_courses=_same_courses(targets),
            same_course_pages=_same_course_pages(targets, slugs),
            same_search_results=_same_search_results(targets),
            memory=soak.footer(soaked, soak_skipped),
        ),
    )
    output.write_text(text, encoding="utf-8")
    return output


def _node_version() -> str:
    import subprocess

    from bench.servers import node_executable

    out = subprocess.run(  # noqa: S603 - our own node
        [str(node_executable()), "--version"], capture_output=True, text=True, check=False
    )
    return out.stdout.strip() or "unknown"


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.run", description=__doc__)
    parser.add_argument(
        "--duration", type=int, help="measured seconds per scenario (15; 3 with --tiny)"
    )
    parser.add_argument(
        "--warmup", type=int, help="warm-up seconds per scenario (3; 1 with --tiny)"
    )
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
    parser.add_argument(
        "--soak",
        type=int,
        help="seconds of the memory soak, run last (600; 20 with --tiny; 0: skip it; "
        "`--only soak` runs it alone)",
    )
    add_scale_arguments(parser)
    args = parser.parse_args(argv)
    # --tiny is a smoke test: short runs unless asked otherwise
    if args.duration is None:
        args.duration = 3 if args.tiny else 15
    if args.warmup is None:
        args.warmup = 1 if args.tiny else 3
    if args.soak is None:
        args.soak = 20 if args.tiny else 600
    return args


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
