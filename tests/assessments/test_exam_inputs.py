"""Whatever text an exam's teacher or student sends, every string column reachable from the exam
mutations gets a user error (TOO_LONG, REQUIRED, …) and never an internal error: exam title (220)
and texts, resource file names (255), links (1000) and descriptions, submission notes, grading
feedback. Date-times without a zone are BAD_USER_INPUT and create nothing."""

from __future__ import annotations

from typing import Any

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from app.assessments.exams import MAX_LONG_TEXT, MAX_TITLE
from app.assessments.models import Exam, ExamResource
from app.db import Database
from tests.support.assignments import classroom, count, exam_in
from tests.support.catalog import gid, token_for
from tests.support.graphql import GraphQLClient

HYPOTHESIS = settings(
    max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
TEXT = st.characters(blacklist_categories=("Cs", "Cc"))


DRAWN_CHARACTERS = 200  # longer texts repeat a drawn piece (see `sized`)


def sized(low: int, high: int) -> st.SearchStrategy[str]:
    """Text of `low`..`high` characters. A long one (20,000 characters at the description's
    edge) is a drawn piece of any characters repeated to the drawn length: what the column's
    edge tests is the length, and drawing every character of it outgrows hypothesis's data
    budget now and then (a FailedHealthCheck, data_too_large, in a fresh clone)."""
    if high <= DRAWN_CHARACTERS:
        return st.integers(min_value=low, max_value=high).flatmap(
            lambda n: st.text(alphabet=TEXT, min_size=n, max_size=n)
        )
    return st.tuples(
        st.integers(min_value=low, max_value=high),
        st.text(alphabet=TEXT, min_size=1, max_size=64),
    ).map(lambda drawn: (drawn[1] * (drawn[0] // len(drawn[1]) + 1))[: drawn[0]])


def expect(outcome: Any, name: str, too_long: bool) -> None:
    assert outcome.errors == [], outcome.errors  # never an internal (or any GraphQL) error
    codes = {e["code"] for e in outcome.data[name]["errors"]}
    if too_long:
        assert "TOO_LONG" in codes


async def test_an_exam_title_longer_than_its_column_is_a_too_long_user_error(
    client: GraphQLClient, database: Database
) -> None:
    room = await classroom(database)
    teacher = token_for(client, room.teacher)
    created = await client.mutate(
        "createExam",
        {"courseId": gid("Course", room.course.id), "title": "T" * 221, "durationMinutes": 30},
        "exam { id }",
        token=teacher,
    )
    exam = await exam_in(room, database)
    updated = await client.mutate(
        "updateExam",
        {"examId": gid("Exam", exam.id), "title": "T" * 221},
        "exam { id }",
        token=teacher,
    )
    for outcome, name in ((created, "createExam"), (updated, "updateExam")):
        assert outcome.payload(name)["errors"] == [
            {"field": "title", "message": "At most 220 characters are allowed", "code": "TOO_LONG"}
        ]
    assert await count(database, Exam) == 1


@HYPOTHESIS
@given(
    title=sized(0, MAX_TITLE + 30),
    description=st.one_of(st.none(), sized(MAX_LONG_TEXT - 2, MAX_LONG_TEXT + 2)),
    instructions=st.one_of(st.none(), sized(0, 40)),
)
async def test_exam_texts_of_any_length_are_stored_or_refused_by_a_user_error(
    client: GraphQLClient,
    database: Database,
    title: str,
    description: str | None,
    instructions: str | None,
) -> None:
    room = await classroom(database)
    outcome = await client.mutate(
        "createExam",
        {
            "courseId": gid("Course", room.course.id),
            "title": title,
            "description": description,
            "instructions": instructions,
            "durationMinutes": 30,
        },
        "exam { id title }",
        token=token_for(client, room.teacher),
    )
    long_text = description is not None and len(description.strip()) > MAX_LONG_TEXT
    expect(outcome, "createExam", len(title.strip()) > MAX_TITLE or long_text)


@HYPOTHESIS
@given(
    file_name=sized(0, 280),
    description=st.one_of(st.none(), sized(1990, 2010)),
    path=sized(0, 1010).map(lambda p: "https://example.com/" + p.replace(" ", "_")),
)
@example(file_name="Notes", description=None, path="https://example.com/a\xa0b")  # INVALID_URL
async def test_exam_resource_texts_of_any_length_are_stored_or_refused_by_a_user_error(
    client: GraphQLClient, database: Database, file_name: str, description: str | None, path: str
) -> None:
    room = await classroom(database)
    exam = await exam_in(room, database)
    outcome = await client.mutate(
        "addExamResource",
        {
            "examId": gid("Exam", exam.id),
            "fileName": file_name,
            "description": description,
            "url": path,
        },
        "resource { fileName }",
        token=token_for(client, room.teacher),
    )
    link = path.strip()
    too_long = (
        len(file_name.strip()) > 255
        or (description is not None and len(description.strip()) > 2000)
        or len(link) > 1000
    )
    expect(outcome, "addExamResource", too_long)
    # stored exactly when valid: a name, nothing too long, a link without whitespace (the text
    # may hold Unicode spaces such as U+00A0, which make the link INVALID_URL)
    valid = bool(file_name.strip()) and not too_long and not any(c.isspace() for c in link)
    assert (not outcome.data["addExamResource"]["errors"]) == valid
    stored = await count(database, ExamResource, ExamResource.exam_id == exam.id)
    assert stored == (1 if valid else 0)


async def test_a_naive_exam_window_is_bad_user_input_and_creates_nothing(
    client: GraphQLClient, database: Database
) -> None:
    room = await classroom(database)
    outcome = await client.mutate(
        "createExam",
        {
            "courseId": gid("Course", room.course.id),
            "title": "Midterm",
            "durationMinutes": 30,
            "availableFrom": "2030-01-01T00:00:00",
            "availableUntil": "2030-01-02T00:00:00Z",
        },
        "exam { id }",
        token=token_for(client, room.teacher),
    )
    assert outcome.codes == ["BAD_USER_INPUT"]
    assert await count(database, Exam) == 0
