"""Inputs and payloads of the instructor mutations (applications, profile, teams, certification).
Limits: headline 120 characters, bio 5,000 (HTML, cleaned), expertise 10 topics of 60, experience
0 to 80 years, links https of at most 500 characters (one per kind), motivation 2,000, a rejection
reason 2,000."""

from __future__ import annotations

import strawberry

from app.catalog.instructor_fields import SocialKind, SocialLink
from app.catalog.models import CourseInstructorRole
from schema.catalog.instructors import Instructor, InstructorApplication
from schema.catalog.types import Course
from schema.core.inputs import Input, node_id, update
from schema.core.mutation import Payload


@strawberry.input(description="A link of one kind: an https URL on that kind's site.")
class SocialLinkInput(Input):
    kind: SocialKind
    url: str

    into = SocialLink


@strawberry.input(description="What students will read about you; HTML bio is cleaned.")
class ApplyAsInstructorInput(Input):
    headline: str
    bio: str
    expertise: list[str] = strawberry.field(default_factory=list)
    experience_years: int | None = None
    social_links: list[SocialLinkInput] = strawberry.field(default_factory=list)
    motivation: str | None = strawberry.field(
        default=None, description="For the admins: why you want to teach (plain text)."
    )


@strawberry.input
class ApproveInstructorInput(Input):
    application_id: strawberry.ID = node_id("InstructorApplication")


@strawberry.input
class RejectInstructorInput(Input):
    application_id: strawberry.ID = node_id("InstructorApplication")
    reason: str = strawberry.field(description="What the applicant reads (plain text).")


@strawberry.input(description="Only the given fields change; null clears an optional one.")
class UpdateInstructorProfileInput(Input):
    headline: str | None = update()
    bio: str | None = update()
    expertise: list[str] | None = update()
    experience_years: int | None = update()
    social_links: list[SocialLinkInput] | None = update(
        description="Replaces every link; null or [] removes them."
    )
    avatar_upload_id: strawberry.ID | None = update(
        node="FileAsset", description="One of your finished AVATAR uploads; null removes it."
    )
    regenerate_slug: bool = strawberry.field(
        default=False, description="Derive a new slug from your current name."
    )


@strawberry.input(description="Give `userId` or `email` (exactly one).")
class AddCourseInstructorInput(Input):
    course_id: strawberry.ID = node_id("Course")
    role: CourseInstructorRole
    user_id: strawberry.ID | None = node_id("User", default=None)
    email: str | None = None


@strawberry.input
class RemoveCourseInstructorInput(Input):
    course_id: strawberry.ID = node_id("Course")
    user_id: strawberry.ID = node_id("User")


@strawberry.input
class SetCourseCertificationInput(Input):
    course_id: strawberry.ID = node_id("Course")
    is_certified: bool
    requires_final_exam: bool


@strawberry.type
class InstructorApplicationPayload(Payload):
    application: InstructorApplication | None = None


@strawberry.type
class ApplyAsInstructorPayload(InstructorApplicationPayload):
    pass


@strawberry.type
class ApproveInstructorPayload(InstructorApplicationPayload):
    pass


@strawberry.type
class RejectInstructorPayload(InstructorApplicationPayload):
    pass


@strawberry.type
class UpdateInstructorProfilePayload(Payload):
    instructor: Instructor | None = None


@strawberry.type
class CourseTeamPayload(Payload):
    course: Course | None = None


@strawberry.type
class AddCourseInstructorPayload(CourseTeamPayload):
    pass


@strawberry.type
class RemoveCourseInstructorPayload(CourseTeamPayload):
    pass


@strawberry.type
class SetCourseCertificationPayload(CourseTeamPayload):
    pass
