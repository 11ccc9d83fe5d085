"""GraphQL types of testimonials: the node, inputs and payloads."""

from __future__ import annotations

import enum
import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Self

import strawberry
from strawberry import relay

from app.cms import models
from app.security.permissions import Permission, has_permission
from schema.catalog.types import Course
from schema.core.auth import viewer_of
from schema.core.context import Info
from schema.core.inputs import Input, node_id
from schema.core.mutation import Payload
from schema.core.relay import ModelNode


@strawberry.enum(description="Where a testimonial stands in review.")
class TestimonialStatus(enum.Enum):
    PENDING = "pending"
    APPROVED = "approved"
    REJECTED = "rejected"


def status_of(row: models.Testimonial) -> TestimonialStatus:
    if row.is_approved:
        return TestimonialStatus.APPROVED
    return TestimonialStatus.PENDING if row.rejected_at is None else TestimonialStatus.REJECTED


@strawberry.type(
    description="What a learner says about the platform. Everyone sees approved ones; pending "
    "and rejected ones are seen by their author and the admins only."
)
class Testimonial(ModelNode):
    id: relay.NodeID[str]
    name: str = strawberry.field(description="The author's profile name when they wrote it.")
    role: str | None = strawberry.field(description="The author's own words (plain text).")
    content: str = strawberry.field(description="Plain text: display it escaped.")
    rating: int
    is_featured: bool
    approved_at: datetime | None
    created_at: datetime
    model: strawberry.Private[models.Testimonial]

    @classmethod
    async def load(cls, info: Info, ids: list[uuid.UUID]) -> Sequence[models.Testimonial | None]:
        return await info.context.loaders.testimonials.testimonials.load_many(ids)

    @classmethod
    async def visible(
        cls, info: Info, rows: Sequence[models.Testimonial | None]
    ) -> Sequence[models.Testimonial | None]:
        viewer = await viewer_of(info)
        admin = viewer is not None and has_permission(viewer, Permission.CMS_MANAGE)

        def shown(row: models.Testimonial | None) -> bool:
            if row is None:
                return False
            return row.is_approved or admin or (viewer is not None and row.user_id == viewer.id)

        return [row if shown(row) else None for row in rows]

    @classmethod
    def from_model(cls, row: models.Testimonial) -> Self:
        return cls(
            id=str(row.id),
            name=row.name,
            role=row.role,
            content=row.content,
            rating=row.rating,
            is_featured=row.is_featured,
            approved_at=row.approved_at,
            created_at=row.created_at,
            model=row,
        )

    @strawberry.field
    def status(self) -> TestimonialStatus:
        return status_of(self.model)

    @strawberry.field(description="The course it is about, if any (null when not visible).")
    async def course(self, info: Info) -> Course | None:
        if self.model.course_id is None:
            return None
        return (await Course.resolve_nodes(info=info, node_ids=[str(self.model.course_id)]))[0]


@strawberry.input(
    description="Your testimonial, reviewed by an admin before it is shown. Content 10-2,000 "
    "characters of plain text; role at most 150; rating 1-5; courseId a course you take. The "
    "name shown is your profile's."
)
class SubmitTestimonialInput(Input):
    content: str
    rating: int
    role: str | None = None
    course_id: strawberry.ID | None = node_id("Course", default=None)


@strawberry.input(description="Approve a pending testimonial (admins).")
class ApproveTestimonialInput(Input):
    testimonial_id: strawberry.ID = node_id("Testimonial")


@strawberry.input(description="Reject a pending testimonial (admins).")
class RejectTestimonialInput(Input):
    testimonial_id: strawberry.ID = node_id("Testimonial")


@strawberry.input(description="Feature an approved testimonial, or stop featuring one (admins).")
class FeatureTestimonialInput(Input):
    testimonial_id: strawberry.ID = node_id("Testimonial")
    featured: bool = True


@strawberry.type
class TestimonialPayload(Payload):
    testimonial: Testimonial | None = None
