"""Video processing (SPEC §3.5): a finalized VIDEO upload becomes a video that a worker probes and
transcodes to HLS; jobs are idempotent, retried, and taken over when their worker died."""

from __future__ import annotations

import asyncio
import math
import uuid
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from app.catalog import structure
from app.catalog.models import Lesson, LessonType
from app.catalog.videos import video_ready
from app.clock import frozen
from app.db import Database
from app.integrations.storage import LocalStorage
from app.media import ffmpeg, video
from app.media.models import JobStatus, VideoStatus
from app.notifications.models import Notification, NotificationType
from app.outbox import OutboxEvent
from app.security.permissions import Actor
from app.settings import Settings
from tests.support.authoring import actor, course
from tests.support.video import process, reload, video_of, video_upload

T0 = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
# sniffs as video/mp4 but holds no stream ffmpeg can read
BROKEN_MP4 = b"\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00mp42isom" + b"\x00" * 400


async def _video_lessons(
    database: Database, owner: Actor, video_id: uuid.UUID, count: int
) -> tuple[uuid.UUID, list[uuid.UUID]]:
    created = await course(database, owner)
    async with database.transaction() as session:
        module = await structure.add_module(
            session, actor=owner, course_id=created.id, title="Module"
        )
        lessons = [
            await structure.add_lesson(
                session,
                actor=owner,
                module_id=module.id,
                type=LessonType.VIDEO,
                title=f"Clip {n}",
                video_asset_id=video_id,
            )
            for n in range(count)
        ]
    return created.id, [lesson.id for lesson in lessons]


async def test_finalizing_a_video_upload_queues_its_transcoding_in_the_same_transaction(
    database: Database, storage: LocalStorage, sample_mp4: bytes
) -> None:
    owner = await actor(database)
    upload = await video_upload(database, storage, owner.id, sample_mp4)

    clip = await video_of(database, upload.id)
    row, job = await reload(database, clip.id)
    assert row.status == VideoStatus.UPLOADED
    assert (job.kind, job.status, job.attempts) == (video.TRANSCODE, JobStatus.QUEUED, 0)
    async with database.session() as session:
        topics = list(
            await session.scalars(
                select(OutboxEvent.payload).where(OutboxEvent.topic == video.VIDEO_PROCESS)
            )
        )
    assert topics == [{"video_id": str(clip.id)}]


async def test_a_processed_video_has_renditions_a_master_playlist_a_poster_and_thumbnails(
    database: Database, storage: LocalStorage, settings: Settings, sample_mp4: bytes
) -> None:
    owner = await actor(database)
    clip = await video_of(
        database, (await video_upload(database, storage, owner.id, sample_mp4)).id
    )

    assert await process(database, storage, settings, clip.id) == VideoStatus.READY

    row, job = await reload(database, clip.id)
    assert (row.status, job.status, job.attempts) == (VideoStatus.READY, JobStatus.SUCCEEDED, 1)
    assert row.duration_seconds == 2
    assert row.source_info is not None
    assert row.source_info["video_codec"] == "h264"
    assert [r["name"] for r in row.renditions] == ["144p", "240p"]  # never above the source
    master = (await storage.read(f"videos/{clip.id}/hls/master.m3u8")).decode()
    assert "144p/index.m3u8" in master
    assert "240p/index.m3u8" in master
    for name in ("144p", "240p"):
        variant = (await storage.read(f"videos/{clip.id}/hls/{name}/index.m3u8")).decode()
        assert "#EXT-X-ENDLIST" in variant
        assert await storage.head(f"videos/{clip.id}/hls/{name}/seg_0000.ts") is not None
    playable = await ffmpeg.probe(storage.object_path(f"videos/{clip.id}/hls/master.m3u8"))
    assert playable.duration_seconds == pytest.approx(2.0, abs=0.2)  # ffmpeg plays the HLS back
    assert (await storage.read(str(row.thumbnail_key)))[:2] == b"\xff\xd8"  # a JPEG poster
    assert len(row.thumbnail_keys) == settings.video_thumbnail_count
    for key in row.thumbnail_keys:
        assert await storage.head(key) is not None


async def test_a_second_delivery_of_a_finished_job_does_nothing(
    database: Database, storage: LocalStorage, settings: Settings, sample_mp4: bytes
) -> None:
    owner = await actor(database)
    clip = await video_of(
        database, (await video_upload(database, storage, owner.id, sample_mp4)).id
    )
    await process(database, storage, settings, clip.id)
    before, _ = await reload(database, clip.id)

    assert await process(database, storage, settings, clip.id) is None

    after, job = await reload(database, clip.id)
    assert job.attempts == 1
    assert after.updated_at == before.updated_at


async def test_a_job_held_by_a_live_worker_is_retried_later(
    database: Database, storage: LocalStorage, settings: Settings, sample_mp4: bytes
) -> None:
    owner = await actor(database)
    clip = await video_of(
        database, (await video_upload(database, storage, owner.id, sample_mp4)).id
    )
    with frozen(T0):
        claim = await video.claim_job(database, clip.id, lease_seconds=600, max_attempts=5)
        assert claim is not None
    with frozen(T0 + timedelta(seconds=599)), pytest.raises(video.JobBusy):
        await process(database, storage, settings, clip.id)


async def test_a_job_whose_worker_died_is_taken_over_after_its_lease(
    database: Database, storage: LocalStorage, settings: Settings, sample_mp4: bytes
) -> None:
    owner = await actor(database)
    clip = await video_of(
        database, (await video_upload(database, storage, owner.id, sample_mp4)).id
    )
    with frozen(T0):
        dead = await video.claim_job(database, clip.id, lease_seconds=600, max_attempts=5)
    assert dead is not None

    with frozen(T0 + timedelta(seconds=601)):
        assert await process(database, storage, settings, clip.id) == VideoStatus.READY
    row, job = await reload(database, clip.id)
    assert (row.status, job.status, job.attempts) == (VideoStatus.READY, JobStatus.SUCCEEDED, 2)

    # the dead worker, had it come back, could not complete the job a second time
    outcome = video.Outcome(ffmpeg.Probe(9.0, 1, 1, "h264", None), [], "x", "y")
    assert not await video.complete_job(database, dead, outcome, video_ready)
    assert (await reload(database, clip.id))[0].duration_seconds == 2


async def test_a_file_ffmpeg_cannot_read_fails_with_the_reason_and_is_not_retried(
    database: Database, storage: LocalStorage, settings: Settings
) -> None:
    owner = await actor(database)
    clip = await video_of(
        database, (await video_upload(database, storage, owner.id, BROKEN_MP4)).id
    )

    assert await process(database, storage, settings, clip.id) == VideoStatus.FAILED

    row, job = await reload(database, clip.id)
    assert (row.status, job.status) == (VideoStatus.FAILED, JobStatus.FAILED)
    assert row.error
    assert row.error == job.error
    assert await process(database, storage, settings, clip.id) is None
    async with database.session() as session:
        [told] = (
            await session.scalars(select(Notification).where(Notification.recipient_id == owner.id))
        ).all()
    assert told.title == "Your video could not be processed"
    assert row.error in told.body


async def test_a_transient_failure_puts_the_job_back_for_the_retry(
    database: Database, storage: LocalStorage, settings: Settings, sample_mp4: bytes
) -> None:
    owner = await actor(database)
    upload = await video_upload(database, storage, owner.id, sample_mp4)
    clip = await video_of(database, upload.id)
    await storage.delete(upload.storage_key)  # the object store loses the source for a while

    with pytest.raises(Exception, match="uploads/"):
        await process(database, storage, settings, clip.id)
    _row, job = await reload(database, clip.id)
    assert (job.status, job.lease_expires_at, job.attempts) == (JobStatus.QUEUED, None, 1)

    await storage.put(upload.storage_key, sample_mp4, "video/mp4")
    assert await process(database, storage, settings, clip.id) == VideoStatus.READY


async def test_a_job_failing_too_often_gives_up(
    database: Database, storage: LocalStorage, settings: Settings, sample_mp4: bytes
) -> None:
    owner = await actor(database)
    clip = await video_of(
        database, (await video_upload(database, storage, owner.id, sample_mp4)).id
    )
    for _ in range(2):
        claim = await video.claim_job(database, clip.id, lease_seconds=600, max_attempts=2)
        assert claim is not None
        await video.release_job(database, claim, "OSError: bucket unreachable")

    assert await video.claim_job(database, clip.id, lease_seconds=600, max_attempts=2) is None
    row, job = await reload(database, clip.id)
    assert (row.status, job.status) == (VideoStatus.FAILED, JobStatus.FAILED)
    assert "gave up after 2 attempts" in str(row.error)


@settings(
    max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    duration=st.floats(min_value=0.5, max_value=6 * 3600, allow_nan=False),
    lessons=st.integers(min_value=1, max_value=3),
)
async def test_property_20_a_transcoding_completion_updates_every_lesson_of_the_video(
    database: Database, storage: LocalStorage, duration: float, lessons: int
) -> None:
    """Property 20: for any video transcoding completion event, the corresponding lesson record
    is updated with the processed video (its URLs, its duration) and its status becomes ready;
    the instructor is told, and the courses' pages are invalidated."""
    owner = await actor(database)
    clip = await video_of(
        database, (await video_upload(database, storage, owner.id, BROKEN_MP4)).id
    )
    course_id, lesson_ids = await _video_lessons(database, owner, clip.id, lessons)
    claim = await video.claim_job(database, clip.id, lease_seconds=600, max_attempts=5)
    assert claim is not None
    prefix = video.video_prefix(clip.id)
    outcome = video.Outcome(
        probe=ffmpeg.Probe(duration, 1280, 720, "h264", "aac"),
        renditions=[{"name": "360p"}, {"name": "720p"}],
        manifest_key=prefix + video.MANIFEST,
        poster_key=prefix + "poster.jpg",
    )

    assert await video.complete_job(database, claim, outcome, video_ready)

    row, _ = await reload(database, clip.id)
    assert row.status == VideoStatus.READY
    assert row.hls_manifest_key == prefix + video.MANIFEST
    assert row.duration_seconds == math.ceil(duration)
    async with database.session() as session:
        minutes = set(
            await session.scalars(select(Lesson.duration_minutes).where(Lesson.id.in_(lesson_ids)))
        )
        told = await session.scalar(
            select(func.count()).where(
                Notification.recipient_id == owner.id,
                Notification.type == NotificationType.VIDEO_READY,
                Notification.metadata_["video_id"].astext == str(clip.id),
            )
        )
        changed = await session.scalar(
            select(func.count()).where(
                OutboxEvent.topic == "catalog.course_changed",
                OutboxEvent.payload["change"].astext == "video",
                OutboxEvent.payload["course_id"].astext == str(course_id),
            )
        )
    assert minutes == {math.ceil(math.ceil(duration) / 60)}
    assert (told, changed) == (1, 1)


async def test_the_sweep_hands_on_again_jobs_nobody_works_on(
    database: Database, storage: LocalStorage
) -> None:
    owner = await actor(database)
    ids = []
    for _ in range(3):
        upload = await video_upload(database, storage, owner.id, BROKEN_MP4)
        ids.append((await video_of(database, upload.id)).id)
    with frozen(T0):
        await video.claim_job(database, ids[0], lease_seconds=600, max_attempts=5)  # then died
        await video.claim_job(database, ids[1], lease_seconds=3600, max_attempts=5)  # still busy

    with frozen(T0 + timedelta(seconds=601)):
        handed = await video.requeue_stalled_jobs(database, queued_for=timedelta(days=365))

    assert handed == 1
    async with database.session() as session:
        payloads = list(
            await session.scalars(
                select(OutboxEvent.payload).where(OutboxEvent.topic == video.VIDEO_PROCESS)
            )
        )
    assert payloads.count({"video_id": str(ids[0])}) == 2  # at finalize, and by the sweep
    assert payloads.count({"video_id": str(ids[1])}) == 1
    assert payloads.count({"video_id": str(ids[2])}) == 1  # queued, not for long


async def test_two_workers_racing_for_one_job_never_both_get_it(
    database: Database, storage: LocalStorage
) -> None:
    owner = await actor(database)
    clip = await video_of(
        database, (await video_upload(database, storage, owner.id, BROKEN_MP4)).id
    )

    outcomes = await asyncio.gather(
        *(video.claim_job(database, clip.id, lease_seconds=600, max_attempts=5) for _ in range(4)),
        return_exceptions=True,
    )

    claims = [o for o in outcomes if isinstance(o, video.Claim)]
    assert len(claims) == 1
    assert all(isinstance(o, video.JobBusy) for o in outcomes if o is not claims[0])
    assert (await reload(database, clip.id))[1].attempts == 1
