"""Testimonials: submitted by signed-in users under their profile name, one pending at a time,
approved / rejected / featured by admins (audited), listed publicly once approved."""

from __future__ import annotations

import asyncio

from sqlalchemy import select

from app.accounts.models import User, UserRole
from app.admin.models import AuditLogEntry
from app.cms import models as cms_models
from app.db import Database, count_statements
from tests.support.catalog import gid, person, token_for
from tests.support.graphql import GraphQLClient
from tests.support.learning import free_course, student_in

FIELDS = "testimonial { id name role content rating status isFeatured course { id } }"
LIST = """query($featured: Boolean, $status: TestimonialStatus) {
  testimonials(featured: $featured, status: $status, first: 50) {
    totalCount edges { node { name content isFeatured course { title } } } } }"""
CONTENT = "This platform taught me SQL in a month."


async def _submit(client: GraphQLClient, user: User, **input_: object) -> dict[str, object]:
    outcome = await client.mutate(
        "submitTestimonial",
        {"content": CONTENT, "rating": 5, **input_},
        FIELDS,
        token=token_for(client, user),
    )
    return outcome.payload("submitTestimonial")


async def _decide(
    client: GraphQLClient, admin: User, name: str, **input_: object
) -> dict[str, object]:
    outcome = await client.mutate(name, input_, FIELDS, token=token_for(client, admin))
    return outcome.payload(name)


async def test_a_testimonial_carries_the_profile_name_and_waits_for_approval(
    client: GraphQLClient, database: Database
) -> None:
    author = await person(database, first_name="Ada", last_name="Lovelace")
    made = await _submit(client, author, role="Analyst")
    assert made["errors"] == []
    testimonial = made["testimonial"]
    assert testimonial["name"] == "Ada Lovelace"
    assert testimonial["status"] == "PENDING"
    listed = await client.execute(LIST)
    assert listed.payload("testimonials")["totalCount"] == 0
    named = await client.mutate(
        "submitTestimonial",
        {"content": CONTENT, "rating": 5, "name": "Someone Famous"},
        FIELDS,
        token=token_for(client, await person(database)),
    )
    assert named.codes == ["BAD_USER_INPUT"]  # a name is never taken from the caller


async def test_one_pending_testimonial_per_user_even_when_racing(
    client: GraphQLClient, database: Database
) -> None:
    author = await person(database)
    results = await asyncio.gather(*(_submit(client, author) for _ in range(4)))
    codes = sorted(e["code"] for r in results for e in r["errors"])  # type: ignore[attr-defined]
    assert codes == ["TESTIMONIAL_PENDING"] * 3
    async with database.session() as session:
        assert len((await session.scalars(select(cms_models.Testimonial))).all()) == 1


async def test_approve_feature_and_list_publicly_with_audit(
    client: GraphQLClient, database: Database
) -> None:
    admin = await person(database, UserRole.ADMIN)
    made = await _submit(client, await person(database))
    tid = made["testimonial"]["id"]  # type: ignore[index]
    early = await _decide(client, admin, "featureTestimonial", testimonialId=tid)
    assert [e["code"] for e in early["errors"]] == ["TESTIMONIAL_NOT_APPROVED"]  # type: ignore[union-attr]
    approved = await _decide(client, admin, "approveTestimonial", testimonialId=tid)
    assert approved["testimonial"]["status"] == "APPROVED"  # type: ignore[index]
    again = await _decide(client, admin, "approveTestimonial", testimonialId=tid)
    assert [e["code"] for e in again["errors"]] == ["TESTIMONIAL_DECIDED"]  # type: ignore[union-attr]
    featured = await _decide(client, admin, "featureTestimonial", testimonialId=tid)
    assert featured["testimonial"]["isFeatured"] is True  # type: ignore[index]
    assert (await client.execute(LIST, {"featured": True})).payload("testimonials")[
        "totalCount"
    ] == 1
    assert (await client.execute(LIST, {"featured": False})).payload("testimonials")[
        "totalCount"
    ] == 0
    async with database.session() as session:
        actions = set((await session.scalars(select(AuditLogEntry.action))).all())
    assert {"approveTestimonial", "featureTestimonial"} <= actions


async def test_a_rejected_author_may_submit_again(
    client: GraphQLClient, database: Database
) -> None:
    admin, author = await person(database, UserRole.ADMIN), await person(database)
    first = await _submit(client, author)
    tid = first["testimonial"]["id"]  # type: ignore[index]
    rejected = await _decide(client, admin, "rejectTestimonial", testimonialId=tid)
    assert rejected["testimonial"]["status"] == "REJECTED"  # type: ignore[index]
    assert (await _submit(client, author))["errors"] == []
    pending = await client.execute(LIST, {"status": "PENDING"}, token=token_for(client, admin))
    assert pending.payload("testimonials")["totalCount"] == 1


async def test_only_admins_decide_and_see_every_pending_one(
    client: GraphQLClient, database: Database
) -> None:
    author = await person(database)
    tid = (await _submit(client, author))["testimonial"]["id"]  # type: ignore[index]
    student = await person(database)
    outcome = await client.mutate(
        "approveTestimonial", {"testimonialId": tid}, FIELDS, token=token_for(client, student)
    )
    assert outcome.codes == ["FORBIDDEN"]
    listed = await client.execute(LIST, {"status": "PENDING"}, token=token_for(client, student))
    assert listed.payload("testimonials")["totalCount"] == 0
    own = await client.execute(LIST, {"status": "PENDING"}, token=token_for(client, author))
    assert own.payload("testimonials")["totalCount"] == 1
    hidden = await client.execute(
        "query($id: ID!) { node(id: $id) { id } }", {"id": tid}, token=token_for(client, student)
    )
    assert hidden.data == {"node": None}


async def test_input_is_checked(client: GraphQLClient, database: Database) -> None:
    author = await person(database)
    bad = await _submit(client, author, content="short", rating=6, role="r" * 151)
    assert sorted((e["field"], e["code"]) for e in bad["errors"]) == [  # type: ignore[attr-defined]
        ("content", "TOO_SHORT"),
        ("rating", "OUT_OF_RANGE"),
        ("role", "TOO_LONG"),
    ]
    course = await free_course(database)
    not_taken = await _submit(client, author, courseId=gid("Course", course.id))
    assert [e["field"] for e in not_taken["errors"]] == ["courseId"]  # type: ignore[attr-defined]
    student, _ = await student_in(database, course)
    about = await _submit(client, student, courseId=gid("Course", course.id))
    assert about["testimonial"]["course"] == {"id": gid("Course", course.id)}  # type: ignore[index]


async def test_listing_runs_the_same_statements_for_one_or_many(
    client: GraphQLClient, database: Database
) -> None:
    admin = await person(database, UserRole.ADMIN)
    course = await free_course(database)

    async def approved(n: int) -> None:
        for _ in range(n):
            student, _ = await student_in(database, course)
            made = await _submit(client, student, courseId=gid("Course", course.id))
            tid = made["testimonial"]["id"]  # type: ignore[index]
            await _decide(client, admin, "approveTestimonial", testimonialId=tid)

    async def statements() -> int:
        with count_statements(database.engine) as counter:
            outcome = await client.execute(LIST)
        assert not outcome.errors
        return counter.count

    await approved(1)
    one = await statements()
    await approved(4)
    assert await statements() == one
