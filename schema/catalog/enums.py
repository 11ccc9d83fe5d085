"""Enums of the catalog's types and inputs."""

from __future__ import annotations

import enum

import strawberry

from app.catalog import models

strawberry.enum(models.CourseLevel, name="CourseLevel", description="Difficulty of a course.")
strawberry.enum(
    models.CourseStatus,
    name="CourseStatus",
    description="Workflow: DRAFT → PENDING_REVIEW → PUBLISHED → ARCHIVED.",
)
strawberry.enum(models.LessonType, name="LessonType", description="What a lesson consists of.")
strawberry.enum(models.PricingTier, name="PricingTierName", description="A course's price level.")
CourseLevel = models.CourseLevel
CourseStatus = models.CourseStatus
LessonType = models.LessonType
PricingTierName = models.PricingTier


@strawberry.enum(description="Orders of the course list.")
class CourseSort(enum.Enum):
    POPULARITY = "popularity"  # most enrollments first
    RATING = "rating"  # highest average rating, then most reviews
    NEWEST = "newest"  # most recently published
    PRICE_ASC = "price_asc"  # cheapest (lowest tier) first
    PRICE_DESC = "price_desc"
    TRENDING = "trending"  # highest trending score
