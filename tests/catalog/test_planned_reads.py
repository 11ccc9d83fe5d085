"""Planned reads (schema/core/planned.py, resolvers/catalog/planned.py): a catalog query whose
every field the documents statement covers is answered without the executor — in at most three
statements however large the page — and gives exactly the JSON the executor gives. Hypothesis
generates the selections (fields, aliases, fragments, @skip/@include, `__typename`), the root
(`courses` with its arguments, `course` by slug or id) and the viewer, and holds both paths to the
same bytes; anything the planner does not cover, or any error, is left to the executor."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import pytest
from graphql import GraphQLObjectType
from hypothesis import event, given
from hypothesis import strategies as st
from sqlalchemy import select, update

from app.accounts.models import UserRole
from app.catalog import documents
from app.catalog.models import (
    CourseInstructor,
    CourseLevel,
    CoursePricingTier,
    CourseStatus,
    Lesson,
    PricingTier,
)
from app.db import Database, count_statements
from app.learning.models import Enrollment, EnrollmentStatus, LessonProgress, ProgressStatus
from app.media.models import FilePurpose
from app.security.tokens import issue_access_token
from resolvers.catalog.planned import ENTITY_OF_TYPE, python_name
from schema.root import schema as product_schema
from tests.support import catalog as f
from tests.support.authoring import upload
from tests.support.graphql import GraphQLClient, with_settings
from tests.support.planned import (
    REFUSED,
    both,
    end_session,
    examples,
    once_per_test,
    planned_count,
    same,
    selections,
    viewer_tokens,
)

SETTINGS = examples(60)


@dataclass
class Catalog:
    slugs: list[str]
    ids: list[uuid.UUID]
    viewers: dict[str, str | None]  # name → access token


async def _catalog(client: GraphQLClient, database: Database) -> Catalog:
    """Courses whose values test the writing: quotes, backslashes, control characters and
    non-ASCII text, null and zero values, ratings with and without decimals, JPY and USD, active
    and inactive tiers, an inactive category, an instructor without a profile, an image."""
    tricky = await f.person(
        database, UserRole.INSTRUCTOR, first_name="Zoë", last_name='O\'Brien "Ø"'
    )
    teacher = await f.instructor(database, first_name="Ada")
    active, inactive = await f.categories(database, "Code", "Old")
    hidden = (await f.categories(database, "Hidden", active=False))[0]
    tags = await f.tags(database, f"Py {uuid.uuid4().hex[:4]}", f"SQL {uuid.uuid4().hex[:4]}")
    image = await upload(database, teacher.id, FilePurpose.COURSE_IMAGE, content_type="image/png")
    tiers = (
        f.Tier(PricingTier.BASIC, 1999, 2999),
        f.Tier(PricingTier.PRO, 4999),
    )
    made = []
    async with database.transaction() as session:
        made.append(
            f.build_course(
                session,
                tricky.id,
                title='Ünïcødé "quoted" \\ back\nslash 🎓\t\x01',
                category_id=active.id,
                tag_ids=[t.id for t in tags],
                tiers=tiers,
                average_rating=Decimal("4.00"),
                review_count=3,
                enrollment_limit=50,
                level=CourseLevel.ADVANCED,
                image_asset_id=image,
                subtitle="</script>&amp;",
            )
        )
        made.append(
            f.build_course(
                session,
                teacher.id,
                category_id=hidden.id,
                tiers=(f.Tier(PricingTier.BASIC, 1500),),
                currency="JPY",
                average_rating=Decimal("3.33"),
                modules=2,
                lessons=3,
                age_days=1,
            )
        )
        made.append(
            f.build_course(
                session, teacher.id, category_id=inactive.id, tiers=(), modules=0, age_days=2
            )
        )
        made.append(
            f.build_course(
                session,
                teacher.id,
                tiers=(f.Tier(PricingTier.BASIC, 0),),
                average_rating=Decimal("4.50"),
                trailer_url="https://example.com/t.mp4",
                age_days=3,
            )
        )
        made.append(  # not listed; seen by its teachers (the owner, a co-instructor) and admins
            f.build_course(session, teacher.id, status=CourseStatus.DRAFT, age_days=4)
        )
        made.append(  # not listed; seen by its owner, admins and the students enrolled in it
            f.build_course(session, teacher.id, status=CourseStatus.ARCHIVED, age_days=5)
        )
        await session.flush()
        session.add(CourseInstructor(course_id=made[4].id, user_id=tricky.id))
    async with database.transaction() as session:
        await session.execute(
            update(CoursePricingTier)
            .where(CoursePricingTier.course_id == made[0].id, CoursePricingTier.tier == "pro")
            .values(is_active=False, features=["Slides", 7, 'Q&A "live"'])
        )
    student = await f.person(database)
    await f.enroll(database, student.id, made[0].id)
    await _progress(database, student.id, made[0].id)
    await f.enroll(database, student.id, made[1].id, EnrollmentStatus.REFUNDED)
    await f.enroll(database, student.id, made[5].id, EnrollmentStatus.COMPLETED)
    admin = await f.person(database, UserRole.ADMIN)
    viewers = viewer_tokens(client, student=student, teacher=teacher, admin=admin, co=tricky)
    return Catalog([c.slug for c in made], [c.id for c in made], viewers)


COURSES = """query($sort: CourseSort!, $first: Int, $after: String, $last: Int, $before: String,
  $filter: CourseFilter) {
  courses(sort: $sort, first: $first, after: $after, last: $last, before: $before,
    filter: $filter) {
    %s
  }
}"""
FILTERS = [
    None,
    None,
    {"level": "ADVANCED"},
    {"level": "BEGINNER"},
    {"free": False, "minRating": 3},
    {"tag": "python"},
    {"maxPrice": {"amount": "60", "currency": "USD"}},
    {"language": "EN", "level": "BEGINNER"},
]


async def _cursor(client: GraphQLClient, variables: dict[str, Any], token: str | None) -> Any:
    """A cursor in the middle of the list (through the executor): after the first course
    reading forwards, before the last reading backwards; None when the list is empty."""
    outcome = await with_settings(client, graphql_planned_reads=False).execute(
        COURSES % "pageInfo { startCursor endCursor }",
        {**variables, "after": None, "before": None},
        token=token,
    )
    if outcome.errors or outcome.data is None:
        return None
    info = outcome.data["courses"]["pageInfo"]
    return info["startCursor"] if variables.get("last") else info["endCursor"]


@SETTINGS
@given(data=st.data())
async def test_planned_course_lists_write_the_executors_json_for_any_selection(
    client: GraphQLClient, database: Database, request: pytest.FixtureRequest, data: st.DataObject
) -> None:
    catalog = await catalog_of(client, database, request)
    node = data.draw(selections("Course"))
    connection = data.draw(
        st.permutations(
            [
                f"edges {{ cursor node {{ {node} }} }}",
                "totalCount",
                "pageInfo { hasNextPage hasPreviousPage startCursor endCursor }",
                "__typename",
            ]
        ).map(lambda parts: " ".join(parts[: max(1, len(parts) - 1)]))
    )
    sorts = ["POPULARITY", "RATING", "NEWEST", "PRICE_ASC", "PRICE_DESC", "TRENDING"]
    variables: dict[str, Any] = {
        "sort": data.draw(st.sampled_from(sorts)),
        "filter": data.draw(st.sampled_from(FILTERS)),
        data.draw(st.sampled_from(["first", "first", "last"])): data.draw(st.integers(1, 5)),
    }
    token = catalog.viewers[data.draw(st.sampled_from(sorted(catalog.viewers)))]
    if data.draw(st.booleans()):  # a later (or, backwards, an earlier) page
        cursor = await _cursor(client, variables, token)
        variables["before" if "last" in variables else "after"] = cursor
    planned, general, answered = await both(client, COURSES % connection, variables, token)
    found = ((general.data or {}).get("courses") or {}).get("edges")
    paging = "backwards" if "last" in variables else "forwards"
    event(f"{paging}, cursor: {bool(variables.get('after') or variables.get('before'))}")
    event(f"edges: {'not selected' if found is None else len(found)}")
    same(planned, general)
    # planned unless a limit (tokens, aliases) refused the document before execution
    assert answered is not bool(general.errors)


@SETTINGS
@given(data=st.data())
async def test_planned_course_pages_write_the_executors_json_for_any_selection(
    client: GraphQLClient, database: Database, request: pytest.FixtureRequest, data: st.DataObject
) -> None:
    catalog = await catalog_of(client, database, request)
    index = data.draw(st.integers(0, len(catalog.slugs) - 1))
    by_id = data.draw(st.booleans())
    argument = (
        f'id: "{f.gid("Course", catalog.ids[index])}"'
        if by_id
        else f'slug: "{catalog.slugs[index]}"'
    )
    query = f"{{ course({argument}) {{ {data.draw(selections('Course'))} }} }}"
    viewer = data.draw(st.sampled_from(sorted(catalog.viewers)))
    planned, general, answered = await both(client, query, {}, catalog.viewers[viewer])
    same(planned, general)
    hidden = (index == 4 and viewer in ("anonymous", "student")) or (
        index == 5 and viewer in ("anonymous", "co")
    )
    if hidden:  # the executor's NOT_FOUND
        assert not answered
        assert [e.extensions["code"] for e in planned.errors] == ["NOT_FOUND"]
    else:
        assert answered is not bool(general.errors)


async def test_a_student_reads_the_content_of_courses_they_are_enrolled_in_only(
    client: GraphQLClient, database: Database, request: pytest.FixtureRequest
) -> None:
    catalog = await catalog_of(client, database, request)
    query = (
        COURSES
        % "edges { node { slug modules { lessons { isPreview locked content { text } } } } }"
    )
    for viewer, opened in (("student", {catalog.slugs[0]}), ("anonymous", set())):
        planned, general, answered = await both(
            client, query, {"sort": "NEWEST", "first": 10}, catalog.viewers[viewer]
        )
        same(planned, general)
        assert answered
        assert planned.data is not None
        for edge in planned.data["courses"]["edges"]:
            lessons = [x for m in edge["node"]["modules"] for x in m["lessons"]]
            for lesson in lessons:
                readable = lesson["isPreview"] or edge["node"]["slug"] in opened
                assert lesson["locked"] is not readable
                assert (lesson["content"] is not None) is readable


@pytest.mark.parametrize(
    "query",
    [
        # a field no planner covers: the whole operation runs through the executor
        COURSES % "edges { node { title viewerEnrollment { nextLesson { id } } } }",
        COURSES % "edges { node { instructor { user { firstName } } } }",
        # a root field without a planner beside a planned one
        "{ courses(first: 2) { totalCount } categories { name } }",
    ],
)
async def test_what_the_planner_does_not_cover_is_answered_by_the_executor(
    client: GraphQLClient, database: Database, request: pytest.FixtureRequest, query: str
) -> None:
    catalog = await catalog_of(client, database, request)
    before = planned_count("planned")
    planned, general, answered = await both(
        client, query, {"sort": "NEWEST", "first": 3}, catalog.viewers["student"]
    )
    same(planned, general)
    assert not answered
    assert planned_count("planned") == before
    assert not planned.errors


async def test_bad_arguments_get_the_executors_errors(
    client: GraphQLClient, database: Database, request: pytest.FixtureRequest
) -> None:
    await catalog_of(client, database, request)
    for query, variables in (
        (COURSES % "totalCount", {"sort": "NEWEST", "first": 500}),
        (COURSES % "totalCount", {"sort": "NEWEST", "after": "not a cursor"}),
        ('{ course(slug: "nothing-here") { title } }', {}),
        ('{ course(slug: "a", id: "b") { title } }', {}),
    ):
        planned, general, answered = await both(client, query, variables, None)
        same(planned, general)
        assert not answered
        assert planned.errors


async def test_a_planned_page_runs_at_most_three_statements_however_many_courses(
    client: GraphQLClient, database: Database
) -> None:
    student = await f.person(database)
    await f.shelf(database, 30, modules=4, lessons=3)
    query = COURSES % (
        "totalCount pageInfo { hasNextPage endCursor } edges { node { id title slug "
        "price { amount currency } category { name } instructor { fullName rating } "
        "tags { name } pricingTiers { tier price { amount } features } lessonCount "
        "durationMinutes modules { id title durationMinutes lessons { id title isPreview } } } }"
    )
    token = f.token_for(client, student)
    counts = []
    for first in (1, 30):
        with count_statements(database.engine) as counter:
            outcome = await client.execute(query, {"sort": "NEWEST", "first": first}, token=token)
        assert not outcome.errors
        assert outcome.data is not None
        assert len(outcome.data["courses"]["edges"]) == first
        modules = outcome.data["courses"]["edges"][0]["node"]["modules"]
        assert [len(m["lessons"]) for m in modules] == [3, 3, 3, 3]
        counts.append(counter.count)
    # the page, its count and the documents statement
    assert counts == [3, 3]


def test_every_attribute_the_documents_write_is_a_field_of_its_graphql_type() -> None:
    """A renamed or removed field must not leave the documents writing a key nobody asks for
    (the planner would silently stop covering it)."""
    schema = product_schema._schema
    for type_name, entity in ENTITY_OF_TYPE.items():
        graphql_type = schema.type_map[type_name]
        assert isinstance(graphql_type, GraphQLObjectType)
        fields = {python_name(name) for name in graphql_type.fields}
        written = {a for a in fields if documents.covers(entity, a)}
        known = documents.ENTITIES[entity]
        expected = set(known.values) | set(known.relations)
        if entity == "money":
            expected = {"amount", "amount_minor", "currency", "formatted"}
        assert expected <= fields, (type_name, expected - fields)
        assert written == expected


async def _progress(database: Database, student_id: uuid.UUID, course_id: uuid.UUID) -> None:
    """Two of the course's six lessons done and one started: progress 33.33 %."""
    async with database.transaction() as session:
        enrollment_id = await session.scalar(
            select(Enrollment.id).where(
                Enrollment.student_id == student_id, Enrollment.course_id == course_id
            )
        )
        lessons = list(
            await session.scalars(
                select(Lesson.id).where(Lesson.course_id == course_id).order_by(Lesson.id)
            )
        )
        statuses = (ProgressStatus.COMPLETED, ProgressStatus.COMPLETED, ProgressStatus.IN_PROGRESS)
        session.add_all(
            LessonProgress(enrollment_id=enrollment_id, lesson_id=lesson, status=status)
            for lesson, status in zip(lessons, statuses, strict=False)
        )


async def catalog_of(
    client: GraphQLClient, database: Database, request: pytest.FixtureRequest
) -> Catalog:
    return await once_per_test(request, database, lambda: _catalog(client, database))


async def test_a_planned_course_page_reads_visibility_and_access_in_its_one_statement(
    client: GraphQLClient, database: Database
) -> None:
    owner = await f.instructor(database)
    student = await f.person(database)
    course = await f.course(database, owner.id, modules=4, lessons=3)
    await f.enroll(database, student.id, course.id)
    page = (
        '{ course(slug: "%s") { title modules { title lessons { title locked content { text } } } '
        "instructor { fullName } pricingTiers { tier } tags { name } } }"
    )
    counts = {}
    for viewer, token in (("anonymous", None), ("student", f.token_for(client, student))):
        with count_statements(database.engine) as counter:
            outcome = await client.execute(page % course.slug, token=token)
        assert not outcome.errors
        assert outcome.data is not None
        lessons = [x for m in outcome.data["course"]["modules"] for x in m["lessons"]]
        assert sum(x["content"] is not None for x in lessons) == (12 if viewer == "student" else 1)
        counts[viewer] = counter.count
    # one statement either way: signed in, it checks the caller's row too (documents.WHO)
    assert counts == {"anonymous": 1, "student": 1}


CONTENT_PAGES = (
    '{ course(slug: "%(slug)s") { title modules { lessons { title content { text } } } } }',
    "{ courses(first: 5) { edges { node { title modules { lessons { content { text } } } } } } }",
    # nothing on the page: the statement says nothing of the caller, no field checks them
    '{ courses(first: 5, filter: {language: "xx"}) { edges { node { modules { lessons { '
    "content { text } } } } } } }",
)


@pytest.mark.parametrize("refused", REFUSED)
async def test_a_caller_whose_session_has_ended_gets_unauthenticated_from_both_paths(
    client: GraphQLClient, database: Database, refused: str
) -> None:
    """The caller check the documents statement makes (active, not deleted, the token's version;
    the session's revocation read with the rate limit) refuses whom `check_caller` refuses:
    both paths answer UNAUTHENTICATED, and nobody reads content as anonymous instead."""
    owner = await f.instructor(database)
    student = await f.person(database)
    course = await f.course(database, owner.id, modules=2, lessons=2)
    await f.enroll(database, student.id, course.id)
    session_id = uuid.uuid4() if refused == "revoked session" else None
    token, _ = issue_access_token(
        client.keyring, client.settings, user=student, session_id=session_id
    )
    for page in CONTENT_PAGES:  # while the session lasts, the pages are planned
        planned, general, answered = await both(client, page % {"slug": course.slug}, {}, token)
        assert answered
        assert not planned.errors
        same(planned, general)
    await end_session(client, database, student, refused, session_id)
    for page in CONTENT_PAGES:
        planned, general, answered = await both(client, page % {"slug": course.slug}, {}, token)
        assert not answered
        same(planned, general)
        codes = {e.extensions["code"] for e in planned.errors}
        assert codes == (set() if page == CONTENT_PAGES[-1] else {"UNAUTHENTICATED"})


async def test_a_selection_whose_directives_read_variables_follows_each_requests_values(
    client: GraphQLClient, database: Database, request: pytest.FixtureRequest
) -> None:
    """The prepared shape of a selection is kept per document, except where @skip/@include read
    variables: the same document then writes what each request's values select."""
    catalog = await catalog_of(client, database, request)
    query = (
        "query($slug: String!, $tags: Boolean!) { course(slug: $slug) { "
        "title tags @include(if: $tags) { name } modules @skip(if: $tags) { title } } }"
    )
    seen = []
    for tags in (True, False, True):
        variables = {"slug": catalog.slugs[0], "tags": tags}
        planned, general, answered = await both(client, query, variables, None)
        same(planned, general)
        assert answered
        assert planned.data is not None
        seen.append(sorted(planned.data["course"]))
    assert seen == [["tags", "title"], ["modules", "title"], ["tags", "title"]]


async def test_the_viewers_enrollment_and_progress_are_planned_with_the_page(
    client: GraphQLClient, database: Database, request: pytest.FixtureRequest
) -> None:
    catalog = await catalog_of(client, database, request)
    query = COURSES % "edges { node { slug viewerEnrollment { status progressPercentage } } }"
    seen = {}
    for viewer in ("student", "anonymous"):
        planned, general, answered = await both(
            client, query, {"sort": "NEWEST", "first": 10}, catalog.viewers[viewer]
        )
        same(planned, general)
        assert answered
        assert planned.data is not None
        seen[viewer] = {
            e["node"]["slug"]: e["node"]["viewerEnrollment"]
            for e in planned.data["courses"]["edges"]
        }
    assert seen["student"][catalog.slugs[0]] == {"status": "ACTIVE", "progressPercentage": 33.33}
    assert seen["student"][catalog.slugs[1]] == {"status": "REFUNDED", "progressPercentage": 0.0}
    assert seen["student"][catalog.slugs[2]] is None
    assert set(seen["anonymous"].values()) == {None}
