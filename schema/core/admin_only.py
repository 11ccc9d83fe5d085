"""The marker of admin-only root fields: the `@adminOnly` schema directive (in the exported SDL).

A query field is declared with `admin_field(...)` instead of `strawberry.field(...)`; a mutation
with `@mutation(privileged=True)`, which also records it in the audit log. The marker documents
the field and lets tests find every admin-only field (tests/security/test_admin_authorization.py
checks that each refuses students and instructors and that no unmarked field does); the check
itself stays in the service, where the rule lives.
"""

from __future__ import annotations

from typing import Any

import strawberry
from strawberry.schema_directive import Location
from strawberry.types.field import StrawberryField


@strawberry.schema_directive(
    locations=[Location.FIELD_DEFINITION],
    name="adminOnly",
    description="Admins only: anyone else gets FORBIDDEN.",
)
class AdminOnly:
    pass


def admin_field(*, description: str | None = None, name: str | None = None) -> Any:
    """`@strawberry.field` of an admin-only query field."""
    return strawberry.field(name=name, description=description, directives=[AdminOnly()])


def is_admin_only(field: StrawberryField) -> bool:
    return any(isinstance(d, AdminOnly) for d in field.directives)
