"""Periodic jobs run by the workers: each named job at most once per interval across all of them.

Every worker ticks every TICK_SECONDS; for each job it tries to take a Redis lock named after the
job that lives as long as the job's interval (redis-py's `Lock`, with a token). The worker that
takes it runs the job and keeps the lock until it expires, so the next run is one interval
later, whichever worker does it. A job that fails is logged and its lock released, so the next
tick (on any worker) tries again. Jobs must tolerate running twice (a run longer than its
interval) — each one here works in small transactions over rows it locks.

To add a job, append a `Job` to `JOBS`; one that may change what anonymous catalog pages show
(enrollment counts: a sweep ending subscriptions) sets `changes_catalog`, and every run that
returns a truthy result (e.g. how many rows it changed) then bumps the catalog cache version.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import timedelta

import structlog
from redis.exceptions import LockError, RedisError

from app.accounts.data_export import purge_expired_exports
from app.accounts.erasure import erase_due_accounts
from app.analytics.rollups import roll_up_recent
from app.catalog.ratings import recompute_course_scores
from app.clock import utcnow
from app.cms import flush_blog_views
from app.commerce.subscriptions import expire_lapsed_subscriptions
from app.communication.announcements import publish_due_announcements
from app.integrations.cache import bump_catalog_version
from app.media import purge_abandoned_uploads
from app.media.video import requeue_stalled_jobs
from app.notifications.digests import send_due_digests
from app.search.service import refresh_search_index
from app.settings import get_settings
from workers.runtime import Runtime, get_runtime

TICK_SECONDS = 5.0  # the finest interval a job can have
log = structlog.get_logger(__name__)


@dataclass(frozen=True)
class Job:
    name: str
    every: timedelta
    run: Callable[[Runtime], Awaitable[object]]
    changes_catalog: bool = False


async def purge_uploads(runtime: Runtime) -> object:
    return await purge_abandoned_uploads(runtime.db, runtime.storage, now=utcnow())


async def expire_subscriptions(runtime: Runtime) -> object:
    async with runtime.db.transaction() as session:
        return await expire_lapsed_subscriptions(session, now=utcnow())


async def recompute_scores(runtime: Runtime) -> object:
    async with runtime.db.transaction() as session:
        return await recompute_course_scores(session, now=utcnow())


# The registration list: every periodic job of the platform.
JOBS: list[Job] = [
    Job("purge_abandoned_uploads", timedelta(hours=1), purge_uploads),
    # ends access, so anonymous course pages (enrollment counts) change
    Job("expire_lapsed_subscriptions", timedelta(minutes=15), expire_subscriptions, True),
    # a scheduled announcement goes out within about five seconds of its time
    Job(
        "publish_due_announcements",
        timedelta(seconds=5),
        lambda rt: publish_due_announcements(rt.db, rt.redis),
    ),
    Job(
        "send_notification_digests",
        timedelta(minutes=15),
        lambda rt: send_due_digests(rt.db, now=utcnow()),
    ),
    # popularity and trending scores (catalogue sorts): how many courses' scores changed
    Job("recompute_course_scores", timedelta(minutes=15), recompute_scores, True),
    # video jobs whose worker died (past their lease) or whose message was lost
    Job("requeue_stalled_videos", timedelta(minutes=10), lambda rt: requeue_stalled_jobs(rt.db)),
    # blog views buffered in Redis reach view_count within about a minute
    Job("flush_blog_views", timedelta(minutes=1), lambda rt: flush_blog_views(rt.db, rt.redis)),
    # analytics rollups of yesterday and today (dashboards, reports, course/student totals)
    Job(
        "roll_up_analytics",
        timedelta(seconds=get_settings().analytics_rollup_interval_seconds),
        lambda rt: roll_up_recent(rt.db, rt.redis, now=utcnow()),
    ),
    # SEARCH_BACKEND=opensearch: the numbers its sorts read, rewritten from the courses
    Job(
        "refresh_search_index",
        timedelta(minutes=15),
        lambda rt: refresh_search_index(rt.db, rt.settings),
    ),
    # GDPR: accounts whose deletion cool-off has ended are erased; expired export zips deleted
    Job(
        "erase_due_accounts",
        timedelta(minutes=5),
        lambda rt: erase_due_accounts(rt.db, rt.storage, rt.redis, now=utcnow()),
    ),
    Job(
        "purge_expired_exports",
        timedelta(hours=1),
        lambda rt: purge_expired_exports(rt.db, rt.storage, now=utcnow()),
    ),
]


def lock_name(namespace: str, job: Job) -> str:
    return f"{namespace}:schedule:{job.name}"


async def run_due(jobs: Sequence[Job], runtime: Runtime) -> list[str]:
    """One tick: run each job whose lock this worker takes; the names of the jobs that ran."""
    ran: list[str] = []
    for job in jobs:
        lock = runtime.redis.lock(
            lock_name(runtime.settings.queue_namespace, job),
            timeout=job.every.total_seconds(),
            thread_local=False,
        )
        if not await lock.acquire(blocking=False):
            continue
        try:
            result = await job.run(runtime)
        except Exception:
            log.exception("schedule.job_failed", job=job.name)
            with contextlib.suppress(LockError, RedisError):
                await lock.release()  # the next tick tries again
            continue
        log.info("schedule.job_done", job=job.name, result=result)
        if job.changes_catalog and result:
            await bump_catalog_version(runtime.redis)
        ran.append(job.name)
    return ran


async def schedule_until(
    stop: asyncio.Event, *, jobs: Sequence[Job] = JOBS, tick: float = TICK_SECONDS
) -> None:
    """Tick until `stop` is set; Redis being unreachable is logged and retried."""
    runtime = get_runtime()
    while not stop.is_set():
        try:
            await run_due(jobs, runtime)
        except (RedisError, OSError) as exc:
            log.warning("schedule.tick_failed", error=str(exc))
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), timeout=tick)
