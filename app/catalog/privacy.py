"""The catalog domain's part of a GDPR export and erasure: the instructor profile and
applications. Courses an erased instructor owns or teaches stay (learners bought them); their
pages show the anonymised name, so each is re-indexed and the catalog cache moves on (outbox).
The user's full name and e-mail address are replaced in the titles, subtitles, descriptions and
slugs of the courses they own; lesson material is left as written."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import delete, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from app.catalog.models import Course, CourseInstructor, InstructorApplication, InstructorProfile
from app.catalog.rules import course_changed
from app.catalog.slugs import slugify
from app.privacy import ErasureSubject, plain_rows, scrub_text


async def export_user_data(session: AsyncSession, user_id: uuid.UUID) -> dict[str, Any]:
    profile = await session.execute(
        select(InstructorProfile.__table__).where(InstructorProfile.user_id == user_id)
    )
    applications = await session.execute(
        select(InstructorApplication.__table__).where(InstructorApplication.user_id == user_id)
    )
    taught = await session.execute(
        select(Course.id, Course.title, Course.status, Course.created_at).where(
            or_(
                Course.instructor_id == user_id,
                Course.id.in_(
                    select(CourseInstructor.course_id).where(CourseInstructor.user_id == user_id)
                ),
            )
        )
    )
    return {
        "instructor": {
            "profile": plain_rows(profile.all()),
            "applications": plain_rows(applications.all()),
            "courses_taught": plain_rows(taught.all()),
        }
    }


async def erase_user_data(session: AsyncSession, subject: ErasureSubject) -> None:
    user_id = subject.user_id
    await session.execute(
        update(InstructorProfile)
        .where(InstructorProfile.user_id == user_id)
        .values(
            slug=f"instructor-{user_id.hex}",
            title=None,
            bio=None,
            expertise=[],
            experience_years=None,
            social_links={},
            avatar_asset_id=None,
            is_public=False,
        )
    )
    await session.execute(
        delete(InstructorApplication).where(InstructorApplication.user_id == user_id)
    )
    courses = await session.scalars(
        select(Course.id).where(
            or_(
                Course.instructor_id == user_id,
                Course.id.in_(
                    select(CourseInstructor.course_id).where(CourseInstructor.user_id == user_id)
                ),
            )
        )
    )
    owned = Course.instructor_id == user_id
    for column in (Course.title, Course.subtitle, Course.description):
        await scrub_text(session, column, subject, where=owned)
    name_slug = slugify(subject.full_name, max_length=100, fallback="")
    if len(name_slug) >= 3:
        await session.execute(
            update(Course)
            .where(owned, Course.slug.contains(name_slug, autoescape=True))
            .values(slug=func.replace(Course.slug, name_slug, "deleted-user"))
        )
    for course_id in courses.all():
        await course_changed(session, course_id, "instructor_erased")
