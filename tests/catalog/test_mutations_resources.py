"""Course and lesson resources: links or the author's own finished uploads, authors only."""

from __future__ import annotations

from app.accounts.models import UserRole
from app.catalog.models import CourseResource, LessonResource
from app.media.models import FilePurpose, FileStatus
from tests.support import accounts as accounts
from tests.support.authoring import rows, upload
from tests.support.catalog_mutations import (
    add_module,
    add_text_lesson,
    attempt,
    create_course,
    gid,
    mutate,
    signed_in,
)

RESOURCE = "resource { id title url isFile }"
ERRORS = "errors { field code }"


async def _upload(
    database, owner_id, status=FileStatus.UPLOADED, purpose=FilePurpose.LESSON_RESOURCE
) -> str:
    return gid("FileAsset", await upload(database, owner_id, purpose, status))


async def test_an_author_attaches_a_link_to_the_course_and_a_file_to_a_lesson(client) -> None:
    owner = await signed_in(client)
    course = await create_course(client, owner)
    module = await add_module(client, owner, course["id"])
    lesson = await add_text_lesson(client, owner, module["id"])

    link = await mutate(
        client,
        owner,
        "addCourseResource",
        {"courseId": course["id"], "title": "Cheat sheet", "url": "https://example.org/sheet"},
        f"{RESOURCE} {ERRORS}",
    )
    assert link["errors"] == []
    assert link["resource"] == {
        "id": link["resource"]["id"],
        "title": "Cheat sheet",
        "url": "https://example.org/sheet",
        "isFile": False,
    }
    file_id = await _upload(client.database, owner.user.id)
    attached = await mutate(
        client,
        owner,
        "addLessonResource",
        {"lessonId": lesson["id"], "title": "Slides", "fileId": file_id},
        f"{RESOURCE} {ERRORS}",
    )
    assert attached["errors"] == []
    assert attached["resource"]["isFile"] is True
    handout = await _upload(client.database, owner.user.id, purpose=FilePurpose.COURSE_RESOURCE)
    on_course = await mutate(
        client,
        owner,
        "addCourseResource",
        {"courseId": course["id"], "title": "Handout", "fileId": handout},
        f"{RESOURCE} {ERRORS}",
    )
    assert on_course["errors"] == []
    assert await rows(client.database, CourseResource) == 2
    assert await rows(client.database, LessonResource) == 1

    deleted = await mutate(
        client,
        owner,
        "deleteResource",
        {"resourceId": link["resource"]["id"]},
        f"deletedResourceId {ERRORS}",
    )
    assert deleted == {"deletedResourceId": link["resource"]["id"], "errors": []}
    assert await rows(client.database, CourseResource) == 1


async def test_a_resource_is_a_link_or_a_finished_upload_of_the_author(client) -> None:
    owner = await signed_in(client)
    course = await create_course(client, owner)
    someone = await signed_in(client)
    foreign = await _upload(client.database, someone.user.id)
    pending = await _upload(client.database, owner.user.id, FileStatus.PENDING)
    for_lessons = await _upload(client.database, owner.user.id)  # a lesson resource upload
    cases = [
        ({"title": "Both", "url": "https://x.org", "fileId": foreign}, None, "URL_OR_FILE"),
        ({"title": "Neither"}, None, "URL_OR_FILE"),
        ({"title": "Bad link", "url": "javascript:alert(1)"}, "url", "INVALID_URL"),
        ({"title": "Not mine", "fileId": foreign}, "fileId", "FILE_NOT_FOUND"),
        ({"title": "Unfinished", "fileId": pending}, "fileId", "FILE_NOT_FOUND"),
        ({"title": "Other use", "fileId": for_lessons}, "fileId", "FILE_NOT_FOUND"),
        ({"title": "Not an upload", "fileId": "garbage"}, "fileId", "FILE_NOT_FOUND"),
        ({"title": "", "url": "https://x.org"}, "title", "REQUIRED"),
    ]
    for input_, field, code in cases:
        payload = await mutate(
            client, owner, "addCourseResource", {"courseId": course["id"], **input_}, ERRORS
        )
        assert (field, code) in [(e["field"], e["code"]) for e in payload["errors"]], payload
    assert await rows(client.database, CourseResource) == 0


async def test_only_the_courses_authors_manage_its_resources(client) -> None:
    owner = await signed_in(client)
    course = await create_course(client, owner)
    added = await mutate(
        client,
        owner,
        "addCourseResource",
        {"courseId": course["id"], "title": "Notes", "url": "https://example.org/n"},
        f"{RESOURCE} {ERRORS}",
    )
    for role in (UserRole.STUDENT, UserRole.INSTRUCTOR):
        stranger = await signed_in(client, role)
        add = await attempt(
            client,
            stranger,
            "addCourseResource",
            {"courseId": course["id"], "title": "Spam", "url": "https://spam.example"},
            ERRORS,
        )
        assert add.codes == ["NOT_FOUND"]  # a draft stays hidden from non-authors
        remove = await attempt(
            client, stranger, "deleteResource", {"resourceId": added["resource"]["id"]}, ERRORS
        )
        assert remove.codes == ["NOT_FOUND"]
    admin = await signed_in(client, UserRole.ADMIN)
    removed = await mutate(
        client, admin, "deleteResource", {"resourceId": added["resource"]["id"]}, ERRORS
    )
    assert removed["errors"] == []
    assert await rows(client.database, CourseResource) == 0
