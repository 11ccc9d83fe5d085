"""Certificate root fields: verifyCertificate (public), myCertificates, certificate(id) and the
admin-only revokeCertificate. Certificates themselves are issued by the worker on completion."""

from __future__ import annotations

import strawberry

from app.learning import certificates as service
from app.pagination import PageRequest
from schema.core.auth import client_ip, require_user
from schema.core.context import Info
from schema.core.mutation import Tx, mutation
from schema.core.relay import Connection, selects_total_count
from schema.learning.certificates import (
    Certificate,
    CertificateVerification,
    RevokeCertificateInput,
    RevokeCertificatePayload,
)


@strawberry.type
class Query:
    @strawberry.field(
        description="Public: is this verification code a valid certificate? Always answers: an "
        "unknown code answers valid false (no error); a revoked certificate answers valid false "
        "with revokedAt. (Nullable like every single-object root field.)"
    )
    async def verify_certificate(self, info: Info, code: str) -> CertificateVerification | None:
        async with info.context.db.session() as session:
            result = await service.verify_certificate(session, code)
        return CertificateVerification.of(result)

    @strawberry.field(description="Your certificates (revoked ones too), most recent first.")
    async def my_certificates(
        self, info: Info, first: int | None = None, after: str | None = None
    ) -> Connection[Certificate]:
        user = await require_user(info)
        request = PageRequest.create(first=first, after=after)
        async with info.context.db.session() as session:
            page = await service.list_certificates(
                session, user_id=user.id, request=request, with_total=selects_total_count(info)
            )
        info.context.loaders.learning.prime_certificates(page.items)
        return Connection[Certificate].from_page(page, Certificate.from_model)

    @strawberry.field(
        description="A certificate by id: yours, or any for admins; null (with NOT_FOUND) for "
        "anyone else."
    )
    async def certificate(self, info: Info, id: strawberry.ID) -> Certificate | None:
        return await Certificate.lookup(info, id)


@strawberry.type
class Mutation:
    @mutation(
        description="Admins: revoke a certificate with a reason (kept, shown by verification, "
        "written to the audit log; ALREADY_REVOKED).",
        privileged=True,
    )
    async def revoke_certificate(
        self, info: Info, input: RevokeCertificateInput, tx: Tx
    ) -> RevokeCertificatePayload:
        row = await service.revoke_certificate(
            tx.session,
            actor=tx.actor,
            ip_address=client_ip(info.context),
            request_id=info.context.request_id,
            **input.arguments(),
        )
        return RevokeCertificatePayload(certificate=Certificate.from_model(row))
