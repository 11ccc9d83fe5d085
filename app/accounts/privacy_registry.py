"""Which parts of the platform take part in a GDPR export and erasure: one line per part.

A part is a module with two functions (the `Part` protocol):
- `export_user_data(session, user_id)` → a dict of area name → JSON data; each area becomes
  `<area>.json` in the export's zip;
- `erase_user_data(session, subject)` deletes or anonymises what the part holds about the
  subject (app.privacy.ErasureSubject); it must be safe to run twice.
A new table holding personal data either joins its domain's `privacy` module or brings its own
module and one line in `PARTS`.
"""

from __future__ import annotations

import uuid
from typing import Any, Protocol

from sqlalchemy.ext.asyncio import AsyncSession

from app import privacy
from app.accounts import privacy as accounts
from app.admin import privacy as admin
from app.analytics import privacy as analytics
from app.assessments import privacy as assessments
from app.catalog import privacy as catalog
from app.cms import privacy as cms
from app.commerce import privacy as commerce
from app.communication import privacy as communication
from app.learning import privacy as learning
from app.media import privacy as media
from app.notifications import privacy as notifications
from app.webhooks import privacy as webhooks


class Part(Protocol):
    async def export_user_data(
        self, session: AsyncSession, user_id: uuid.UUID
    ) -> dict[str, Any]: ...

    async def erase_user_data(
        self, session: AsyncSession, subject: privacy.ErasureSubject
    ) -> None: ...


# Erased in this order, in one transaction; accounts last (it anonymises the user row the
# others' scrubbing reads nothing from, and keeps the anonymisation the final word).
PARTS: list[Part] = [
    catalog,
    learning,
    assessments,
    communication,
    cms,
    commerce,
    notifications,
    media,
    analytics,
    admin,
    webhooks,
    accounts,
]


def name_of(part: Part) -> str:
    return getattr(part, "__name__", type(part).__name__)


EXPORTERS: dict[str, privacy.Exporter] = {name_of(p): p.export_user_data for p in PARTS}
ERASERS: dict[str, privacy.Eraser] = {name_of(p): p.erase_user_data for p in PARTS}
