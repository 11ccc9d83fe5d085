"""The runner reads wrk's result line and writes one table row per scenario."""

from __future__ import annotations

import pytest

from bench.report import Row, table
from bench.wrk import WrkError, parse_output

WRK_STDOUT = """Running 15s test @ http://127.0.0.1:8801/graphql
  2 threads and 32 connections
BENCH_RESULT {"requests": 3000, "duration_us": 15000000, "bytes": 9000000, \
"errors": {"connect": 0, "read": 0, "write": 0, "status": 2, "timeout": 1}, \
"latency_us": {"p50": 12500, "p90": 30000, "p99": 81250, "max": 120000, "mean": 15000.0}}
"""


def test_wrk_result_line_gives_rate_percentiles_and_errors() -> None:
    result = parse_output(WRK_STDOUT)

    assert result.rps == 200
    assert (result.p50_ms, result.p90_ms, result.p99_ms) == (12.5, 30.0, 81.25)
    assert result.errors == 3


def test_wrk_output_without_a_result_line_is_an_error() -> None:
    with pytest.raises(WrkError):
        parse_output("unable to connect to 127.0.0.1:8801 Connection refused")


def test_table_has_ratio_to_floor_and_says_why_a_scenario_did_not_run() -> None:
    floor = Row(
        "floor", "bare", parse_output(WRK_STDOUT.replace('"requests": 3000', '"requests": 30000'))
    )
    api = Row("catalogPage", "page", parse_output(WRK_STDOUT), statements_per_request=9.0)
    missing = Row("searchCourses", "search", skipped="Cannot query field 'searchCourses'")

    lines = table([floor, api, missing], floor_rps=2000.0).splitlines()

    assert lines[3].startswith("| catalogPage | 200.0 | 12.50 | 81.25 | 9.00 | 0.100 |")
    assert "not available: Cannot query field 'searchCourses'" in lines[4]
