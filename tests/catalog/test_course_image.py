"""A course image is one of the author's finished COURSE_IMAGE uploads, attached by reference
(`imageUploadId`); `Course.imageUrl` is where clients read it."""

from __future__ import annotations

import uuid

from app.accounts.models import UserRole
from app.catalog.models import Course
from app.media.models import FilePurpose, FileStatus
from tests.support import catalog as f
from tests.support.authoring import upload
from tests.support.catalog_mutations import (
    Caller,
    attempt,
    create_course,
    gid,
    mutate,
    raw_id,
    signed_in,
)
from tests.support.graphql import GraphQLClient

IMAGE = "course { id imageUrl }"


async def _image(client: GraphQLClient, owner: Caller, **kwargs: object) -> str:
    asset_id = await upload(
        client.database,
        owner.user.id,
        kwargs.pop("purpose", FilePurpose.COURSE_IMAGE),  # type: ignore[arg-type]
        kwargs.pop("status", FileStatus.UPLOADED),  # type: ignore[arg-type]
        content_type="image/png",
    )
    return gid("FileAsset", asset_id)


async def _stored(client: GraphQLClient, course_id: str) -> uuid.UUID | None:
    async with client.database.session() as session:
        found = await session.get(Course, raw_id(course_id))
    assert found is not None
    return found.image_asset_id


async def test_an_author_attaches_replaces_and_removes_the_course_image(client) -> None:
    owner = await signed_in(client)
    first, second = await _image(client, owner), await _image(client, owner)

    created = await mutate(
        client,
        owner,
        "createCourse",
        {"title": "Drawing", "description": "Lines.", "imageUploadId": first},
        IMAGE,
    )
    assert created["errors"] == []
    course_id, first_url = created["course"]["id"], created["course"]["imageUrl"]
    assert "/files/" in first_url
    assert await _stored(client, course_id) == raw_id(first)

    replaced = await mutate(
        client, owner, "updateCourse", {"courseId": course_id, "imageUploadId": second}, IMAGE
    )
    assert replaced["errors"] == []
    assert replaced["course"]["imageUrl"] not in (None, first_url)
    assert await _stored(client, course_id) == raw_id(second)

    kept = await mutate(client, owner, "updateCourse", {"courseId": course_id, "title": "D"}, IMAGE)
    assert kept["course"]["imageUrl"] == replaced["course"]["imageUrl"]

    removed = await mutate(
        client, owner, "updateCourse", {"courseId": course_id, "imageUploadId": None}, IMAGE
    )
    assert removed == {"course": {"id": course_id, "imageUrl": None}, "errors": []}
    assert await _stored(client, course_id) is None


async def test_only_a_finished_course_image_upload_of_your_own_is_accepted(client) -> None:
    owner, someone = await signed_in(client), await signed_in(client)
    mine = await _image(client, owner)
    course = await create_course(client, owner, imageUploadId=mine)
    refused = {
        "someone else's": await _image(client, someone),
        "another purpose": await _image(client, owner, purpose=FilePurpose.LESSON_RESOURCE),
        "unfinished": await _image(client, owner, status=FileStatus.PENDING),
        "unknown": gid("FileAsset", uuid.uuid4()),
        "not an id": "garbage",
    }
    for why, upload_id in refused.items():
        on_create = await mutate(
            client,
            owner,
            "createCourse",
            {"title": "T", "description": "D", "imageUploadId": upload_id},
            IMAGE,
        )
        on_update = await mutate(
            client,
            owner,
            "updateCourse",
            {"courseId": course["id"], "imageUploadId": upload_id},
            IMAGE,
        )
        for payload in (on_create, on_update):
            assert payload["course"] is None, why
            errors = [(e["field"], e["code"]) for e in payload["errors"]]
            assert errors == [("imageUploadId", "FILE_NOT_FOUND")], why
    assert await _stored(client, course["id"]) == raw_id(mine)


async def test_an_admin_attaches_an_image_of_their_own_to_any_course(client) -> None:
    owner, admin = await signed_in(client), await signed_in(client, UserRole.ADMIN)
    course = await create_course(client, owner)
    owners_image = await _image(client, owner)
    admins_image = await _image(client, admin)
    refused = await attempt(
        client,
        admin,
        "updateCourse",
        {"courseId": course["id"], "imageUploadId": owners_image},
        IMAGE,
    )
    assert refused.payload("updateCourse")["errors"][0]["code"] == "FILE_NOT_FOUND"
    done = await mutate(
        client,
        admin,
        "updateCourse",
        {"courseId": course["id"], "imageUploadId": admins_image},
        IMAGE,
    )
    assert done["errors"] == []


async def test_the_course_page_serves_the_image_url_to_anyone(client, database) -> None:
    owner = await f.instructor(database)
    image = await upload(database, owner.id, FilePurpose.COURSE_IMAGE, content_type="image/png")
    with_image = await f.course(database, owner.id, image_asset_id=image)
    without = await f.course(database, owner.id)
    query = "query($slug: String!) { course(slug: $slug) { imageUrl } }"

    shown = await client.execute(query, {"slug": with_image.slug})
    plain = await client.execute(query, {"slug": without.slug})
    listed = await client.execute("{ courses(first: 10) { edges { node { imageUrl } } } }")

    assert shown.data is not None
    assert "/files/" in shown.data["course"]["imageUrl"]
    assert plain.data == {"course": {"imageUrl": None}}
    assert listed.data is not None
    urls = [e["node"]["imageUrl"] for e in listed.data["courses"]["edges"]]
    assert sorted(urls, key=bool) == [None, shown.data["course"]["imageUrl"]]
