"""Helpers of the CMS tests: blog posts written through the service."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from app.accounts.models import UserRole
from app.cms import blog
from app.cms.models import BlogPost
from app.db import Database
from app.security.permissions import Actor
from tests.support.authoring import actor


async def editor(database: Database) -> Actor:
    return await actor(database, UserRole.ADMIN)


async def post(
    database: Database,
    by: Actor,
    *,
    title: str = "Hello",
    body: str = "Some **words**.",
    publish: bool | datetime = False,
    **kwargs: Any,
) -> BlogPost:
    async with database.transaction() as session:
        row = await blog.create_blog_post(session, actor=by, title=title, body=body, **kwargs)
        if publish is not False:
            at = None if publish is True else publish
            row = await blog.publish_blog_post(session, actor=by, post_id=row.id, at=at)
    return row
