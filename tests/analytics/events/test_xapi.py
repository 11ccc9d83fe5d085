"""The xAPI mapping: every stored event becomes a valid xAPI 1.0.3 statement that an LRS can
take — a deterministic id, an account actor that names no one, an ADL verb, the activity with
the course as parent, the result (score, success, ISO 8601 duration) and the timestamp."""

from __future__ import annotations

import re
import uuid
from datetime import UTC, datetime
from typing import Any

from hypothesis import given
from hypothesis import strategies as st
from strawberry import relay

from app.analytics.events import EntityType, EventType
from app.analytics.events_repo import StoredEvent
from app.analytics.xapi import global_id, iso_duration, statement

BASE = "https://learn.example"
AT = datetime(2026, 5, 1, 8, 0, 0, 250000, tzinfo=UTC)
ISO_DURATION = re.compile(r"^PT(\d+H)?(\d+M)?(\d+S)?$")
ENTITY_OF = {
    EventType.LESSON_VIEWED: EntityType.LESSON,
    EventType.LESSON_COMPLETED: EntityType.LESSON,
    EventType.VIDEO_WATCHED: EntityType.LESSON,
    EventType.QUIZ_STARTED: EntityType.QUIZ,
    EventType.QUIZ_SUBMITTED: EntityType.QUIZ,
    EventType.EXAM_STARTED: EntityType.EXAM,
    EventType.EXAM_SUBMITTED: EntityType.EXAM,
    EventType.ASSIGNMENT_SUBMITTED: EntityType.ASSIGNMENT,
    EventType.ENROLLMENT_CREATED: EntityType.ENROLLMENT,
    EventType.PURCHASE_COMPLETED: EntityType.ORDER,
}


def event(kind: EventType, **overrides: Any) -> StoredEvent:
    entity = ENTITY_OF.get(kind)
    values: dict[str, Any] = {
        "id": uuid.uuid4(),
        "event_type": kind.value,
        "user_id": uuid.uuid4(),
        "course_id": uuid.uuid4() if entity is not None else None,
        "entity_type": entity.value if entity is not None else None,
        "entity_id": uuid.uuid4() if entity is not None else None,
        "properties": {},
        "occurred_at": AT,
        **overrides,
    }
    return StoredEvent(**values)


events = st.builds(
    lambda kind, user, props: event(kind, user_id=user, properties=props),
    st.sampled_from(list(EventType)),
    st.one_of(st.none(), st.uuids()),
    st.fixed_dictionaries(
        {},
        optional={
            "seconds": st.integers(0, 10**6),
            "score": st.floats(0, 100),
            "passed": st.booleans(),
            "duration_seconds": st.integers(0, 10**5),
            "query": st.text(max_size=50),
        },
    ),
)


@given(events)
def test_every_event_is_a_well_formed_statement(stored: StoredEvent) -> None:
    built = statement(stored, base_url=BASE)

    uuid.UUID(built["id"])
    assert set(built["actor"]["account"]) == {"homePage", "name"}
    assert built["actor"]["account"]["homePage"] == BASE
    assert built["verb"]["id"].startswith(("http://", "https://"))
    assert built["object"]["objectType"] == "Activity"
    assert built["object"]["id"].startswith(f"{BASE}/xapi/activities/")
    assert built["timestamp"] == "2026-05-01T08:00:00.250Z"
    result = built.get("result", {})
    if "duration" in result:
        assert ISO_DURATION.match(result["duration"])
    if "score" in result:
        assert 0 <= result["score"]["scaled"] <= 1


@given(events)
def test_the_statement_id_is_the_same_for_the_same_event(stored: StoredEvent) -> None:
    again = StoredEvent(**_copy(stored))
    assert statement(stored, base_url=BASE)["id"] == statement(again, base_url=BASE)["id"]


def _copy(stored: StoredEvent) -> dict[str, Any]:
    return {name: getattr(stored, name) for name in StoredEvent.__slots__}


def test_different_events_have_different_statement_ids() -> None:
    first, second = event(EventType.LESSON_VIEWED), event(EventType.LESSON_VIEWED)

    assert statement(first, base_url=BASE)["id"] != statement(second, base_url=BASE)["id"]


def test_the_actor_is_the_users_opaque_global_id_never_their_email_or_name() -> None:
    user_id = uuid.uuid4()
    built = statement(event(EventType.USER_SIGNED_IN, user_id=user_id), base_url=BASE)

    assert built["actor"] == {
        "objectType": "Agent",
        "account": {"homePage": BASE, "name": str(relay.GlobalID("User", str(user_id)))},
    }
    assert global_id("User", user_id) == str(relay.GlobalID("User", str(user_id)))
    assert "mbox" not in built["actor"]
    assert "name" not in built["actor"]


def test_an_event_without_a_user_has_an_anonymous_account() -> None:
    built = statement(event(EventType.SEARCH_PERFORMED, user_id=None), base_url=BASE)

    assert built["actor"]["account"]["name"] == "anonymous"


def test_a_graded_quiz_is_passed_with_its_scaled_score_and_duration_in_its_course() -> None:
    stored = event(
        EventType.QUIZ_SUBMITTED,
        properties={"attempt_id": "a", "score": 85.0, "passed": True, "duration_seconds": 125},
    )

    built = statement(stored, base_url=BASE)

    assert built["verb"]["id"] == "http://adlnet.gov/expapi/verbs/passed"
    assert built["object"]["id"] == f"{BASE}/xapi/activities/quiz/{stored.entity_id}"
    assert built["object"]["definition"]["type"] == "http://adlnet.gov/expapi/activities/assessment"
    assert built["result"] == {
        "score": {"scaled": 0.85, "raw": 85.0, "min": 0, "max": 100},
        "success": True,
        "completion": True,
        "duration": "PT2M5S",
    }
    [parent] = built["context"]["contextActivities"]["parent"]
    assert parent["id"] == f"{BASE}/xapi/activities/course/{stored.course_id}"


def test_a_failed_quiz_is_failed_and_one_awaiting_review_is_submitted() -> None:
    failed = event(EventType.QUIZ_SUBMITTED, properties={"score": 20.0, "passed": False})
    waiting = event(EventType.QUIZ_SUBMITTED, properties={"score": None, "passed": None})

    assert statement(failed, base_url=BASE)["verb"]["id"].endswith("/failed")
    assert statement(waiting, base_url=BASE)["verb"]["id"] == (
        "http://activitystrea.ms/schema/1.0/submit"
    )
    assert "score" not in statement(waiting, base_url=BASE)["result"]


def test_watched_seconds_are_an_iso_8601_duration_of_the_lesson_video() -> None:
    built = statement(event(EventType.VIDEO_WATCHED, properties={"seconds": 3725}), base_url=BASE)

    assert built["result"] == {"duration": "PT1H2M5S"}
    assert built["object"]["definition"]["type"] == (
        "https://w3id.org/xapi/video/activity-type/video"
    )


def test_an_enrollment_is_registered_in_the_course_itself() -> None:
    stored = event(EventType.ENROLLMENT_CREATED, properties={"source": "free"})

    built = statement(stored, base_url=BASE)

    assert built["verb"]["id"] == "http://adlnet.gov/expapi/verbs/registered"
    assert built["object"]["id"] == f"{BASE}/xapi/activities/course/{stored.course_id}"
    assert "contextActivities" not in built["context"]


def test_a_lesson_completion_has_a_completed_verb_and_result() -> None:
    built = statement(event(EventType.LESSON_COMPLETED), base_url=BASE)

    assert built["verb"]["id"] == "http://adlnet.gov/expapi/verbs/completed"
    assert built["result"] == {"completion": True}


@given(st.integers(0, 10**7))
def test_iso_durations_add_up_to_the_seconds(seconds: int) -> None:
    match = ISO_DURATION.match(iso_duration(seconds))
    assert match is not None
    hours, minutes, secs = (int(g[:-1]) if g else 0 for g in match.groups())
    assert hours * 3600 + minutes * 60 + secs == seconds
