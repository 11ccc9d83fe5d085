"""GraphQL types of course reviews: the review, its reply, the rating summary, and the inputs and
payloads of their mutations. Every relation resolves through loaders (`loaders.reviews`)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Annotated, Any, Self

import strawberry
from strawberry import relay

from app.catalog import models as catalog_models
from app.cms import models
from app.cms.reviews import RatingSummary as Summary
from app.cms.reviews import ReviewPageKey, ReviewSort, may_see
from app.media import attached_url
from app.pagination import InvalidPageRequest, PageRequest, decode_cursor
from schema.catalog.access import visible_courses
from schema.communication.messaging import ReportReason
from schema.core.auth import viewer_of
from schema.core.context import Info
from schema.core.inputs import Input, node_id, update
from schema.core.mutation import Payload
from schema.core.relay import NOWHERE, Connection, ModelNode

if TYPE_CHECKING:
    from schema.catalog.types import Course

strawberry.enum(
    ReviewSort,
    name="ReviewSort",
    description="NEWEST / OLDEST by when written; HIGHEST (then newest) / LOWEST (then oldest) "
    "by rating.",
)


@strawberry.type(description="Who wrote a review or a reply: their public name and avatar only.")
class ReviewAuthor:
    user_id: strawberry.Private[uuid.UUID]
    full_name: str

    @strawberry.field(description="The avatar's public URL; null without one.")
    async def avatar_url(self, info: Info) -> str | None:
        profile = await info.context.loaders.accounts.profiles.load(self.user_id)
        if profile is None or profile.avatar_asset_id is None:
            return None
        asset = await info.context.loaders.media.assets.load(profile.avatar_asset_id)
        return attached_url(info.context.storage, asset)


async def _author(info: Info, user_id: uuid.UUID | None) -> ReviewAuthor | None:
    if user_id is None:
        return None
    user = await info.context.loaders.accounts.users.load(user_id)
    if user is None or user.deleted_at is not None:
        return None
    return ReviewAuthor(user_id=user.id, full_name=user.full_name)


@strawberry.type(description="The course's instructors' answer to a review (one per review).")
class ReviewReply:
    review: strawberry.Private[models.CourseReview]

    @strawberry.field(description="Sanitised HTML.")
    def body(self) -> str:
        return self.review.reply_body or ""

    @strawberry.field(description="When first written.")
    def created_at(self) -> datetime:
        assert self.review.replied_at is not None
        return self.review.replied_at

    @strawberry.field(description="When last rewritten; null if never.")
    def updated_at(self) -> datetime | None:
        return self.review.reply_updated_at

    @strawberry.field(description="The instructor who wrote it; null once the account is gone.")
    async def author(self, info: Info) -> ReviewAuthor | None:
        return await _author(info, self.review.reply_author_id)


@strawberry.type(
    description="A student's review of a course: a 1-5 rating, an optional plain-text title and "
    "an optional body (sanitised HTML). Visible to anyone who may see the course unless an admin "
    "hid it (then only to its author and moderators)."
)
class Review(ModelNode):
    id: relay.NodeID[str]
    model: strawberry.Private[models.CourseReview]

    @classmethod
    async def load(cls, info: Info, ids: list[uuid.UUID]) -> Sequence[models.CourseReview | None]:
        return await info.context.loaders.reviews.reviews.load_many(ids)

    @classmethod
    async def visible(
        cls, info: Info, rows: Sequence[models.CourseReview | None]
    ) -> Sequence[models.CourseReview | None]:
        viewer = await viewer_of(info)
        courses = await info.context.loaders.catalog.courses.load_many(
            [r.course_id if r is not None else NOWHERE for r in rows]
        )
        shown = await visible_courses(info, courses)
        return [
            row if row is not None and course is not None and may_see(viewer, row) else None
            for row, course in zip(rows, shown, strict=True)
        ]

    @classmethod
    def from_model(cls, row: models.CourseReview) -> Self:
        return cls(id=str(row.id), model=row)

    @strawberry.field(description="1 to 5 stars.")
    def rating(self) -> int:
        return self.model.rating

    @strawberry.field(description="Plain text: display it escaped.")
    def title(self) -> str | None:
        return self.model.title

    @strawberry.field(description="Sanitised HTML.")
    def body(self) -> str | None:
        return self.model.body

    @strawberry.field(description="True once an admin hid it (only its author and admins see it).")
    def is_hidden(self) -> bool:
        return self.model.status == models.ReviewStatus.HIDDEN

    @strawberry.field
    def created_at(self) -> datetime:
        return self.model.created_at

    @strawberry.field
    def updated_at(self) -> datetime:
        return self.model.updated_at

    @strawberry.field(description="The reviewer; null once their account is deleted.")
    async def author(self, info: Info) -> ReviewAuthor | None:
        return await _author(info, self.model.user_id)

    @strawberry.field(description="The instructors' reply, if any.")
    def reply(self) -> ReviewReply | None:
        return None if self.model.reply_body is None else ReviewReply(review=self.model)

    @strawberry.field(description="The reviewed course.")
    async def course(
        self, info: Info
    ) -> Annotated[Course, strawberry.lazy("schema.catalog.types")] | None:
        from schema.catalog.types import Course

        row = await info.context.loaders.catalog.courses.load(self.model.course_id)
        shown = (await visible_courses(info, [row]))[0]
        return None if shown is None else Course.from_model(shown)


@strawberry.type(description="How many visible reviews give one rating.")
class RatingCount:
    rating: int
    count: int


@strawberry.type(description="The course's visible reviews at a glance.")
class RatingSummary:
    summary: strawberry.Private[Summary]

    @strawberry.field(description="Mean rating rounded to 2 decimals; null without reviews.")
    def average(self) -> float | None:
        average = self.summary.average
        return None if average is None else float(average)

    @strawberry.field(description="How many visible reviews.")
    def count(self) -> int:
        return self.summary.count

    @strawberry.field(description="One entry per rating, 1 to 5 (zero counts included).")
    def histogram(self) -> list[RatingCount]:
        return [RatingCount(rating=r, count=self.summary.counts.get(r, 0)) for r in range(1, 6)]


@strawberry.input(description="Which reviews to list (every visible one by default).")
class ReviewFilter:
    rating: int | None = strawberry.field(default=None, description="Only this rating (1-5).")
    with_body: bool | None = strawberry.field(
        default=None, description="true: only reviews with a body; false: only those without."
    )


# --- the Course fields (schema.catalog.types delegates to these) ----------------------------------


def _after(after: str | None, sort: ReviewSort) -> tuple[Any, ...] | None:
    if not after:
        return None
    position = decode_cursor(after, "after")
    width = 2 if sort in (ReviewSort.NEWEST, ReviewSort.OLDEST) else 3
    if len(position) != width:
        raise InvalidPageRequest("after", "`after` is not a valid cursor")
    return position


async def course_reviews(
    info: Info,
    course: catalog_models.Course,
    filter: ReviewFilter | None,
    sort: ReviewSort,
    first: int | None,
    after: str | None,
) -> Connection[Review]:
    chosen = filter or ReviewFilter()
    size = PageRequest.create(first=first).size
    key = ReviewPageKey(course.id, sort, chosen.rating, chosen.with_body, size, _after(after, sort))
    loaders = info.context.loaders.reviews
    page = await loaders.pages.load(key)
    loaders.prime(page.items)

    async def total() -> int:
        summary = await loaders.summaries.load(course.id)
        return summary.matching(chosen.rating, chosen.with_body)

    return Connection[Review].from_page(page, Review.from_model, count=total)


async def rating_summary(info: Info, course_id: uuid.UUID) -> RatingSummary:
    return RatingSummary(summary=await info.context.loaders.reviews.summaries.load(course_id))


async def viewer_review(info: Info, course_id: uuid.UUID) -> Review | None:
    viewer = await viewer_of(info)
    if viewer is None:
        return None
    row = await info.context.loaders.reviews.by_author.load((viewer.id, course_id))
    return None if row is None else Review.from_model(row)


# --- inputs and payloads --------------------------------------------------------------------------


@strawberry.input
class ReviewCourseInput(Input):
    course_id: strawberry.ID = node_id("Course")
    rating: int = strawberry.field(description="1 to 5 stars.")
    title: str | None = strawberry.field(default=None, description="Plain text, ≤ 120 characters.")
    body: str | None = strawberry.field(
        default=None, description="HTML (sanitised), ≤ 5,000 characters once cleaned."
    )


@strawberry.type
class ReviewCoursePayload(Payload):
    review: Review | None = None


@strawberry.input(description="Fields left out are kept; a null title or body clears it.")
class UpdateReviewInput(Input):
    review_id: strawberry.ID = node_id("Review")
    rating: int | None = update(nullable=False, description="1 to 5 stars.")
    title: str | None = update(description="Plain text, ≤ 120 characters.")
    body: str | None = update(description="HTML (sanitised), ≤ 5,000 characters once cleaned.")


@strawberry.type
class UpdateReviewPayload(Payload):
    review: Review | None = None


@strawberry.input
class DeleteReviewInput(Input):
    review_id: strawberry.ID = node_id("Review")


@strawberry.type
class DeleteReviewPayload(Payload):
    deleted_review_id: strawberry.ID | None = None


@strawberry.input
class ReplyToReviewInput(Input):
    review_id: strawberry.ID = node_id("Review")
    body: str = strawberry.field(description="HTML (sanitised), ≤ 3,000 characters once cleaned.")


@strawberry.input
class RemoveReviewReplyInput(Input):
    review_id: strawberry.ID = node_id("Review")


@strawberry.type
class ReviewReplyPayload(Payload):
    review: Review | None = None


@strawberry.input
class ReportReviewInput(Input):
    review_id: strawberry.ID = node_id("Review")
    reason: ReportReason
    details: str | None = strawberry.field(
        default=None, description="Plain text, ≤ 2,000 characters."
    )


@strawberry.type
class ReportReviewPayload(Payload):
    reported: bool = strawberry.field(
        default=False, description="True once the report is in the moderation queue."
    )


@strawberry.input
class ModerateReviewInput(Input):
    review_id: strawberry.ID = node_id("Review")
    note: str | None = strawberry.field(
        default=None, description="For the record: plain text, ≤ 2,000 characters."
    )


@strawberry.type
class ModerateReviewPayload(Payload):
    review: Review | None = None
