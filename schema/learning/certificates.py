"""GraphQL types of certificates: the owner's full view, the public verification answer, and
the revocation input/payload.

A `Certificate` (node) is seen by its owner and admins only; to anyone else it does not exist
(null with NOT_FOUND). It is read through the per-request loaders. The public
`verifyCertificate` answer carries only what the certificate itself shows (number, name, title,
date). `downloadUrl` is a signed, expiring link to the PDF (DOWNLOAD_URL_TTL_SECONDS).
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Self

import strawberry
from strawberry import relay

from app.learning import certificates as service
from app.learning.models import Certificate as CertificateModel
from schema.catalog.access import visible_courses
from schema.catalog.types import Course
from schema.core.auth import viewer_of
from schema.core.context import Info
from schema.core.inputs import Input, node_id
from schema.core.mutation import Payload
from schema.core.relay import ModelNode


@strawberry.type(
    description="A certificate of completion. Visible to its holder and to admins only."
)
class Certificate(ModelNode):
    id: relay.NodeID[str]
    number: str = strawberry.field(description="EWS-<YYYY>-<6 chars>.")
    verification_code: str = strawberry.field(
        description="The code of the public verification page (`verifyCertificate`)."
    )
    student_name: str = strawberry.field(description="The holder's name when it was issued.")
    course_title: str = strawberry.field(description="The course title when it was issued.")
    issued_at: datetime
    revoked_at: datetime | None
    revocation_reason: str | None
    model: strawberry.Private[CertificateModel]

    @classmethod
    async def load(cls, info: Info, ids: list[uuid.UUID]) -> Sequence[CertificateModel | None]:
        return await info.context.loaders.learning.certificates.load_many(ids)

    @classmethod
    async def visible(
        cls, info: Info, rows: Sequence[CertificateModel | None]
    ) -> Sequence[CertificateModel | None]:
        viewer = await viewer_of(info)
        return [row if row is not None and service.may_read(viewer, row) else None for row in rows]

    @classmethod
    def from_model(cls, row: CertificateModel) -> Self:
        return cls(
            id=str(row.id),
            number=row.certificate_number,
            verification_code=row.verification_code,
            student_name=row.student_name,
            course_title=row.course_title,
            issued_at=row.issued_at,
            revoked_at=row.revoked_at,
            revocation_reason=row.revocation_reason,
            model=row,
        )

    @strawberry.field(
        description="The public page where anyone can check this certificate (also its QR code)."
    )
    def verification_url(self, info: Info) -> str:
        return service.verification_url(info.context.settings, self.verification_code)

    @strawberry.field(description="The course, while it exists and is visible to you.")
    async def course(self, info: Info) -> Course | None:
        if self.model.course_id is None:
            return None
        found = await info.context.loaders.catalog.courses.load(self.model.course_id)
        visible = (await visible_courses(info, [found]))[0]
        return Course.from_model(visible) if visible is not None else None

    @strawberry.field(
        description="A signed link to the PDF that expires after a short while; for the "
        "holder and admins (null for anyone else or while the PDF is missing)."
    )
    async def download_url(self, info: Info) -> str | None:
        key = self.model.pdf_storage_key
        if key is None or not service.may_read(await viewer_of(info), self.model):
            return None
        return info.context.storage.download_url(key, filename=f"{self.number}.pdf")


@strawberry.type(description="What a certificate shows publicly.")
class VerifiedCertificate:
    number: str
    student_name: str
    course_title: str
    issued_at: datetime


@strawberry.type(
    description="The answer of the public verification page. `valid` is false for an unknown "
    "code (certificate null) and for a revoked certificate (revokedAt and reason set)."
)
class CertificateVerification:
    valid: bool
    certificate: VerifiedCertificate | None
    revoked_at: datetime | None
    reason: str | None

    @classmethod
    def of(cls, result: service.Verification) -> CertificateVerification:
        row = result.certificate
        shown = (
            VerifiedCertificate(
                number=row.certificate_number,
                student_name=row.student_name,
                course_title=row.course_title,
                issued_at=row.issued_at,
            )
            if row is not None
            else None
        )
        return cls(
            valid=result.valid,
            certificate=shown,
            revoked_at=result.revoked_at,
            reason=result.reason,
        )


@strawberry.input(description="Revoke a certificate (admins); the reason is shown publicly.")
class RevokeCertificateInput(Input):
    certificate_id: strawberry.ID = node_id("Certificate")
    reason: str = strawberry.field(description="At most 1000 characters.")


@strawberry.type
class RevokeCertificatePayload(Payload):
    certificate: Certificate | None = None
