"""Whether a course issues certificates (`is_certified`) and whether completing it needs its
final exam passed (`requires_final_exam`); the owner or an admin sets both at once.

- Requiring the final exam needs one: an exam of the course marked final (FINAL_EXAM_MISSING).
  While required, that exam cannot stop being final (app.assessments.exams, FINAL_EXAM_REQUIRED);
  both lock the course row, so the two never cross.
- Once a certificate of the course was issued (revoked ones count), the final-exam rule is fixed
  (CERTIFICATES_ISSUED): certificates earned before and after would not mean the same.
  `is_certified` can always change: turning it off stops new certificates, the issued ones stay
  valid and verifiable; turning it on does not issue certificates for earlier completions.
- Dropping the requirement completes, at once, the enrollments that only waited for the exam.
"""

from __future__ import annotations

import uuid

from sqlalchemy.ext.asyncio import AsyncSession

from app import db
from app.assessments.exams import has_final_exam
from app.catalog.errors import CatalogCode
from app.catalog.models import Course
from app.catalog.rules import course_changed, course_for_owner
from app.errors import Conflict
from app.learning import service as learning
from app.security.permissions import Actor


async def set_course_certification(
    session: AsyncSession,
    *,
    actor: Actor,
    course_id: uuid.UUID,
    is_certified: bool,
    requires_final_exam: bool,
) -> Course:
    course = await course_for_owner(session, actor, course_id)
    changes_rule = requires_final_exam != course.requires_final_exam
    if requires_final_exam and not await has_final_exam(session, course_id=course.id):
        raise Conflict(
            "requires_final_exam", "Mark an exam as final first", CatalogCode.FINAL_EXAM_MISSING
        )
    if changes_rule and await learning.certificates_issued(session, course_id=course.id):
        raise Conflict(
            "requires_final_exam",
            "Certificates were issued under the current rule",
            CatalogCode.CERTIFICATES_ISSUED,
        )
    dropped = course.requires_final_exam and not requires_final_exam
    course.is_certified = is_certified
    course.requires_final_exam = requires_final_exam
    await db.save(session, course)
    if dropped:
        await learning.recheck_completions(session, course_id=course.id)
    await course_changed(session, course.id, "certification")
    return course
