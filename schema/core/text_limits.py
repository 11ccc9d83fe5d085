"""Every text a mutation takes has a length limit, checked before its resolver runs (Property 62).

The services keep their own, tighter limits (a title's 200 characters, TOO_LONG on that field,
reported with the input's other errors); this is the ceiling over all of them, so a text field
nobody thought about cannot carry a megabyte into a service, a log line or a row: every string
in a mutation's arguments (inside its `input`, nested inputs and lists included) holds at most
`DEFAULT_MAX` characters, or the limit its field has in `LONGER` — the short, explicit list of
fields that need more. A longer one is a TOO_LONG user error on that field alone in the payload's
`errors`, and nothing runs.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from strawberry.types.base import StrawberryObjectDefinition
from strawberry.utils.str_converters import to_camel_case

from app.errors import Common, FieldError

DEFAULT_MAX = 50_000
# "InputType.graphqlField": its limit, for fields whose service takes more than DEFAULT_MAX
LONGER: dict[str, int] = {
    "AddLessonInput.contentText": 200_000,
    "UpdateLessonInput.contentText": 200_000,
    "CreateBlogPostInput.body": 200_000,
    "UpdateBlogPostInput.body": 200_000,
}


def limit_of(type_name: str, field_name: str) -> int:
    """The limit of a field, by its GraphQL coordinates."""
    return LONGER.get(f"{type_name}.{field_name}", DEFAULT_MAX)


def _too_long(path: str, limit: int) -> FieldError:
    return FieldError(path, f"At most {limit:,} characters are allowed", Common.TOO_LONG)


def _check(value: Any, limit: int, path: str, errors: list[FieldError]) -> None:
    if isinstance(value, str):
        if len(value) > limit:
            errors.append(_too_long(path, limit))
    elif isinstance(value, list):
        for i, item in enumerate(value):
            _check(item, limit, f"{path}[{i}]", errors)
    else:
        definition = getattr(value, "__strawberry_definition__", None)
        if isinstance(definition, StrawberryObjectDefinition) and definition.is_input:
            for field in definition.fields:
                name = field.python_name
                inner = getattr(value, name, None)
                if inner is None:
                    continue
                graphql_name = field.graphql_name or to_camel_case(name)
                _check(inner, limit_of(definition.name, graphql_name), f"{path}.{name}", errors)


def text_limit_errors(arguments: Mapping[str, Any]) -> list[FieldError]:
    """TOO_LONG errors of a mutation's arguments (the `input` argument's paths start inside it,
    as its own errors do: `title`, `tiers[1].name`)."""
    errors: list[FieldError] = []
    for name, value in arguments.items():
        _check(value, DEFAULT_MAX, name, errors)
    return [
        FieldError(e.field.removeprefix("input."), e.message, e.code) if e.field else e
        for e in errors
    ]
