"""Video lessons through the API without transcoding: attaching uploads, captions, who sees the
processing error, watch progress within the video, and the statements a page of videos costs."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from sqlalchemy import func, select

from app.accounts.models import UserRole
from app.catalog.models import Course, CourseStatus, Lesson
from app.db import count_statements
from app.integrations.storage import LocalStorage
from app.media.models import FilePurpose, VideoAsset, VideoCaption
from tests.support.authoring import category
from tests.support.catalog import enroll
from tests.support.catalog_mutations import (
    Caller,
    add_module,
    attempt,
    create_course,
    gid,
    mutate,
    raw_id,
    signed_in,
)
from tests.support.graphql import GraphQLClient
from tests.support.media import finished_upload
from tests.support.video import FAKE_MP4, mark_ready, video_of, video_upload

VTT = b"WEBVTT\n\n00:00.000 --> 00:01.000\nHello\n"
CAPTIONS = "lesson { video { captions { language label url } } }"


async def _video_lesson(
    client: GraphQLClient, storage: LocalStorage, owner: Caller, *, module_id: str | None = None
) -> tuple[str, uuid.UUID]:
    """A draft course's video lesson made from a fresh upload; (lesson id, video id)."""
    if module_id is None:
        course = await create_course(client, owner)
        module_id = str((await add_module(client, owner, course["id"]))["id"])
    upload = await video_upload(client.database, storage, owner.user.id, FAKE_MP4)
    payload = await mutate(
        client,
        owner,
        "addLesson",
        {
            "moduleId": module_id,
            "type": "VIDEO",
            "title": "Clip",
            "videoFileId": gid("FileAsset", upload.id),
        },
        "lesson { id video { id status } }",
    )
    assert payload["errors"] == [], payload["errors"]
    return str(payload["lesson"]["id"]), (await video_of(client.database, upload.id)).id


async def _caption_upload(
    client: GraphQLClient, storage: LocalStorage, owner: Caller, body: bytes = VTT
) -> str:
    asset = await finished_upload(
        client.database,
        storage,
        owner.user.id,
        purpose=FilePurpose.CAPTION,
        body=body,
        file_name="en.vtt",
        content_type="text/vtt",
    )
    return gid("FileAsset", asset.id)


async def test_an_instructor_attaches_a_webvtt_caption_and_replaces_it_by_language(
    client: GraphQLClient, storage: LocalStorage
) -> None:
    owner = await signed_in(client)
    lesson_id, _ = await _video_lesson(client, storage, owner)
    for label in ("English", "English (CC)"):
        payload = await mutate(
            client,
            owner,
            "addVideoCaption",
            {
                "lessonId": lesson_id,
                "fileId": await _caption_upload(client, storage, owner),
                "language": "en",
                "label": label,
            },
            CAPTIONS,
        )
        assert payload["errors"] == []
    [caption] = payload["lesson"]["video"]["captions"]
    assert (caption["language"], caption["label"]) == ("en", "English (CC)")
    removed = await mutate(
        client, owner, "removeVideoCaption", {"lessonId": lesson_id, "language": "en"}, CAPTIONS
    )
    assert removed["lesson"]["video"]["captions"] == []


@pytest.mark.parametrize(
    ("body", "language", "label", "codes"),
    [
        (b"1\n00:00:00,000 --> 00:00:01,000\nHi\n", "en", "English", ["NOT_WEBVTT"]),
        (VTT, "not a language", "English", ["INVALID_LANGUAGE"]),
        (VTT, "en", "x" * 101, ["TOO_LONG"]),
        (VTT, "en", " ", ["REQUIRED"]),
    ],
)
async def test_a_bad_caption_is_refused_and_nothing_is_attached(
    client: GraphQLClient,
    storage: LocalStorage,
    body: bytes,
    language: str,
    label: str,
    codes: list[str],
) -> None:
    owner = await signed_in(client)
    lesson_id, _ = await _video_lesson(client, storage, owner)
    file_id = await _caption_upload(client, storage, owner, body)
    payload = await mutate(
        client,
        owner,
        "addVideoCaption",
        {"lessonId": lesson_id, "fileId": file_id, "language": language, "label": label},
        CAPTIONS,
    )
    assert [e["code"] for e in payload["errors"]] == codes
    assert payload["lesson"] is None


async def test_only_the_lessons_authors_caption_its_video(
    client: GraphQLClient, storage: LocalStorage
) -> None:
    owner, stranger = await signed_in(client), await signed_in(client)
    lesson_id, _ = await _video_lesson(client, storage, owner)
    outcome = await attempt(
        client,
        stranger,
        "addVideoCaption",
        {
            "lessonId": lesson_id,
            "fileId": await _caption_upload(client, storage, stranger),
            "language": "en",
            "label": "English",
        },
        CAPTIONS,
    )
    assert [e.extensions["code"] for e in outcome.errors] == ["NOT_FOUND"]  # a draft of another
    async with client.database.session() as session:
        assert await session.scalar(select(func.count()).select_from(VideoCaption)) == 0


async def test_a_video_lesson_takes_only_the_callers_own_finished_video_upload(
    client: GraphQLClient, storage: LocalStorage
) -> None:
    owner, other = await signed_in(client), await signed_in(client)
    course = await create_course(client, owner)
    module = await add_module(client, owner, course["id"])
    theirs = await video_upload(client.database, storage, other.user.id, FAKE_MP4)
    payload = await mutate(
        client,
        owner,
        "addLesson",
        {
            "moduleId": module["id"],
            "type": "VIDEO",
            "title": "Clip",
            "videoFileId": gid("FileAsset", theirs.id),
        },
        "lesson { id }",
    )
    assert [(e["field"], e["code"]) for e in payload["errors"]] == [
        ("videoFileId", "FILE_NOT_FOUND")
    ]


async def test_the_processing_error_is_shown_to_the_courses_instructors_only(
    client: GraphQLClient, storage: LocalStorage
) -> None:
    owner, student = await signed_in(client), await signed_in(client, UserRole.STUDENT)
    lesson_id, video_id = await _video_lesson(client, storage, owner)
    async with client.database.transaction() as session:
        row = await session.get(VideoAsset, video_id)
        assert row is not None
        row.error = "the file holds no readable video stream"
        lesson = await session.get(Lesson, raw_id(lesson_id))
        assert lesson is not None
        lesson.is_preview = True
    query = "query ($id: ID!) { node(id: $id) { ... on Lesson { video { error } } } }"
    seen = {}
    for name, caller in (("owner", owner), ("student", student)):
        outcome = await client.execute(query, {"id": lesson_id}, token=caller.token)
        assert outcome.data is not None
        seen[name] = outcome.data["node"]
    assert seen["owner"] == {"video": {"error": "the file holds no readable video stream"}}
    assert seen["student"] in (None, {"video": {"error": None}})


async def test_watch_progress_positions_stay_within_the_processed_video(
    client: GraphQLClient, storage: LocalStorage
) -> None:
    owner, student = await signed_in(client), await signed_in(client, UserRole.STUDENT)
    lesson_id, video_id = await _video_lesson(client, storage, owner)
    await mark_ready(client.database, video_id, duration=90.0)
    async with client.database.transaction() as session:
        lesson = await session.get(Lesson, raw_id(lesson_id))
        assert lesson is not None
        course = await session.get(Course, lesson.course_id)
        assert course is not None
        course.status = CourseStatus.PUBLISHED
    await enroll(client.database, student.user.id, course.id)
    fields = "lessonProgress { positionSeconds watchTimeSeconds }"

    inside = await mutate(
        client,
        student,
        "updateLessonProgress",
        {"lessonId": lesson_id, "positionSeconds": 90, "watchTimeSeconds": 95},
        fields,
    )
    beyond = await mutate(
        client,
        student,
        "updateLessonProgress",
        {"lessonId": lesson_id, "positionSeconds": 91},
        fields,
    )

    assert inside == {
        "lessonProgress": {"positionSeconds": 90, "watchTimeSeconds": 95},
        "errors": [],
    }
    assert [(e["field"], e["code"]) for e in beyond["errors"]] == [
        ("positionSeconds", "OUT_OF_RANGE")
    ]


async def _course_of_videos(
    client: GraphQLClient, storage: LocalStorage, owner: Caller, count: int
) -> str:
    cat = await category(client.database)
    course = await create_course(client, owner, categoryId=gid("Category", cat.id))
    module = await add_module(client, owner, course["id"])
    for _ in range(count):
        lesson_id, video_id = await _video_lesson(
            client, storage, owner, module_id=str(module["id"])
        )
        await mark_ready(client.database, video_id)
        await mutate(
            client,
            owner,
            "addVideoCaption",
            {
                "lessonId": lesson_id,
                "fileId": await _caption_upload(client, storage, owner),
                "language": "en",
                "label": "English",
            },
            CAPTIONS,
        )
    return str(course["id"])


PAGE = """
query ($id: ID!) { course(id: $id) { modules { lessons { title durationMinutes
  video { status durationSeconds posterUrl streamUrl error captions { language url } } } } } }"""


async def _statements(client: GraphQLClient, caller: Caller, course_id: str) -> tuple[int, Any]:
    with count_statements(client.database.engine) as counter:
        outcome = await client.execute(PAGE, {"id": course_id}, token=caller.token)
    assert not outcome.errors, outcome.errors
    assert outcome.data is not None
    return counter.count, outcome.data


async def test_a_course_page_of_videos_costs_the_same_statements_for_1_and_many(
    client: GraphQLClient, storage: LocalStorage
) -> None:
    owner = await signed_in(client)
    few = await _course_of_videos(client, storage, owner, 1)
    many = await _course_of_videos(client, storage, owner, 5)

    (one, _), (five, data) = (
        await _statements(client, owner, few),
        await _statements(client, owner, many),
    )

    lessons = data["course"]["modules"][0]["lessons"]
    assert len(lessons) == 5
    assert all(lesson["video"]["streamUrl"] and lesson["video"]["captions"] for lesson in lessons)
    assert all(lesson["durationMinutes"] == 2 for lesson in lessons)  # from the probe
    assert five == one
