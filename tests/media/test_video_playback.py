"""A video lesson through the API (SPEC §3.5): upload → finalize → addLesson(videoFileId) →
transcoded by the worker → publish → enrolled students stream it through signed, expiring URLs
(Property 21); outsiders get no stream."""

from __future__ import annotations

import asyncio
import re
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from hypothesis import given, settings
from hypothesis import strategies as st

from app.accounts.models import UserRole
from app.catalog.models import Course
from app.clock import frozen, utcnow
from app.ids import new_id
from app.integrations.storage import LocalStorage, StorageError
from app.media import streaming
from app.media.models import VideoAsset, VideoStatus
from app.outbox import relay_once
from app.settings import Settings, get_settings
from tests.support.authoring import category
from tests.support.catalog_mutations import (
    Caller,
    add_module,
    add_text_lesson,
    create_course,
    gid,
    mutate,
    raw_id,
    signed_in,
)
from tests.support.graphql import GraphQLClient
from tests.support.learning import enroll
from tests.support.media import put, request_upload

T0 = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
VIDEO_FIELDS = (
    "video { status durationSeconds posterUrl streamUrl streamExpiresAt error "
    "captions { language label url } }"
)
LESSON_QUERY = f"query ($id: ID!) {{ node(id: $id) {{ ... on Lesson {{ id {VIDEO_FIELDS} }} }} }}"


async def upload_video(
    client: GraphQLClient, http: httpx.AsyncClient, caller: Caller, body: bytes
) -> str:
    """requestUpload (VIDEO) → PUT → finalizeUpload; the file's global id."""
    ticket = (
        await request_upload(
            client,
            caller.token,
            purpose="VIDEO",
            file_name="intro.mp4",
            content_type="video/mp4",
            size=len(body),
        )
    )["upload"]
    assert (await put(http, ticket, body)).status_code == 200
    final = await mutate(
        client, caller, "finalizeUpload", {"fileId": ticket["fileId"]}, "file { id status }"
    )
    assert final["errors"] == [], final["errors"]
    return str(final["file"]["id"])


async def video_course(
    client: GraphQLClient, caller: Caller, file_id: str, *, preview: bool = False
) -> tuple[str, str]:
    """A free course of three modules whose first lesson is the video; (course id, lesson id)."""
    cat = await category(client.database)
    course = await create_course(client, caller, categoryId=gid("Category", cat.id))
    first = await add_module(client, caller, course["id"], "Module 1")
    added = await mutate(
        client,
        caller,
        "addLesson",
        {
            "moduleId": first["id"],
            "type": "VIDEO",
            "title": "Welcome",
            "videoFileId": file_id,
            "isPreview": preview,
        },
        f"lesson {{ id durationMinutes {VIDEO_FIELDS} }}",
    )
    assert added["errors"] == [], added["errors"]
    assert added["lesson"]["video"]["status"] == "PENDING"
    await add_text_lesson(client, caller, first["id"])
    for n in (2, 3):
        module = await add_module(client, caller, course["id"], f"Module {n}")
        await add_text_lesson(client, caller, module["id"])
    priced = await mutate(
        client,
        caller,
        "setCoursePricing",
        {"courseId": course["id"], "isFree": True},
        "course { id }",
    )
    assert priced["errors"] == []
    return str(course["id"]), str(added["lesson"]["id"])


async def run_worker(client: GraphQLClient) -> None:
    """The outbox relay hands the events on; the worker runs them (transcoding included)."""
    from workers.broker import broker
    from workers.media import QUEUE
    from workers.relay import dispatch

    while await relay_once(client.database, dispatch):
        await asyncio.to_thread(broker.join, QUEUE, timeout=60_000)
        await asyncio.to_thread(broker.join, "default", timeout=60_000)


async def publish(client: GraphQLClient, owner: Caller, admin: Caller, course_id: str) -> Any:
    """Submit for review, then publish; the first payload with errors, else the last."""
    submitted = await mutate(
        client, owner, "submitCourseForReview", {"courseId": course_id}, "course { id }"
    )
    if submitted["errors"]:
        return submitted
    return await mutate(
        client, admin, "publishCourse", {"courseId": course_id}, "course { status }"
    )


async def video_of(client: GraphQLClient, caller: Caller | None, lesson_id: str) -> Any:
    outcome = await client.execute(
        LESSON_QUERY, {"id": lesson_id}, token=caller.token if caller else None
    )
    assert not outcome.errors, outcome.errors
    assert outcome.data is not None
    return outcome.data["node"]["video"]


async def test_a_video_lesson_goes_from_upload_to_a_stream_enrolled_students_can_play(
    client: GraphQLClient,
    http: httpx.AsyncClient,
    storage: LocalStorage,
    sample_mp4: bytes,
    worker: Any,
) -> None:
    owner, admin = await signed_in(client), await signed_in(client, UserRole.ADMIN)
    file_id = await upload_video(client, http, owner, sample_mp4)
    course_id, lesson_id = await video_course(client, owner, file_id)

    early = await publish(client, owner, admin, course_id)
    assert [e["code"] for e in early["errors"]] == ["VIDEO_NOT_READY"]

    await run_worker(client)
    ready = await video_of(client, owner, lesson_id)
    assert (ready["status"], ready["durationSeconds"], ready["error"]) == ("READY", 2, None)
    assert ready["posterUrl"]
    published = await publish(client, owner, admin, course_id)
    assert published == {"course": {"status": "PUBLISHED"}, "errors": []}

    student, outsider = (
        await signed_in(client, UserRole.STUDENT),
        await signed_in(client, UserRole.STUDENT),
    )
    async with client.database.session() as session:
        course = await session.get(Course, raw_id(course_id))
    assert course is not None
    await enroll(client.database, student.user, course)
    now = utcnow().replace(microsecond=0)  # (the callers' tokens are valid from now on)
    with frozen(now):
        playable = await video_of(client, student, lesson_id)
        hidden = await video_of(client, outsider, lesson_id)
    assert hidden["streamUrl"] is None
    assert hidden["captions"] == []
    assert hidden["status"] == "READY"
    margin = get_settings().video_stream_url_margin_seconds
    expires = datetime.fromisoformat(playable["streamExpiresAt"])
    assert expires == now + timedelta(seconds=2 + margin)  # Property 21

    with frozen(now + timedelta(seconds=60)):
        master = await http.get(playable["streamUrl"])
        assert master.status_code == 200
        assert master.headers["content-type"].startswith("application/vnd.apple.mpegurl")
        variant_path = next(line for line in master.text.splitlines() if line.endswith(".m3u8"))
        variant_url = playable["streamUrl"].rsplit("/", 1)[0] + "/" + variant_path
        variant = await http.get(variant_url)
        assert variant.status_code == 200
        segment = next(line for line in variant.text.splitlines() if line.endswith(".ts"))
        played = await http.get(variant_url.rsplit("/", 1)[0] + "/" + segment)
        assert played.status_code == 200
        assert played.headers["content-type"] == "video/mp2t"
        assert played.content[:1] == b"\x47"  # an MPEG-TS sync byte
    with frozen(expires + timedelta(seconds=1)):
        assert (await http.get(playable["streamUrl"])).status_code == 403


async def test_anyone_may_stream_a_preview_lesson(
    client: GraphQLClient,
    http: httpx.AsyncClient,
    storage: LocalStorage,
    sample_mp4: bytes,
    worker: Any,
) -> None:
    owner, admin = await signed_in(client), await signed_in(client, UserRole.ADMIN)
    file_id = await upload_video(client, http, owner, sample_mp4)
    course_id, lesson_id = await video_course(client, owner, file_id, preview=True)
    await run_worker(client)
    assert (await publish(client, owner, admin, course_id))["errors"] == []

    anonymous = await video_of(client, None, lesson_id)
    assert anonymous["streamUrl"] is not None
    assert (await http.get(anonymous["streamUrl"])).status_code == 200


async def test_a_stream_token_opens_only_its_own_video(settings: Settings) -> None:
    video = VideoAsset(
        id=new_id(), status=VideoStatus.READY, hls_manifest_key="x", duration_seconds=5
    )
    signed = streaming.stream_url(settings, video)
    assert signed is not None
    token = re.search(r"/files/stream/([^/]+)/", signed.url)
    assert token is not None
    for path in ("../../other/hls/master.m3u8", "360p/../../../x", "/etc/passwd"):
        try:
            streaming.resolve(settings, token.group(1), path)
        except StorageError:
            continue
        raise AssertionError(f"{path} escaped the grant")
    assert streaming.resolve(settings, token.group(1), "360p/seg_0001.ts").key == (
        f"videos/{video.id}/hls/360p/seg_0001.ts"
    )


@settings(max_examples=50, deadline=None)
@given(duration=st.integers(min_value=0, max_value=24 * 3600))
def test_property_21_the_stream_url_expires_after_the_lesson_duration_plus_the_margin(
    duration: int,
) -> None:
    """Property 21: the streaming URL's expiry equals the lesson (video) duration plus the
    configured margin; before it the URL opens, from it on it is refused."""
    config = get_settings()
    video = VideoAsset(
        id=new_id(), status=VideoStatus.READY, hls_manifest_key="x", duration_seconds=duration
    )
    with frozen(T0):
        signed = streaming.stream_url(config, video)
    assert signed is not None
    lifetime = timedelta(seconds=duration + config.video_stream_url_margin_seconds)
    assert signed.expires_at == T0 + lifetime
    token = signed.url.split("/files/stream/")[1].split("/")[0]
    with frozen(T0 + lifetime - timedelta(seconds=1)):
        streaming.resolve(config, token, "master.m3u8")
    with frozen(T0 + lifetime):
        try:
            streaming.resolve(config, token, "master.m3u8")
        except StorageError:
            return
    raise AssertionError("an expired stream URL still opened")
