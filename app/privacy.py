"""What every domain needs to take part in GDPR exports and erasure (app.accounts.data_export,
app.accounts.erasure): the person being erased, and helpers that scrub their e-mail address and
names out of free text and JSON columns the domain cannot tie to them by a user id."""

from __future__ import annotations

import json
import uuid
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from enum import Enum
from typing import Any

from sqlalchemy import ColumnElement, String, cast, func, update
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import InstrumentedAttribute

DELETED_USER = "Deleted user"
ERASED_DOMAIN = "erased.invalid"  # RFC 2606: never routable


@dataclass(frozen=True)
class ErasureSubject:
    """The account being erased, with the identifying strings as they were before erasure."""

    user_id: uuid.UUID
    email: str
    first_name: str
    last_name: str
    keep_certificates_verifiable: bool
    # objects in storage to delete once the erasure has committed (avatars, PDFs, uploads)
    storage_keys: list[str] = field(default_factory=list)

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()

    def needles(self) -> list[str]:
        """What is replaced in text other people hold: the e-mail address and the full name
        (a first name alone would also hit unrelated words: "Ann" in "Announcement")."""
        return [s for s in (self.email, self.full_name) if len(s) >= 3]


def placeholder_email(user_id: uuid.UUID) -> str:
    return f"erased-{user_id.hex}@{ERASED_DOMAIN}"


Exporter = Callable[[AsyncSession, uuid.UUID], Awaitable[Any]]
Eraser = Callable[[AsyncSession, ErasureSubject], Awaitable[None]]


def plain(value: Any) -> Any:
    """A row value as JSON: ids and dates as strings, enums as their values."""
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [plain(v) for v in value]
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, uuid.UUID | datetime | date | Decimal):
        return str(value) if not isinstance(value, datetime | date) else value.isoformat()
    if isinstance(value, bytes):
        return None
    return value


def plain_rows(rows: Sequence[Any]) -> list[dict[str, Any]]:
    return [plain(dict(row._mapping)) for row in rows]


def _and(where: ColumnElement[bool] | None) -> list[ColumnElement[bool]]:
    return [] if where is None else [where]


async def scrub_text(
    session: AsyncSession,
    column: InstrumentedAttribute[Any],
    subject: ErasureSubject,
    *,
    replacement: str = DELETED_USER,
    where: ColumnElement[bool] | None = None,
) -> None:
    """Replace the subject's e-mail address and full name wherever they occur in a text column
    (of the rows `where` selects, else of every row)."""
    for needle in subject.needles():
        await session.execute(
            update(column.class_)
            .where(column.contains(needle, autoescape=True), *_and(where))
            .values({column: func.replace(column, needle, replacement)})
            .execution_options(synchronize_session=False)
        )


async def scrub_json(
    session: AsyncSession,
    column: InstrumentedAttribute[Any],
    subject: ErasureSubject,
    *,
    replacement: str = DELETED_USER,
    where: ColumnElement[bool] | None = None,
) -> None:
    """`scrub_text` for a JSONB column (matched and replaced in its JSON text)."""
    as_text = cast(column, String)
    for needle in subject.needles():
        encoded = json.dumps(needle, ensure_ascii=False)[1:-1]
        await session.execute(
            update(column.class_)
            .where(as_text.contains(encoded, autoescape=True), *_and(where))
            .values(
                {
                    column: cast(
                        func.replace(
                            as_text, encoded, json.dumps(replacement, ensure_ascii=False)[1:-1]
                        ),
                        JSONB,
                    )
                }
            )
            .execution_options(synchronize_session=False)
        )
