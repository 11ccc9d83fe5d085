"""GraphQL types of the audit log: an entry and the filter of the list."""

from __future__ import annotations

from datetime import datetime
from typing import Any, cast

import strawberry
from strawberry import relay
from strawberry.scalars import JSON

from app.admin import models
from schema.accounts.types import User
from schema.core.context import Info
from schema.core.inputs import Input, node_id


@strawberry.type(
    name="AuditLogEntry",
    description="One privileged change: who made it (user and/or API key), the mutation, its "
    'target, its arguments (secrets replaced by "[filtered]"), and where the request came from.',
)
class AuditLogEntry:
    model: strawberry.Private[models.AuditLogEntry]

    @strawberry.field
    def id(self) -> strawberry.ID:
        return strawberry.ID(str(self.model.id))

    @strawberry.field(description="When the change was committed (its transaction's time).")
    def created_at(self) -> datetime:
        return self.model.created_at

    @strawberry.field(description="The signed-in user who made it; null when they were deleted.")
    async def actor(self, info: Info) -> User | None:
        if self.model.actor_id is None:
            return None
        row = await info.context.loaders.accounts.users.load(self.model.actor_id)
        return User.from_model(row) if row is not None else None

    @strawberry.field(description="The id of the partner API key the request used, if any.")
    def api_key_id(self) -> strawberry.ID | None:
        key = self.model.api_key_id
        return strawberry.ID(str(key)) if key is not None else None

    @strawberry.field(description="The mutation's name, e.g. deactivateUser.")
    def action(self) -> str:
        return self.model.action

    @strawberry.field(description="The target's type, e.g. User or Course; null without one.")
    def entity_type(self) -> str | None:
        return self.model.entity_type or None

    @strawberry.field(description="The target's raw id (as stored), null without one.")
    def entity_id(self) -> str | None:
        return self.model.entity_id

    @strawberry.field(description="The target's global ID (for node(id:)), null without one.")
    def target_id(self) -> strawberry.ID | None:
        if not self.model.entity_type or self.model.entity_id is None:
            return None
        return strawberry.ID(str(relay.GlobalID(self.model.entity_type, self.model.entity_id)))

    @strawberry.field(description="The mutation's arguments, secrets filtered.")
    def changes(self) -> JSON:
        return cast(JSON, self.model.changes)

    @strawberry.field
    def ip_address(self) -> str | None:
        return str(self.model.ip_address) if self.model.ip_address is not None else None

    @strawberry.field
    def user_agent(self) -> str | None:
        return self.model.user_agent

    @strawberry.field(description="The request's X-Request-ID (find its log lines with it).")
    def request_id(self) -> str | None:
        return self.model.request_id


@strawberry.input(description="Narrows the audit log; every given field must match.")
class AuditLogFilter(Input):
    actor_id: strawberry.ID | None = node_id("User", default=None)
    action: str | None = strawberry.field(default=None, description="A mutation's name.")
    entity_type: str | None = strawberry.field(default=None, description="e.g. User, Course.")
    entity_id: strawberry.ID | None = strawberry.field(
        default=None, description="The target: its global ID or its raw id."
    )
    since: datetime | None = strawberry.field(default=None, description="Inclusive.")
    until: datetime | None = strawberry.field(default=None, description="Exclusive.")

    def to_filter(self) -> dict[str, Any]:
        """The service's filter arguments; a global `entityId` also gives the entity type."""
        args = self.arguments()
        entity_id = args.get("entity_id")
        if entity_id is not None:
            try:
                gid = relay.GlobalID.from_id(entity_id)
            except Exception:  # a raw id: matched as it is  # noqa: S110
                pass
            else:
                args["entity_type"] = args.get("entity_type") or gid.type_name
                args["entity_id"] = gid.node_id
        return args
