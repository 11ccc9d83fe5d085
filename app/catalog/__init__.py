"""Catalog: categories, courses, modules, lessons, pricing. What other domains may call:"""

from app.catalog.reads import courses_by_slugs, modules_of_course
from app.catalog.repo import courses_by_ids, get_course, get_lesson, tiers_by_course_ids
from app.catalog.repo.people import access_by_user_ids
from app.catalog.structure import add_lesson
from app.catalog.teaching import teaching_role
from app.catalog.visibility import CourseAccess

__all__ = [
    "CourseAccess",
    "access_by_user_ids",
    "add_lesson",
    "courses_by_ids",
    "courses_by_slugs",
    "get_course",
    "get_lesson",
    "modules_of_course",
    "teaching_role",
    "tiers_by_course_ids",
]
