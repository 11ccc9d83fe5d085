"""Applying to teach: a student applies, an admin approves (the user becomes an instructor with a
public page) or rejects (the student may apply again); both notify and are audited."""

from __future__ import annotations

import asyncio
from typing import Any

from sqlalchemy import func, select

from app.accounts.models import User, UserRole
from app.admin.models import AuditLogEntry
from app.catalog.models import InstructorApplication, InstructorProfile
from app.db import Database, count_statements
from app.notifications.models import Notification
from tests.support.catalog import gid, person, token_for
from tests.support.graphql import GraphQLClient

APPLICATION = "application { id status headline bio expertise socialLinks { kind url } }"
APPLY = {
    "headline": "Backend engineer",
    "bio": "<p>I build <b>APIs</b><script>alert(1)</script></p>",
    "expertise": ["Python", "SQL", "python"],
    "experienceYears": 9,
    "socialLinks": [{"kind": "GITHUB", "url": "https://github.com/ada"}],
    "motivation": "I like teaching.",
}


async def apply(client: GraphQLClient, token: str, **changes: Any) -> dict[str, Any]:
    outcome = await client.mutate(
        "applyAsInstructor", {**APPLY, **changes}, APPLICATION, token=token
    )
    return outcome.payload("applyAsInstructor")


async def decide(client: GraphQLClient, name: str, token: str, **input_: Any) -> dict[str, Any]:
    outcome = await client.mutate(name, input_, APPLICATION, token=token)
    return outcome.payload(name)


async def count(database: Database, model: Any, *where: Any) -> int:
    async with database.session() as session:
        return int(await session.scalar(select(func.count()).select_from(model).where(*where)) or 0)


async def test_a_student_applies_with_a_cleaned_bio_and_deduplicated_expertise(
    client: GraphQLClient, database: Database
) -> None:
    student = await person(database)

    result = await apply(client, token_for(client, student))

    assert result["errors"] == []
    application = result["application"]
    assert application["status"] == "PENDING"
    assert application["bio"] == "<p>I build <b>APIs</b></p>"
    assert application["expertise"] == ["Python", "SQL"]
    assert application["socialLinks"] == [{"kind": "GITHUB", "url": "https://github.com/ada"}]


async def test_every_bad_field_is_reported_at_once_and_nothing_is_stored(
    client: GraphQLClient, database: Database
) -> None:
    student = await person(database)

    result = await apply(
        client,
        token_for(client, student),
        headline="x" * 121,
        bio="<script>only a script</script>",
        expertise=["ok", "y" * 61],
        experienceYears=81,
        socialLinks=[
            {"kind": "LINKEDIN", "url": "https://evil.example/linkedin"},
            {"kind": "WEBSITE", "url": "http://plain.example"},
        ],
    )

    codes = {(e["field"], e["code"]) for e in result["errors"]}
    assert codes == {
        ("headline", "TOO_LONG"),
        ("bio", "REQUIRED"),
        ("expertise[1]", "TOO_LONG"),
        ("experienceYears", "OUT_OF_RANGE"),
        ("socialLinks[0].url", "LINK_HOST"),
        ("socialLinks[1].url", "INVALID_URL"),
    }
    assert (
        await count(database, InstructorApplication, InstructorApplication.user_id == student.id)
        == 0
    )


async def test_one_application_waits_at_a_time_even_when_two_race(
    client: GraphQLClient, database: Database
) -> None:
    student = await person(database)
    token = token_for(client, student)

    results = await asyncio.gather(apply(client, token), apply(client, token))

    assert sorted(len(r["errors"]) for r in results) == [0, 1]
    assert [e["code"] for r in results for e in r["errors"]] == ["APPLICATION_PENDING"]
    assert (
        await count(database, InstructorApplication, InstructorApplication.user_id == student.id)
        == 1
    )


async def test_instructors_do_not_apply(client: GraphQLClient, database: Database) -> None:
    teacher = await person(database, UserRole.INSTRUCTOR)

    result = await apply(client, token_for(client, teacher))

    assert [e["code"] for e in result["errors"]] == ["ALREADY_INSTRUCTOR"]


async def test_approval_makes_an_instructor_with_a_public_page_notifies_and_audits(
    client: GraphQLClient, database: Database
) -> None:
    admin = await person(database, UserRole.ADMIN)
    student = await person(database, first_name="Ada", last_name="Lovelace")
    application = (await apply(client, token_for(client, student)))["application"]

    result = await decide(
        client, "approveInstructor", token_for(client, admin), applicationId=application["id"]
    )

    assert result["errors"] == []
    assert result["application"]["status"] == "APPROVED"
    async with database.session() as session:
        user = await session.get(User, student.id)
        profile = await session.scalar(
            select(InstructorProfile).where(InstructorProfile.user_id == student.id)
        )
    assert user is not None
    assert user.role == UserRole.INSTRUCTOR
    assert profile is not None
    assert profile.is_public
    assert profile.slug == "ada-lovelace"
    assert profile.title == "Backend engineer"
    page = await client.execute(
        'query { instructor(slug: "ada-lovelace") { id fullName headline expertise } }'
    )
    assert page.data == {
        "instructor": {
            "id": gid("Instructor", student.id),
            "fullName": "Ada Lovelace",
            "headline": "Backend engineer",
            "expertise": ["Python", "SQL"],
        }
    }
    assert await count(database, Notification, Notification.recipient_id == student.id) == 1
    assert await count(database, AuditLogEntry, AuditLogEntry.action == "approveInstructor") == 1


async def test_a_rejected_student_is_told_why_and_may_apply_again(
    client: GraphQLClient, database: Database
) -> None:
    admin = await person(database, UserRole.ADMIN)
    student = await person(database)
    token = token_for(client, student)
    first = (await apply(client, token))["application"]

    rejected = await decide(
        client,
        "rejectInstructor",
        token_for(client, admin),
        applicationId=first["id"],
        reason="Add a sample lesson.",
    )
    again = await apply(client, token, headline="Backend engineer, with a sample")

    assert rejected["application"]["status"] == "REJECTED"
    assert again["errors"] == []
    assert again["application"]["status"] == "PENDING"
    mine = await client.execute(
        "query { myInstructorApplication { headline status } }", token=token
    )
    assert mine.data == {
        "myInstructorApplication": {
            "headline": "Backend engineer, with a sample",
            "status": "PENDING",
        }
    }
    assert await count(database, Notification, Notification.recipient_id == student.id) == 1
    assert await count(database, AuditLogEntry, AuditLogEntry.action == "rejectInstructor") == 1


async def test_a_decided_application_cannot_be_decided_again(
    client: GraphQLClient, database: Database
) -> None:
    admin = token_for(client, await person(database, UserRole.ADMIN))
    application = (await apply(client, token_for(client, await person(database))))["application"]
    await decide(client, "approveInstructor", admin, applicationId=application["id"])

    again = await decide(
        client, "rejectInstructor", admin, applicationId=application["id"], reason="No"
    )

    assert [e["code"] for e in again["errors"]] == ["APPLICATION_DECIDED"]


async def test_only_admins_decide_or_list_applications(
    client: GraphQLClient, database: Database
) -> None:
    student = await person(database)
    application = (await apply(client, token_for(client, student)))["application"]
    teacher = token_for(client, await person(database, UserRole.INSTRUCTOR))

    outcome = await client.mutate(
        "approveInstructor", {"applicationId": application["id"]}, APPLICATION, token=teacher
    )
    listing = await client.execute("query { instructorApplications { totalCount } }", token=teacher)

    assert outcome.codes == ["FORBIDDEN"]
    assert listing.codes == ["FORBIDDEN"]


LIST = """query($after: String) { instructorApplications(first: 2, after: $after) {
  totalCount pageInfo { hasNextPage endCursor }
  edges { node { id headline user { fullName } } } } }"""


async def test_admins_page_through_pending_applications_oldest_first_in_fixed_statements(
    client: GraphQLClient, database: Database
) -> None:
    admin = token_for(client, await person(database, UserRole.ADMIN))
    made = []
    for n in range(5):
        made.append(
            (await apply(client, token_for(client, await person(database)), headline=f"H{n}"))[
                "application"
            ]["id"]
        )

    seen: list[str] = []
    statements: list[int] = []
    after = None
    while True:
        with count_statements(database.engine) as counter:
            page = (await client.execute(LIST, {"after": after}, token=admin)).payload(
                "instructorApplications"
            )
        statements.append(counter.count)
        seen += [e["node"]["id"] for e in page["edges"]]
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]

    assert [i for i in seen if i in made] == made
    assert page["totalCount"] >= 5
    assert len(set(statements[:-1])) == 1


async def test_two_admins_deciding_at_once_decide_once(
    client: GraphQLClient, database: Database
) -> None:
    admins = [token_for(client, await person(database, UserRole.ADMIN)) for _ in range(2)]
    application = (await apply(client, token_for(client, await person(database))))["application"]

    results = await asyncio.gather(
        decide(client, "approveInstructor", admins[0], applicationId=application["id"]),
        decide(
            client,
            "rejectInstructor",
            admins[1],
            applicationId=application["id"],
            reason="Not now",
        ),
    )

    assert sorted(len(r["errors"]) for r in results) == [0, 1]
    assert [e["code"] for r in results for e in r["errors"]] == ["APPLICATION_DECIDED"]
    decided = [r["application"]["status"] for r in results if not r["errors"]]
    actions = ("approveInstructor", "rejectInstructor")
    audited = await count(database, AuditLogEntry, AuditLogEntry.action.in_(actions))
    assert decided in (["APPROVED"], ["REJECTED"])
    assert audited == 1
