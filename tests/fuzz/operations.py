"""Operations built from the schema's introspection: root fields, selection sets, the relay ids a
server holds, baseline arguments, and the boundary values of every argument and input field."""

from __future__ import annotations

import base64
import binascii
import copy
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import graphql
from graphql import (
    GraphQLField,
    GraphQLInputObjectType,
    GraphQLInputType,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLOutputType,
    GraphQLScalarType,
    GraphQLSchema,
)

# The introspection a client would run, with `isOneOf` (so `@oneOf` inputs are known as such).
INTROSPECTION_QUERY = graphql.get_introspection_query(
    descriptions=False, input_value_deprecation=True, one_of=True
)

# Mutations that take away what later operations work on run after every other root field.
DESTRUCTIVE_PREFIXES = ("delete", "remove", "archive", "deactivate", "revoke", "withdraw", "reject",
                        "cancel", "refund", "logout")  # fmt: skip

NIL_UUID = "00000000-0000-0000-0000-000000000000"


@dataclass(frozen=True)
class RootField:
    kind: str  # "Query" or "Mutation"
    name: str
    field: GraphQLField

    @property
    def label(self) -> str:
        return f"{self.kind}.{self.name}"

    @property
    def keyword(self) -> str:
        return self.kind.lower()


def client_schema(introspection: dict[str, Any]) -> GraphQLSchema:
    return graphql.build_client_schema(introspection)  # type: ignore[arg-type]


def root_fields(schema: GraphQLSchema) -> list[RootField]:
    """Every query field, then every mutation in schema order (a run is the same sequence every
    time), the destructive mutations last and in reverse (the schema creates parents before
    children: children are deleted before their parents)."""
    found = []
    for kind, root in (("Query", schema.query_type), ("Mutation", schema.mutation_type)):
        if root is not None:
            found += [RootField(kind, name, f) for name, f in root.fields.items()]
    destructive = [
        r for r in found if r.kind == "Mutation" and r.name.startswith(DESTRUCTIVE_PREFIXES)
    ]
    return [r for r in found if r not in destructive] + destructive[::-1]


# --- selection sets ---------------------------------------------------------------------------


def _required_args(f: GraphQLField) -> bool:
    return any(graphql.is_required_argument(arg) for arg in f.args.values())


def selection(
    schema: GraphQLSchema, type_: GraphQLOutputType, depth: int, *, ids: bool = False
) -> str:
    """The fields to select under `type_`: every leaf field without required arguments (only `id`
    with `ids`), and object fields `depth` levels down; `""` for a leaf type or nothing to select.
    An interface or a union: its own fields, then each possible type's in a fragment, leaving out
    a field that another fragment selects with another type (the two could not merge)."""
    named = graphql.get_named_type(type_)
    if graphql.is_leaf_type(named):
        return ""
    if isinstance(named, GraphQLObjectType):
        return " ".join(_fields(schema, named, depth, ids, {})) or ("" if ids else "__typename")
    seen: dict[str, str] = {}
    parts = [] if ids else ["__typename"]
    if isinstance(named, graphql.GraphQLInterfaceType):
        parts += _fields(schema, named, depth, ids, seen)
    if depth > 0 or ids:
        for possible in schema.get_possible_types(named):  # type: ignore[arg-type]
            inner = _fields(schema, possible, depth if ids else depth - 1, ids, seen)
            if inner:
                parts.append(f"... on {possible.name} {{ {' '.join(inner)} }}")
    return " ".join(parts)


def _fields(
    schema: GraphQLSchema,
    owner: GraphQLObjectType | graphql.GraphQLInterfaceType,
    depth: int,
    ids: bool,
    seen: dict[str, str],
) -> list[str]:
    parts = []
    for name, f in owner.fields.items():
        if _required_args(f) or seen.setdefault(name, str(f.type)) != str(f.type):
            continue
        if graphql.is_leaf_type(graphql.get_named_type(f.type)):
            if not ids or name == "id":
                parts.append(name)
        elif depth > 0:
            inner = selection(schema, f.type, depth - 1, ids=ids)
            if inner:
                parts.append(f"{name} {{ {inner} }}")
    return parts


def document(root: RootField, fields: str) -> str:
    """`query|mutation Fuzz($a: T, …) { name(a: $a, …) { fields } }` with every argument a
    variable (a variable left out leaves its argument out, so it takes its default: a variable
    for an argument with a default is nullable)."""
    args = root.field.args
    declared = ", ".join(
        f"${name}: {arg.type if arg.default is None else graphql.get_nullable_type(arg.type)}"
        for name, arg in args.items()
    )
    passed = ", ".join(f"{name}: ${name}" for name in args)
    head = f"{root.keyword} Fuzz({declared})" if declared else root.keyword
    call = f"{root.name}({passed})" if passed else root.name
    return f"{head} {{ {call}{f' {{ {fields} }}' if fields else ''} }}"


# --- relay ids ----------------------------------------------------------------------------------


def global_id(type_name: str, raw: str) -> str:
    return base64.b64encode(f"{type_name}:{raw}".encode()).decode()


def decode_global_id(value: object) -> tuple[str, str] | None:
    if not isinstance(value, str):
        return None
    try:
        text = base64.b64decode(value, validate=True).decode()
    except (binascii.Error, UnicodeDecodeError):
        return None
    type_name, sep, raw = text.partition(":")
    return (type_name, raw) if sep and type_name.isidentifier() else None


def _camel_words(name: str) -> list[str]:
    return re.findall(r"[A-Z]?[a-z0-9]+|[A-Z]+(?![a-z])", name)


# An input field names the type of the id it takes: courseId → Course, attemptId → …Attempt.
ID_NAME_ALIASES = {"student": "User", "instructor": "User", "user": "User", "parent": "Category"}


@dataclass
class IdPool:
    """Global ids that exist on the server, by type, sorted (reproducible picks)."""

    by_type: dict[str, list[str]] = field(default_factory=dict)
    excluded: set[str] = field(default_factory=set)

    def add(self, value: object) -> None:
        decoded = decode_global_id(value)
        if decoded is None or value in self.excluded:
            return
        ids = self.by_type.setdefault(decoded[0], [])
        if value not in ids:
            ids.append(str(value))
            ids.sort(key=lambda v: decode_global_id(v) or ("", ""))

    def add_all(self, payload: object) -> None:
        """Every `id` value anywhere in a response's data."""
        if isinstance(payload, dict):
            for key, value in payload.items():
                if key in {"id", "questionId"} and isinstance(value, str):
                    self.add(value)
                else:
                    self.add_all(value)
        elif isinstance(payload, list):
            for item in payload:
                self.add_all(item)

    def all_ids(self) -> list[str]:
        return [v for _, ids in sorted(self.by_type.items()) for v in ids]

    def type_for(self, name: str, context: str = "") -> str | None:
        """The node type an id argument or input field called `name` takes (`context`: the root
        field or input type it belongs to, for a bare `id`)."""
        stem = context if name in {"id", "ids"} else re.sub(r"Ids?$", "", name)
        stem = stem[:1].upper() + stem[1:]
        for candidate in [stem, *reversed(_camel_words(stem))]:
            candidate = ID_NAME_ALIASES.get(candidate.lower(), candidate)
            matches = [t for t in sorted(self.by_type) if t == candidate or t.endswith(candidate)]
            if matches:
                return matches[0]
        return None

    def pick(self, name: str, context: str = "") -> str:
        type_name = self.type_for(name, context)
        if type_name is not None:
            return self.by_type[type_name][0]
        return next(iter(self.all_ids()), global_id("Nope", NIL_UUID))

    def other_than(self, type_name: str | None) -> str:
        """A real id of another type than the one expected."""
        for name, ids in sorted(self.by_type.items()):
            if name != type_name:
                return ids[0]
        return global_id("Nope", NIL_UUID)


# --- baseline arguments ---------------------------------------------------------------------------

STRING_BASELINES = {  # by a word in the field's name, first match
    "plancode": "all-access",
    "email": "fuzz@example.org",
    "password": "Fuzz!Password-2026",
    "currency": "USD",
    "url": "https://example.org/fuzz",
    "code": "WELCOME10",
}
SCALAR_BASELINES: dict[str, Any] = {
    "String": "fuzz",
    "Int": 1,
    "Float": 1.5,
    "Boolean": True,
    "DateTime": "2030-01-01T00:00:00Z",
    "Date": "2030-01-01",
    "Decimal": "10.00",
    "JSON": {"theme": "dark"},
}
PAST_BASELINES = {"Date": "2029-01-01", "DateTime": "2029-01-01T00:00:00Z"}


def baseline(type_: GraphQLInputType, name: str, context: str, pool: IdPool) -> Any:
    """A plausible value: required input fields filled in, the first member of a `@oneOf`, the
    first enum value, an existing id of the type the name suggests."""
    named = graphql.get_nullable_type(type_)
    if isinstance(named, GraphQLList):
        return [baseline(named.of_type, name, context, pool)]
    if isinstance(named, GraphQLInputObjectType):
        if named.is_one_of:
            first_name, first = next(iter(named.fields.items()))
            return {first_name: baseline(first.type, first_name, named.name, pool)}
        return {
            n: baseline(f.type, n, named.name, pool)
            for n, f in named.fields.items()
            if graphql.is_required_input_field(f)
        }
    if isinstance(named, graphql.GraphQLEnumType):
        return next(iter(named.values))
    assert isinstance(named, GraphQLScalarType)
    if named.name == "ID":
        return pool.pick(name, context)
    if named.name == "String":
        for word, value in STRING_BASELINES.items():
            if word in name.lower():
                return value
    if named.name in {"Date", "DateTime"} and re.search(r"from|start|since", name, re.I):
        return PAST_BASELINES[named.name]  # a range that starts before it ends
    return copy.deepcopy(SCALAR_BASELINES.get(named.name, "fuzz"))


def _id_argument(arg: graphql.GraphQLArgument) -> bool:
    named = graphql.get_nullable_type(arg.type)
    return isinstance(named, GraphQLScalarType) and named.name == "ID"


def baseline_arguments(
    root: RootField, pool: IdPool, *, optional_ids: bool = True
) -> dict[str, Any]:
    """The required arguments, and (with `optional_ids`) optional id arguments too: `course(id:)`
    finds a course where no argument at all is refused."""
    context = root.name[:1].upper() + root.name[1:]
    return {
        name: baseline(arg.type, name, context, pool)
        for name, arg in root.field.args.items()
        if graphql.is_required_argument(arg) or (optional_ids and _id_argument(arg))
    }


# --- boundary values ------------------------------------------------------------------------------


@dataclass(frozen=True)
class RawJSON:
    """JSON text sent as it is (deeper than a client's encoder would nest)."""

    text: str
    label: str


def deep_object(depth: int) -> Any:
    value: Any = 1
    for _ in range(depth):
        value = {"a": value}
    return value


OVERSIZED_LIST = 1_000
STRING_VALUES: list[tuple[str, Any]] = [
    ("empty string", ""),
    ("NUL", "fuzz\x00fuzz"),
    ("100 KB string", "a" * 100_000),
    ("control characters", "\x01\x07\x1b\x7f\u202e"),
    ("4-byte characters", "\U0001f600\U0001d518"),
]
INT_VALUES: list[tuple[str, Any]] = [
    ("Int max 2^31-1", 2**31 - 1),
    ("Int min -2^31", -(2**31)),
    ("-(2^31-1)", -(2**31 - 1)),
    ("zero", 0),
    ("-1", -1),
    ("2^31 (out of range)", 2**31),
]
FLOAT_VALUES: list[tuple[str, Any]] = [
    ("1e308", 1e308),
    ("-1e308", -1e308),
    ("1e20", 1e20),
    ("-1e20", -1e20),
    ("5e-324", 5e-324),
    ("-0.0", -0.0),
]
DATETIME_VALUES: list[tuple[str, Any]] = [
    ("naive date-time", "2030-01-01T00:00:00"),
    ("9999-12-31 at -14:00 (past the range in UTC)", "9999-12-31T23:59:59-14:00"),
    ("0001-01-01 at +14:00 (before the range in UTC)", "0001-01-01T00:00:00+14:00"),
    ("max date-time", "9999-12-31T23:59:59.999999Z"),
    ("min date-time", "0001-01-01T00:00:00Z"),
    ("February 30th", "2030-02-30T00:00:00Z"),
    ("empty string", ""),
    ("NUL", "2030-01-01T00:00:00Z\x00"),
]
DATE_VALUES: list[tuple[str, Any]] = [
    ("min date", "0001-01-01"),
    ("max date", "9999-12-31"),
    ("February 30th", "2030-02-30"),
    ("empty string", ""),
    ("NUL", "2030-01-01\x00"),
]
DECIMAL_VALUES: list[tuple[str, Any]] = [
    ("1e308", "1e308"),
    ("-1e308", "-1e308"),
    ("NaN", "NaN"),
    ("Infinity", "Infinity"),
    ("-0", "-0"),
    ("1e-30", "0.000000000000000000000000000001"),
    ("30 digits", "123456789012345678901234567890.12"),
    ("1E+999999999", "1E+999999999"),
    ("empty string", ""),
    ("a number 1e20", 1e20),
]
JSON_VALUES: list[tuple[str, Any]] = [
    ("JSON nested 200 deep", deep_object(200)),
    ("JSON nested 100,000 deep", RawJSON("[" * 100_000 + "]" * 100_000, "[[[…]]] 100,000 deep")),
    ("JSON 1e20", {"x": 1e20}),
    ("JSON 1e308", {"x": 1e308}),
    ("JSON 2^70", {"x": 2**70}),
    ("JSON NUL", {"a\x00": "b\x00"}),
    ("JSON 10,000 keys", {f"k{i}": i for i in range(10_000)}),
    ("JSON 100,000 items", list(range(100_000))),
    ("JSON string", "fuzz"),
    ("JSON number", 1),
]
SCALAR_VALUES = {
    "String": STRING_VALUES,
    "Int": INT_VALUES,
    "Float": FLOAT_VALUES,
    "DateTime": DATETIME_VALUES,
    "Date": DATE_VALUES,
    "Decimal": DECIMAL_VALUES,
    "JSON": JSON_VALUES,
}


def id_values(name: str, context: str, pool: IdPool) -> list[tuple[str, Any]]:
    expected = pool.type_for(name, context) or "Node"
    return [
        ("empty id", ""),
        ("NUL id", "\x00"),
        ("not base64", "%%not-base64%%"),
        ("unknown type", global_id("Nope", NIL_UUID)),
        ("an interface as the type", global_id("Node", NIL_UUID)),
        ("not a UUID", global_id(expected, "not-a-uuid")),
        ("unknown UUID", global_id(expected, NIL_UUID)),
        ("an id of another type", pool.other_than(expected)),
        ("100 KB id", "a" * 100_000),
    ]


def variations(
    type_: GraphQLInputType,
    name: str,
    context: str,
    pool: IdPool,
    seen: frozenset[str] = frozenset(),
) -> Iterator[tuple[tuple[str | int, ...], str, Any]]:
    """(path below the value, label, value) for the value and everything inside it."""
    if not isinstance(type_, GraphQLNonNull):
        yield (), "null", None
    named = graphql.get_nullable_type(type_)
    if isinstance(named, GraphQLList):
        item = baseline(named.of_type, name, context, pool)
        yield (), "empty list", []
        yield (), f"{OVERSIZED_LIST:,} items", [item] * OVERSIZED_LIST
        for path, label, value in variations(named.of_type, name, context, pool, seen):
            yield (0, *path), label, value
    elif isinstance(named, GraphQLInputObjectType):
        if named.name in seen:  # recursive inputs: one level of each is enough
            return
        for child, f in named.fields.items():
            for path, label, value in variations(
                f.type, child, named.name, pool, seen | {named.name}
            ):
                yield (child, *path), label, value
    elif isinstance(named, graphql.GraphQLEnumType):  # the first and the last value
        values = list(named.values)
        yield from (
            ((), f"enum {value}", value) for value in dict.fromkeys([values[0], values[-1]])
        )
    elif isinstance(named, GraphQLScalarType):
        if named.name == "Boolean":
            yield from (((), str(value).lower(), value) for value in (True, False))
        elif named.name == "ID":
            yield from (((), label, value) for label, value in id_values(name, context, pool))
        else:
            yield from (((), label, value) for label, value in SCALAR_VALUES.get(named.name, []))


def with_value(
    current: Any,
    type_: GraphQLInputType,
    path: tuple[str | int, ...],
    value: Any,
    pool: IdPool,
    name: str,
    context: str,
) -> Any:
    """`current` (a value of `type_`, or None) with the value at `path` replaced: missing parents
    are built from their baseline, a `@oneOf` keeps only the member on the path."""
    if not path:
        return value
    named = graphql.get_nullable_type(type_)
    head, rest = path[0], path[1:]
    if current is None:
        current = baseline(type_, name, context, pool)
    if isinstance(named, GraphQLList):
        item = current[0] if current else None
        return [with_value(item, named.of_type, rest, value, pool, name, context)]
    assert isinstance(named, GraphQLInputObjectType)
    assert isinstance(head, str)
    updated = {} if named.is_one_of else dict(current)
    child = named.fields[head]
    inner = current.get(head) if isinstance(current, dict) else None
    updated[head] = with_value(inner, child.type, rest, value, pool, head, named.name)
    return updated


@dataclass(frozen=True)
class BoundaryCase:
    root: RootField
    path: str  # "input.tiers[0].price.amount"
    label: str
    variables: dict[str, Any]


def _path_text(path: tuple[str | int, ...]) -> str:
    return "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in path).lstrip(".")


def boundary_cases(root: RootField, pool: IdPool) -> Iterator[BoundaryCase]:
    """One case per boundary value of every argument and every input field inside it."""
    context = root.name[:1].upper() + root.name[1:]
    base = baseline_arguments(root, pool)
    required = baseline_arguments(root, pool, optional_ids=False)
    for arg_name, arg in root.field.args.items():
        for path, label, value in variations(arg.type, arg_name, context, pool):
            # an optional argument the baseline leaves out comes alone (`course(slug:)`, not
            # `course(id:, slug:)`, which is refused before the slug is looked at)
            variables = dict(base if arg_name in base else required)
            variables[arg_name] = with_value(
                base.get(arg_name), arg.type, path, value, pool, arg_name, context
            )
            yield BoundaryCase(root, _path_text((arg_name, *path)), label, variables)


def input_leaves(
    type_: GraphQLInputType, seen: frozenset[str] = frozenset()
) -> Iterator[tuple[str | int, ...]]:
    """Every path to a scalar or enum inside a value of `type_` (what the pass must cover)."""
    named = graphql.get_nullable_type(type_)
    if isinstance(named, GraphQLList):
        yield from ((0, *p) for p in input_leaves(named.of_type, seen))
    elif isinstance(named, GraphQLInputObjectType):
        if named.name not in seen:
            for child, f in named.fields.items():
                yield from ((child, *p) for p in input_leaves(f.type, seen | {named.name}))
    else:
        yield ()
