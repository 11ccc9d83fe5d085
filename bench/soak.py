"""The soak scenario: is the API's memory bounded under a long run? (issue 12)

After the other scenarios, wrk loads the API for `--soak` seconds (600 in a full run) with a
signed-in mix — the catalogue page, a course page and `me`, interleaved in the bodies file so
the script's rotation alternates them — while the runner samples the API process's RSS (with
its children, like the CPU figure) about every 10 s. A leak shows as RSS that keeps climbing:
the first half of the run may still grow (allocator arenas, caches, pools filling up), so the
verdict looks only at the second half — the growth from the sample nearest the middle to the
last one, as a share of the middle's RSS. The verdict is printed, never a failure: like every
bench figure it is a measurement of one machine.
"""

from __future__ import annotations

import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

from bench.generate import say
from bench.servers import rss_mb
from bench.wrk import Load, WrkError, WrkResult, parse_output, run_wrk, wrk_command

SAMPLE_EVERY_S = 10.0  # the full run's interval; a short soak samples ~10 times instead
BOUNDED_GROWTH = 0.05  # second-half growth under this share of the RSS: memory is bounded
POLL_S = 0.2
MIX = "signed-in catalogPage, courseDetail and `me`, interleaved"
MEASURES = (
    f"{MIX}, for `--soak` seconds after the other scenarios: the API's RSS at start, middle, "
    "end and peak (is memory bounded?)"
)


@dataclass(frozen=True)
class Sample:
    at_s: float  # seconds since the soak's wrk run started
    rss_mb: float


@dataclass(frozen=True)
class SoakResult:
    seconds: int
    samples: tuple[Sample, ...]  # the first after the warm-up, the last once wrk has stopped
    result: WrkResult

    @property
    def start(self) -> Sample:
        return self.samples[0]

    @property
    def end(self) -> Sample:
        return self.samples[-1]

    @property
    def middle(self) -> Sample:
        """The sample nearest half-way through the run."""
        half = self.end.at_s / 2
        return min(self.samples, key=lambda s: abs(s.at_s - half))

    @property
    def peak_mb(self) -> float:
        return max(s.rss_mb for s in self.samples)

    @property
    def second_half_growth_mb(self) -> float:
        return self.end.rss_mb - self.middle.rss_mb

    @property
    def second_half_growth(self) -> float:
        """The second half's growth as a share of the middle sample's RSS."""
        return self.second_half_growth_mb / self.middle.rss_mb if self.middle.rss_mb else 0.0

    @property
    def bounded(self) -> bool:
        return self.second_half_growth < BOUNDED_GROWTH


def sample_interval(seconds: int) -> float:
    """~10 s for a full soak; at least ~10 samples (one a second at most often) for short ones."""
    return min(SAMPLE_EVERY_S, max(1.0, seconds / 10))


def measure(
    wrk: str, url: str, bodies: Path, *, token: str, load: Load, seconds: int, pid: int
) -> SoakResult:
    """Warm up, then one `seconds`-long wrk run while sampling the RSS of `pid` (and children)."""
    if load.warmup_s > 0:
        say(f"soak: warm-up {load.warmup_s}s")
        run_wrk(wrk, url, bodies, token=token, load=load, seconds=load.warmup_s)
    interval = sample_interval(seconds)
    say(f"soak: {seconds}s of {MIX}, RSS every {interval:g}s")
    command = wrk_command(wrk, url, bodies, token=token, load=load, seconds=seconds)
    process = subprocess.Popen(  # noqa: S603 - wrk with our own arguments
        command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    try:
        started = time.monotonic()
        samples = [Sample(0.0, rss_mb(pid))]
        deadline = started + seconds + 60
        while process.poll() is None:
            now = time.monotonic()
            if now > deadline:
                raise WrkError(f"wrk still running {seconds + 60}s into a {seconds}s soak")
            if now - started >= len(samples) * interval:
                samples.append(Sample(now - started, rss_mb(pid)))
            time.sleep(POLL_S)
        stdout, stderr = process.communicate()
        samples.append(Sample(time.monotonic() - started, rss_mb(pid)))
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    soak = SoakResult(seconds, tuple(samples), parse_output(stdout, stderr))
    say(summary(soak))
    return soak


def _verdict(soak: SoakResult) -> str:
    limit = f"{BOUNDED_GROWTH:.0%}"
    if soak.bounded:
        return f"bounded (second-half growth under {limit} of RSS)"
    return f"still growing (second-half growth {limit} of RSS or more)"


def _growth(soak: SoakResult) -> str:
    return f"{soak.second_half_growth_mb:+.1f} MB ({soak.second_half_growth:+.1%})"


def summary(soak: SoakResult) -> str:
    """One line: the figures and the verdict (stdout and the ratios section's footer)."""
    return (
        f"Memory over a {soak.seconds}s soak ({MIX}, {soak.result.rps:,.0f} req/s): API RSS "
        f"{soak.start.rss_mb:.0f} → {soak.end.rss_mb:.0f} MB, peak {soak.peak_mb:.0f} MB, "
        f"{_growth(soak)} over the second half: {_verdict(soak)}."
    )


def footer(soak: SoakResult | None, skipped: str | None) -> str | None:
    """The line under the ratios: the summary, why the soak did not run, or None (not asked)."""
    if soak is not None:
        return summary(soak)
    return None if skipped is None else f"Memory soak not available: {skipped}."


def report(soak: SoakResult | None, skipped: str | None = None) -> list[str]:
    """The report's "Memory over the soak" section (empty when the soak was not asked for)."""
    if soak is None and skipped is None:
        return []
    lines = ["## Memory over the soak", ""]
    if soak is None:
        return [*lines, f"Not available: {skipped}", ""]
    r = soak.result
    samples = ", ".join(f"{s.rss_mb:.0f}" for s in soak.samples)
    return [
        *lines,
        "| seconds | requests/s | requests | errors | p50 ms | p99 ms | API RSS at start "
        "| at the middle | at the end | peak | growth over the second half | verdict |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|",
        f"| {r.duration_s:.0f} | {r.rps:,.1f} | {r.requests:,} | {r.errors:,} "
        f"| {r.p50_ms:,.2f} | {r.p99_ms:,.2f} | {soak.start.rss_mb:.1f} MB "
        f"| {soak.middle.rss_mb:.1f} MB ({soak.middle.at_s:.0f} s) | {soak.end.rss_mb:.1f} MB "
        f"| {soak.peak_mb:.1f} MB | {_growth(soak)} | {_verdict(soak)} |",
        "",
        f"- One wrk run of {soak.seconds} s against the API ({MIX}: the bodies and the Bearer "
        "token of the signed-in scenarios) after a warm-up; RSS of the API process and its "
        f"children (psutil) every {sample_interval(soak.seconds):g} s from the start of the run, "
        "and once more when wrk has stopped (the end).",
        f"- Memory is bounded when the growth from the middle sample to the end is under "
        f"{BOUNDED_GROWTH:.0%} of the middle's RSS: the first half may still fill caches, pools "
        "and allocator arenas; a leak keeps climbing through the second.",
        f"- RSS samples (MB): {samples}.",
        "",
    ]
