"""Scalars that differ from strawberry's defaults: date-times must carry their time zone."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import dateutil.parser
from strawberry.types.scalar import scalar


def parse_aware_datetime(value: object) -> datetime:
    """An ISO 8601 date-time with an offset (`2026-12-02T09:30:00Z`, `…+01:00`); a time without
    a zone is ambiguous and refused."""
    if not isinstance(value, str):
        raise ValueError("DateTime values are ISO 8601 strings")
    parsed: datetime = dateutil.parser.isoparse(value)
    if parsed.tzinfo is None or parsed.utcoffset() is None:
        raise ValueError("DateTime values need a time zone offset, e.g. 2026-12-02T09:30:00Z")
    return parsed


AwareDateTime: Any = scalar(
    name="DateTime",
    description="An ISO 8601 date-time with its time zone offset (2026-12-02T09:30:00Z).",
    serialize=datetime.isoformat,
    parse_value=parse_aware_datetime,
)
SCALAR_OVERRIDES: dict[object, Any] = {datetime: AwareDateTime}
