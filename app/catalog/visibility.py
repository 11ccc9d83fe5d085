"""Who may see a course and the content of its lessons (pure rules; the reads load the facts).

- Published courses are public. A draft, pending or archived course is visible to its owner,
  its co-instructors and course managers (admins); anyone else gets "not found", never
  "forbidden" (SPEC §2), so its existence stays hidden.
- An archived course stays visible to the students enrolled in it.
- The content of a lesson (text, URLs, resources) is visible in preview lessons of a visible
  course, and otherwise only to enrolled students, the course's teachers and admins.

"Enrolled" means an enrollment that grants access: active or completed (a student who finished a
course keeps reading it); dropped, refunded and revoked enrollments do not.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from app.catalog.models import Course, CourseStatus, Lesson
from app.learning.models import EnrollmentStatus
from app.security.permissions import Actor, Permission, has_permission

ACCESS_STATUSES = (EnrollmentStatus.ACTIVE, EnrollmentStatus.COMPLETED)


@dataclass(frozen=True)
class CourseAccess:
    """The courses one user learns in (`enrolled`) and teaches beside the owner (`teaching`)."""

    enrolled: frozenset[uuid.UUID] = frozenset()
    teaching: frozenset[uuid.UUID] = frozenset()


NO_ACCESS = CourseAccess()


def manages_courses(viewer: Actor | None) -> bool:
    return viewer is not None and has_permission(viewer, Permission.COURSES_MANAGE)


def teaches(viewer: Actor | None, course: Course, access: CourseAccess) -> bool:
    """The owner, a co-instructor, or a course manager."""
    if viewer is None:
        return False
    return (
        course.instructor_id == viewer.id or course.id in access.teaching or manages_courses(viewer)
    )


def needs_access_for_course(viewer: Actor | None, course: Course) -> bool:
    """Whether `can_see_course` depends on the viewer's enrollments (saves a read otherwise)."""
    if course.status == CourseStatus.PUBLISHED or viewer is None:
        return False
    return course.instructor_id != viewer.id and not manages_courses(viewer)


def can_see_course(viewer: Actor | None, course: Course, access: CourseAccess) -> bool:
    if course.status == CourseStatus.PUBLISHED:
        return True
    if teaches(viewer, course, access):
        return True
    return course.status == CourseStatus.ARCHIVED and course.id in access.enrolled


def needs_access_for_content(viewer: Actor | None, course: Course, lesson: Lesson) -> bool:
    """Whether `can_see_content` depends on the viewer's enrollments."""
    if lesson.is_preview or viewer is None:
        return False
    return course.instructor_id != viewer.id and not manages_courses(viewer)


def can_see_content(
    viewer: Actor | None, course: Course, lesson: Lesson, access: CourseAccess
) -> bool:
    """For a lesson of a course the viewer may already see."""
    if lesson.is_preview or teaches(viewer, course, access):
        return True
    return viewer is not None and course.id in access.enrolled
