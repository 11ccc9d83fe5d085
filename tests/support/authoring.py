"""Catalog factories: users without password hashing, categories, video assets, whole courses."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

from sqlalchemy import func, select

from app.accounts.models import User, UserRole
from app.catalog import service, structure
from app.catalog.models import Category, Course, LessonType
from app.db import Database, new_id
from app.media.models import (
    FileAsset,
    FilePurpose,
    FileStatus,
    StorageBackend,
    VideoAsset,
    VideoStatus,
)
from app.media.service import storage_key
from app.outbox import OutboxEvent
from app.security.permissions import Actor


async def user(database: Database, role: UserRole = UserRole.INSTRUCTOR) -> User:
    async with database.transaction() as session:
        person = User(
            email=f"u-{uuid.uuid4().hex[:12]}@example.com",
            first_name="Grace",
            last_name="Hopper",
            password_hash="!",
            role=role,
        )
        session.add(person)
    return person


async def actor(database: Database, role: UserRole = UserRole.INSTRUCTOR) -> Actor:
    """A new user as the caller of the authoring services (no admin MFA policy in force)."""
    return Actor.of(await user(database, role))


async def category(database: Database, *, active: bool = True) -> Category:
    async with database.transaction() as session:
        cat = Category(name=f"Cat {uuid.uuid4().hex[:8]}", slug=f"cat-{uuid.uuid4().hex[:8]}")
        cat.is_active = active
        session.add(cat)
    return cat


async def video(database: Database, status: VideoStatus = VideoStatus.READY) -> uuid.UUID:
    async with database.transaction() as session:
        asset = FileAsset(
            purpose=FilePurpose.LESSON_VIDEO,
            storage_backend=StorageBackend.LOCAL,
            storage_key=f"videos/{uuid.uuid4().hex}",
            file_name="talk.mp4",
            content_type="video/mp4",
            size_bytes=1024,
        )
        session.add(asset)
        await session.flush()
        clip = VideoAsset(file_asset_id=asset.id, status=status)
        session.add(clip)
    return clip.id


async def upload(
    database: Database,
    owner_id: uuid.UUID,
    purpose: FilePurpose,
    status: FileStatus = FileStatus.UPLOADED,
    *,
    content_type: str = "application/pdf",
) -> uuid.UUID:
    """A file asset of `owner_id` for `purpose` (finished unless `status` says otherwise)."""
    asset_id = new_id()
    name = "file.pdf" if content_type == "application/pdf" else "image.png"
    async with database.transaction() as session:
        asset = FileAsset(
            id=asset_id,
            owner_id=owner_id,
            purpose=purpose,
            storage_backend=StorageBackend.LOCAL,
            # where the real upload flow puts it: public purposes under public/ (stable URLs)
            storage_key=storage_key(purpose, owner_id, asset_id, name),
            file_name=name,
            content_type=content_type,
            size_bytes=10,
            status=status,
        )
        session.add(asset)
    return asset.id


async def course(database: Database, owner: Actor, **kwargs: Any) -> Course:
    values: dict[str, Any] = {"title": "Intro to Python", "description": "Learn Python."}
    values.update(kwargs)
    async with database.transaction() as session:
        return await service.create_course(session, actor=owner, **values)


async def lesson_fields(database: Database, kind: LessonType) -> dict[str, Any]:
    """The minimum a lesson of this type needs."""
    if kind == LessonType.VIDEO:
        return {"video_asset_id": await video(database)}
    if kind == LessonType.TEXT:
        return {"content_text": "Read this."}
    if kind == LessonType.ASSIGNMENT:
        return {"description": "Hand in a script."}
    return {}


async def publishable_course(
    database: Database,
    owner: Actor,
    lessons_per_module: Sequence[int] = (1, 1, 1),
    *,
    with_category: bool = True,
    free: bool = True,
) -> Course:
    cat = await category(database) if with_category else None
    created = await course(database, owner, category_id=cat.id if cat else None)
    async with database.transaction() as session:
        for m, count in enumerate(lessons_per_module, start=1):
            module = await structure.add_module(
                session, actor=owner, course_id=created.id, title=f"Module {m}"
            )
            for n in range(count):
                await structure.add_lesson(
                    session,
                    actor=owner,
                    module_id=module.id,
                    type=LessonType.TEXT,
                    title=f"Lesson {m}.{n + 1}",
                    content_text="Words.",
                )
        if free:
            await service.set_course_pricing(
                session, actor=owner, course_id=created.id, is_free=True
            )
    return created


async def rows(database: Database, model: Any, *where: Any) -> int:
    async with database.session() as session:
        return (await session.scalar(select(func.count()).select_from(model).where(*where))) or 0


async def events(database: Database, course_id: uuid.UUID) -> list[str]:
    async with database.session() as session:
        found = await session.scalars(
            select(OutboxEvent)
            .where(OutboxEvent.payload["course_id"].astext == str(course_id))
            .order_by(OutboxEvent.created_at, OutboxEvent.id)
        )
        return [e.payload["change"] for e in found]


async def snapshot(database: Database, course_id: uuid.UUID) -> dict[str, Any]:
    """Everything authored under a course, to prove a failed call changed nothing."""
    from app.catalog import repo

    async with database.session() as session:
        found = await repo.get_course(session, course_id)
        assert found is not None
        modules = (await repo.modules_by_course_ids(session, [course_id]))[0]
        lessons = await repo.lessons_by_module_ids(session, [m.id for m in modules])
        tiers = (await repo.tiers_by_course_ids(session, [course_id]))[0]
        return {
            "course": {c.key: getattr(found, c.key) for c in Course.__mapper__.column_attrs},
            "modules": [(m.id, m.title, m.order_number, m.prerequisite_module_id) for m in modules],
            "lessons": [[(x.id, x.title, x.order_number, x.type) for x in ls] for ls in lessons],
            "tiers": [(t.tier, t.price_minor, t.original_price_minor, t.features) for t in tiers],
            "events": await events(database, course_id),
        }
