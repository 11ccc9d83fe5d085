"""E-mail templates: every template renders its subject, text and HTML from its context."""

from __future__ import annotations

import html
from typing import Any

import jinja2
import pytest

from app.notifications.email import TEMPLATES, render_email

SAMPLE_CONTEXT: dict[str, Any] = {
    "first_name": "Ada",
    "link": "https://learn.example/verify?token=s3cret-one-time-token",
    "new_email": "ada.new@example.com",
    "course_title": "Python for Absolute Beginners",
    "certificate_number": "EWS-2025-ABC234",
    "order_number": "100042",
    "lines": [{"title": "Data Analysis with pandas", "amount": "$49.99"}],
    "discount": "$5.00",
    "tax": "$0.00",
    "total": "$44.99",
    "order_url": "https://learn.example/account/orders/42",
    "name": "Ada",
    "unsubscribe_url": "https://api.learn.example/newsletter/unsubscribe?s=1&sig=abc",
    "provider": "github",
    "title": "Your quiz was graded",
    "body": "You scored 90%.",
    "action_url": "https://learn.example/courses/1",
    "count": 3,
    "until": "14 June 2026",
    "items": [
        {
            "title": "New reply",
            "body": "I agree",
            "action_url": "https://learn.example/t",
            "count": 2,
        }
    ],
}
GREETING_KEYS = ("first_name", "name")  # whom the e-mail greets: a user, or a newsletter reader


def context_for(template: str) -> dict[str, Any]:
    return {key: SAMPLE_CONTEXT[key] for key in TEMPLATES[template]}


# --- templates --------------------------------------------------------------------------------


@pytest.mark.parametrize("template", sorted(TEMPLATES))
def test_every_template_renders_subject_text_and_html_with_its_context(template: str) -> None:
    rendered = render_email(template, context_for(template))
    assert rendered.subject
    assert "\n" not in rendered.subject
    assert "Ada" in rendered.text
    assert "Ada" in rendered.html
    assert "EasywaysSkills" in rendered.text
    assert "EasywaysSkills" in rendered.html
    for key in TEMPLATES[template] - set(GREETING_KEYS):
        for shown in _shown(SAMPLE_CONTEXT[key]):
            assert shown in rendered.text
            assert html.escape(shown, quote=False) in rendered.html


def _shown(value: Any) -> list[str]:
    """The texts a context value must put into the e-mail (every field of list entries)."""
    if isinstance(value, list):
        return [str(v) for entry in value for v in entry.values()]
    return [str(value)]


@pytest.mark.parametrize("template", sorted(TEMPLATES))
def test_a_missing_context_key_is_an_error_not_a_blank(template: str) -> None:
    context = context_for(template)
    context.pop(next(k for k in GREETING_KEYS if k in context))
    with pytest.raises(jinja2.UndefinedError):
        render_email(template, context)


def test_user_values_are_escaped_in_html_but_not_in_text() -> None:
    rendered = render_email("password_changed", {"first_name": "<script>x</script>"})
    assert "&lt;script&gt;" in rendered.html
    assert "<script>" not in rendered.html
    assert "Hi <script>x</script>," in rendered.text


def test_html_links_are_attribute_escaped() -> None:
    rendered = render_email("welcome", {"first_name": "Ada", "link": 'https://x.test/?a=1&b="2"'})
    assert 'href="https://x.test/?a=1&amp;b=&#34;2&#34;"' in rendered.html


def test_an_unknown_template_is_an_error() -> None:
    with pytest.raises(jinja2.TemplateNotFound):
        render_email("no_such_template", {"first_name": "Ada"})
