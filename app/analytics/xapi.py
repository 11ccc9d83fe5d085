"""Learning events as xAPI 1.0.3 statements, for a Learning Record Store (pure functions).

- `id`: a UUIDv5 of the event id (the same event always gives the same statement id, so an LRS
  that receives an export twice keeps one statement).
- `actor`: an Agent identified by an `account` {homePage: XAPI_BASE_URL (default FRONTEND_URL),
  name: the user's opaque global ID} — never an e-mail address or a name. An event without a
  user (an anonymous search, an erased account) has the account name "anonymous".
- `verb`: from the ADL vocabulary and registered profiles (`VERBS`); a submitted quiz is
  passed/failed once graded, `submit` while it waits for a teacher.
- `object`: the activity `<base>/xapi/activities/<kind>/<uuid>` of the lesson, quiz, exam,
  assignment or course (an enrollment and a purchase are about the course), with its ADL type.
- `context`: the course as parent activity, the platform, and the event's own properties under
  the extension `<base>/xapi/extensions/properties`.
- `result`: score (scaled 0..1, raw 0..100), success and completion of a graded quiz; completion
  of a lesson; duration (ISO 8601, `PT45S`) of watched video seconds and of a quiz attempt;
  the query and its result count of a search.
- `timestamp`: when the event occurred (UTC, ISO 8601).
"""

from __future__ import annotations

import base64
import uuid
from datetime import UTC, datetime
from typing import Any, Protocol

from app.analytics.events import EventType

PLATFORM = "EasywaysSkills"
# the namespace of statement ids: uuid5(STATEMENT_NAMESPACE, str(event id))
STATEMENT_NAMESPACE = uuid.UUID("5b0f4e2a-8d6c-4f51-9a1e-3c7d2b9e6a40")
ANONYMOUS = "anonymous"

ADL = "http://adlnet.gov/expapi/verbs/"
VERBS: dict[str, tuple[str, str]] = {
    "experienced": (f"{ADL}experienced", "experienced"),
    "completed": (f"{ADL}completed", "completed"),
    "played": ("https://w3id.org/xapi/video/verbs/played", "played"),
    "attempted": (f"{ADL}attempted", "attempted"),
    "passed": (f"{ADL}passed", "passed"),
    "failed": (f"{ADL}failed", "failed"),
    "submitted": ("http://activitystrea.ms/schema/1.0/submit", "submitted"),
    "registered": (f"{ADL}registered", "registered"),
    "purchased": ("http://activitystrea.ms/schema/1.0/purchase", "purchased"),
    "searched": ("https://w3id.org/xapi/acrossx/verbs/searched", "searched"),
    "logged-in": ("https://w3id.org/xapi/adl/verbs/logged-in", "logged in"),
}
_VERB_OF: dict[str, str] = {
    EventType.LESSON_VIEWED: "experienced",
    EventType.LESSON_COMPLETED: "completed",
    EventType.VIDEO_WATCHED: "played",
    EventType.QUIZ_STARTED: "attempted",
    EventType.EXAM_STARTED: "attempted",
    EventType.QUIZ_SUBMITTED: "submitted",
    EventType.EXAM_SUBMITTED: "submitted",
    EventType.ASSIGNMENT_SUBMITTED: "submitted",
    EventType.ENROLLMENT_CREATED: "registered",
    EventType.PURCHASE_COMPLETED: "purchased",
    EventType.SEARCH_PERFORMED: "searched",
    EventType.USER_SIGNED_IN: "logged-in",
}
ACTIVITY_TYPES: dict[str, str] = {
    "course": "http://adlnet.gov/expapi/activities/course",
    "lesson": "http://adlnet.gov/expapi/activities/lesson",
    "video": "https://w3id.org/xapi/video/activity-type/video",
    "quiz": "http://adlnet.gov/expapi/activities/assessment",
    "exam": "http://adlnet.gov/expapi/activities/assessment",
    "assignment": "http://id.tincanapi.com/activitytype/school-assignment",
    "search": "http://activitystrea.ms/schema/1.0/page",
    "platform": "http://activitystrea.ms/schema/1.0/application",
}
# an entity the statement is about itself; an enrollment or an order is about its course
_OWN_ACTIVITY = frozenset({"lesson", "quiz", "exam", "assignment"})


class EventLike(Protocol):
    @property
    def id(self) -> uuid.UUID: ...
    @property
    def event_type(self) -> str: ...
    @property
    def user_id(self) -> uuid.UUID | None: ...
    @property
    def course_id(self) -> uuid.UUID | None: ...
    @property
    def entity_type(self) -> str | None: ...
    @property
    def entity_id(self) -> uuid.UUID | None: ...
    @property
    def properties(self) -> dict[str, Any]: ...
    @property
    def occurred_at(self) -> datetime: ...


def global_id(type_name: str, id_: uuid.UUID) -> str:
    """The API's opaque global ID of a node (base64 of "Type:uuid", as Relay encodes it)."""
    return base64.b64encode(f"{type_name}:{id_}".encode()).decode()


def statement_id(event_id: uuid.UUID) -> uuid.UUID:
    return uuid.uuid5(STATEMENT_NAMESPACE, str(event_id))


def iso_duration(seconds: int) -> str:
    """Seconds as an ISO 8601 duration: PT1H2M5S, PT45S, PT0S."""
    hours, rest = divmod(max(0, int(seconds)), 3600)
    minutes, secs = divmod(rest, 60)
    parts = (f"{hours}H" if hours else "") + (f"{minutes}M" if minutes else "")
    return f"PT{parts}{secs}S" if secs or not parts else f"PT{parts}"


def activity_id(base_url: str, kind: str, id_: uuid.UUID | None = None) -> str:
    root = f"{base_url.rstrip('/')}/xapi/activities/{kind}"
    return f"{root}/{id_}" if id_ is not None else root


def _activity(
    base_url: str, kind: str, id_: uuid.UUID | None, type_kind: str = ""
) -> dict[str, Any]:
    return {
        "objectType": "Activity",
        "id": activity_id(base_url, kind, id_),
        "definition": {"type": ACTIVITY_TYPES[type_kind or kind]},
    }


def _actor(base_url: str, user_id: uuid.UUID | None) -> dict[str, Any]:
    name = global_id("User", user_id) if user_id is not None else ANONYMOUS
    return {"objectType": "Agent", "account": {"homePage": base_url, "name": name}}


def _object(base_url: str, event: EventLike) -> dict[str, Any]:
    kind = event.entity_type
    if kind in _OWN_ACTIVITY and event.entity_id is not None:
        type_kind = "video" if event.event_type == EventType.VIDEO_WATCHED else ""
        return _activity(base_url, kind, event.entity_id, type_kind)
    if event.course_id is not None:
        return _activity(base_url, "course", event.course_id)
    if event.event_type == EventType.SEARCH_PERFORMED:
        return _activity(base_url, "search", None)
    return _activity(base_url, "platform", None)


def _verb(event: EventLike) -> dict[str, Any]:
    name = _VERB_OF[event.event_type]
    passed = event.properties.get("passed")
    if event.event_type in (EventType.QUIZ_SUBMITTED, EventType.EXAM_SUBMITTED) and isinstance(
        passed, bool
    ):
        name = "passed" if passed else "failed"
    iri, display = VERBS[name]
    return {"id": iri, "display": {"en-US": display}}


def _result(event: EventLike) -> dict[str, Any] | None:
    props = event.properties
    result: dict[str, Any] = {}
    kind = event.event_type
    if kind == EventType.LESSON_COMPLETED:
        result["completion"] = True
    elif kind == EventType.VIDEO_WATCHED:
        result["duration"] = iso_duration(int(props.get("seconds", 0)))
    elif kind in (EventType.QUIZ_SUBMITTED, EventType.EXAM_SUBMITTED):
        score = props.get("score")
        if isinstance(score, int | float):
            result["score"] = {"scaled": round(score / 100, 4), "raw": score, "min": 0, "max": 100}
        if isinstance(props.get("passed"), bool):
            result["success"] = props["passed"]
        result["completion"] = True
        if isinstance(props.get("duration_seconds"), int):
            result["duration"] = iso_duration(props["duration_seconds"])
    elif kind == EventType.SEARCH_PERFORMED:
        result["response"] = str(props.get("query", ""))
    return result or None


def _context(base_url: str, event: EventLike, obj: dict[str, Any]) -> dict[str, Any]:
    context: dict[str, Any] = {"platform": PLATFORM}
    course = event.course_id
    if course is not None and obj["id"] != activity_id(base_url, "course", course):
        context["contextActivities"] = {"parent": [_activity(base_url, "course", course)]}
    if event.properties:
        context["extensions"] = {
            f"{base_url.rstrip('/')}/xapi/extensions/properties": event.properties
        }
    return context


def timestamp(value: datetime) -> str:
    return value.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def statement(event: EventLike, *, base_url: str) -> dict[str, Any]:
    """The xAPI 1.0.3 statement of one stored learning event."""
    obj = _object(base_url, event)
    built: dict[str, Any] = {
        "id": str(statement_id(event.id)),
        "actor": _actor(base_url, event.user_id),
        "verb": _verb(event),
        "object": obj,
        "context": _context(base_url, event, obj),
        "timestamp": timestamp(event.occurred_at),
    }
    if (result := _result(event)) is not None:
        built["result"] = result
    return built
