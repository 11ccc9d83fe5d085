"""Root fields of testimonials (cms domain): the list, submit, and the admins' decisions."""

from __future__ import annotations

import strawberry

from app.cms import testimonials as service
from app.pagination import PageRequest
from schema.cms.testimonials import (
    ApproveTestimonialInput,
    FeatureTestimonialInput,
    RejectTestimonialInput,
    SubmitTestimonialInput,
    Testimonial,
    TestimonialPayload,
    TestimonialStatus,
)
from schema.core.auth import viewer_of
from schema.core.context import Info
from schema.core.mutation import Tx, mutation
from schema.core.relay import Connection, selects_total_count


@strawberry.type
class Query:
    @strawberry.field(
        description="Approved testimonials, most recently approved first (featured: only "
        "featured ones, or only the others). PENDING and REJECTED: all of them for admins, "
        "your own for anyone else."
    )
    async def testimonials(
        self,
        info: Info,
        featured: bool | None = None,
        status: TestimonialStatus = TestimonialStatus.APPROVED,
        first: int | None = None,
        after: str | None = None,
    ) -> Connection[Testimonial]:
        request = PageRequest.create(first=first, after=after)
        viewer = await viewer_of(info)
        async with info.context.db.session() as session:
            page = await service.list_testimonials(
                session,
                actor=viewer,
                request=request,
                status=status.value,
                featured=featured,
                with_total=selects_total_count(info),
            )
        info.context.loaders.testimonials.prime(page.items)
        return Connection[Testimonial].from_page(page, Testimonial.from_model)


@strawberry.type
class Mutation:
    @mutation(
        description="Write a testimonial (signed-in users; one waiting for review at a time: "
        "TESTIMONIAL_PENDING). TOO_SHORT, TOO_LONG, OUT_OF_RANGE, INVALID (courseId)."
    )
    async def submit_testimonial(
        self, info: Info, input: SubmitTestimonialInput, tx: Tx
    ) -> TestimonialPayload:
        row = await service.submit_testimonial(tx.session, actor=tx.actor, **input.arguments())
        return TestimonialPayload(testimonial=Testimonial.from_model(row))

    @mutation(
        description="Show a pending testimonial (admins; TESTIMONIAL_DECIDED once decided).",
        privileged=True,
    )
    async def approve_testimonial(
        self, info: Info, input: ApproveTestimonialInput, tx: Tx
    ) -> TestimonialPayload:
        row = await service.approve_testimonial(tx.session, actor=tx.actor, **input.arguments())
        return TestimonialPayload(testimonial=Testimonial.from_model(row))

    @mutation(
        description="Refuse a pending testimonial (admins; TESTIMONIAL_DECIDED once decided).",
        privileged=True,
    )
    async def reject_testimonial(
        self, info: Info, input: RejectTestimonialInput, tx: Tx
    ) -> TestimonialPayload:
        row = await service.reject_testimonial(tx.session, actor=tx.actor, **input.arguments())
        return TestimonialPayload(testimonial=Testimonial.from_model(row))

    @mutation(
        description="Feature or unfeature a testimonial (admins; featuring needs approval: "
        "TESTIMONIAL_NOT_APPROVED).",
        privileged=True,
    )
    async def feature_testimonial(
        self, info: Info, input: FeatureTestimonialInput, tx: Tx
    ) -> TestimonialPayload:
        row = await service.feature_testimonial(tx.session, actor=tx.actor, **input.arguments())
        return TestimonialPayload(testimonial=Testimonial.from_model(row))
