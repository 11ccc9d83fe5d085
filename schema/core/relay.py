"""Relay: `node(id:)` / `nodes(ids:)` and the generic cursor connection every growing list uses.

A domain type joins the Node machinery by implementing `relay.Node`:

    @strawberry.type
    class User(relay.Node):
        id: relay.NodeID[str]
        ...

        @classmethod
        async def resolve_nodes(cls, *, info: Info, node_ids: Iterable[str], required=False):
            return await info.context.loaders.accounts.user_by_id.load_many([...])  # None if hidden

A list field takes `first/after/last/before`, asks the repository for a `Page` (app.pagination) and
returns `Connection.from_page(page, convert)`; pass `with_total=selects_total_count(info)` so the
COUNT runs only when `totalCount` is asked for.
"""

from __future__ import annotations

import inspect
import uuid
from collections import defaultdict
from collections.abc import Awaitable, Callable, Iterable, Sequence
from typing import Any, Generic, Self, TypeVar

import strawberry
from strawberry import relay
from strawberry.types.base import StrawberryObjectDefinition
from strawberry.types.cast import cast as strawberry_cast
from strawberry.types.nodes import FragmentSpread, InlineFragment, SelectedField

from app.errors import DomainError, Failure, NotFound
from app.pagination import MAX_PAGE_SIZE, Page
from schema.core.context import Info

T = TypeVar("T")
MAX_NODES = MAX_PAGE_SIZE
# The id an undecodable or mistyped id becomes: it matches nothing, so it fails like an unknown one.
NOWHERE = uuid.UUID(int=0)


class BadUserInput(DomainError):
    code = Failure.BAD_USER_INPUT


@strawberry.type(description="An item of a list and the cursor that points at it.")
class Edge(Generic[T]):
    # strawberry's relay.Edge is bound to its own type variable and cannot be nested in a generic
    cursor: str
    node: T


@strawberry.type(description="A page of a list with the cursors to move forwards and backwards.")
class Connection(Generic[T]):
    edges: list[Edge[T]]
    page_info: relay.PageInfo
    known_total: strawberry.Private[int | None] = None
    count: strawberry.Private[Callable[[], Awaitable[int]] | None] = None

    @strawberry.field(description="Number of items in the whole list, across all pages.")
    async def total_count(self) -> int:
        if self.known_total is not None:
            return self.known_total
        if self.count is not None:
            return await self.count()
        raise RuntimeError("this connection was built without its total count")

    @classmethod
    def from_page(
        cls,
        page: Page[Any],
        convert: Callable[[Any], T] | None = None,
        *,
        count: Callable[[], Awaitable[int]] | None = None,
    ) -> Connection[T]:
        nodes = [convert(item) if convert else item for item in page.items]
        return cls(
            edges=[Edge(cursor=c, node=n) for c, n in zip(page.cursors, nodes, strict=True)],
            page_info=relay.PageInfo(
                has_next_page=page.has_next,
                has_previous_page=page.has_previous,
                start_cursor=page.cursors[0] if page.cursors else None,
                end_cursor=page.cursors[-1] if page.cursors else None,
            ),
            known_total=page.total_count,
            count=count,
        )


def _selects(selections: Iterable[Any], name: str) -> bool:
    for selection in selections:
        if isinstance(selection, SelectedField) and selection.name == name:
            return True
        if isinstance(selection, (FragmentSpread, InlineFragment)) and _selects(
            selection.selections, name
        ):
            return True
    return False


def selects(info: Info, name: str) -> bool:
    """Whether the current field's selection asks for its field `name` (through fragments too)."""
    return any(_selects(field.selections, name) for field in info.selected_fields)


def selects_total_count(info: Info) -> bool:
    """Whether the current connection field asks for `totalCount`."""
    return selects(info, "totalCount")


# --- id decoding ----------------------------------------------------------------------------------


def raw_uuid(value: str) -> uuid.UUID | None:
    """`value` as a plain UUID, else None."""
    try:
        return uuid.UUID(value)
    except ValueError:
        return None


def node_uuid(value: str, type_name: str) -> uuid.UUID:
    """The UUID inside a global id of `type_name`; NOWHERE for anything else."""
    try:
        gid = relay.GlobalID.from_id(value)
        return uuid.UUID(gid.node_id) if gid.type_name == type_name else NOWHERE
    except Exception:  # undecodable: fails like an unknown id
        return NOWHERE


# --- node / nodes -------------------------------------------------------------------------------


def parse_global_id(value: str) -> relay.GlobalID:
    try:
        return relay.GlobalID.from_id(value)
    except relay.GlobalIDValueError as exc:
        raise BadUserInput(f"`{value[:64]}` is not a valid ID") from exc


def _node_type(info: Info, type_name: str) -> type[relay.Node] | None:
    definition = info.schema.get_type_by_name(type_name)
    if not isinstance(definition, StrawberryObjectDefinition) or definition.is_interface:
        return None  # an interface (`Node` itself) names no object
    origin = definition.origin
    return origin if isinstance(origin, type) and issubclass(origin, relay.Node) else None


async def resolve_global_ids(info: Info, ids: list[relay.GlobalID]) -> list[Any]:
    """Objects for `ids` in order; None where the type is unknown, or it is missing or hidden."""
    by_type: defaultdict[type[relay.Node], list[int]] = defaultdict(list)
    for index, gid in enumerate(ids):
        node_type = _node_type(info, gid.type_name)
        if node_type is not None:
            by_type[node_type].append(index)
    found: list[Any] = [None] * len(ids)
    for node_type, indexes in by_type.items():
        result: Any = node_type.resolve_nodes(
            info=info, node_ids=[ids[i].node_id for i in indexes], required=False
        )
        if inspect.isawaitable(result):
            result = await result
        for index, obj in zip(indexes, list(result), strict=True):
            found[index] = None if obj is None else strawberry_cast(node_type, obj)
    return found


def found(value: T | None, what: str) -> T:
    """`value`, or NOT_FOUND: a single-object root field is null at its own path with a
    NOT_FOUND error there when the object is missing or hidden (docs/api.md)."""
    if value is None:
        raise NotFound(what)
    return value


async def _entry(value: relay.Node | None) -> relay.Node:
    return found(value, "Node")


class ModelNode(relay.Node):
    """A relay node over a model row, read through a loader. A domain type says how to load
    rows (`load`), which of them the viewer may see (`visible`) and how to wrap one
    (`from_model`); `resolve_nodes` (node/nodes) and `lookup` (its root field) follow."""

    @classmethod
    async def load(cls, info: Info, ids: list[uuid.UUID]) -> Sequence[Any]:
        raise NotImplementedError

    @classmethod
    async def visible(cls, info: Info, rows: Sequence[Any]) -> Sequence[Any]:
        return rows

    @classmethod
    def from_model(cls, row: Any) -> Self:
        raise NotImplementedError

    @classmethod
    async def resolve_nodes(  # type: ignore[override]
        cls, *, info: Info, node_ids: Iterable[str], required: bool = False
    ) -> list[Self | None]:
        rows = await cls.load(info, [raw_uuid(i) or NOWHERE for i in node_ids])
        shown = await cls.visible(info, rows)
        return [None if row is None else cls.from_model(row) for row in shown]

    @classmethod
    async def lookup(cls, info: Info, id: str) -> Self:
        """The node with this global id (of this type), else NOT_FOUND."""
        type_name = cls.__strawberry_definition__.name  # type: ignore[attr-defined]
        key = node_uuid(id, type_name)
        return found((await cls.resolve_nodes(info=info, node_ids=[str(key)]))[0], type_name)


@strawberry.type
class NodeQuery:
    @strawberry.field(
        description="The object with this global ID; null (with a NOT_FOUND error) if it does "
        "not exist or you may not see it."
    )
    async def node(self, info: Info, id: strawberry.ID) -> relay.Node | None:
        return await _entry((await resolve_global_ids(info, [parse_global_id(id)]))[0])

    @strawberry.field(
        description=f"The objects with these global IDs (at most {MAX_NODES}), in order; null "
        "(with a NOT_FOUND error at its index) for each that does not exist or you may not see."
    )
    async def nodes(self, info: Info, ids: list[strawberry.ID]) -> list[relay.Node | None]:
        if len(ids) > MAX_NODES:
            raise BadUserInput(f"Ask for at most {MAX_NODES} ids at once")
        objects = await resolve_global_ids(info, [parse_global_id(i) for i in ids])
        return [_entry(o) for o in objects]  # type: ignore[misc]
