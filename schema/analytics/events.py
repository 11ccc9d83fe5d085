"""GraphQL types of learning events: the event, its typed properties, the filter, its xAPI
statement, and the NDJSON export's state."""

from __future__ import annotations

import dataclasses
import uuid
from datetime import datetime
from typing import Any, cast

import strawberry
from strawberry.scalars import JSON

from app.analytics import events, xapi
from app.analytics.downloads import Download
from app.analytics.event_export import download_of
from app.analytics.events_repo import EventFilter, StoredEvent
from app.analytics.export_models import AnalyticsExport, ExportStatus
from app.analytics.learning_events import xapi_base_url
from schema.core.context import Info
from schema.core.inputs import Input, node_id
from schema.core.money import Money
from schema.core.mutation import Payload

LearningEventType = strawberry.enum(
    events.EventType,
    name="LearningEventType",
    description="What a learner did (docs/api.md lists what each one carries).",
)
LearningEntityType = strawberry.enum(
    events.EntityType,
    name="LearningEntityType",
    description="The kind of object a learning event is about.",
)
# shared by every analytics file export (one `analytics_exports` table): import it from here
AnalyticsExportStatus = strawberry.enum(
    ExportStatus,
    name="AnalyticsExportStatus",
    description="Where an analytics file export stands: pending, running, succeeded (the file "
    "is ready) or failed.",
)
_ENTITY_TYPES = frozenset(t.value for t in events.EntityType)
# the GraphQL type of each entity kind, for its global ID
NODE_TYPES = {
    events.EntityType.LESSON: "Lesson",
    events.EntityType.QUIZ: "Quiz",
    events.EntityType.EXAM: "Exam",
    events.EntityType.ASSIGNMENT: "Assignment",
    events.EntityType.ENROLLMENT: "Enrollment",
    events.EntityType.ORDER: "Order",
}


def _gid(type_name: str, value: uuid.UUID | None) -> strawberry.ID | None:
    return strawberry.ID(xapi.global_id(type_name, value)) if value is not None else None


def _raw_id(value: Any) -> strawberry.ID | None:
    return strawberry.ID(str(value)) if value is not None else None


@strawberry.type(
    description="What a learning event carries beyond who, what and when; the fields that do "
    "not apply to its type are null."
)
class LearningEventProperties:
    raw: strawberry.Private[dict[str, Any]]

    @strawberry.field(description="video.watched: seconds added by this report.")
    def seconds(self) -> int | None:
        return _int(self.raw.get("seconds"))

    @strawberry.field(description="Quiz and exam events: the attempt (a raw id).")
    def attempt_id(self) -> strawberry.ID | None:
        return _raw_id(self.raw.get("attempt_id"))

    @strawberry.field(description="quiz.submitted: the score, 0-100; null until graded.")
    def score(self) -> float | None:
        value = self.raw.get("score")
        return float(value) if isinstance(value, int | float) else None

    @strawberry.field(description="quiz.submitted: whether it passed; null until graded.")
    def passed(self) -> bool | None:
        value = self.raw.get("passed")
        return value if isinstance(value, bool) else None

    @strawberry.field(description="quiz.submitted: how long the attempt took.")
    def duration_seconds(self) -> int | None:
        return _int(self.raw.get("duration_seconds"))

    @strawberry.field(description="assignment.submitted: the submission (a raw id).")
    def submission_id(self) -> strawberry.ID | None:
        return _raw_id(self.raw.get("submission_id"))

    @strawberry.field(description="assignment.submitted: 1 for the first, then each revision.")
    def revision(self) -> int | None:
        return _int(self.raw.get("revision"))

    @strawberry.field(description="assignment.submitted: after the due date.")
    def late(self) -> bool | None:
        value = self.raw.get("late")
        return value if isinstance(value, bool) else None

    @strawberry.field(description="enrollment.created: free, purchase, subscription or admin.")
    def source(self) -> str | None:
        return _str(self.raw.get("source"))

    @strawberry.field(description="purchase.completed: what the course item cost.")
    def amount(self) -> Money | None:
        minor, currency = _int(self.raw.get("amount_minor")), _str(self.raw.get("currency"))
        return Money.of(minor, currency) if minor is not None and currency else None

    @strawberry.field(description="search.performed: the normalised query.")
    def query(self) -> str | None:
        return _str(self.raw.get("query"))

    @strawberry.field(description="search.performed: how many courses were found.")
    def results(self) -> int | None:
        return _int(self.raw.get("results"))

    @strawberry.field(description="user.signed_in: how (password).")
    def method(self) -> str | None:
        return _str(self.raw.get("method"))

    @strawberry.field(description="user.signed_in: a second factor was used.")
    def mfa(self) -> bool | None:
        value = self.raw.get("mfa")
        return value if isinstance(value, bool) else None


def _int(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _str(value: Any) -> str | None:
    return value if isinstance(value, str) else None


@strawberry.type(description="One recorded learning event (append-only).")
class LearningEvent:
    row: strawberry.Private[StoredEvent]

    @strawberry.field(description="The event's raw id (its xAPI statement id derives from it).")
    def id(self) -> strawberry.ID:
        return strawberry.ID(str(self.row.id))

    @strawberry.field
    def type(self) -> events.EventType:
        return events.EventType(self.row.event_type)

    @strawberry.field
    def occurred_at(self) -> datetime:
        return self.row.occurred_at

    @strawberry.field(description="The learner's User ID; null for anonymous or erased users.")
    def user_id(self) -> strawberry.ID | None:
        return _gid("User", self.row.user_id)

    @strawberry.field(description="The Course ID, when the event happened in a course.")
    def course_id(self) -> strawberry.ID | None:
        return _gid("Course", self.row.course_id)

    @strawberry.field(description="The kind of object it is about (null: none).")
    def entity_type(self) -> events.EntityType | None:
        kind = self.row.entity_type
        return events.EntityType(kind) if kind in _ENTITY_TYPES else None

    @strawberry.field(description="That object's global ID (a Lesson, Quiz, Exam, …).")
    def entity_id(self) -> strawberry.ID | None:
        kind = self.entity_type()
        return _gid(NODE_TYPES[kind], self.row.entity_id) if kind is not None else None

    @strawberry.field
    def properties(self) -> LearningEventProperties:
        return LearningEventProperties(raw=self.row.properties)

    @strawberry.field(
        description="The event as an xAPI 1.0.3 statement (JSON, the standard's shape), as the "
        "NDJSON export writes it."
    )
    def statement(self, info: Info) -> JSON:
        base = xapi_base_url(info.context.settings)
        return cast(JSON, xapi.statement(self.row, base_url=base))


@strawberry.input(description="Narrows learning events; every given field must match.")
class LearningEventFilter(Input):
    user_id: strawberry.ID | None = node_id("User", default=None)
    course_id: strawberry.ID | None = node_id("Course", default=None)
    types: list[events.EventType] | None = strawberry.field(
        default=None, description="Any of these types."
    )
    occurred_from: datetime | None = strawberry.field(default=None, description="Inclusive.")
    occurred_to: datetime | None = strawberry.field(default=None, description="Exclusive.")

    def to_filter(self) -> EventFilter:
        args = self.arguments()
        return EventFilter(
            user_id=args.get("user_id"),
            course_id=args.get("course_id"),
            types=tuple(str(t) for t in args.get("types") or ()),
            occurred_from=args.get("occurred_from"),
            occurred_to=args.get("occurred_to"),
        )


def filter_of(value: LearningEventFilter | None) -> EventFilter:
    return value.to_filter() if value is not None else EventFilter()


@strawberry.type(
    description="An NDJSON file of xAPI statements (one per line, oldest first) built by a "
    "worker; its download URL is signed and expires."
)
class LearningEventExport:
    model: strawberry.Private[AnalyticsExport]
    _download: strawberry.Private[list[Download | None]] = dataclasses.field(default_factory=list)

    def _signed(self, info: Info) -> Download | None:
        """One signed URL per read of the export (its URL and expiry agree)."""
        if not self._download:
            self._download.append(
                download_of(info.context.storage, info.context.settings, self.model)
            )
        return self._download[0]

    @strawberry.field(description="Pass it to learningEventExport(id:) to follow the export.")
    def id(self) -> strawberry.ID:
        return strawberry.ID(str(self.model.id))

    @strawberry.field
    def status(self) -> ExportStatus:
        return ExportStatus(self.model.status)

    @strawberry.field
    def created_at(self) -> datetime:
        return self.model.created_at

    @strawberry.field
    def completed_at(self) -> datetime | None:
        return self.model.completed_at

    @strawberry.field(description="Statements in the file, once it succeeded.")
    def statement_count(self) -> int | None:
        return self.model.row_count

    @strawberry.field(description="The file's size in bytes, once it succeeded.")
    def byte_size(self) -> int | None:
        return self.model.byte_size

    @strawberry.field(description="Why it failed.")
    def error(self) -> str | None:
        return self.model.error

    @strawberry.field(
        description="A signed download URL, made afresh on each read and valid for "
        "ANALYTICS_EXPORT_URL_TTL_SECONDS; null until the export succeeded."
    )
    def download_url(self, info: Info) -> str | None:
        found = self._signed(info)
        return found.url if found is not None else None

    @strawberry.field(description="When that URL stops working.")
    def download_expires_at(self, info: Info) -> datetime | None:
        found = self._signed(info)
        return found.expires_at if found is not None else None


@strawberry.input
class ExportLearningEventsInput(Input):
    filter: LearningEventFilter | None = strawberry.field(
        default=None, description="Which events; all of them when left out."
    )


@strawberry.type
class ExportLearningEventsPayload(Payload):
    export: LearningEventExport | None = strawberry.field(
        default=None, description="Pending: follow it with learningEventExport(id:)."
    )
