"""The CMS domain's part of a GDPR export and erasure: the user's course reviews and
testimonials are deleted (each reviewed course's rating is recomputed under its row lock); blog
posts they wrote stay under "Deleted user", with their e-mail address and full name replaced in
every post, review and reply."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.catalog import ratings
from app.cms.models import BlogPost, CourseReview, Testimonial
from app.cms.repo import reviews as repo
from app.privacy import ErasureSubject, plain_rows, scrub_text


async def export_user_data(session: AsyncSession, user_id: uuid.UUID) -> dict[str, Any]:
    reviews = await session.execute(
        select(
            CourseReview.id,
            CourseReview.course_id,
            CourseReview.rating,
            CourseReview.title,
            CourseReview.body,
            CourseReview.status,
            CourseReview.created_at,
        ).where(CourseReview.user_id == user_id)
    )
    testimonials = await session.execute(
        select(
            Testimonial.id,
            Testimonial.course_id,
            Testimonial.name,
            Testimonial.role,
            Testimonial.content,
            Testimonial.rating,
            Testimonial.is_approved,
            Testimonial.created_at,
        ).where(Testimonial.user_id == user_id)
    )
    posts = await session.execute(
        select(BlogPost.id, BlogPost.title, BlogPost.slug, BlogPost.created_at).where(
            BlogPost.author_id == user_id
        )
    )
    return {
        "reviews": {
            "reviews": plain_rows(reviews.all()),
            "testimonials": plain_rows(testimonials.all()),
            "blog_posts": plain_rows(posts.all()),
        }
    }


async def erase_user_data(session: AsyncSession, subject: ErasureSubject) -> None:
    user_id = subject.user_id
    courses = await session.scalars(
        select(CourseReview.course_id).where(CourseReview.user_id == user_id).distinct()
    )
    for course_id in sorted(courses.all()):
        await ratings.lock_course(session, course_id)
        await session.execute(
            delete(CourseReview).where(
                CourseReview.user_id == user_id, CourseReview.course_id == course_id
            )
        )
        average, count = await repo.visible_rating(session, course_id)
        await ratings.set_course_rating(session, course_id=course_id, average=average, count=count)
    await session.execute(delete(Testimonial).where(Testimonial.user_id == user_id))
    for column in (
        BlogPost.title,
        BlogPost.excerpt,
        BlogPost.body,
        BlogPost.body_html,
        CourseReview.title,
        CourseReview.body,
        CourseReview.reply_body,
        Testimonial.content,
    ):
        await scrub_text(session, column, subject)
