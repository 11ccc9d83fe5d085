"""What input values the API takes, checked before anything executes.

- Text: every string a client sends — in a literal of the document (any argument: String, ID,
  a custom scalar, a JSON object) or anywhere inside the variables (keys too) — is free of NUL,
  of the other C0 control characters except tab, line feed and carriage return, and of lone
  surrogates. Nothing downstream can store or compare such text (PostgreSQL refuses NUL), so it
  is a BAD_USER_INPUT error naming the argument or variable, never an internal error.
  (graphql-core forbids redefining the built-in String and ID scalars, so the check is a
  validation rule over the document's string literals plus one walk over the variables.)
- JSON (the `JSON` scalar, `check_json`): at most MAX_JSON_DEPTH levels of objects and lists,
  MAX_JSON_BYTES of encoded JSON, numbers that are 64-bit integers or finite floats of at most
  that magnitude (PostgreSQL's jsonb would hand a float like 1e20 back as an integer no JSON
  encoder takes), valid text in keys and strings.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from typing import Any

import orjson
from graphql import GraphQLError, StringValueNode, ValidationRule

from app.errors import Failure

BAD_USER_INPUT = Failure.BAD_USER_INPUT.value
# NUL and the C0 controls but tab (09), LF (0A) and CR (0D); lone surrogates (D800-DFFF).
INVALID_TEXT = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff]")
INVALID_TEXT_MESSAGE = "Text may not contain NUL, control characters or lone surrogates"
MAX_JSON_DEPTH = 10
MAX_JSON_BYTES = 16 * 1024
MAX_JSON_INT = 2**63 - 1


def invalid_text(value: str) -> bool:
    return INVALID_TEXT.search(value) is not None


class ValidTextRule(ValidationRule):
    """Every string literal of the document holds valid text."""

    def enter_string_value(self, node: StringValueNode, *_args: Any) -> None:
        if invalid_text(node.value):
            self.report_error(
                GraphQLError(INVALID_TEXT_MESSAGE, node, extensions={"code": BAD_USER_INPUT})
            )


def _first_invalid(value: object, path: str) -> str | None:
    """The path of the first string (or key) in `value` that is not valid text."""
    stack: list[tuple[object, str]] = [(value, path)]
    while stack:
        item, where = stack.pop()
        if isinstance(item, str):
            if invalid_text(item):
                return where
        elif isinstance(item, Mapping):
            for key, inner in item.items():
                if isinstance(key, str) and invalid_text(key):
                    return where
                stack.append((inner, f"{where}.{key}"))
        elif isinstance(item, list):
            stack.extend((inner, f"{where}[{i}]") for i, inner in enumerate(item))
    return None


def check_variables(variables: Mapping[str, Any] | None) -> GraphQLError | None:
    """A BAD_USER_INPUT error for the first variable holding invalid text, else None."""
    for name, value in (variables or {}).items():
        where = _first_invalid(value, f"${name}")
        if where is not None:
            return GraphQLError(
                f"Variable '{where}': {INVALID_TEXT_MESSAGE}",
                extensions={"code": BAD_USER_INPUT},
            )
    return None


# --- JSON ---------------------------------------------------------------------------------------


def _check_number(value: int | float) -> None:
    if isinstance(value, float) and not math.isfinite(value):
        raise ValueError("JSON numbers must be finite")
    if abs(value) > MAX_JSON_INT:
        raise ValueError(f"JSON numbers must lie within ±{MAX_JSON_INT}")


def _check_tree(value: object) -> None:
    stack: list[tuple[object, int]] = [(value, 0)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, bool) or item is None:
            continue
        if isinstance(item, (int, float)):
            _check_number(item)
        elif isinstance(item, str):
            if invalid_text(item):
                raise ValueError(INVALID_TEXT_MESSAGE)
        elif isinstance(item, (dict, list)):
            if depth >= MAX_JSON_DEPTH:
                raise ValueError(f"JSON values may nest at most {MAX_JSON_DEPTH} levels deep")
            if isinstance(item, dict):
                if any(not isinstance(k, str) or invalid_text(k) for k in item):
                    raise ValueError(f"JSON object keys: {INVALID_TEXT_MESSAGE}")
                stack.extend((inner, depth + 1) for inner in item.values())
            else:
                stack.extend((inner, depth + 1) for inner in item)
        else:
            raise ValueError(f"Not a JSON value: {type(item).__name__}")


def check_json(value: object) -> object:
    """`value` when it is a JSON value the API takes (see the module docstring)."""
    _check_tree(value)
    if len(orjson.dumps(value)) > MAX_JSON_BYTES:
        raise ValueError(f"JSON values are limited to {MAX_JSON_BYTES} bytes")
    return value


def readable_json(value: object) -> object:
    """A stored JSON value made encodable whatever it holds: an integer beyond 64 bits (jsonb
    keeps any) becomes a float (or null past the float range), nesting past what the encoder
    takes becomes null. For reading rows written before `check_json` guarded the input."""
    return _readable(value, 0)


_ENCODER_DEPTH = 200  # orjson refuses to encode deeper than 255 levels


def _readable(value: object, depth: int) -> object:
    if isinstance(value, bool) or value is None or isinstance(value, str):
        return value
    if isinstance(value, int):
        if abs(value) <= MAX_JSON_INT:
            return value
        try:
            return float(value)
        except OverflowError:
            return None
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if depth >= _ENCODER_DEPTH:
        return None
    if isinstance(value, dict):
        return {str(k): _readable(v, depth + 1) for k, v in value.items()}
    if isinstance(value, list):
        return [_readable(v, depth + 1) for v in value]
    return None
