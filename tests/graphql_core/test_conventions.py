"""The API conventions of docs/api.md, checked over the whole schema so every domain keeps them."""

from __future__ import annotations

import ast
import re
from pathlib import Path

from graphql import (
    GraphQLEnumType,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLScalarType,
    get_named_type,
)

from app.errors import FIELD_PATH
from schema.core.errors import FAILURE_CODES, USER_CODES
from schema.root import schema

ROOT = Path(__file__).resolve().parents[2]
GRAPHQL = schema._schema
# Shapes that are open by nature may stay JSON; each is a deliberate, documented exception.
JSON_ALLOWED = {
    "UserProfile.preferences",
    "UpdateProfileInput.preferences",
    "AuditLogEntry.changes",  # the arguments of whichever mutation was recorded
    "FailedJob.args",  # the positional arguments of whichever actor failed
    "FailedJob.kwargs",
    "LearningEvent.statement",  # an xAPI statement: the shape is the xAPI standard's
}
ERROR_CALLS = {"FieldError", "Invalid", "Conflict", "InvalidSearch"}


def test_every_error_code_is_published_with_a_description() -> None:
    for enum_name in ("UserErrorCode", "ErrorCode"):
        enum = GRAPHQL.get_type(enum_name)
        assert isinstance(enum, GraphQLEnumType)
        undescribed = [name for name, value in enum.values.items() if not value.description]
        assert undescribed == [], f"{enum_name} values without a description: {undescribed}"
    published = set(GRAPHQL.get_type("UserErrorCode").values)  # type: ignore[union-attr]
    assert published == {code.value for group in USER_CODES for code in group}
    failures = set(GRAPHQL.get_type("ErrorCode").values)  # type: ignore[union-attr]
    assert failures == {code.value for group in FAILURE_CODES for code in group}


def test_every_mutation_takes_one_input_and_returns_a_payload_with_errors() -> None:
    mutation = GRAPHQL.mutation_type
    assert mutation is not None
    for name, field in mutation.fields.items():
        assert set(field.args) <= {"input"}, f"{name} takes {sorted(field.args)}"
        payload = get_named_type(field.type)
        assert isinstance(payload, GraphQLObjectType), name
        errors = payload.fields.get("errors")
        assert errors is not None, f"{name}: {payload.name} has no errors"
        assert str(errors.type) == "[UserError!]!", f"{name}: errors is {errors.type}"
        assert payload.name.endswith("Payload"), f"{name} returns {payload.name}"


def test_single_object_root_fields_are_nullable() -> None:
    query = GRAPHQL.query_type
    assert query is not None
    for name, field in query.fields.items():
        named = get_named_type(field.type)
        inner = field.type.of_type if isinstance(field.type, GraphQLNonNull) else field.type
        if isinstance(inner, GraphQLList) or not isinstance(named, GraphQLObjectType):
            continue
        if named.name.endswith("Connection"):
            continue
        assert not isinstance(field.type, GraphQLNonNull), f"Query.{name} must be nullable"


def test_money_is_one_type_no_minor_units_and_no_json_where_the_shape_is_known() -> None:
    offenders = []
    for type_name, graphql_type in GRAPHQL.type_map.items():
        if type_name.startswith("__") or not hasattr(graphql_type, "fields"):
            continue
        for field_name, field in graphql_type.fields.items():
            if re.search(r"Minor$", field_name) and type_name != "Money":
                offenders.append(f"{type_name}.{field_name}")
            named = get_named_type(field.type)
            is_json = isinstance(named, GraphQLScalarType) and named.name == "JSON"
            if is_json and f"{type_name}.{field_name}" not in JSON_ALLOWED:
                offenders.append(f"{type_name}.{field_name}: JSON")
    assert offenders == []


def _error_fields(tree: ast.AST) -> list[tuple[int, str]]:
    found = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        name = node.func.id if isinstance(node.func, ast.Name) else getattr(node.func, "attr", "")
        if name in ERROR_CALLS and node.args:
            first = node.args[0]
            if isinstance(first, ast.Constant) and isinstance(first.value, str):
                found.append((node.lineno, first.value))
    return found


def test_services_name_fields_in_snake_case_and_codes_by_enum() -> None:
    offenders = []
    for path in sorted((ROOT / "app").rglob("*.py")):
        tree = ast.parse(path.read_text())
        for line, field in _error_fields(tree):
            if not FIELD_PATH.fullmatch(field):
                offenders.append(f"{path.relative_to(ROOT)}:{line}: {field!r}")
    assert offenders == []
