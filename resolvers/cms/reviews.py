"""Root fields of course reviews: write, reply, report, and the admins' hide/unhide. Reads are
the `Course.reviews`, `ratingSummary` and `viewerReview` fields (schema.catalog.types)."""

from __future__ import annotations

import strawberry

from app.cms import reviews as service
from resolvers.catalog.changes import catalog_changed
from schema.cms.reviews import (
    DeleteReviewInput,
    DeleteReviewPayload,
    ModerateReviewInput,
    ModerateReviewPayload,
    RemoveReviewReplyInput,
    ReplyToReviewInput,
    ReportReviewInput,
    ReportReviewPayload,
    Review,
    ReviewCourseInput,
    ReviewCoursePayload,
    ReviewReplyPayload,
    UpdateReviewInput,
    UpdateReviewPayload,
)
from schema.core.context import Info
from schema.core.mutation import Tx, mutation

CHANGES_COURSE = [catalog_changed]  # the course's rating and its review list are public


@strawberry.type
class Mutation:
    @mutation(
        description="Review a course you are enrolled in (active or completed): visible at once "
        "and counted in the course's rating. One per course: ALREADY_REVIEWED (edit it with "
        "updateReview). NOT_ENROLLED_TO_REVIEW, CANNOT_REVIEW_OWN_COURSE; rating 1-5 "
        "(OUT_OF_RANGE); TOO_LONG.",
        after_commit=CHANGES_COURSE,
    )
    async def review_course(
        self, info: Info, input: ReviewCourseInput, tx: Tx
    ) -> ReviewCoursePayload:
        row = await service.review_course(tx.session, actor=tx.actor, **input.arguments())
        return ReviewCoursePayload(review=Review.from_model(row))

    @mutation(
        description="Change your review (NOT_FOUND for anyone else's); the rating follows.",
        after_commit=CHANGES_COURSE,
    )
    async def update_review(
        self, info: Info, input: UpdateReviewInput, tx: Tx
    ) -> UpdateReviewPayload:
        row = await service.update_review(tx.session, actor=tx.actor, **input.arguments())
        return UpdateReviewPayload(review=Review.from_model(row))

    @mutation(
        description="Delete your review (admins: any review); the rating follows.",
        after_commit=CHANGES_COURSE,
    )
    async def delete_review(
        self, info: Info, input: DeleteReviewInput, tx: Tx
    ) -> DeleteReviewPayload:
        await service.delete_review(tx.session, actor=tx.actor, **input.arguments())
        return DeleteReviewPayload(deleted_review_id=input.review_id)

    @mutation(
        description="The course's owner or a co-instructor answers a visible review (FORBIDDEN "
        "for others); one reply per review, this rewrites it.",
        after_commit=CHANGES_COURSE,
    )
    async def reply_to_review(
        self, info: Info, input: ReplyToReviewInput, tx: Tx
    ) -> ReviewReplyPayload:
        row = await service.reply_to_review(tx.session, actor=tx.actor, **input.arguments())
        return ReviewReplyPayload(review=Review.from_model(row))

    @mutation(
        description="Take the instructors' reply off a review (CONFLICT when it has none).",
        after_commit=CHANGES_COURSE,
    )
    async def remove_review_reply(
        self, info: Info, input: RemoveReviewReplyInput, tx: Tx
    ) -> ReviewReplyPayload:
        row = await service.remove_review_reply(tx.session, actor=tx.actor, **input.arguments())
        return ReviewReplyPayload(review=Review.from_model(row))

    @mutation(description="Report a visible review to the moderators (once: ALREADY_REPORTED).")
    async def report_review(
        self, info: Info, input: ReportReviewInput, tx: Tx
    ) -> ReportReviewPayload:
        await service.report_review(tx.session, actor=tx.actor, **input.arguments())
        return ReportReviewPayload(reported=True)

    @mutation(
        description="Admins: hide a review from everyone but its author; it leaves the course's "
        "rating (CONFLICT when hidden already).",
        privileged=True,
        after_commit=CHANGES_COURSE,
    )
    async def hide_review(
        self, info: Info, input: ModerateReviewInput, tx: Tx
    ) -> ModerateReviewPayload:
        row = await service.hide_review(tx.session, actor=tx.actor, **input.arguments())
        return ModerateReviewPayload(review=Review.from_model(row))

    @mutation(
        description="Admins: show a hidden review again (CONFLICT when it is not hidden).",
        privileged=True,
        after_commit=CHANGES_COURSE,
    )
    async def unhide_review(
        self, info: Info, input: ModerateReviewInput, tx: Tx
    ) -> ModerateReviewPayload:
        row = await service.unhide_review(tx.session, actor=tx.actor, **input.arguments())
        return ModerateReviewPayload(review=Review.from_model(row))
