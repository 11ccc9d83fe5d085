"""The one way a mutation is written: `@mutation` and a typed payload.

    @strawberry.type
    class Mutation:
        @mutation(description="A draft course owned by you.", after_commit=[catalog_changed])
        async def create_course(
            self, info: Info, input: CreateCourseInput, tx: Tx
        ) -> CreateCoursePayload:
            row = await service.create_course(tx.session, actor=tx.actor, **input.arguments())
            return CreateCoursePayload(course=Course.from_model(row))

The pipeline (a field extension) does the rest, in this order:
1. resolves the caller: UNAUTHENTICATED (a GraphQL error) for an anonymous caller unless the
   mutation is `public=True` (there, a caller whose session has ended counts as anonymous);
   Then every text in the arguments is checked against its limit (`schema.core.text_limits`):
   a TOO_LONG payload error, before anything runs;
2. if the resolver takes a `tx: Tx` parameter (never a GraphQL argument), opens one transaction
   and hands it over with the caller; the transaction commits when the resolver returns, and
   rolls back when it raises;
3. after the commit: publishes the live events the transaction wrote (`app.live.publish`; the
   worker's outbox relay publishes any this misses), renews the request's loaders (the payload's
   fields read the committed state) and runs the `after_commit` hooks;
4. turns a raised `UserFacingError` (the service's expected failures, or the input's) into the
   payload's `errors`, each field path in the API's names — the one place where snake_case
   becomes camelCase. Other domain errors (UNAUTHENTICATED, FORBIDDEN, NOT_FOUND, …) propagate as
   GraphQL errors with `extensions.code` (`schema.core.errors`).

Audit: a mutation declared `privileged=True` (admin-only: marked `@adminOnly` in the schema) and
every mutation an admin calls writes one `audit_log` row (`schema.core.audit`) after the resolver
returned and before the commit, in the same transaction; one that fails (a raised error or a
payload with errors) writes none. A privileged mutation takes `tx` (tested); an admin's call of a
mutation without `tx` is recorded in a transaction of its own after it succeeded.

A payload subclasses `Payload` and gives every other field a default (`None`), so the pipeline
can build it with errors only.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any

import strawberry
from sqlalchemy.ext.asyncio import AsyncSession
from strawberry.extensions import FieldExtension
from strawberry.types.base import StrawberryObjectDefinition
from strawberry.types.field import StrawberryField

from app import live
from app.accounts.models import UserRole
from app.admin import audit
from app.errors import Unauthenticated, UserFacingError, collect
from app.security.permissions import Actor
from loaders import Loaders
from schema.core.admin_only import AdminOnly
from schema.core.audit import record_mutation
from schema.core.auth import viewer_of
from schema.core.context import Info
from schema.core.errors import UserError
from schema.core.text_limits import text_limit_errors

TX_PARAMETER = "tx"
AfterCommit = Callable[[Info], Awaitable[None]]


@strawberry.type(description="What every mutation returns beside its result.")
class Payload:
    errors: list[UserError] = strawberry.field(
        default_factory=list,
        description="Expected failures (validation, conflicts, business rules); empty when the "
        "mutation succeeded, and then nothing was changed.",
    )


@dataclass(frozen=True, slots=True)
class Tx:
    """The transaction of one mutation and its caller."""

    session: AsyncSession
    caller: Actor | None

    @property
    def actor(self) -> Actor:
        """The signed-in caller (a public mutation's anonymous caller is UNAUTHENTICATED)."""
        if self.caller is None:
            raise Unauthenticated()
        return self.caller


class MutationPipeline(FieldExtension):
    def __init__(
        self, *, public: bool, after_commit: Sequence[AfterCommit], privileged: bool = False
    ) -> None:
        self.public = public
        self.privileged = privileged
        self.after_commit = tuple(after_commit)
        self.wants_tx = False
        self.payload_type: type[Payload] | None = None

    def apply(self, field: StrawberryField) -> None:
        # Called again for every schema built over the same field: the first call took `tx` out.
        if any(a.python_name == TX_PARAMETER for a in field.arguments):
            self.wants_tx = True
            field.arguments = [a for a in field.arguments if a.python_name != TX_PARAMETER]
        self.field = field

    def _payload(self) -> type[Payload]:
        if self.payload_type is None:
            definition = self.field.type
            origin = getattr(definition, "__strawberry_definition__", None)
            if isinstance(origin, StrawberryObjectDefinition):
                definition = origin.origin
            if not (isinstance(definition, type) and issubclass(definition, Payload)):
                raise TypeError(f"mutation {self.field.python_name} must return a Payload")
            self.payload_type = definition
        return self.payload_type

    async def _caller(self, info: Info) -> Actor | None:
        try:
            return await viewer_of(info)
        except Unauthenticated:
            if not self.public:
                raise
            return None  # a session that ended does not stop signing in again

    def _audited(self, caller: Actor | None, result: Any) -> bool:
        """Privileged, or called by an admin; and it succeeded (no payload errors)."""
        by_admin = caller is not None and caller.role == UserRole.ADMIN
        return (self.privileged or by_admin) and not getattr(result, "errors", None)

    async def resolve_async(
        self, next_: Callable[..., Awaitable[Any]], source: Any, info: Info, **kwargs: Any
    ) -> Any:
        context = info.context
        try:
            caller = await self._caller(info)
            if caller is None and not self.public:
                raise Unauthenticated()
            collect(text_limit_errors(kwargs))
            if self.wants_tx:
                async with context.db.transaction() as session:
                    result = await next_(source, info, **kwargs, tx=Tx(session, caller))
                    if self._audited(caller, result) and not audit.recorded(session):
                        await record_mutation(session, info, caller, kwargs, result)
                await live.flush(context.db, context.redis, live.take_pending(session))
            else:
                result = await next_(source, info, **kwargs)
                if self._audited(caller, result):
                    async with context.db.transaction() as session:
                        await record_mutation(session, info, caller, kwargs, result)
        except UserFacingError as exc:
            return self._payload()(errors=[UserError.of(e) for e in exc.errors])
        context.loaders = Loaders(context.db)
        for hook in self.after_commit:
            await hook(info)
        return result


def mutation(
    *,
    description: str | None = None,
    public: bool = False,
    after_commit: Sequence[AfterCommit] = (),
    name: str | None = None,
    privileged: bool = False,
) -> Any:
    """`@strawberry.mutation` through the pipeline (see the module docstring); `privileged`:
    admin-only (marked `@adminOnly`) and always recorded in the audit log."""
    return strawberry.mutation(
        name=name,
        description=description,
        directives=[AdminOnly()] if privileged else (),
        extensions=[
            MutationPipeline(public=public, after_commit=after_commit, privileged=privileged)
        ],
    )
