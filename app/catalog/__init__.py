"""Catalog: categories, courses, modules, lessons, pricing. What other domains may call:"""

from app.catalog.repo import get_course, get_lesson

__all__ = ["get_course", "get_lesson"]
