"""Catalog: categories, courses, modules, lessons, pricing. What other domains may call:"""

from app.catalog.reads import courses_by_slugs, modules_of_course
from app.catalog.repo import get_course, get_lesson
from app.catalog.structure import add_lesson

__all__ = [
    "add_lesson",
    "courses_by_slugs",
    "get_course",
    "get_lesson",
    "modules_of_course",
]
