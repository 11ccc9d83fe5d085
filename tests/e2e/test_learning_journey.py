"""SPEC §4 for a free course, against a real `easyways serve` process on the embedded servers:
signup → verify e-mail → browse → enroll → complete lessons → pass the quiz → the worker issues
the certificate → verifyCertificate → the certificate e-mail is in the outbox → the PDF downloads.
"""

from __future__ import annotations

import email
import re
import time
from email.message import EmailMessage
from email.policy import default as default_policy
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlparse

import httpx
import pytest

from app.assessments.quiz_seed import DEMO_COURSE_SLUG, QUESTIONS
from app.assessments.quiz_shapes import FillBlank, MultipleChoice, TrueFalse
from tests.support.server import (
    CERTIFICATE_TIMEOUT_SECONDS,
    Client,
    Server,
    wait_for_eml,
    wait_for_eml_with_subject,
)

pytestmark = pytest.mark.slow

STUDENT = {"firstName": "Lin", "lastName": "Learner", "email": "lin@example.org"}
PASSWORD = "Journey!Learner-2026"


def _plain_text(eml: str) -> str:
    message = email.message_from_string(eml, policy=default_policy)
    assert isinstance(message, EmailMessage)
    body = message.get_body(preferencelist=("plain",))
    assert body is not None
    return str(body.get_content())


def _token_from(eml: str, path: str) -> str:
    text = _plain_text(eml)
    link = re.search(rf"https?://\S+{path}\?token=\S+", text)
    assert link, text
    return parse_qs(urlparse(link.group(0)).query)["token"][0]


def _answer_for(question: dict[str, Any]) -> dict[str, Any]:
    """The right answer to a demo question, as a `QuizAnswerInput`."""
    for text, config, _explanation in QUESTIONS:
        if text != question["text"]:
            continue
        if isinstance(config, MultipleChoice):
            return {"choice": list(config.correct)}
        if isinstance(config, TrueFalse):
            return {"boolean": config.correct}
        if isinstance(config, FillBlank):  # the key lists accepted texts per blank: one each
            return {"blanks": [blank.accepted[0] for blank in config.blanks]}
    raise AssertionError(f"unknown demo question {question['text']!r}")


def _wait_for_certificate(student: Client) -> dict[str, Any]:
    query = "{ myCertificates { edges { node { number verificationCode downloadUrl } } } }"
    deadline = time.monotonic() + CERTIFICATE_TIMEOUT_SECONDS
    while time.monotonic() < deadline:
        edges = student.run(query)["myCertificates"]["edges"]
        if edges:
            return dict(edges[0]["node"])
        time.sleep(0.5)
    raise AssertionError(f"no certificate after {CERTIFICATE_TIMEOUT_SECONDS} s")


def test_a_student_earns_and_verifies_a_certificate_for_a_free_course(
    server: Server,
    data_dir: Path,
) -> None:
    student = Client(server)
    outbox = data_dir / "outbox"

    registered = student.mutate("register", {**STUDENT, "password": PASSWORD}, "ok")
    assert registered["ok"] is True  # no tokens: signing in needs the verified address
    verify_eml = wait_for_eml(outbox, STUDENT["email"])
    student.mutate(
        "verifyEmail", {"token": _token_from(verify_eml, "/verify-email")}, "user { id }"
    )
    login = student.mutate(
        "login", {"email": STUDENT["email"], "password": PASSWORD}, "accessToken"
    )
    student.token = login["accessToken"]

    course = student.run(
        """query($slug: String!) { course(slug: $slug) {
             id title isFree price { amount currency formatted }
             modules { lessons { id type title } } } }""",
        slug=DEMO_COURSE_SLUG,
    )["course"]
    assert course["isFree"] is True
    assert course["price"] == {"amount": "0.00", "currency": "USD", "formatted": "$0.00"}
    enrolled = student.mutate("enrollInCourse", {"courseId": course["id"]}, "enrollment { id }")

    lessons = [lesson for module in course["modules"] for lesson in module["lessons"]]
    quiz_lessons = [lesson for lesson in lessons if lesson["type"] == "QUIZ"]
    assert len(quiz_lessons) == 1
    for lesson in lessons:
        if lesson["type"] != "QUIZ":
            done = student.mutate(
                "completeLesson", {"lessonId": lesson["id"]}, "lessonProgress { status }"
            )
            assert done["lessonProgress"] == {"status": "COMPLETED"}
    standing = student.run(
        """query($slug: String!) { course(slug: $slug) {
             viewerEnrollment { id status nextLesson { id } } } }""",
        slug=DEMO_COURSE_SLUG,
    )["course"]["viewerEnrollment"]
    assert standing == {
        "id": enrolled["enrollment"]["id"],
        "status": "ACTIVE",
        "nextLesson": {"id": quiz_lessons[0]["id"]},
    }

    quiz = student.run(
        "query($id: ID!) { lessonQuiz(lessonId: $id) { id } }", id=quiz_lessons[0]["id"]
    )["lessonQuiz"]
    started = student.mutate(
        "startQuizAttempt",
        {"quizId": quiz["id"]},
        "attempt { id questions { questionId text } }",
    )["attempt"]
    for question in started["questions"]:
        student.mutate(
            "saveQuizAnswer",
            {
                "attemptId": started["id"],
                "questionId": question["questionId"],
                "answer": _answer_for(question),
            },
            "attempt { id }",
        )
    submitted = student.mutate(
        "submitQuizAttempt", {"attemptId": started["id"]}, "attempt { passed scorePercentage }"
    )["attempt"]
    assert submitted == {"passed": True, "scorePercentage": 100.0}

    certificate = _wait_for_certificate(student)  # outbox → relay → Redis → worker → actor
    assert re.fullmatch(r"EWS-\d{4}-[A-Z0-9]{6}", certificate["number"])
    anonymous = Client(server)
    verified = anonymous.run(
        """query($code: String!) { verifyCertificate(code: $code) {
             valid certificate { number studentName courseTitle } } }""",
        code=certificate["verificationCode"],
    )["verifyCertificate"]
    assert verified == {
        "valid": True,
        "certificate": {
            "number": certificate["number"],
            "studentName": "Lin Learner",
            "courseTitle": course["title"],
        },
    }

    eml = wait_for_eml_with_subject(outbox, STUDENT["email"], "Your certificate")
    assert certificate["number"] in _plain_text(eml)
    pdf = httpx.get(certificate["downloadUrl"], timeout=30)
    assert pdf.status_code == 200
    assert pdf.content.startswith(b"%PDF")
