"""The one way an input becomes service arguments: `Input.arguments()`.

    @strawberry.input
    class UpdateCourseInput(Input):
        course_id: strawberry.ID = node_id("Course")
        title: str | None = update(nullable=False)   # omitted: kept; null: REQUIRED error
        subtitle: str | None = update()              # omitted: kept; null: cleared
        category_id: strawberry.ID | None = update(node="Category")

    await service.update_course(tx.session, actor=tx.actor, **input.arguments())

Rules, the same for every input:
- A field left out (UNSET) is left out of the arguments: the service keeps the current value.
  An explicit null is passed as None (it clears), except for `update(nullable=False)` fields,
  where it is a `REQUIRED` user error; a null list is an empty list.
- An id field declares the node type its global ids must name (`node_id("Course")`): it arrives
  as that node's UUID. An id that does not decode, or names another type, becomes `NOWHERE` (an id
  that matches nothing), so it fails exactly like an unknown one. `raw_id()` fields take a plain
  UUID (objects that are not nodes, e.g. a user session).
- A nested input arrives as its `arguments()`, or built into its class's `into` (a service
  dataclass, `into = TierInput`); its errors carry their path (`tiers[1].price`). An input whose
  value is not its fields (a @oneOf choice) overrides `to_argument`.
- A Float arrives as a `Decimal` (scores and points are exact); an enum declared only in the
  GraphQL layer arrives as its value (declare values as the service's enum members).
- Date-times carry a time zone: the `DateTime` scalar refuses one without (`schema.core.scalars`).
"""

from __future__ import annotations

import enum
import uuid
from collections.abc import Callable
from decimal import Decimal
from typing import Any, ClassVar

import strawberry
from strawberry.types.base import StrawberryList, StrawberryOptional

from app.errors import Common, FieldError, UserFacingError, collect
from schema.core.relay import NOWHERE, node_uuid, raw_uuid

NODE = "easyways.node"  # metadata: the node type a field's global ids name, or RAW
NOT_NULL = "easyways.not_null"  # metadata: an explicit null is refused
RAW = "<raw uuid>"


def node_id(node: str, *, description: str | None = None, default: Any = strawberry.UNSET) -> Any:
    """An ID field holding global ids of `node` (required unless given a default)."""
    kwargs: dict[str, Any] = {} if default is strawberry.UNSET else {"default": default}
    return strawberry.field(description=description, metadata={NODE: node}, **kwargs)


def raw_id(*, description: str | None = None) -> Any:
    """An ID field holding a plain UUID (of an object that is not a relay node)."""
    return strawberry.field(description=description, metadata={NODE: RAW})


def update(
    *, nullable: bool = True, node: str | None = None, description: str | None = None
) -> Any:
    """A field of a change: omitted keeps the current value; null clears it unless not
    `nullable` (then null is a REQUIRED user error)."""
    metadata: dict[str, Any] = {NOT_NULL: not nullable}
    if node is not None:
        metadata[NODE] = node
    return strawberry.field(default=strawberry.UNSET, description=description, metadata=metadata)


def _decode(value: str, node: str) -> uuid.UUID:
    return (raw_uuid(value) or NOWHERE) if node == RAW else node_uuid(value, node)


def _is_list(field_type: Any) -> bool:
    if isinstance(field_type, StrawberryOptional):
        field_type = field_type.of_type
    return isinstance(field_type, StrawberryList)


class Input:
    """Base of every input type: `arguments()` gives its service's keyword arguments."""

    # as a field of another input, this input arrives built into `into` (else as a dict)
    into: ClassVar[Callable[..., Any] | None] = None

    def arguments(self, path: str = "") -> dict[str, Any]:
        errors: list[FieldError] = []
        found: dict[str, Any] = {}
        for field in self.__strawberry_definition__.fields:  # type: ignore[attr-defined]
            name = field.python_name
            value = getattr(self, name)
            if value is strawberry.UNSET:
                continue
            metadata = field.metadata or {}
            if value is None:
                if metadata.get(NOT_NULL):
                    errors.append(
                        FieldError(f"{path}{name}", "This field cannot be empty", Common.REQUIRED)
                    )
                    continue
                found[name] = [] if _is_list(field.type) else None
                continue
            try:
                found[name] = _convert(value, metadata.get(NODE), f"{path}{name}")
            except UserFacingError as exc:  # a nested input's own errors: report them all
                errors.extend(exc.errors)
        collect(errors)
        return found

    def to_argument(self, path: str) -> Any:
        """This input's value when it is a field of another input (at `path`)."""
        values = self.arguments(f"{path}.")
        return values if self.into is None else self.into(**values)


def _convert(value: Any, node: str | None, path: str) -> Any:
    if node is not None:
        if isinstance(value, list):
            return [_decode(str(v), node) for v in value]
        return _decode(str(value), node)
    if isinstance(value, Input):
        return value.to_argument(path)
    if isinstance(value, list):
        return [_convert(v, None, f"{path}[{i}]") for i, v in enumerate(value)]
    if isinstance(value, float):
        return Decimal(str(value))
    if isinstance(value, enum.Enum) and not isinstance(value, str):
        return value.value  # a GraphQL-only enum; the service's own (str) enums pass as they are
    return value
