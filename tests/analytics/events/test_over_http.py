"""Over HTTP, a learning event carries the request's X-Request-ID (its log lines can be found
from the event), the response does not wait for it, and the API writes it in the background."""

from __future__ import annotations

from app.analytics.recorder import BUFFER
from app.db import Database
from app.main import create_app
from app.security.tokens import issue_access_token
from app.settings import Settings
from tests.support import learning
from tests.support.api import serve
from tests.support.catalog import gid
from tests.support.events import stored

COMPLETE = """mutation($input: CompleteLessonInput!) {
  completeLesson(input: $input) { errors { code } }
}"""


async def test_an_event_recorded_in_a_request_carries_its_request_id(
    database: Database, service_urls: tuple[str, str]
) -> None:
    course = await learning.free_course(database)
    student, _ = await learning.student_in(database, course)
    lesson = (await learning.lessons_of(database, course.id))[0]
    BUFFER.discard("test")

    async with serve(create_app(Settings(analytics_events_flush_seconds=60))) as http:
        state = http._transport.app.state  # type: ignore[attr-defined]
        token, _ = issue_access_token(state.keyring, state.settings, user=student, session_id=None)
        response = await http.post(
            "/graphql",
            json={
                "query": COMPLETE,
                "variables": {"input": {"lessonId": gid("Lesson", lesson.id)}},
            },
            headers={"Authorization": f"Bearer {token}", "X-Request-ID": "lesson-req-7"},
        )
        assert response.json()["data"]["completeLesson"]["errors"] == []
        assert await stored(database) == []  # answered; the flusher's timer has not fired

    events = await stored(database)  # written when the API stopped
    assert {e.event_type for e in events} == {"lesson.viewed", "lesson.completed"}
    assert {e.request_id for e in events} == {"lesson-req-7"}
    assert {e.user_id for e in events} == {student.id}
