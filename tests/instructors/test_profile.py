"""An instructor edits their public profile: limits, cleaned HTML, links, avatar, slug; a change
re-renders the catalog pages that show them."""

from __future__ import annotations

from typing import Any

from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import select

from app.accounts.models import User, UserRole
from app.catalog.rules import COURSE_CHANGED
from app.db import Database
from app.integrations.storage import make_storage
from app.media.models import FilePurpose
from app.outbox import OutboxEvent
from tests.instructors.support import public_instructor
from tests.support import catalog as f
from tests.support.catalog import gid, person, token_for
from tests.support.graphql import GraphQLClient
from tests.support.media import finished_upload
from tests.support.planned import examples

FIELDS = (
    "instructor { slug headline bio expertise experienceYears avatarUrl socialLinks { kind url } }"
)


async def update(client: GraphQLClient, user: User, **input_: Any) -> dict[str, Any]:
    outcome = await client.mutate(
        "updateInstructorProfile", input_, FIELDS, token=token_for(client, user)
    )
    return outcome.payload("updateInstructorProfile")


async def test_an_instructor_writes_their_profile_and_the_page_shows_it(
    client: GraphQLClient, database: Database
) -> None:
    teacher = await person(database, UserRole.INSTRUCTOR, first_name="Grace", last_name="Hopper")
    avatar = await finished_upload(database, make_storage(client.settings), teacher.id)

    result = await update(
        client,
        teacher,
        headline="Compilers, COBOL",
        bio='<p onclick="x()">Rear admiral</p>',
        expertise=["Compilers"],
        experienceYears=40,
        socialLinks=[
            {"kind": "WEBSITE", "url": "https://grace.example"},
            {"kind": "X", "url": "https://twitter.com/grace"},
        ],
        avatarUploadId=gid("FileAsset", avatar.id),
    )

    assert result["errors"] == []
    shown = result["instructor"]
    assert shown["slug"].startswith("grace-hopper")
    assert shown["bio"] == "<p>Rear admiral</p>"
    assert shown["avatarUrl"] is not None
    assert [link["kind"] for link in shown["socialLinks"]] == ["WEBSITE", "X"]
    page = await client.execute(
        "query($s: String!) { instructor(slug: $s) { headline avatarUrl } }",
        {"s": shown["slug"]},
    )
    assert page.payload("instructor") == {
        "headline": "Compilers, COBOL",
        "avatarUrl": shown["avatarUrl"],
    }


async def test_an_avatar_must_be_a_finished_avatar_upload_of_ones_own(
    client: GraphQLClient, database: Database
) -> None:
    teacher = await person(database, UserRole.INSTRUCTOR)
    storage = make_storage(client.settings)
    someone_elses = await finished_upload(database, storage, (await person(database)).id)
    wrong_kind = await finished_upload(
        database, storage, teacher.id, purpose=FilePurpose.COURSE_IMAGE
    )

    for asset in (someone_elses, wrong_kind):
        result = await update(client, teacher, avatarUploadId=gid("FileAsset", asset.id))
        assert [(e["field"], e["code"]) for e in result["errors"]] == [
            ("avatarUploadId", "FILE_NOT_FOUND")
        ]


async def test_students_have_no_instructor_profile_to_edit(
    client: GraphQLClient, database: Database
) -> None:
    student = await person(database)

    outcome = await client.mutate(
        "updateInstructorProfile", {"headline": "Me"}, FIELDS, token=token_for(client, student)
    )

    assert outcome.codes == ["FORBIDDEN"]


async def test_two_instructors_with_one_name_get_two_slugs(
    client: GraphQLClient, database: Database
) -> None:
    names = {"first_name": "Alan", "last_name": "Turing"}
    one = await person(database, UserRole.INSTRUCTOR, **names)
    two = await person(database, UserRole.INSTRUCTOR, **names)

    slugs = [(await update(client, u, headline="Maths"))["instructor"]["slug"] for u in (one, two)]

    assert slugs[0] != slugs[1]
    assert {s.split("-")[0] for s in slugs} == {"alan"}


async def test_a_profile_change_re_renders_every_course_they_teach(
    client: GraphQLClient, database: Database
) -> None:
    teacher, _ = await public_instructor(database)
    courses = await f.courses(database, teacher.id, 2)

    await update(client, teacher, headline="New headline")

    async with database.session() as session:
        events = await session.scalars(
            select(OutboxEvent).where(OutboxEvent.topic == COURSE_CHANGED)
        )
        changed = {e.payload["course_id"] for e in events if e.payload["change"] == "instructor"}
    assert {str(c.id) for c in courses} <= changed


TEXT = st.text(st.characters(blacklist_categories=("Cs", "Cc")), min_size=0, max_size=200)


@examples(25)
@given(headline=TEXT, topic=TEXT)
async def test_property_62_every_profile_text_is_limited_and_nothing_changes_on_failure(
    client: GraphQLClient, database: Database, headline: str, topic: str
) -> None:
    """Property 62: input limits on every text field — too long is TOO_LONG, and nothing
    changes."""
    teacher = await person(database, UserRole.INSTRUCTOR)

    result = await update(client, teacher, headline=headline, expertise=[topic])

    codes = {(e["field"], e["code"]) for e in result["errors"]}
    assert (("headline", "TOO_LONG") in codes) == (len(headline.strip()) > 120)
    assert (("expertise[0]", "TOO_LONG") in codes) == (len(topic.strip()) > 60)
    if codes:
        assert result["instructor"] is None
