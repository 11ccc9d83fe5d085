"""Keyset (cursor) pagination over any SQLAlchemy `select`, for repositories.

A cursor is the base64url of the row's sort-key values (never an offset), so pages stay stable
while rows are inserted or deleted. The order is the given sort keys plus the primary key as a
tie-breaker; each key may ascend or descend. Sort keys must be NOT NULL (coalesce nullable ones).

    page = await paginate(
        session,
        select(User).where(User.deleted_at.is_(None)),
        order_by=[SortKey(User.created_at, descending=True)],
        tiebreaker=User.id,
        request=PageRequest.create(first=20, after=cursor),
        with_total=True,
    )
"""

from __future__ import annotations

import base64
import binascii
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any, Generic, TypeVar

import orjson
from sqlalchemy import (
    ColumnElement,
    Integer,
    Select,
    and_,
    bindparam,
    func,
    literal,
    or_,
    select,
    tuple_,
)
from sqlalchemy.ext.asyncio import AsyncSession

from app.errors import DomainError, Failure

DEFAULT_PAGE_SIZE = 20
MAX_PAGE_SIZE = 100

T = TypeVar("T")


class InvalidPageRequest(DomainError):
    """Bad `first`/`last`/`after`/`before`; becomes a BAD_USER_INPUT GraphQL error."""

    code = Failure.BAD_USER_INPUT

    def __init__(self, argument: str, message: str) -> None:
        super().__init__(message)
        self.argument = argument


@dataclass(frozen=True)
class PageRequest:
    """Validated connection arguments: a page size and the direction to read in."""

    size: int
    backwards: bool
    after: tuple[Any, ...] | None
    before: tuple[Any, ...] | None

    @classmethod
    def create(
        cls,
        *,
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
    ) -> PageRequest:
        if first is not None and last is not None:
            raise InvalidPageRequest("first", "Pass either `first` or `last`, not both")
        for name, value in (("first", first), ("last", last)):
            if value is not None and not 1 <= value <= MAX_PAGE_SIZE:
                raise InvalidPageRequest(name, f"`{name}` must be between 1 and {MAX_PAGE_SIZE}")
        backwards = last is not None
        size = last if last is not None else first if first is not None else DEFAULT_PAGE_SIZE
        return cls(
            size=size,
            backwards=backwards,
            after=decode_cursor(after, "after") if after else None,
            before=decode_cursor(before, "before") if before else None,
        )


@dataclass(frozen=True)
class SortKey:
    column: ColumnElement[Any]
    descending: bool = False


@dataclass
class Page(Generic[T]):
    items: list[T]
    cursors: list[str]
    has_next: bool
    has_previous: bool
    total_count: int | None = None


# --- cursors ----------------------------------------------------------------------------------


def _to_json(value: Any) -> Any:
    if isinstance(value, datetime):
        return {"t": "dt", "v": value.isoformat()}
    if isinstance(value, date):
        return {"t": "d", "v": value.isoformat()}
    if isinstance(value, uuid.UUID):
        return {"t": "u", "v": str(value)}
    if isinstance(value, Decimal):
        return {"t": "n", "v": str(value)}
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    return str(value)


def _from_json(value: Any) -> Any:
    if not isinstance(value, dict):
        return value
    kind, raw = value.get("t"), value.get("v")
    if not isinstance(raw, str):
        raise ValueError("bad cursor value")
    if kind == "dt":
        return datetime.fromisoformat(raw)
    if kind == "d":
        return date.fromisoformat(raw)
    if kind == "u":
        return uuid.UUID(raw)
    if kind == "n":
        return Decimal(raw)
    raise ValueError("bad cursor value")


def encode_cursor(values: Sequence[Any]) -> str:
    raw = orjson.dumps([_to_json(v) for v in values])
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def decode_cursor(cursor: str, argument: str = "after") -> tuple[Any, ...]:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        values = orjson.loads(raw)
        if not isinstance(values, list) or not values:
            raise ValueError("cursor is not a list")
        return tuple(_from_json(v) for v in values)
    except (ValueError, TypeError, binascii.Error) as exc:
        raise InvalidPageRequest(argument, f"`{argument}` is not a valid cursor") from exc


# --- the query --------------------------------------------------------------------------------


def _beyond(keys: Sequence[SortKey], values: Sequence[Any], *, forward: bool) -> Any:
    """Rows strictly after (`forward`) or before the position `values` (SQL values: literals or
    bound parameters) in the key order."""

    def past(key: SortKey, value: Any) -> Any:
        ascending_step = forward != key.descending
        return key.column > value if ascending_step else key.column < value

    if len({k.descending for k in keys}) == 1:
        columns = tuple_(*(k.column for k in keys))
        return past(SortKey(columns, keys[0].descending), tuple_(*values))
    clauses = []
    for index, key in enumerate(keys):
        equal_prefix = [k.column == v for k, v in zip(keys[:index], values[:index], strict=True)]
        clauses.append(and_(*equal_prefix, past(key, values[index])))
    return or_(*clauses)


def key_ordering(keys: Sequence[SortKey], *, reverse: bool) -> list[Any]:
    """ORDER BY the keys (each in its direction, or the other way round when `reverse`)."""
    return [k.column.desc() if k.descending != reverse else k.column.asc() for k in keys]


def keyset_keys(
    order_by: Sequence[SortKey | ColumnElement[Any]], tiebreaker: ColumnElement[Any]
) -> list[SortKey]:
    """The sort keys of a keyset page: `order_by` and the tie-breaker, in its first key's
    direction."""
    keys = [k if isinstance(k, SortKey) else SortKey(k) for k in order_by]
    keys.append(SortKey(tiebreaker, keys[0].descending if keys else False))
    return keys


def check_cursors(keys: Sequence[SortKey], request: PageRequest) -> None:
    """A cursor of another order (another number of keys) is not valid here."""
    for cursor, name in ((request.after, "after"), (request.before, "before")):
        if cursor is not None and len(cursor) != len(keys):
            raise InvalidPageRequest(name, f"`{name}` is not a valid cursor")


def keyset_select(
    stmt: Select[Any],
    keys: Sequence[SortKey],
    *,
    after: Sequence[Any] | None,
    before: Sequence[Any] | None,
    backwards: bool,
    limit: Any,
) -> Select[Any]:
    """`stmt` with the key values as its last columns, past the `after`/`before` positions (SQL
    values), in key order (reversed when reading `backwards`), `limit` rows: one more than the
    page, to know whether there is more."""
    paged = stmt.add_columns(*(k.column for k in keys))
    if after is not None:
        paged = paged.where(_beyond(keys, after, forward=True))
    if before is not None:
        paged = paged.where(_beyond(keys, before, forward=False))
    return paged.order_by(*key_ordering(keys, reverse=backwards)).limit(limit)


def bound_keyset_select(
    stmt: Select[Any], keys: Sequence[SortKey], *, after: bool, before: bool, backwards: bool
) -> Select[Any]:
    """`keyset_select` with the positions and the limit as bound parameters (`after_0`, …,
    `before_0`, …, `limit`: `keyset_parameters`), for a statement compiled once per use of the
    cursors (`app.db.DriverStatement`)."""

    def position(name: str) -> list[Any]:
        return [bindparam(f"{name}_{i}", type_=key.column.type) for i, key in enumerate(keys)]

    return keyset_select(
        stmt,
        keys,
        after=position("after") if after else None,
        before=position("before") if before else None,
        backwards=backwards,
        limit=bindparam("limit", type_=Integer()),
    )


def keyset_parameters(keys: Sequence[SortKey], request: PageRequest) -> dict[str, Any]:
    """The parameters of a `bound_keyset_select` for `request` (its cursors checked first)."""
    check_cursors(keys, request)
    parameters: dict[str, Any] = {"limit": request.size + 1}
    for name, position in (("after", request.after), ("before", request.before)):
        if position is not None:
            parameters.update((f"{name}_{i}", value) for i, value in enumerate(position))
    return parameters


def page_of(
    rows: Sequence[Sequence[Any]], width: int, request: PageRequest, total: int | None = None
) -> Page[Any]:
    """The page from the rows of a `keyset_select` (`width` leading columns, then the keys):
    items (the one column, or tuples when `width` > 1) and cursors in reading order."""
    more = len(rows) > request.size
    rows = list(rows[: request.size])
    if request.backwards:
        rows.reverse()
    items = [row[0] if width == 1 else tuple(row[:width]) for row in rows]
    cursors = [encode_cursor(tuple(row[width:])) for row in rows]
    if request.backwards:
        return Page(items, cursors, request.before is not None, more, total)
    return Page(items, cursors, more, request.after is not None, total)


async def paginate(
    session: AsyncSession,
    stmt: Select[Any],
    *,
    order_by: Sequence[SortKey | ColumnElement[Any]],
    tiebreaker: ColumnElement[Any],
    request: PageRequest,
    with_total: bool = False,
) -> Page[Any]:
    """Run one page of `stmt` in keyset order; `with_total` adds one COUNT statement.

    Items are the statement's single selected entity/column, or Row tuples when it selects more.
    hasPreviousPage (reading forwards) / hasNextPage (reading backwards) are true whenever a
    cursor was given, as the Relay specification allows, to avoid an extra query.
    """
    keys = keyset_keys(order_by, tiebreaker)
    check_cursors(keys, request)

    def bound(values: tuple[Any, ...] | None) -> list[Any] | None:
        if values is None:
            return None
        return [literal(v, k.column.type) for k, v in zip(keys, values, strict=True)]

    paged = keyset_select(
        stmt,
        keys,
        after=bound(request.after),
        before=bound(request.before),
        backwards=request.backwards,
        limit=request.size + 1,
    )
    rows = (await session.execute(paged)).all()
    total = await count_rows(session, stmt) if with_total else None
    return page_of(rows, len(stmt.column_descriptions), request, total)


async def count_rows(session: AsyncSession, stmt: Select[Any]) -> int:
    counted = select(func.count()).select_from(stmt.order_by(None).subquery())
    return int(await session.scalar(counted) or 0)
