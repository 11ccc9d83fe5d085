"""Course discussion forums, through the service: who may take part (Property 44), the reply
tree (Property 45), votes (Property 46), accepted solutions (Property 47), locking, editing with
history, soft deletion, reports, text rules and the posting rate limit."""

from __future__ import annotations

import asyncio
import uuid

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from redis.asyncio import Redis
from sqlalchemy import func, select

from app.admin.models import ContentReport
from app.communication import discussions
from app.communication.errors import CommunicationCode
from app.communication.models import PostVote, ThreadCategory
from app.communication.repo import discussions as repo
from app.db import Database
from app.errors import Common, Forbidden, NotFound, RateLimited, UserFacingError
from app.learning.models import EnrollmentStatus
from app.notifications.models import NotificationType
from app.pagination import PageRequest
from tests.support.discussions import (
    Forum,
    as_actor,
    forum,
    notifications_of,
    reload_post,
    reload_thread,
    reply,
    thread,
)
from tests.support.learning import lessons_of, person

HYPOTHESIS = settings(
    max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


def codes(exc: UserFacingError) -> list[tuple[str | None, str]]:
    return [(e.field, str(e.code)) for e in exc.errors]


# --- Property 44: taking part requires enrollment ------------------------------------------------


async def test_property_44_an_enrolled_student_starts_a_thread(
    database: Database, redis_client: Redis
) -> None:
    f = await forum(database)
    lesson = (await lessons_of(database, f.course.id))[0]
    made = await thread(
        database,
        redis_client,
        f.student,
        f.course,
        title="  Loops  ",
        body="<p>Why?</p><script>x()</script>",
        category=ThreadCategory.QUESTION,
        lesson_id=lesson.id,
    )
    assert (made.title, made.body, made.category) == ("Loops", "<p>Why?</p>", "question")
    assert (made.author_id, made.lesson_id, made.reply_count) == (f.student.id, lesson.id, 0)


@pytest.mark.parametrize("status", [EnrollmentStatus.DROPPED, EnrollmentStatus.REFUNDED, None])
async def test_property_44_thread_creation_requires_enrollment(
    database: Database, redis_client: Redis, status: EnrollmentStatus | None
) -> None:
    f = await forum(database)
    outsider = await f.member(database, status) if status is not None else await person(database)
    with pytest.raises(Forbidden):
        await thread(database, redis_client, outsider, f.course)


async def test_property_44_completed_students_and_the_instructor_take_part(
    database: Database, redis_client: Redis
) -> None:
    f = await forum(database)
    graduate = await f.member(database, EnrollmentStatus.COMPLETED)
    assert (await thread(database, redis_client, graduate, f.course)).author_id == graduate.id
    assert (await thread(database, redis_client, f.teacher, f.course)).author_id == f.teacher.id


async def test_a_thread_or_post_of_a_course_one_is_not_in_does_not_exist(
    database: Database, redis_client: Redis
) -> None:
    f = await forum(database)
    made = await thread(database, redis_client, f.student, f.course)
    post = await reply(database, redis_client, f.teacher, made.id)
    outsider = await person(database)
    with pytest.raises(NotFound):
        await reply(database, redis_client, outsider, made.id)
    async with database.transaction() as session:
        with pytest.raises(NotFound):
            await discussions.vote_post(session, actor=as_actor(outsider), post_id=post.id)
    async with database.session() as session:
        with pytest.raises(Forbidden):
            await discussions.list_threads(
                session,
                actor=as_actor(outsider),
                course_id=f.course.id,
                where=discussions.ThreadFilter(),
                request=PageRequest.create(),
            )


# --- text rules ---------------------------------------------------------------------------------


async def test_empty_and_oversized_texts_are_refused(
    database: Database, redis_client: Redis
) -> None:
    f = await forum(database)
    with pytest.raises(UserFacingError) as empty:
        await thread(database, redis_client, f.student, f.course, title=" ", body="<p> </p>")
    assert codes(empty.value) == [("title", Common.REQUIRED), ("body", Common.REQUIRED)]
    with pytest.raises(UserFacingError) as long:
        await thread(
            database, redis_client, f.student, f.course, title="t" * 201, body="b" * 20_001
        )
    assert codes(long.value) == [("title", Common.TOO_LONG), ("body", Common.TOO_LONG)]
    made = await thread(database, redis_client, f.student, f.course, body="b" * 20_000)
    with pytest.raises(UserFacingError) as bad_reply:
        await reply(database, redis_client, f.student, made.id, body="<img src=x>")
    assert codes(bad_reply.value) == [("body", Common.REQUIRED)]


async def test_a_lesson_of_another_course_is_refused(
    database: Database, redis_client: Redis
) -> None:
    f, other = await forum(database), await forum(database)
    foreign = (await lessons_of(database, other.course.id))[0]
    with pytest.raises(UserFacingError) as refused:
        await thread(database, redis_client, f.student, f.course, lesson_id=foreign.id)
    assert codes(refused.value) == [("lesson_id", Common.INVALID)]


async def test_posting_is_rate_limited_per_author(database: Database, redis_client: Redis) -> None:
    f = await forum(database)
    made = await thread(database, redis_client, f.student, f.course)
    for _ in range(discussions.POST_LIMIT - 1):
        await reply(database, redis_client, f.student, made.id)
    with pytest.raises(RateLimited):
        await reply(database, redis_client, f.student, made.id)
    await reply(database, redis_client, f.teacher, made.id)  # another author is not limited


# --- Property 45: the reply tree ------------------------------------------------------------


@HYPOTHESIS
@given(parents=st.lists(st.integers(min_value=-1, max_value=30), min_size=1, max_size=12))
async def test_property_45_parent_post_ids_build_a_tree(
    database: Database, redis_client: Redis, parents: list[int]
) -> None:
    """Each reply names a random earlier post as its parent (or none: the thread): the posts read
    back depth first, each after its parent and its earlier siblings' subtrees, with its depth."""
    await redis_client.flushdb()  # the posting rate limit
    f = await forum(database)
    made = await thread(database, redis_client, f.student, f.course)
    ids: list[uuid.UUID] = []
    parent_of: dict[uuid.UUID, uuid.UUID | None] = {}
    for choice in parents:
        parent = ids[choice % len(ids)] if ids and choice >= 0 else None
        author = f.student if len(ids) % 2 else f.teacher
        post = await reply(database, redis_client, author, made.id, parent_post_id=parent)
        ids.append(post.id)
        parent_of[post.id] = parent

    def subtree(parent: uuid.UUID | None, depth: int) -> list[tuple[uuid.UUID, int]]:
        found: list[tuple[uuid.UUID, int]] = []
        for child in [i for i in ids if parent_of[i] == parent]:  # in creation order
            found += [(child, depth), *subtree(child, depth + 1)]
        return found

    expected = subtree(None, 0)
    async with database.session() as session:
        [page] = await repo.post_pages(session, [repo.PostsPageKey(made.id, 100, None)])
        depths = await repo.depths_by_post_ids(session, ids)
    assert [(p.post.id, p.depth) for p in page.items] == expected
    assert depths == [dict(expected)[i] for i in ids]
    # paging through it in pieces gives the same order
    seen: list[uuid.UUID] = []
    after: str | None = None
    async with database.session() as session:
        while True:
            [piece] = await repo.post_pages(session, [repo.PostsPageKey(made.id, 5, after)])
            seen += [p.post.id for p in piece.items]
            if not piece.has_next:
                break
            after = piece.items[-1].path
    assert seen == [i for i, _ in expected]
    assert (await reload_thread(database, made.id)).reply_count == len(ids)


async def test_a_parent_from_another_thread_is_refused(
    database: Database, redis_client: Redis
) -> None:
    f = await forum(database)
    first, second = [await thread(database, redis_client, f.student, f.course) for _ in range(2)]
    elsewhere = await reply(database, redis_client, f.teacher, first.id)
    with pytest.raises(UserFacingError) as refused:
        await reply(database, redis_client, f.student, second.id, parent_post_id=elsewhere.id)
    assert codes(refused.value) == [("parent_post_id", CommunicationCode.WRONG_THREAD)]


async def test_a_reply_notifies_the_thread_author_and_the_parent_author_not_oneself(
    database: Database, redis_client: Redis
) -> None:
    f = await forum(database)
    other = await f.member(database)
    made = await thread(database, redis_client, f.student, f.course)
    answer = await reply(database, redis_client, f.teacher, made.id)
    await reply(database, redis_client, other, made.id, parent_post_id=answer.id)
    await reply(database, redis_client, f.student, made.id)  # the author on their own thread
    to_student = await notifications_of(database, f.student, NotificationType.DISCUSSION_REPLY)
    to_teacher = await notifications_of(database, f.teacher, NotificationType.DISCUSSION_REPLY)
    # a burst on one thread folds into one notification that counts them (notify's rule)
    assert sum(int(n.metadata_.get("count", 1)) for n in to_student) == 2
    assert len(to_teacher) == 1
    assert to_teacher[0].metadata_["thread_id"] == str(made.id)
    assert await notifications_of(database, other, NotificationType.DISCUSSION_REPLY) == []


# --- locking, editing, deleting -----------------------------------------------------------------


async def test_a_locked_thread_takes_no_replies_or_edits(
    database: Database, redis_client: Redis
) -> None:
    f = await forum(database)
    made = await thread(database, redis_client, f.student, f.course)
    post = await reply(database, redis_client, f.student, made.id)
    async with database.transaction() as session:
        with pytest.raises(Forbidden):
            await discussions.lock_thread(
                session, actor=as_actor(f.student), thread_id=made.id, locked=True
            )
    async with database.transaction() as session:
        await discussions.lock_thread(
            session, actor=as_actor(f.teacher), thread_id=made.id, locked=True
        )
    with pytest.raises(UserFacingError) as locked:
        await reply(database, redis_client, f.student, made.id)
    assert codes(locked.value) == [(None, CommunicationCode.THREAD_LOCKED)]
    async with database.transaction() as session:
        with pytest.raises(UserFacingError) as no_edit:
            await discussions.edit_post(
                session, actor=as_actor(f.student), post_id=post.id, body="<p>new</p>"
            )
    assert codes(no_edit.value) == [(None, CommunicationCode.THREAD_LOCKED)]


async def test_editing_is_for_the_author_and_keeps_the_history(
    database: Database, redis_client: Redis
) -> None:
    f = await forum(database)
    made = await thread(database, redis_client, f.student, f.course)
    post = await reply(database, redis_client, f.student, made.id, body="<p>first</p>")
    async with database.transaction() as session:
        with pytest.raises(Forbidden):
            await discussions.edit_post(
                session, actor=as_actor(f.teacher), post_id=post.id, body="<p>mine</p>"
            )
    for body in ("<p>second</p>", "<p>third</p>"):
        async with database.transaction() as session:
            await discussions.edit_post(
                session, actor=as_actor(f.student), post_id=post.id, body=body
            )
    edited = await reload_post(database, post.id)
    assert edited.body == "<p>third</p>"
    assert edited.edited_at is not None
    assert [h["body"] for h in edited.edit_history] == ["<p>first</p>", "<p>second</p>"]
    assert all("edited_at" in h for h in edited.edit_history)


async def test_deleting_is_soft_for_the_author_and_the_instructors_only(
    database: Database, redis_client: Redis
) -> None:
    f = await forum(database)
    other = await f.member(database)
    made = await thread(database, redis_client, f.student, f.course)
    post = await reply(database, redis_client, f.student, made.id)
    child = await reply(database, redis_client, other, made.id, parent_post_id=post.id)
    async with database.transaction() as session:
        with pytest.raises(Forbidden):
            await discussions.delete_post(session, actor=as_actor(other), post_id=post.id)
    async with database.transaction() as session:
        await discussions.delete_post(session, actor=as_actor(f.teacher), post_id=post.id)
    assert (await reload_post(database, post.id)).deleted_at is not None
    assert (await reload_post(database, child.id)).deleted_at is None  # replies are kept
    async with database.transaction() as session:
        await discussions.delete_post(session, actor=as_actor(other), post_id=child.id)
    async with database.transaction() as session:
        with pytest.raises(UserFacingError) as gone:
            await discussions.edit_post(
                session, actor=as_actor(other), post_id=child.id, body="<p>back</p>"
            )
    assert codes(gone.value) == [("post_id", CommunicationCode.POST_DELETED)]


# --- Property 46: votes -------------------------------------------------------------------------


async def _vote(database: Database, user_id: object, post_id: uuid.UUID, f: Forum) -> bool:
    user = {u.id: u for u in (f.student, f.teacher)}[user_id]  # type: ignore[index]
    async with database.transaction() as session:
        _, on = await discussions.vote_post(session, actor=as_actor(user), post_id=post_id)
    return on


@HYPOTHESIS
@given(votes=st.lists(st.tuples(st.booleans(), st.booleans()), max_size=12))
async def test_property_46_one_vote_per_user_per_post_and_voting_again_toggles(
    database: Database, redis_client: Redis, votes: list[tuple[bool, bool]]
) -> None:
    """(voter is the teacher?, on the second post?) in sequence: each user's vote on a post is
    on after an odd number of calls, and each post's count is its number of votes that are on."""
    await redis_client.flushdb()
    f = await forum(database)
    made = await thread(database, redis_client, f.student, f.course)
    posts = [(await reply(database, redis_client, f.student, made.id)).id for _ in range(2)]
    state: dict[tuple[uuid.UUID, uuid.UUID], bool] = {}
    for by_teacher, second in votes:
        user = f.teacher if by_teacher else f.student
        post_id = posts[int(second)]
        on = await _vote(database, user.id, post_id, f)
        state[(user.id, post_id)] = not state.get((user.id, post_id), False)
        assert on == state[(user.id, post_id)]
    async with database.session() as session:
        for post_id in posts:
            rows = await session.scalar(
                select(func.count()).select_from(PostVote).where(PostVote.post_id == post_id)
            )
            expected = sum(1 for (_, p), on in state.items() if p == post_id and on)
            assert rows == expected
            assert (await reload_post(database, post_id)).upvote_count == expected


async def test_concurrent_votes_never_lose_a_count(database: Database, redis_client: Redis) -> None:
    f = await forum(database)
    made = await thread(database, redis_client, f.student, f.course)
    post = await reply(database, redis_client, f.student, made.id)
    voters = [await f.member(database) for _ in range(12)]

    async def vote(user: object) -> None:
        async with database.transaction() as session:
            await discussions.vote_post(session, actor=as_actor(user), post_id=post.id)  # type: ignore[arg-type]

    await asyncio.gather(*(vote(u) for u in voters))
    assert (await reload_post(database, post.id)).upvote_count == 12
    # half of them take it back while the other half vote again: still consistent
    # six of them toggle twice at once: each ends where it started
    await asyncio.gather(*(vote(u) for u in voters[:6]), *(vote(u) for u in voters[:6]))
    assert (await reload_post(database, post.id)).upvote_count == 12
    async with database.session() as session:
        rows = await session.scalar(
            select(func.count()).select_from(PostVote).where(PostVote.post_id == post.id)
        )
    assert rows == 12


# --- Property 47: accepted solutions ------------------------------------------------------------


async def test_property_47_an_accepted_solution_is_marked_and_its_author_notified(
    database: Database, redis_client: Redis
) -> None:
    f = await forum(database)
    helper = await f.member(database)
    made = await thread(database, redis_client, f.student, f.course)
    answer = await reply(database, redis_client, helper, made.id)
    async with database.transaction() as session:
        accepted = await discussions.accept_solution(
            session, actor=as_actor(f.teacher), post_id=answer.id
        )
    assert accepted.is_solution
    assert (await reload_post(database, answer.id)).is_solution
    [note] = await notifications_of(database, helper, NotificationType.SOLUTION_ACCEPTED)
    assert note.metadata_["post_id"] == str(answer.id)


async def test_a_student_may_not_accept_a_solution(database: Database, redis_client: Redis) -> None:
    f = await forum(database)
    made = await thread(database, redis_client, f.student, f.course)
    answer = await reply(database, redis_client, f.teacher, made.id)
    async with database.transaction() as session:
        with pytest.raises(Forbidden):
            await discussions.accept_solution(session, actor=as_actor(f.student), post_id=answer.id)


async def test_accepting_another_reply_moves_the_solution(
    database: Database, redis_client: Redis
) -> None:
    f = await forum(database)
    made = await thread(database, redis_client, f.student, f.course)
    first, second = [await reply(database, redis_client, f.student, made.id) for _ in range(2)]
    for post in (first, second):
        async with database.transaction() as session:
            await discussions.accept_solution(session, actor=as_actor(f.teacher), post_id=post.id)
    assert not (await reload_post(database, first.id)).is_solution
    assert (await reload_post(database, second.id)).is_solution
    assert len(await notifications_of(database, f.student, NotificationType.SOLUTION_ACCEPTED)) == 2


# --- listing, pinning, reporting ----------------------------------------------------------------


async def test_threads_list_pinned_first_then_latest_activity_with_filters(
    database: Database, redis_client: Redis
) -> None:
    f = await forum(database)
    old = await thread(database, redis_client, f.student, f.course, title="Old news")
    question = await thread(
        database,
        redis_client,
        f.student,
        f.course,
        title="A 100% question",
        category=ThreadCategory.QUESTION,
    )
    newest = await thread(database, redis_client, f.student, f.course, title="Newest")
    answer = await reply(database, redis_client, f.teacher, question.id)  # question: latest now
    async with database.transaction() as session:
        await discussions.pin_thread(
            session, actor=as_actor(f.teacher), thread_id=old.id, pinned=True
        )
        await discussions.accept_solution(session, actor=as_actor(f.teacher), post_id=answer.id)

    async def listed(**where: object) -> list[uuid.UUID]:
        async with database.session() as session:
            page = await discussions.list_threads(
                session,
                actor=as_actor(f.student),
                course_id=f.course.id,
                where=discussions.ThreadFilter(**where),  # type: ignore[arg-type]
                request=PageRequest.create(first=10),
            )
        return [t.id for t in page.items]

    assert await listed() == [old.id, question.id, newest.id]
    assert await listed(category=ThreadCategory.QUESTION) == [question.id]
    assert await listed(unanswered=True) == [old.id, newest.id]
    assert await listed(solved=True) == [question.id]
    assert await listed(solved=False) == [old.id, newest.id]
    assert await listed(search="100%") == [question.id]
    assert await listed(search="news") == [old.id]


async def test_reporting_a_post_twice_is_already_reported(
    database: Database, redis_client: Redis
) -> None:
    f = await forum(database)
    made = await thread(database, redis_client, f.student, f.course)
    post = await reply(database, redis_client, f.teacher, made.id)
    async with database.transaction() as session:
        await discussions.report_post(
            session, actor=as_actor(f.student), post_id=post.id, reason="spam", details="ads"
        )
    async with database.transaction() as session:
        with pytest.raises(UserFacingError) as again:
            await discussions.report_post(
                session, actor=as_actor(f.student), post_id=post.id, reason="spam"
            )
    assert codes(again.value) == [(None, CommunicationCode.ALREADY_REPORTED)]
    async with database.session() as session:
        [report] = await session.scalars(select(ContentReport))
    assert (report.target_type, report.target_id) == ("discussion_post", post.id)
