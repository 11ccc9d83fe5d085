"""The executor reads plain leaf fields straight from their source (schema/core/executor.py):
for any values — present, null, of the wrong kind, raising — and any selection, the result is
the one graphql-core's own executor gives, errors (message, path) and null propagation included,
and plain leaves no longer build a resolve info each."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import Any

import pytest
import strawberry
from hypothesis import given, settings
from hypothesis import strategies as st
from strawberry import relay
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext

from schema.core.executor import PlainLeafExecutor


@strawberry.enum
class Level(enum.Enum):
    LOW = "low"
    HIGH = "high"


@strawberry.type
class Item:
    name: str
    note: str | None
    count: int
    ratio: float | None
    level: Level
    maybe_level: Level | None

    @strawberry.field
    def shout(self) -> str:
        return self.name.upper()

    @strawberry.field
    def child(self) -> Item | None:
        return CHILD


@strawberry.type
class Query:
    @strawberry.field
    def items(self) -> list[Item]:
        return ITEMS


CHILD: Any = None
ITEMS: list[Any] = []


class Exploding:
    """An attribute that raises: the field's error, located at its path."""

    def __get__(self, obj: Any, owner: Any) -> Any:
        raise ValueError("cannot read")


@dataclass
class Loose:
    """A source whose values may be anything (as a buggy model might hold)."""

    name: Any = "n"
    note: Any = None
    count: Any = 1
    ratio: Any = 0.5
    level: Any = Level.LOW
    maybe_level: Any = None


class Raising(Loose):
    note = Exploding()  # type: ignore[assignment]


VALUES = {
    "name": st.sampled_from(["a", "", "Zoë", None, 3]),
    "note": st.sampled_from([None, "x", 1.5, ValueError("held")]),
    "count": st.sampled_from([0, -7, 2**40, None, "12", 1.5, True]),
    "ratio": st.sampled_from([None, 0.25, 3, "nan", float("inf")]),
    "level": st.sampled_from([Level.LOW, Level.HIGH, "low", None, "other"]),
    "maybe_level": st.sampled_from([None, Level.HIGH, "HIGH"]),
}
FIELDS = ["name", "note", "count", "ratio", "level", "maybeLevel", "shout", "__typename"]

FAST = strawberry.Schema(query=Query, execution_context_class=PlainLeafExecutor)
PLAIN = strawberry.Schema(
    query=Query, execution_context_class=StrawberryGraphQLCoreExecutionContext
)


async def _both(query: str) -> tuple[Any, Any]:
    fast, plain = await FAST.execute(query), await PLAIN.execute(query)
    return (
        (fast.data, [(e.message, e.path) for e in fast.errors or []]),
        (plain.data, [(e.message, e.path) for e in plain.errors or []]),
    )


@settings(max_examples=150, deadline=None)
@given(
    sources=st.lists(st.fixed_dictionaries(VALUES), min_size=0, max_size=4),
    raising=st.booleans(),
    fields=st.lists(st.sampled_from(FIELDS), min_size=1, max_size=6),
    aliased=st.booleans(),
    child=st.booleans(),
)
async def test_plain_leaves_complete_exactly_as_graphql_core_completes_them(
    sources: list[dict[str, Any]],
    raising: bool,
    fields: list[str],
    aliased: bool,
    child: bool,
) -> None:
    global CHILD
    ITEMS[:] = [
        (Raising if raising and i == 0 else Loose)(**values) for i, values in enumerate(sources)
    ]
    CHILD = Loose() if child else None
    selection = " ".join(f"a{i}: {f}" if aliased else f for i, f in enumerate(fields))
    query = f"{{ items {{ {selection} child {{ name count }} }} }}"

    fast, plain = await _both(query)

    assert fast == plain


def resolve_infos_built(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The fields the executor builds a resolve info for, from now on."""
    built: list[str] = []
    original = PlainLeafExecutor.build_resolve_info

    def counting(self: Any, field_def: Any, field_nodes: Any, *args: Any) -> Any:
        built.append(field_nodes[0].name.value)
        return original(self, field_def, field_nodes, *args)

    monkeypatch.setattr(PlainLeafExecutor, "build_resolve_info", counting)
    return built


async def test_plain_leaves_build_no_resolve_info(monkeypatch: pytest.MonkeyPatch) -> None:
    built = resolve_infos_built(monkeypatch)
    ITEMS[:] = [Loose(), Loose(name="b")]

    result = await FAST.execute("{ items { name count level shout } }")

    assert result.errors is None
    assert result.data == {
        "items": [
            {"name": "n", "count": 1, "level": "LOW", "shout": "N"},
            {"name": "b", "count": 1, "level": "LOW", "shout": "B"},
        ]
    }
    assert sorted(built) == ["items", "shout", "shout"]  # resolvers only


# --- relay ids ---------------------------------------------------------------------------------


@strawberry.type
class Book(relay.Node):
    id: relay.NodeID[str]
    title: str


@strawberry.type(name="Magazine")
class Periodical(relay.Node):
    """A node whose GraphQL name is not its class name."""

    code: relay.NodeID[str]


@strawberry.type
class Scroll(relay.Node):
    """A node that resolves its own id: always strawberry's resolver."""

    id: relay.NodeID[str]

    @classmethod
    def resolve_id(cls, root: Scroll, *, info: strawberry.Info) -> str:
        return f"scroll-{root.id}"


class Odd(Book):
    """A subclass of a node that overrides `resolve_typename` (held as a Book)."""

    @classmethod
    def resolve_typename(cls, root: Any, info: strawberry.Info) -> str:
        return "Odd"


class Lazy(Book):
    """A Book whose id is awaitable."""

    @property  # type: ignore[override]
    def id(self) -> Any:
        async def later() -> str:
            return "later"

        return later()

    @id.setter
    def id(self, value: Any) -> None:
        pass


@strawberry.type
class Shelf:
    @strawberry.field
    def books(self) -> list[Book]:
        return BOOKS

    @strawberry.field
    def magazines(self) -> list[Periodical]:
        return [Periodical(code=c) for c in ("m1", "m/2", "")]

    @strawberry.field
    def scrolls(self) -> list[Scroll]:
        return [Scroll(id="s1")]


BOOKS: list[Any] = []
SHELF_FAST = strawberry.Schema(query=Shelf, execution_context_class=PlainLeafExecutor)
SHELF_PLAIN = strawberry.Schema(
    query=Shelf, execution_context_class=StrawberryGraphQLCoreExecutionContext
)
BOOK_IDS = st.sampled_from(["b1", "", "Zoë 🎓", "a:b", None, 7, 2.5])


@settings(max_examples=60, deadline=None)
@given(
    books=st.lists(
        st.tuples(st.sampled_from([Book, Book, Odd, Lazy]), BOOK_IDS), min_size=0, max_size=4
    )
)
async def test_relay_ids_are_written_as_strawberry_writes_them(
    books: list[tuple[type[Book], Any]],
) -> None:
    """The base64 of the type's name and the id, for plain nodes; strawberry's own resolver (its
    value or its error) for a node that resolves its id or type name itself, an id that is
    missing or awaitable, and a type whose GraphQL name is not its class name."""
    BOOKS[:] = [cls(id=book_id, title="t") for cls, book_id in books]
    query = "{ books { id title } magazines { id } scrolls { id } }"

    fast, plain = await SHELF_FAST.execute(query), await SHELF_PLAIN.execute(query)

    assert fast.data == plain.data
    assert [(e.message, e.path) for e in fast.errors or []] == [
        (e.message, e.path) for e in plain.errors or []
    ]


async def test_relay_ids_build_no_resolve_info(monkeypatch: pytest.MonkeyPatch) -> None:
    built = resolve_infos_built(monkeypatch)
    BOOKS[:] = [Book(id="b1", title="t"), Book(id="b2", title="u")]

    result = await SHELF_FAST.execute("{ books { id } magazines { id } scrolls { id } }")

    assert result.errors is None
    assert result.data is not None
    assert [b["id"] for b in result.data["books"]] == [
        relay.to_base64("Book", "b1"),
        relay.to_base64("Book", "b2"),
    ]
    assert result.data["magazines"][1]["id"] == relay.to_base64("Magazine", "m/2")
    assert result.data["scrolls"] == [{"id": relay.to_base64("Scroll", "scroll-s1")}]
    # the roots, and the id of the node that resolves its own
    assert sorted(built) == ["books", "id", "magazines", "scrolls"]
