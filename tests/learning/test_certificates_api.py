"""Certificates over GraphQL: public verification, the holder's list and download link, and
admin-only revocation (audited)."""

from __future__ import annotations

import io
import uuid
from typing import Any

import pypdf
from sqlalchemy import select

from app.accounts.models import UserRole
from app.admin.models import AuditLogEntry
from app.db import Database
from app.integrations.storage import LocalStorage, make_storage
from app.learning.certificates import issue_certificate
from app.learning.models import Certificate
from app.settings import get_settings
from tests.support import accounts as accounts
from tests.support.catalog import gid, person, token_for
from tests.support.graphql import GraphQLClient
from tests.support.learning import completed_enrollment

# the GraphQL client fixtures (tests/learning has no conftest of its own for them)

VERIFY = """query($code: String!) {
  verifyCertificate(code: $code) {
    valid revokedAt reason certificate { number studentName courseTitle issuedAt }
  }
}"""
CERTIFICATE_FIELDS = """id number verificationCode studentName courseTitle issuedAt revokedAt
  revocationReason verificationUrl downloadUrl course { title }"""
MINE = f"query {{ myCertificates {{ totalCount edges {{ node {{ {CERTIFICATE_FIELDS} }} }} }} }}"
ONE = f"query($id: ID!) {{ certificate(id: $id) {{ {CERTIFICATE_FIELDS} }} }}"


def local_storage() -> LocalStorage:
    """The storage the GraphQL context builds from settings (LocalStorage under DATA_DIR)."""
    storage = make_storage(get_settings())
    assert isinstance(storage, LocalStorage)
    return storage


async def issued(database: Database, **kwargs: Any) -> tuple[Certificate, Any]:
    enrollment, student, _ = await completed_enrollment(database, **kwargs)
    cert = await issue_certificate(
        database, local_storage(), get_settings(), enrollment_id=enrollment.id
    )
    return cert, student


async def revoke(client: GraphQLClient, cert: Certificate, reason: str, token: str) -> Any:
    return await client.mutate(
        "revokeCertificate",
        {"certificateId": gid("Certificate", cert.id), "reason": reason},
        "certificate { revokedAt revocationReason }",
        token=token,
    )


async def stored(database: Database, cert: Certificate) -> Certificate:
    async with database.session() as session:
        row = await session.get(Certificate, cert.id)
        assert row is not None
        return row


# --- verifyCertificate (public) ----------------------------------------------------------------


async def test_anyone_can_verify_a_certificate_by_its_code(
    client: GraphQLClient, database: Database
) -> None:
    cert, _ = await issued(database)

    answer = (await client.execute(VERIFY, {"code": cert.verification_code})).payload(
        "verifyCertificate"
    )

    assert answer["valid"] is True
    assert answer["revokedAt"] is None
    assert answer["certificate"]["number"] == cert.certificate_number
    assert answer["certificate"]["studentName"] == "Ada Lovelace"
    assert answer["certificate"]["courseTitle"] == cert.course_title


async def test_an_unknown_code_is_not_valid_and_not_an_error(
    client: GraphQLClient, database: Database
) -> None:
    for code in ("no-such-code", "", "x" * 500):
        answer = (await client.execute(VERIFY, {"code": code})).payload("verifyCertificate")

        assert answer["valid"] is False
        assert answer["certificate"] is None
        assert answer["reason"]


async def test_a_revoked_certificate_is_not_valid_and_says_when_and_why(
    client: GraphQLClient, database: Database
) -> None:
    cert, _ = await issued(database)
    admin = await person(database, UserRole.ADMIN)
    await revoke(client, cert, "Academic misconduct", token_for(client, admin))

    answer = (await client.execute(VERIFY, {"code": cert.verification_code})).payload(
        "verifyCertificate"
    )

    assert answer["valid"] is False
    assert answer["revokedAt"] is not None
    assert answer["reason"] == "Academic misconduct"
    assert answer["certificate"]["number"] == cert.certificate_number


# --- the holder's certificates -----------------------------------------------------------------


async def test_students_list_only_their_own_certificates(
    client: GraphQLClient, database: Database
) -> None:
    mine, student = await issued(database)
    await issued(database)

    listing = (await client.execute(MINE, token=token_for(client, student))).payload(
        "myCertificates"
    )

    assert listing["totalCount"] == 1
    [edge] = listing["edges"]
    node = edge["node"]
    assert node["number"] == mine.certificate_number
    assert node["course"]["title"] == mine.course_title
    assert node["verificationUrl"].endswith(f"/certificates/verify/{mine.verification_code}")


async def test_listing_certificates_needs_a_signed_in_user(client: GraphQLClient) -> None:
    outcome = await client.execute(MINE)

    assert outcome.codes == ["UNAUTHENTICATED"]


async def test_the_holder_gets_a_signed_expiring_download_link_to_the_pdf(
    client: GraphQLClient, database: Database
) -> None:
    cert, student = await issued(database)

    node = (
        await client.execute(
            ONE, {"id": gid("Certificate", cert.id)}, token=token_for(client, student)
        )
    ).payload("certificate")

    storage = local_storage()
    token = node["downloadUrl"].rsplit("/files/download/", 1)[1]
    grant = storage.signer.verify(token, "get")
    assert grant.key == cert.pdf_storage_key
    assert grant.filename == f"{cert.certificate_number}.pdf"
    data = await storage.read(grant.key)
    assert cert.certificate_number in pypdf.PdfReader(io.BytesIO(data)).pages[0].extract_text()


async def test_other_users_cannot_see_a_certificate_but_admins_can(
    client: GraphQLClient, database: Database
) -> None:
    cert, _ = await issued(database)
    stranger = await person(database)
    admin = await person(database, UserRole.ADMIN)
    variables = {"id": gid("Certificate", cert.id)}

    hidden = await client.execute(ONE, variables, token=token_for(client, stranger))
    anonymous = await client.execute(ONE, variables)
    shown = await client.execute(ONE, variables, token=token_for(client, admin))

    for outcome in (hidden, anonymous):
        assert outcome.data == {"certificate": None}
        assert [(e.path, e.extensions["code"]) for e in outcome.errors] == [
            (["certificate"], "NOT_FOUND")
        ]
    assert shown.payload("certificate")["downloadUrl"]


# --- revokeCertificate (admins) ----------------------------------------------------------------


async def test_an_admin_revokes_a_certificate_and_the_audit_log_records_it(
    client: GraphQLClient, database: Database
) -> None:
    cert, _ = await issued(database)
    admin = await person(database, UserRole.ADMIN)

    payload = (await revoke(client, cert, "Plagiarism", token_for(client, admin))).payload(
        "revokeCertificate"
    )

    assert payload["errors"] == []
    assert payload["certificate"]["revocationReason"] == "Plagiarism"
    assert (await stored(database, cert)).revoked_at is not None
    async with database.session() as session:
        [entry] = await session.scalars(select(AuditLogEntry))
    assert (entry.actor_id, entry.action, entry.entity_id) == (
        admin.id,
        "certificate.revoke",
        str(cert.id),
    )
    assert entry.changes["reason"] == "Plagiarism"


async def test_only_admins_revoke_certificates(client: GraphQLClient, database: Database) -> None:
    cert, student = await issued(database)
    teacher = await person(database, UserRole.INSTRUCTOR)

    for caller in (student, teacher):
        outcome = await revoke(client, cert, "Because", token_for(client, caller))
        assert outcome.codes == ["FORBIDDEN"]

    assert (await stored(database, cert)).revoked_at is None


async def test_revoking_needs_a_reason_and_changes_nothing_without_one(
    client: GraphQLClient, database: Database
) -> None:
    cert, _ = await issued(database)
    admin = await person(database, UserRole.ADMIN)

    payload = (await revoke(client, cert, "   ", token_for(client, admin))).payload(
        "revokeCertificate"
    )

    assert [(e["field"], e["code"]) for e in payload["errors"]] == [("reason", "REQUIRED")]
    assert (await stored(database, cert)).revoked_at is None


async def test_a_certificate_is_revoked_only_once(
    client: GraphQLClient, database: Database
) -> None:
    cert, _ = await issued(database)
    token = token_for(client, await person(database, UserRole.ADMIN))
    await revoke(client, cert, "First", token)

    payload = (await revoke(client, cert, "Second", token)).payload("revokeCertificate")

    assert [e["code"] for e in payload["errors"]] == ["ALREADY_REVOKED"]
    assert (await stored(database, cert)).revocation_reason == "First"


async def test_revoking_an_unknown_certificate_is_not_found(
    client: GraphQLClient, database: Database
) -> None:
    cert, _ = await issued(database)
    token = token_for(client, await person(database, UserRole.ADMIN))

    for certificate_id in (gid("Certificate", uuid.uuid4()), gid("Course", cert.id), "junk"):
        outcome = await client.mutate(
            "revokeCertificate",
            {"certificateId": certificate_id, "reason": "x"},
            "certificate { id }",
            token=token,
        )
        assert outcome.codes == ["NOT_FOUND"]

    assert (await stored(database, cert)).revoked_at is None


async def test_an_enrollment_links_to_the_certificate_it_earned(
    client: GraphQLClient, database: Database
) -> None:
    """Property 27: the enrollment record leads to its certificate (holder and admins)."""
    cert, student = await issued(database)
    query = "query($id: ID!) { enrollment(id: $id) { status certificate { number } } }"
    variables = {"id": gid("Enrollment", cert.enrollment_id)}
    mine = await client.execute(query, variables, token=token_for(client, student))
    assert mine.data == {
        "enrollment": {"status": "COMPLETED", "certificate": {"number": cert.certificate_number}}
    }
    admin = await person(database, UserRole.ADMIN)
    seen_by_admin = await client.execute(query, variables, token=token_for(client, admin))
    assert seen_by_admin.data is not None
    assert seen_by_admin.data["enrollment"]["certificate"] == {"number": cert.certificate_number}
