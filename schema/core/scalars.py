"""Scalars that differ from strawberry's defaults.

- `DateTime`: date-times carry their time zone, and stay within the supported range once
  converted to UTC (years 1-9999): `9999-12-31T23:59:59-14:00` is a value the API cannot take.
- `JSON`: a value within the limits of `schema.core.values.check_json` on the way in; on the way
  out, whatever a row holds is made encodable (`readable_json`), so a read never fails.

A value a scalar refuses is a BAD_USER_INPUT error (`ScalarValueError`), as a variable and as a
literal alike.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import dateutil.parser
from strawberry.scalars import JSON
from strawberry.types.scalar import scalar

from schema.core.values import check_json, readable_json


class ScalarValueError(ValueError):
    """A value a scalar of ours refuses: BAD_USER_INPUT, whether a variable or a literal."""


def parse_aware_datetime(value: object) -> datetime:
    """An ISO 8601 date-time with an offset (`2026-12-02T09:30:00Z`, `…+01:00`); a time without
    a zone is ambiguous and refused."""
    if not isinstance(value, str):
        raise ScalarValueError("DateTime values are ISO 8601 strings")
    try:
        parsed: datetime = dateutil.parser.isoparse(value)
    except (ValueError, OverflowError) as exc:
        raise ScalarValueError(f"Not an ISO 8601 date-time: {exc}") from exc
    if parsed.tzinfo is None or parsed.utcoffset() is None:
        raise ScalarValueError("DateTime values need a time zone offset, e.g. 2026-12-02T09:30:00Z")
    try:
        parsed.astimezone(UTC)
    except OverflowError as exc:
        raise ScalarValueError("DateTime values lie between years 1 and 9999 in UTC") from exc
    return parsed


def parse_json(value: object) -> object:
    try:
        return check_json(value)
    except ValueError as exc:
        raise ScalarValueError(str(exc)) from exc


AwareDateTime: Any = scalar(
    name="DateTime",
    description="An ISO 8601 date-time with its time zone offset (2026-12-02T09:30:00Z).",
    serialize=datetime.isoformat,
    parse_value=parse_aware_datetime,
)
BoundedJSON: Any = scalar(
    name="JSON",
    description="A JSON value: at most 10 levels deep and 16 KiB encoded; numbers within the "
    "64-bit integer range.",
    serialize=readable_json,
    parse_value=parse_json,
)
SCALAR_OVERRIDES: dict[object, Any] = {datetime: AwareDateTime, JSON: BoundedJSON}
