"""GraphQL types of the admin user management: the user filter, the inputs and payloads."""

from __future__ import annotations

import strawberry

from schema.accounts.types import Role, User, UserStatus
from schema.core.inputs import Input, node_id
from schema.core.mutation import Payload


@strawberry.input(description="Narrows the user list; every given field must match.")
class UserFilter(Input):
    role: Role | None = None
    status: UserStatus | None = None
    search: str | None = strawberry.field(
        default=None,
        description="Text found in the full name or the e-mail address (case-insensitive, taken "
        "literally: % and _ are not wildcards; at most 200 characters).",
    )


@strawberry.input
class DeactivateUserInput(Input):
    user_id: strawberry.ID = node_id("User")


@strawberry.input
class ReactivateUserInput(Input):
    user_id: strawberry.ID = node_id("User")


@strawberry.input
class ForceLogoutInput(Input):
    user_id: strawberry.ID = node_id("User")


@strawberry.input
class ResendVerificationForInput(Input):
    user_id: strawberry.ID = node_id("User")


@strawberry.type
class DeactivateUserPayload(Payload):
    user: User | None = None


@strawberry.type
class ReactivateUserPayload(Payload):
    user: User | None = None


@strawberry.type
class ForceLogoutPayload(Payload):
    user: User | None = None


@strawberry.type
class ResendVerificationForPayload(Payload):
    user: User | None = None
