"""Instructors: the public page, applying to teach and the admins' decision, the profile, a
course's teaching team and its certification flags."""

from __future__ import annotations

import strawberry

from app.catalog import certification, instructors, teaching
from app.catalog.models import InstructorApplicationStatus
from app.pagination import PageRequest
from resolvers.catalog.changes import catalog_changed
from schema.catalog import instructor_inputs as t
from schema.catalog.instructors import Instructor, InstructorApplication
from schema.catalog.types import Course
from schema.core.admin_only import admin_field
from schema.core.auth import require_actor
from schema.core.context import Info
from schema.core.mutation import Tx, mutation
from schema.core.relay import BadUserInput, Connection, selects_total_count

CHANGES = [catalog_changed]


@strawberry.type
class Query:
    @strawberry.field(
        description="An instructor's public page by id or by slug (exactly one); null with a "
        "NOT_FOUND error when there is no such public page."
    )
    async def instructor(
        self, info: Info, id: strawberry.ID | None = None, slug: str | None = None
    ) -> Instructor | None:
        if id is not None and slug is None:
            return await Instructor.lookup(info, id)
        if slug is not None and id is None:
            return await Instructor.lookup_slug(info, slug)
        raise BadUserInput("Pass exactly one of `id` and `slug`")

    @strawberry.field(description="Your latest application to teach; null if you never applied.")
    async def my_instructor_application(self, info: Info) -> InstructorApplication | None:
        actor = await require_actor(info)
        row = await info.context.loaders.catalog.latest_applications.load(actor.id)
        return None if row is None else InstructorApplication.from_model(row)

    @admin_field(
        description="Admins: applications to teach, oldest first; pending ones by default "
        "(`status: null` for all)."
    )
    async def instructor_applications(
        self,
        info: Info,
        status: InstructorApplicationStatus | None = InstructorApplicationStatus.PENDING,
        first: int | None = None,
        after: str | None = None,
    ) -> Connection[InstructorApplication]:
        actor = await require_actor(info)
        request = PageRequest.create(first=first, after=after)
        async with info.context.db.session() as session:
            page = await instructors.list_instructor_applications(
                session,
                actor=actor,
                status=status,
                request=request,
                with_total=selects_total_count(info),
            )
        return Connection[InstructorApplication].from_page(page, InstructorApplication.from_model)


@strawberry.type
class Mutation:
    @mutation(
        description="Students: ask to teach (ALREADY_INSTRUCTOR, APPLICATION_PENDING); an admin "
        "approves or rejects it."
    )
    async def apply_as_instructor(
        self, info: Info, input: t.ApplyAsInstructorInput, tx: Tx
    ) -> t.ApplyAsInstructorPayload:
        row = await instructors.apply_as_instructor(tx.session, actor=tx.actor, **input.arguments())
        return t.ApplyAsInstructorPayload(application=InstructorApplication.from_model(row))

    @mutation(
        privileged=True,
        after_commit=CHANGES,
        description="Admins: the applicant becomes an instructor with a public profile made of "
        "the application, and is notified (APPLICATION_DECIDED).",
    )
    async def approve_instructor(
        self, info: Info, input: t.ApproveInstructorInput, tx: Tx
    ) -> t.ApproveInstructorPayload:
        row = await instructors.approve_instructor(tx.session, actor=tx.actor, **input.arguments())
        return t.ApproveInstructorPayload(application=InstructorApplication.from_model(row))

    @mutation(
        privileged=True,
        description="Admins: reject with a reason the applicant reads; they may apply again "
        "(APPLICATION_DECIDED).",
    )
    async def reject_instructor(
        self, info: Info, input: t.RejectInstructorInput, tx: Tx
    ) -> t.RejectInstructorPayload:
        row = await instructors.reject_instructor(tx.session, actor=tx.actor, **input.arguments())
        return t.RejectInstructorPayload(application=InstructorApplication.from_model(row))

    @mutation(
        after_commit=CHANGES,
        description="Instructors: change your public profile (headline, bio, expertise, "
        "experience, links, avatar, slug).",
    )
    async def update_instructor_profile(
        self, info: Info, input: t.UpdateInstructorProfileInput, tx: Tx
    ) -> t.UpdateInstructorProfilePayload:
        row = await instructors.update_instructor_profile(
            tx.session, actor=tx.actor, **input.arguments()
        )
        return t.UpdateInstructorProfilePayload(instructor=Instructor.of(row.user_id, row))

    @mutation(
        after_commit=CHANGES,
        description="The owner (or an admin) adds a co-instructor (an instructor) or a teaching "
        "assistant (any active account), or changes their role.",
    )
    async def add_course_instructor(
        self, info: Info, input: t.AddCourseInstructorInput, tx: Tx
    ) -> t.AddCourseInstructorPayload:
        course, _ = await teaching.add_course_instructor(
            tx.session, actor=tx.actor, **input.arguments()
        )
        return t.AddCourseInstructorPayload(course=Course.from_model(course))

    @mutation(
        after_commit=CHANGES,
        description="The owner (or an admin) removes someone from the course's team (NOT_ON_TEAM).",
    )
    async def remove_course_instructor(
        self, info: Info, input: t.RemoveCourseInstructorInput, tx: Tx
    ) -> t.RemoveCourseInstructorPayload:
        course = await teaching.remove_course_instructor(
            tx.session, actor=tx.actor, **input.arguments()
        )
        return t.RemoveCourseInstructorPayload(course=Course.from_model(course))

    @mutation(
        after_commit=CHANGES,
        description="The owner (or an admin) sets whether the course certifies and whether "
        "completing it needs the final exam (FINAL_EXAM_MISSING, CERTIFICATES_ISSUED).",
    )
    async def set_course_certification(
        self, info: Info, input: t.SetCourseCertificationInput, tx: Tx
    ) -> t.SetCourseCertificationPayload:
        course = await certification.set_course_certification(
            tx.session, actor=tx.actor, **input.arguments()
        )
        return t.SetCourseCertificationPayload(course=Course.from_model(course))
