"""The review workflow draft → pending_review → published → archived and publication
validation (Property 16), which reports every broken rule at once."""

from __future__ import annotations

from collections import Counter
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import update

from app.accounts.models import UserRole
from app.catalog import service, structure
from app.catalog.models import CourseStatus, LessonType, PricingTier
from app.errors import Conflict, UserFacingError
from app.media.models import VideoAsset, VideoStatus
from tests.support.authoring import (
    actor,
    category,
    course,
    events,
    publishable_course,
    snapshot,
    video,
)

LESSON = st.sampled_from(["text", "ready", "processing", "failed"])


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    modules=st.lists(st.lists(LESSON, max_size=2), max_size=4),
    with_category=st.booleans(),
    pricing=st.sampled_from(["free", "paid", "none"]),
)
async def test_property_16_publication_succeeds_only_when_every_rule_holds(
    database, modules, with_category, pricing
) -> None:
    owner, admin = await actor(database), await actor(database, UserRole.ADMIN)
    cat = await category(database) if with_category else None
    created = await course(database, owner, category_id=cat.id if cat else None)
    for m, lessons in enumerate(modules):
        async with database.transaction() as session:
            module = await structure.add_module(
                session, actor=owner, course_id=created.id, title=f"M{m}"
            )
        for n, kind in enumerate(lessons):
            fields = (
                {"type": LessonType.TEXT, "content_text": "x"}
                if kind == "text"
                else {"type": LessonType.VIDEO, "video_asset_id": await video(database, kind)}
            )
            async with database.transaction() as session:
                await structure.add_lesson(
                    session, actor=owner, module_id=module.id, title=f"L{n}", **fields
                )
    if pricing != "none":
        tiers = (
            [service.TierInput(tier=PricingTier.BASIC, price=Decimal(10))]
            if pricing == "paid"
            else []
        )
        async with database.transaction() as session:
            await service.set_course_pricing(
                session, actor=owner, course_id=created.id, is_free=pricing == "free", tiers=tiers
            )
    expected = Counter(
        ["CATEGORY_REQUIRED"] * (not with_category)
        + ["PRICING_REQUIRED"] * (pricing == "none")
        + ["TOO_FEW_MODULES"] * (len(modules) < 3)
        + ["EMPTY_MODULE"] * sum(1 for lessons in modules if not lessons)
        + ["VIDEO_NOT_READY"] * sum(k in ("processing", "failed") for ls in modules for k in ls)
    )
    if expected:
        with pytest.raises(UserFacingError) as caught:
            await _submit_and_publish(database, owner, admin, created.id)
        assert Counter(e.code for e in caught.value.errors) == expected
    else:
        published = await _submit_and_publish(database, owner, admin, created.id)
        assert published.status == CourseStatus.PUBLISHED
        assert published.reviewed_by_id == admin.id


async def _submit_and_publish(database, owner, admin, course_id):
    async with database.transaction() as session:
        await service.submit_course_for_review(session, actor=owner, course_id=course_id)
    async with database.transaction() as session:
        return await service.publish_course(session, actor=admin, course_id=course_id)


async def test_publish_rechecks_the_rules_after_review_started(database) -> None:
    owner, admin = await actor(database), await actor(database, UserRole.ADMIN)
    created = await publishable_course(database, owner)
    clip = await video(database, VideoStatus.READY)
    modules_before = await snapshot(database, created.id)
    first_module = modules_before["modules"][0][0]
    async with database.transaction() as session:
        await structure.add_lesson(
            session,
            actor=owner,
            module_id=first_module,
            type=LessonType.VIDEO,
            title="Talk",
            video_asset_id=clip,
        )
        await service.submit_course_for_review(session, actor=owner, course_id=created.id)
    async with database.transaction() as session:  # transcoding output lost, say
        await session.execute(
            update(VideoAsset).where(VideoAsset.id == clip).values(status=VideoStatus.FAILED)
        )
    before = await snapshot(database, created.id)
    with pytest.raises(UserFacingError) as caught:
        async with database.transaction() as session:
            await service.publish_course(session, actor=admin, course_id=created.id)
    assert [(e.field, e.code) for e in caught.value.errors] == [("lessons", "VIDEO_NOT_READY")]
    assert await snapshot(database, created.id) == before


async def test_workflow_moves_through_review_publication_and_archive(database) -> None:
    owner, admin = await actor(database), await actor(database, UserRole.ADMIN)
    created = await publishable_course(database, owner)
    async with database.transaction() as session:
        await service.submit_course_for_review(session, actor=owner, course_id=created.id)
    async with database.transaction() as session:
        rejected = await service.reject_course(
            session, actor=admin, course_id=created.id, notes="Add a summary."
        )
    assert (rejected.status, rejected.review_notes) == (CourseStatus.DRAFT, "Add a summary.")
    async with database.transaction() as session:
        await service.submit_course_for_review(session, actor=owner, course_id=created.id)
    async with database.transaction() as session:
        published = await service.publish_course(session, actor=admin, course_id=created.id)
    assert published.published_at is not None
    async with database.transaction() as session:
        archived = await service.archive_course(session, actor=owner, course_id=created.id)
    assert archived.status == CourseStatus.ARCHIVED
    assert archived.archived_at is not None
    assert (await events(database, created.id))[-5:] == [
        "submitted",
        "rejected",
        "submitted",
        "published",
        "archived",
    ]


@pytest.mark.parametrize("step", ["publish", "archive", "submit_twice"])
async def test_transitions_out_of_order_are_conflicts(database, step) -> None:
    owner, admin = await actor(database), await actor(database, UserRole.ADMIN)
    created = await publishable_course(database, owner)
    if step == "submit_twice":
        async with database.transaction() as session:
            await service.submit_course_for_review(session, actor=owner, course_id=created.id)
    before = await snapshot(database, created.id)
    with pytest.raises(Conflict) as caught:
        await _step(database, step, owner, admin, created.id)
    assert caught.value.errors[0].code == "INVALID_STATUS"
    assert await snapshot(database, created.id) == before


async def test_owner_archives_rather_than_deletes_a_published_course(database) -> None:
    owner, admin = await actor(database), await actor(database, UserRole.ADMIN)
    created = await publishable_course(database, owner)
    async with database.transaction() as session:
        await service.submit_course_for_review(session, actor=owner, course_id=created.id)
        await service.publish_course(session, actor=admin, course_id=created.id)
    with pytest.raises(Conflict) as caught:
        async with database.transaction() as session:
            await service.delete_course(session, actor=owner, course_id=created.id)
    assert caught.value.errors[0].code == "COURSE_PUBLISHED"
    async with database.transaction() as session:
        await service.delete_course(session, actor=admin, course_id=created.id)


async def _step(database, step, owner, admin, course_id):
    async with database.transaction() as session:
        if step == "publish":
            await service.publish_course(session, actor=admin, course_id=course_id)
        elif step == "archive":
            await service.archive_course(session, actor=owner, course_id=course_id)
        else:
            await service.submit_course_for_review(session, actor=owner, course_id=course_id)
