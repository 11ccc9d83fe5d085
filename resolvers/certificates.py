"""Certificate root fields: verifyCertificate (public), myCertificates, certificate(id) and the
admin-only revokeCertificate. Certificates themselves are issued by the worker on completion."""

from __future__ import annotations

from typing import Any

import strawberry

from app.errors import Unauthenticated
from app.learning import certificates as service
from app.pagination import PageRequest
from schema.catalog.access import viewer_of
from schema.core.auth import client_ip, require_actor
from schema.core.context import Info
from schema.core.mutation import graphql_error, run_mutation
from schema.core.relay import Connection, node_uuid, selects_total_count
from schema.learning.certificates import (
    Certificate,
    CertificateVerification,
    RevokeCertificateInput,
    RevokeCertificatePayload,
)


@strawberry.type
class Query:
    @strawberry.field(
        description="Public: is this verification code a valid certificate? An unknown code "
        "answers valid false (no error); a revoked certificate answers valid false with revokedAt."
    )
    async def verify_certificate(self, info: Info, code: str) -> CertificateVerification:
        async with info.context.db.session() as session:
            result = await service.verify_certificate(session, code)
        return CertificateVerification.of(result)

    @strawberry.field(description="Your certificates (revoked ones too), most recent first.")
    async def my_certificates(
        self, info: Info, first: int | None = None, after: str | None = None
    ) -> Connection[Certificate]:
        viewer = await viewer_of(info)
        if viewer is None:
            raise graphql_error(Unauthenticated())
        request = PageRequest.create(first=first, after=after)
        async with info.context.db.session() as session:
            page = await service.list_certificates(
                session, user_id=viewer.id, request=request, with_total=selects_total_count(info)
            )
        return Connection[Certificate].from_page(page, Certificate.from_model)

    @strawberry.field(description="A certificate by id: yours, or any for admins; else null.")
    async def certificate(self, info: Info, id: strawberry.ID) -> Certificate | None:
        [found] = await Certificate.resolve_nodes(info=info, node_ids=[id])
        return found


async def _revoke(info: Info, input: RevokeCertificateInput) -> dict[str, Any]:
    actor = await require_actor(info)
    async with info.context.db.transaction() as session:
        row = await service.revoke_certificate(
            session,
            actor=actor,
            certificate_id=node_uuid(input.certificate_id, "Certificate"),
            reason=input.reason,
            ip_address=client_ip(info.context),
            request_id=info.context.request_id,
        )
    return {"certificate": Certificate.from_model(row)}


@strawberry.type
class Mutation:
    @strawberry.mutation(
        description="Admins: revoke a certificate with a reason (kept, shown by verification, "
        "written to the audit log)."
    )
    async def revoke_certificate(
        self, info: Info, input: RevokeCertificateInput
    ) -> RevokeCertificatePayload:
        return await run_mutation(RevokeCertificatePayload, _revoke(info, input))
