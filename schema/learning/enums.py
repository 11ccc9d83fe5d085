"""The GraphQL enums of the learning domain, registered once. Another domain's type that shows
an enrollment's status imports `EnrollmentStatus` from here: the plain `app.learning.models`
enum, used in a type before this module ran, would register a second `EnrollmentStatus` (without
its description) and break the schema build."""

from __future__ import annotations

import strawberry

from app.learning import models, summary

strawberry.enum(
    models.EnrollmentStatus, name="EnrollmentStatus", description="Where an enrollment stands."
)
strawberry.enum(
    models.EnrollmentSource, name="EnrollmentSource", description="How the student got in."
)
strawberry.enum(
    models.ProgressStatus,
    name="LessonProgressStatus",
    description="A lesson's state for a student.",
)
strawberry.enum(
    summary.StruggleReason, name="StruggleReason", description="Why a lesson needs attention."
)

EnrollmentStatus = models.EnrollmentStatus
EnrollmentSource = models.EnrollmentSource
LessonProgressStatus = models.ProgressStatus
StruggleReason = summary.StruggleReason
