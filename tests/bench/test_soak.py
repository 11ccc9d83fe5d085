"""The memory soak (issue 12): the verdict looks at the second half's RSS growth only, the report
shows start, middle, end and peak, and the mix alternates the three signed-in requests."""

from __future__ import annotations

import json

from hypothesis import assume, given
from hypothesis import strategies as st

from bench.plan import catalog_bodies, soak_bodies
from bench.report import comparison_lines
from bench.soak import Sample, SoakResult, footer, report, sample_interval
from bench.wrk import WrkResult

WRK = WrkResult(
    requests=6000, duration_s=60.0, errors=0, p50_ms=250.0, p90_ms=400.0, p99_ms=580.0, max_ms=900.0
)


def _soak(rss: list[float], every_s: float = 10.0) -> SoakResult:
    samples = tuple(Sample(i * every_s, value) for i, value in enumerate(rss))
    return SoakResult(int(samples[-1].at_s), samples, WRK)


@given(
    first_half=st.lists(st.floats(min_value=50, max_value=2000), min_size=3, max_size=30),
    plateau=st.floats(min_value=50, max_value=2000),
    noise=st.floats(min_value=-0.04, max_value=0.04),
)
def test_memory_that_levels_off_by_half_time_is_bounded(
    first_half: list[float], plateau: float, noise: float
) -> None:
    # whatever the first half does (caches and pools filling up), a flat second half is bounded
    second_half = [plateau] * len(first_half) + [plateau * (1 + noise)]
    soak = _soak([*first_half, *second_half])

    assert soak.middle.rss_mb == plateau
    assert soak.bounded
    assert soak.peak_mb == max(*first_half, plateau, plateau * (1 + noise))


@given(
    start=st.floats(min_value=50, max_value=2000),
    growth_per_sample=st.floats(min_value=0.01, max_value=0.2),
    samples=st.integers(min_value=4, max_value=61),
)
def test_memory_that_keeps_climbing_through_the_second_half_is_not_bounded(
    start: float, growth_per_sample: float, samples: int
) -> None:
    # a leak: the same share of the starting RSS added every sample, to the end
    rss = [start * (1 + growth_per_sample * i) for i in range(samples)]
    soak = _soak(rss)
    half_steps = samples - 1 - (samples - 1) // 2
    # runs too short for this rate to cross the threshold say nothing about it
    assume(start * growth_per_sample * half_steps >= 0.05 * soak.middle.rss_mb)

    assert not soak.bounded
    assert soak.second_half_growth_mb > 0
    assert (soak.start.rss_mb, soak.end.rss_mb, soak.peak_mb) == (rss[0], rss[-1], rss[-1])


def test_the_middle_is_the_sample_nearest_half_way_through() -> None:
    # samples every 10 s, then the end once wrk has stopped, 3 s after the last one
    samples = (Sample(0, 100), Sample(10, 110), Sample(20, 120), Sample(30, 121), Sample(33, 122))
    soak = SoakResult(30, samples, WRK)

    assert soak.middle == Sample(20, 120)
    assert soak.second_half_growth_mb == 2
    assert soak.bounded


def test_a_full_soak_samples_every_ten_seconds_and_a_short_one_about_ten_times() -> None:
    assert sample_interval(600) == 10
    assert sample_interval(20) == 2
    assert sample_interval(5) == 1


def test_report_section_has_start_middle_end_peak_growth_and_verdict() -> None:
    lines = report(_soak([180, 190, 195, 196, 196, 197, 197]))
    row = lines[4]

    assert lines[0] == "## Memory over the soak"
    assert row.startswith("| 60 | 100.0 | 6,000 | 0 | 250.00 | 580.00 | 180.0 MB ")
    assert "| 196.0 MB (30 s) | 197.0 MB | 197.0 MB | +1.0 MB (+0.5%) | bounded" in row
    assert "- RSS samples (MB): 180, 190, 195, 196, 196, 197, 197." in lines


def test_a_growing_soak_says_so_and_the_ratios_end_with_its_summary() -> None:
    soak = _soak([100, 110, 120, 130, 140])
    line = footer(soak, None)

    assert line is not None
    assert "still growing" in report(soak)[4]
    assert "API RSS 100 → 140 MB, peak 140 MB, +20.0 MB (+16.7%)" in line
    assert line.endswith("still growing (second-half growth 5% of RSS or more).")
    assert comparison_lines([], memory=line)[-2:] == [line, ""]


def test_a_soak_that_could_not_run_says_why_and_one_not_asked_for_is_absent() -> None:
    assert report(None, "HTTP 500: boom") == [
        "## Memory over the soak",
        "",
        "Not available: HTTP 500: boom",
        "",
    ]
    assert footer(None, "HTTP 500: boom") == "Memory soak not available: HTTP 500: boom."
    assert report(None) == []
    assert footer(None, None) is None


@given(slugs=st.lists(st.from_regex(r"[a-z]{1,8}", fullmatch=True), max_size=30, unique=True))
def test_the_mix_alternates_catalogue_page_course_page_and_me(slugs: list[str]) -> None:
    bodies = [json.loads(b) for b in soak_bodies(slugs)]
    step = 3 if slugs else 2
    names = [b["operationName"] for b in bodies[:step]]

    assert names == (["CatalogPage", "CourseDetail", "Me"] if slugs else ["CatalogPage", "Me"])
    assert all(b["operationName"] == names[i % step] for i, b in enumerate(bodies))
    # every catalogue page and every sampled course page is in the rotation
    assert set(soak_bodies(slugs)[::step]) == set(catalog_bodies())
    assert {b["variables"]["slug"] for b in bodies if b["operationName"] == "CourseDetail"} == set(
        slugs
    )
