"""Course discussion forums: threads, a tree of replies, votes, accepted solutions, moderation.

Rules:
- Who: the course's members (`membership.py`) — students with an active or completed
  enrollment, the course's owner, co-instructors and admins. Listing a course's threads or
  starting one in a course one is not a member of is FORBIDDEN (Property 44); a thread or post
  of such a course does not exist for the caller (NOT_FOUND), nor does a deleted thread.
- A thread holds its opening text (`title`, `body`); every other post is a reply, to the thread
  (`parent_post_id` None) or to another post of the same thread (WRONG_THREAD otherwise), so
  the posts form a tree (Property 45). Replying bumps `reply_count` and `last_activity_at` and
  notifies the thread's author and the parent post's author (DISCUSSION_REPLY; never oneself),
  and publishes `{"type": "discussion_post", "post_id"}` on `live.thread_channel(thread_id)`.
- A locked thread takes no new replies and no edits (THREAD_LOCKED); votes, deletions and
  solutions still work. Locking publishes `{"type": "thread_locked", "thread_id"}` on the
  thread's channel (live subscribers stop there).
- Editing: the author only (FORBIDDEN for other members); the previous body goes to
  `edit_history` ([{body, edited_at}]) for moderation. Deleting: the author or the course's
  teachers; soft (`deleted_at`): the post stays in the tree, its body is no longer shown, its
  replies are kept, an accepted solution stops being one. A deleted post cannot be edited,
  voted on or accepted (POST_DELETED).
- Votes: one per user per post; voting again removes it (Property 46). `upvote_count` moves with
  the vote row in one transaction by atomic increments, so concurrent votes never lose a count.
- Solutions: the course's teachers accept one reply per thread (a student gets FORBIDDEN);
  accepting another moves it. The post's author is notified (SOLUTION_ACCEPTED, Property 47).
- Pinning and locking: the course's teachers. Pinned threads list first, then by last activity.
- Bodies are sanitised HTML (nh3), required, at most 20,000 characters; titles plain text, at
  most 200. Posting (threads and replies) is rate limited per author (`POST_LIMIT` a minute).
- Reporting a post files a moderation report (`app.admin.moderation.file_report`, target type
  `discussion_post`); ALREADY_REPORTED the second time.
"""

from __future__ import annotations

import uuid
from typing import Any

from redis.asyncio import Redis
from sqlalchemy.ext.asyncio import AsyncSession

from app import live
from app.admin.models import ContentReport
from app.admin.moderation import ReportReason, file_report
from app.catalog import CourseAccess, access_by_user_ids, get_course
from app.catalog.models import Course
from app.clock import utcnow
from app.communication.errors import CommunicationCode
from app.communication.membership import CourseRole, course_role, member_of
from app.communication.models import DiscussionPost, DiscussionThread, ThreadCategory
from app.communication.repo import discussions as repo
from app.communication.repo.discussions import PostsPageKey, ThreadFilter, TreePost
from app.db import save
from app.errors import Common, FieldError, Forbidden, Invalid, NotFound, RateLimited, collect
from app.notifications.models import NotificationCategory, NotificationType
from app.notifications.service import notify
from app.pagination import Page, PageRequest
from app.security.permissions import Actor
from app.security.ratelimit import hit
from app.security.sanitize import has_text, plain_text, sanitize_html

TITLE_MAX = 200
BODY_MAX = 20_000
SEARCH_MAX = 200
POST_LIMIT = 10  # threads and replies per author per minute
POST_WINDOW_SECONDS = 60
REPORT_TARGET = "discussion_post"

__all__ = ["PostsPageKey", "ThreadFilter", "TreePost"]


# --- who may read -------------------------------------------------------------------------------


def may_read(
    actor: Actor | None, thread: DiscussionThread, course: Course | None, access: CourseAccess
) -> bool:
    """Whether the caller sees the thread (and its posts): a member of its course, the thread
    not deleted."""
    if course is None or thread.deleted_at is not None:
        return False
    return course_role(actor, course, access) is not None


async def _role(session: AsyncSession, actor: Actor, course_id: uuid.UUID) -> CourseRole | None:
    course = await get_course(session, course_id)
    if course is None:
        return None
    [access] = await access_by_user_ids(session, [actor.id])
    return course_role(actor, course, access)


async def _thread(
    session: AsyncSession, actor: Actor, thread_id: uuid.UUID, *, lock: bool = False
) -> tuple[DiscussionThread, CourseRole]:
    if lock:
        thread = await repo.thread_for_update(session, thread_id)
    else:
        [thread] = await repo.threads_by_ids(session, [thread_id])
    if thread is None or thread.deleted_at is not None:
        raise NotFound("DiscussionThread")
    role = await _role(session, actor, thread.course_id)
    if role is None:
        raise NotFound("DiscussionThread")
    return thread, role


async def _post(
    session: AsyncSession, actor: Actor, post_id: uuid.UUID, *, lock_thread: bool = False
) -> tuple[DiscussionPost, DiscussionThread, CourseRole]:
    [post] = await repo.posts_by_ids(session, [post_id])
    if post is None:
        raise NotFound("DiscussionPost")
    try:
        thread, role = await _thread(session, actor, post.thread_id, lock=lock_thread)
    except NotFound:
        raise NotFound("DiscussionPost") from None
    if lock_thread:
        post = await repo.post_for_update(session, post_id)
        assert post is not None  # the thread row is locked: its posts stay
    return post, thread, role


def _not_deleted(post: DiscussionPost) -> None:
    if post.deleted_at is not None:
        raise Invalid("post_id", "The post was deleted.", CommunicationCode.POST_DELETED)


def _not_locked(thread: DiscussionThread) -> None:
    if thread.is_locked:
        raise Invalid(
            None, CommunicationCode.THREAD_LOCKED.description, CommunicationCode.THREAD_LOCKED
        )


# --- text ---------------------------------------------------------------------------------------


def _title(errors: list[FieldError], value: str) -> str:
    text = plain_text(value)
    if not text:
        errors.append(FieldError("title", "Give the thread a title.", Common.REQUIRED))
    elif len(text) > TITLE_MAX:
        errors.append(
            FieldError("title", f"At most {TITLE_MAX} characters, please.", Common.TOO_LONG)
        )
    return text


def _body(errors: list[FieldError], value: str) -> str:
    clean = sanitize_html(value)
    if not has_text(clean):
        errors.append(FieldError("body", "Write something first.", Common.REQUIRED))
    elif len(clean) > BODY_MAX:
        errors.append(
            FieldError("body", f"At most {BODY_MAX} characters, please.", Common.TOO_LONG)
        )
    return clean


async def _charge_post(redis: Redis, actor: Actor) -> None:
    result = await hit(
        redis,
        f"discussions:post:{actor.id}",
        limit=POST_LIMIT,
        window_seconds=POST_WINDOW_SECONDS,
    )
    if not result.allowed:
        raise RateLimited(result.reset_after, "Too many posts, try again in a minute")


# --- threads ------------------------------------------------------------------------------------


async def list_threads(
    session: AsyncSession,
    *,
    actor: Actor,
    course_id: uuid.UUID,
    where: ThreadFilter,
    request: PageRequest,
    with_total: bool = False,
) -> Page[DiscussionThread]:
    """The course's threads for a member (FORBIDDEN otherwise), pinned first, then the latest
    activity first; `where` narrows them (a search longer than 200 characters is INVALID)."""
    await member_of(session, actor, course_id)
    search = " ".join((where.search or "").split()) or None
    if search is not None and len(search) > SEARCH_MAX:
        raise Invalid("search", f"At most {SEARCH_MAX} characters.", Common.TOO_LONG)
    where = ThreadFilter(
        category=where.category,
        lesson_id=where.lesson_id,
        unanswered=where.unanswered,
        solved=where.solved,
        search=search,
    )
    return await repo.list_threads(
        session, course_id=course_id, where=where, request=request, with_total=with_total
    )


async def create_thread(
    session: AsyncSession,
    redis: Redis,
    *,
    actor: Actor,
    course_id: uuid.UUID,
    title: str,
    body: str,
    category: ThreadCategory = ThreadCategory.GENERAL,
    lesson_id: uuid.UUID | None = None,
) -> DiscussionThread:
    """A new thread in the course by one of its members (Property 44)."""
    await member_of(session, actor, course_id)
    errors: list[FieldError] = []
    clean_title = _title(errors, title)
    clean_body = _body(errors, body)
    if lesson_id is not None and await repo.lesson_course_id(session, lesson_id) != course_id:
        errors.append(FieldError("lesson_id", "Choose a lesson of this course.", Common.INVALID))
    collect(errors)
    await _charge_post(redis, actor)
    return await repo.add_thread(
        session,
        DiscussionThread(
            course_id=course_id,
            author_id=actor.id,
            lesson_id=lesson_id,
            category=ThreadCategory(category),
            title=clean_title,
            body=clean_body,
            last_activity_at=utcnow(),
        ),
    )


async def pin_thread(
    session: AsyncSession, *, actor: Actor, thread_id: uuid.UUID, pinned: bool
) -> DiscussionThread:
    thread, role = await _thread(session, actor, thread_id, lock=True)
    if role != CourseRole.TEACHER:
        raise Forbidden("Only the course's instructors may pin threads")
    thread.is_pinned = pinned
    await save(session, thread)
    return thread


async def lock_thread(
    session: AsyncSession, *, actor: Actor, thread_id: uuid.UUID, locked: bool
) -> DiscussionThread:
    """Lock (no new replies or edits) or unlock a thread; locking tells live subscribers."""
    thread, role = await _thread(session, actor, thread_id, lock=True)
    if role != CourseRole.TEACHER:
        raise Forbidden("Only the course's instructors may lock threads")
    if locked and not thread.is_locked:
        await live.publish(
            session,
            live.thread_channel(thread.id),
            {"type": "thread_locked", "thread_id": str(thread.id)},
        )
    thread.is_locked = locked
    await save(session, thread)
    return thread


# --- posts --------------------------------------------------------------------------------------


async def reply(
    session: AsyncSession,
    redis: Redis,
    *,
    actor: Actor,
    thread_id: uuid.UUID,
    body: str,
    parent_post_id: uuid.UUID | None = None,
) -> DiscussionPost:
    """A reply to the thread or to one of its posts (Property 45); notifies the thread's and
    the parent post's authors, and the thread's live subscribers."""
    thread, _ = await _thread(session, actor, thread_id)
    _not_locked(thread)
    parent: DiscussionPost | None = None
    if parent_post_id is not None:
        [parent] = await repo.posts_by_ids(session, [parent_post_id])
        if parent is None:
            raise Invalid("parent_post_id", "No such post.", Common.INVALID)
        if parent.thread_id != thread.id:
            raise Invalid(
                "parent_post_id",
                CommunicationCode.WRONG_THREAD.description,
                CommunicationCode.WRONG_THREAD,
            )
    errors: list[FieldError] = []
    clean_body = _body(errors, body)
    collect(errors)
    await _charge_post(redis, actor)
    post = await repo.add_post(
        session,
        DiscussionPost(
            thread_id=thread.id,
            author_id=actor.id,
            parent_post_id=parent_post_id,
            body=clean_body,
        ),
    )
    await repo.count_reply(session, thread.id)
    await live.publish(
        session,
        live.thread_channel(thread.id),
        {"type": "discussion_post", "post_id": str(post.id)},
    )
    recipients = [thread.author_id, parent.author_id if parent is not None else None]
    told: set[uuid.UUID] = {actor.id}
    for recipient in recipients:
        if recipient is None or recipient in told:
            continue
        told.add(recipient)
        to_parent = parent is not None and recipient == parent.author_id
        await notify(
            session,
            recipient_id=recipient,
            type=NotificationType.DISCUSSION_REPLY,
            title=f"New reply: {thread.title}",
            body=(
                "Someone replied to your post."
                if to_parent
                else "Someone replied in your discussion thread."
            ),
            category=NotificationCategory.COURSE,
            metadata=_meta(thread, post),
        )
    return post


def _meta(thread: DiscussionThread, post: DiscussionPost) -> dict[str, Any]:
    return {
        "course_id": str(thread.course_id),
        "thread_id": str(thread.id),
        "post_id": str(post.id),
    }


async def edit_post(
    session: AsyncSession, *, actor: Actor, post_id: uuid.UUID, body: str
) -> DiscussionPost:
    """The author rewrites their post; the previous text is kept in `edit_history`."""
    post, thread, _ = await _post(session, actor, post_id, lock_thread=True)
    if post.author_id != actor.id:
        raise Forbidden("Only the author may edit a post")
    _not_deleted(post)
    _not_locked(thread)
    errors: list[FieldError] = []
    clean_body = _body(errors, body)
    collect(errors)
    if clean_body == post.body:
        return post
    now = utcnow()
    post.edit_history = [*post.edit_history, {"body": post.body, "edited_at": now.isoformat()}]
    post.body = clean_body
    post.edited_at = now
    await save(session, post)
    return post


async def delete_post(session: AsyncSession, *, actor: Actor, post_id: uuid.UUID) -> DiscussionPost:
    """Soft-delete a post (its author, or the course's teachers); deleting again changes
    nothing."""
    post, _, role = await _post(session, actor, post_id, lock_thread=True)
    if post.author_id != actor.id and role != CourseRole.TEACHER:
        raise Forbidden("Only the author or the course's instructors may delete a post")
    if post.deleted_at is None:
        post.deleted_at = utcnow()
        post.is_solution = False
        await save(session, post)
    return post


async def vote_post(
    session: AsyncSession, *, actor: Actor, post_id: uuid.UUID
) -> tuple[DiscussionPost, bool]:
    """Toggle the caller's vote on the post (Property 46): (the post, whether the vote is on)."""
    post, _, _ = await _post(session, actor, post_id)
    _not_deleted(post)
    on = await repo.toggle_vote(session, post_id=post.id, user_id=actor.id)
    await session.refresh(post, ["upvote_count"])
    return post, on


async def accept_solution(
    session: AsyncSession, *, actor: Actor, post_id: uuid.UUID
) -> DiscussionPost:
    """Mark the reply as its thread's solution (the course's teachers); another accepted reply
    of the thread stops being one. The post's author is notified (Property 47)."""
    post, thread, role = await _post(session, actor, post_id, lock_thread=True)
    if role != CourseRole.TEACHER:
        raise Forbidden("Only the course's instructors may accept a solution")
    _not_deleted(post)
    if post.is_solution:
        return post
    await repo.clear_solution(session, thread.id)
    await session.refresh(post)
    post.is_solution = True
    await session.flush()
    if post.author_id is not None and post.author_id != actor.id:
        await notify(
            session,
            recipient_id=post.author_id,
            type=NotificationType.SOLUTION_ACCEPTED,
            title=f"Your answer was accepted: {thread.title}",
            body="An instructor accepted your reply as the solution.",
            category=NotificationCategory.COURSE,
            metadata=_meta(thread, post),
        )
    return post


async def report_post(
    session: AsyncSession,
    *,
    actor: Actor,
    post_id: uuid.UUID,
    reason: ReportReason | str,
    details: str | None = None,
) -> tuple[DiscussionPost, ContentReport]:
    """File a moderation report of a post the caller can see (ALREADY_REPORTED the second
    time)."""
    post, _, _ = await _post(session, actor, post_id)
    report = await file_report(
        session,
        target_type=REPORT_TARGET,
        target_id=post.id,
        reporter_id=actor.id,
        reason=reason,
        details=details,
    )
    return post, report
