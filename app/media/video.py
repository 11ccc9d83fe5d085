"""Lesson videos: created from a finalized VIDEO upload, transcoded to HLS by a worker.

A finalized `lesson_video` upload gets its `VideoAsset` (status UPLOADED, shown as PENDING), one
`transcode_hls` job (QUEUED) and a `media.video_process` outbox event, all in the finalize's
transaction. The worker (`process_video`) then:

1. claims the job in its own transaction: QUEUED → RUNNING with a lease, the video PROCESSING;
   a finished job (SUCCEEDED / FAILED) is left alone (a second delivery does nothing); a RUNNING
   job still within its lease belongs to another worker (`JobBusy`: the message is retried
   later); a RUNNING job past its lease was abandoned by a dead worker and is taken over;
2. transcodes in a temporary directory (app/media/ffmpeg.py; nothing held in a transaction):
   probe, renditions, master playlist, poster, thumbnails, all uploaded under `videos/<id>/`
   (the same keys on every attempt, so a re-run overwrites rather than duplicates);
3. completes in one transaction: job SUCCEEDED, video READY with its duration, keys and
   renditions, and the caller's `on_ready` hook (lessons updated, instructor notified) — unless
   another worker took the job over meanwhile (the attempt number no longer matches).

ffmpeg rejecting the input or timing out fails the job and the video with the reason (not
retried); no ffmpeg at all marks the video UNAVAILABLE. Any other error (storage, database) puts
the job back to QUEUED and re-raises, so Dramatiq retries it with backoff; after
VIDEO_JOB_MAX_ATTEMPTS claims the job fails for good.
"""

from __future__ import annotations

import asyncio
import math
import mimetypes
import shutil
import tempfile
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from app import db as dbm
from app.clock import utcnow
from app.db import Database
from app.integrations.storage import LocalStorage, ObjectNotFound, S3Storage, Storage
from app.media import ffmpeg, repo
from app.media.models import FileAsset, JobStatus, ProcessingJob, VideoAsset, VideoStatus
from app.outbox import emit
from app.settings import Settings

VIDEO_PROCESS = "media.video_process"
TRANSCODE = "transcode_hls"
MANIFEST = "hls/master.m3u8"
CONTENT_TYPES = {
    ".m3u8": "application/vnd.apple.mpegurl",
    ".ts": "video/mp2t",
    ".jpg": "image/jpeg",
}

OnReady = Callable[[AsyncSession, VideoAsset, FileAsset], Awaitable[None]]


class JobBusy(Exception):
    """Another worker holds this video's job (its lease has not run out): retry later."""


def video_prefix(video_id: uuid.UUID) -> str:
    """Where a video's renditions, poster and thumbnails live in storage."""
    return f"videos/{video_id}/"


async def video_for_file(session: AsyncSession, asset: FileAsset) -> VideoAsset:
    """The video of a finalized `lesson_video` upload; on the first call it is created with its
    transcoding job and the event that starts it (in the caller's transaction)."""
    existing = await repo.video_by_file(session, asset.id)
    if existing is not None:
        return existing
    video = VideoAsset(file_asset_id=asset.id, status=VideoStatus.UPLOADED)
    await dbm.add(session, video)
    await dbm.add(session, ProcessingJob(video_asset_id=video.id, kind=TRANSCODE))
    await emit(session, VIDEO_PROCESS, {"video_id": str(video.id)})
    return video


@dataclass(frozen=True)
class Claim:
    video_id: uuid.UUID
    attempt: int
    source_key: str
    file_name: str


@dataclass
class Outcome:
    probe: ffmpeg.Probe
    renditions: list[dict[str, Any]]
    manifest_key: str
    poster_key: str
    thumbnail_keys: list[str] = field(default_factory=list)


async def claim_job(
    db: Database, video_id: uuid.UUID, *, lease_seconds: int, max_attempts: int
) -> Claim | None:
    """Take the video's job (see the module docstring); None when there is nothing to do."""
    async with db.transaction() as session:
        job = await repo.lock_job(session, video_id, TRANSCODE)
        video = await repo.lock_video(session, video_id)
        if job is None or video is None or job.status in (JobStatus.SUCCEEDED, JobStatus.FAILED):
            return None
        now = utcnow()
        leased = job.lease_expires_at is not None and job.lease_expires_at > now
        if job.status == JobStatus.RUNNING and leased:
            raise JobBusy(str(video_id))
        if job.attempts >= max_attempts:
            reason = f"gave up after {job.attempts} attempts: {job.error or 'interrupted'}"
            _fail(job, video, reason, VideoStatus.FAILED)
            return None
        asset = await repo.asset_by_id(session, video.file_asset_id)
        if asset is None:
            return None
        job.status = JobStatus.RUNNING
        job.attempts += 1
        job.started_at = now
        job.finished_at = None
        job.lease_expires_at = now + timedelta(seconds=lease_seconds)
        video.status = VideoStatus.PROCESSING
        video.error = None
        return Claim(video.id, job.attempts, asset.storage_key, asset.file_name)


def _fail(job: ProcessingJob, video: VideoAsset, reason: str, status: VideoStatus) -> None:
    job.status = JobStatus.FAILED
    job.error = reason
    job.finished_at = utcnow()
    job.lease_expires_at = None
    video.status = status
    video.error = reason


async def _current(session: AsyncSession, claim: Claim) -> tuple[ProcessingJob, VideoAsset] | None:
    """The claimed job and its video, unless another worker took the job over since."""
    job = await repo.lock_job(session, claim.video_id, TRANSCODE)
    video = await repo.lock_video(session, claim.video_id)
    if job is None or video is None:
        return None
    if job.status != JobStatus.RUNNING or job.attempts != claim.attempt:
        return None
    return job, video


async def fail_job(
    db: Database,
    claim: Claim,
    reason: str,
    status: VideoStatus,
    on_finished: OnReady | None = None,
) -> None:
    async with db.transaction() as session:
        current = await _current(session, claim)
        if current is None:
            return
        job, video = current
        _fail(job, video, reason[:2000], status)
        asset = await repo.asset_by_id(session, video.file_asset_id)
        await session.flush()
        if on_finished is not None and asset is not None:
            await on_finished(session, video, asset)


async def release_job(db: Database, claim: Claim, error: str) -> None:
    """Back to QUEUED after a transient error (the retry claims it again at once)."""
    async with db.transaction() as session:
        current = await _current(session, claim)
        if current is not None:
            job, _ = current
            job.status = JobStatus.QUEUED
            job.error = error[:2000]
            job.lease_expires_at = None


async def complete_job(db: Database, claim: Claim, outcome: Outcome, on_ready: OnReady) -> bool:
    """READY, with what the transcoding produced; False when the job was taken over."""
    async with db.transaction() as session:
        current = await _current(session, claim)
        if current is None:
            return False
        job, video = current
        now = utcnow()
        job.status = JobStatus.SUCCEEDED
        job.finished_at = now
        job.lease_expires_at = None
        job.error = None
        probe = outcome.probe
        video.status = VideoStatus.READY
        video.ready_at = now
        video.error = None
        video.duration_seconds = max(0, math.ceil(probe.duration_seconds))
        video.hls_manifest_key = outcome.manifest_key
        video.thumbnail_key = outcome.poster_key
        video.thumbnail_keys = outcome.thumbnail_keys
        video.renditions = outcome.renditions
        video.source_info = {
            "width": probe.width,
            "height": probe.height,
            "video_codec": probe.video_codec,
            "audio_codec": probe.audio_codec,
            "duration": probe.duration_seconds,
        }
        asset = await repo.asset_by_id(session, video.file_asset_id)
        assert asset is not None  # the video cascades with its file
        await session.flush()
        await on_ready(session, video, asset)
        return True


async def process_video(
    db: Database,
    storage: Storage,
    settings: Settings,
    *,
    video_id: uuid.UUID,
    on_ready: OnReady,
) -> VideoStatus | None:
    """The actor's body; the video's status afterwards (None when there was nothing to do).
    `on_ready` runs in the transaction that ends the job: READY, or FAILED / UNAVAILABLE."""
    claim = await claim_job(
        db,
        video_id,
        lease_seconds=settings.video_job_lease_seconds,
        max_attempts=settings.video_job_max_attempts,
    )
    if claim is None:
        return None
    try:
        with tempfile.TemporaryDirectory(prefix="easyways-video-") as tmp:
            outcome = await transcode(storage, settings, claim, Path(tmp))
    except ffmpeg.FfmpegUnavailable as exc:
        reason = f"video processing unavailable: {exc}"
        await fail_job(db, claim, reason, VideoStatus.UNAVAILABLE, on_ready)
        return VideoStatus.UNAVAILABLE
    except ffmpeg.FfmpegError as exc:
        await fail_job(db, claim, str(exc), VideoStatus.FAILED, on_ready)
        return VideoStatus.FAILED
    except BaseException as exc:
        await release_job(db, claim, f"{type(exc).__name__}: {exc}")
        raise
    done = await complete_job(db, claim, outcome, on_ready)
    return VideoStatus.READY if done else None


async def requeue_stalled_jobs(
    db: Database, *, queued_for: timedelta = timedelta(hours=1), limit: int = 100
) -> int:
    """Hand the worker again the jobs nobody is working on: RUNNING past their lease (the worker
    died and its message is gone or was dropped while the lease held) and QUEUED for longer than
    `queued_for` (the message was lost, or its retries ran out). A duplicate delivery is
    harmless (claiming is idempotent). Returns how many were handed on."""
    now = utcnow()
    async with db.transaction() as session:
        video_ids = await repo.stalled_jobs(
            session, TRANSCODE, now=now, queued_before=now - queued_for, limit=limit
        )
        for video_id in video_ids:
            await emit(session, VIDEO_PROCESS, {"video_id": str(video_id)})
        return len(video_ids)


async def transcode(storage: Storage, settings: Settings, claim: Claim, work: Path) -> Outcome:
    """Probe, renditions, master playlist, poster and thumbnails, uploaded to storage."""
    suffix = Path(claim.file_name).suffix.lower()[:8] or ".mp4"
    source = work / f"source{suffix}"
    await fetch_source(storage, claim.source_key, source)
    probe = await ffmpeg.probe(source)
    time_limit = settings.video_transcode_timeout_seconds
    out = work / "out"
    hls = out / "hls"
    renditions = ffmpeg.ladder(probe.height)
    for rendition in renditions:
        await ffmpeg.transcode_rendition(
            source, hls, rendition, has_audio=probe.audio_codec is not None, time_limit=time_limit
        )
    master = ffmpeg.master_playlist(renditions, probe)
    await asyncio.to_thread((hls / "master.m3u8").write_text, master)
    await ffmpeg.still(
        source,
        out / "poster.jpg",
        at_seconds=ffmpeg.poster_time(probe.duration_seconds),
        height=min(720, probe.height),
        time_limit=time_limit,
    )
    thumbs = out / "thumbs"
    thumbs.mkdir()
    times = ffmpeg.thumbnail_times(probe.duration_seconds, settings.video_thumbnail_count)
    for index, at in enumerate(times, start=1):
        await ffmpeg.still(
            source, thumbs / f"{index:02d}.jpg", at_seconds=at, height=180, time_limit=time_limit
        )
    prefix = video_prefix(claim.video_id)
    await _upload_tree(storage, out, prefix)
    return Outcome(
        probe=probe,
        renditions=[
            {"name": r.name, "height": r.height, "bandwidth": r.bandwidth()} for r in renditions
        ],
        manifest_key=prefix + MANIFEST,
        poster_key=prefix + "poster.jpg",
        thumbnail_keys=[f"{prefix}thumbs/{i:02d}.jpg" for i in range(1, len(times) + 1)],
    )


async def fetch_source(storage: Storage, key: str, target: Path) -> None:
    """The uploaded file copied to `target` without holding it in memory (videos are large)."""
    if isinstance(storage, LocalStorage):
        path = storage.object_path(key)
        if not await asyncio.to_thread(path.is_file):
            raise ObjectNotFound(key)
        await asyncio.to_thread(shutil.copyfile, path, target)
    elif isinstance(storage, S3Storage):
        await asyncio.to_thread(storage.client.download_file, storage.bucket, key, str(target))
    else:
        await asyncio.to_thread(target.write_bytes, await storage.read(key))


async def _upload_tree(storage: Storage, root: Path, prefix: str) -> None:
    """Every file under `root`, playlists last (a player never sees a missing segment)."""
    found = await asyncio.to_thread(lambda: [p for p in root.rglob("*") if p.is_file()])
    files = sorted(found, key=lambda p: (p.suffix == ".m3u8", str(p)))
    for path in files:
        content_type = CONTENT_TYPES.get(path.suffix) or (
            mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        )
        key = prefix + path.relative_to(root).as_posix()
        await storage.put(key, await asyncio.to_thread(path.read_bytes), content_type)
