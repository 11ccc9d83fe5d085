"""E-mail templates: `<name>.subject.txt`, `<name>.txt` and `<name>.html` under templates/email/.

Each body extends `base.txt` / `base.html` (brand, footer). HTML is autoescaped, text is not;
StrictUndefined turns a missing or misspelt context key into an error instead of a blank.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape

BRAND = "EasywaysSkills"

NOTIFICATION_CONTEXT = frozenset({"first_name", "title", "body", "action_url", "count"})

# Templates the services queue today, with the context keys each one needs.
TEMPLATES: dict[str, frozenset[str]] = {
    "verify_email": frozenset({"first_name", "link"}),
    "reset_password": frozenset({"first_name", "link"}),
    "confirm_email_change": frozenset({"first_name", "link", "new_email"}),
    "email_changed_notice": frozenset({"first_name", "new_email"}),
    "email_in_use": frozenset({"first_name", "link"}),
    "password_changed": frozenset({"first_name"}),
    "welcome": frozenset({"first_name", "link"}),
    "certificate_issued": frozenset({"first_name", "course_title", "certificate_number", "link"}),
    "order_receipt": frozenset(
        {"first_name", "order_number", "lines", "discount", "tax", "total", "order_url"}
    ),
    "purchase_refunded": frozenset({"first_name", "order_number", "lines", "total", "order_url"}),
    "newsletter_confirm": frozenset({"name", "link", "unsubscribe_url"}),
    "data_export_ready": frozenset({"first_name", "link", "until"}),
    "confirm_account_deletion": frozenset({"first_name", "link", "until"}),
    "link_identity": frozenset({"first_name", "provider", "link"}),
    # notify(): the common context of a notification e-mail (app.notifications.delivery)
    **{
        name: NOTIFICATION_CONTEXT
        for name in (
            "enrollment_confirmed",
            "grade_posted",
            "payment_failed",
            "refund_processed",
            "new_message",
            "discussion_reply",
            "solution_accepted",
            "announcement",
            "video_ready",
            "notification",
        )
    },
    "digest": frozenset({"first_name", "items", "count"}),
}


@dataclass(frozen=True)
class RenderedEmail:
    subject: str
    text: str
    html: str


@lru_cache(maxsize=1)
def environment() -> Environment:
    env = Environment(
        loader=PackageLoader("app.notifications", "templates/email"),
        autoescape=select_autoescape(enabled_extensions=("html",), default_for_string=False),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        auto_reload=False,
    )
    env.globals["brand"] = BRAND
    return env


def render_email(template: str, context: dict[str, Any]) -> RenderedEmail:
    """Render the subject (one line), text and HTML bodies of `template` with `context`.

    Raises jinja2.TemplateNotFound for an unknown template and jinja2.UndefinedError for a
    missing context key.
    """
    env = environment()
    values = {"year": datetime.now(UTC).year, **context}
    subject = env.get_template(f"{template}.subject.txt").render(values)
    return RenderedEmail(
        subject=" ".join(subject.split()),
        text=env.get_template(f"{template}.txt").render(values).strip() + "\n",
        html=env.get_template(f"{template}.html").render(values),
    )
