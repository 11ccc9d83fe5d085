"""Trusted documents over HTTP: a partner uploads a manifest of operations by `sha256:` id (each
hash and document checked, all or nothing); requests run them by `documentId` over POST and GET;
a trusted-only API key runs nothing else, and a revoked document no longer runs."""

from __future__ import annotations

import hashlib
import json

import httpx
from sqlalchemy import select

from app.admin.models import TrustedDocument
from app.db import Database
from tests.support.accounts import make_user
from tests.support.partners import create_key, document_id, gql, mutate, session_token, upload

PING = "query Ping { ping }"
ITEMS = "query Items($n: Int) { items(first: $n) { name } }"


async def _partner(database: Database, client: httpx.AsyncClient) -> str:
    return session_token(client, await make_user(database))


def _code(response: httpx.Response) -> str:
    return str(response.json()["errors"][0]["extensions"]["code"])


async def test_a_trusted_only_key_runs_its_manifest_by_document_id_over_post_and_get(
    database: Database, client: httpx.AsyncClient
) -> None:
    token = await _partner(database, client)
    payload = await upload(client, token, "mobile-app", [PING, ITEMS])
    assert payload["errors"] == []
    assert [d["operationName"] for d in payload["documents"]] == ["Ping", "Items"]
    secret, _ = await create_key(client, token, trustedOnly=True, manifest="mobile-app")
    posted = await gql(client, key=secret, documentId=document_id(ITEMS), variables={"n": 2})
    assert posted.json()["data"] == {"items": [{"name": "0"}, {"name": "1"}]}
    fetched = await client.get(
        "/graphql", params={"documentId": document_id(PING)}, headers={"X-Api-Key": secret}
    )
    assert fetched.status_code == 200
    assert fetched.json()["data"] == {"ping": "pong"}
    same_text = await gql(client, PING, key=secret)  # the text of a manifest document is fine
    assert same_text.json()["data"] == {"ping": "pong"}


async def test_a_trusted_only_key_refuses_any_other_document(
    database: Database, client: httpx.AsyncClient
) -> None:
    token = await _partner(database, client)
    await upload(client, token, "mobile-app", [PING])
    secret, _ = await create_key(client, token, trustedOnly=True, manifest="mobile-app")
    adhoc = "{ ping items(first: 1) { name } }"
    apq = {
        "persistedQuery": {"version": 1, "sha256Hash": hashlib.sha256(adhoc.encode()).hexdigest()}
    }
    for response in (
        await gql(client, adhoc, key=secret),
        await gql(client, adhoc, key=secret, extensions=apq),
        await gql(client, key=secret, extensions=apq),
        await client.get("/graphql", params={"query": adhoc}, headers={"X-Api-Key": secret}),
    ):
        assert response.status_code == 403
        assert _code(response) == "PERSISTED_QUERY_NOT_TRUSTED"
        assert "data" not in response.json()


async def test_a_document_of_another_manifest_is_not_found_for_the_key(
    database: Database, client: httpx.AsyncClient
) -> None:
    token = await _partner(database, client)
    await upload(client, token, "mobile-app", [PING])
    await upload(client, token, "web-app", [ITEMS])
    secret, _ = await create_key(client, token, trustedOnly=True, manifest="mobile-app")
    response = await gql(client, key=secret, documentId=document_id(ITEMS))
    assert _code(response) == "PERSISTED_QUERY_NOT_FOUND"
    assert "data" not in response.json()


async def test_a_revoked_document_no_longer_runs(
    database: Database, client: httpx.AsyncClient
) -> None:
    token = await _partner(database, client)
    [doc] = (await upload(client, token, "mobile-app", [PING]))["documents"]
    secret, _ = await create_key(client, token, trustedOnly=True, manifest="mobile-app")
    assert (await gql(client, key=secret, documentId=doc["documentId"])).status_code == 200
    revoked = await mutate(
        client,
        token,
        "revokeTrustedDocument",
        {"id": doc["id"]},
        "trustedDocument { revokedAt } errors { code }",
    )
    assert revoked["trustedDocument"]["revokedAt"]
    for response in (
        await gql(client, key=secret, documentId=doc["documentId"]),
        await gql(client, PING, key=secret),
    ):
        assert response.status_code == 403
        assert _code(response) == "PERSISTED_QUERY_NOT_TRUSTED"
    anonymous = await gql(client, documentId=doc["documentId"])
    assert _code(anonymous) == "PERSISTED_QUERY_NOT_FOUND"


async def test_a_bad_manifest_is_refused_with_typed_errors_and_nothing_is_stored(
    database: Database, client: httpx.AsyncClient
) -> None:
    token = await _partner(database, client)
    invalid = "query Nope { noSuchField }"
    documents = [
        {"documentId": document_id(PING), "document": PING},
        {"documentId": document_id(ITEMS), "document": PING},
        {"documentId": document_id(invalid), "document": invalid},
        {"documentId": "md5:abc", "document": ITEMS},
        {"documentId": document_id("{ ping"), "document": "{ ping"},
    ]
    payload = await mutate(
        client,
        token,
        "uploadTrustedDocuments",
        {"manifest": "mobile app!", "documents": documents},
        "documents { id } errors { field code }",
    )
    assert payload["documents"] is None
    assert payload["errors"] == [
        {"field": "manifest", "code": "INVALID_MANIFEST_NAME"},
        {"field": "documents[1].documentId", "code": "DOCUMENT_HASH_MISMATCH"},
        {"field": "documents[2].document", "code": "INVALID_DOCUMENT"},
        {"field": "documents[3].documentId", "code": "INVALID_DOCUMENT_ID"},
        {"field": "documents[4].document", "code": "INVALID_DOCUMENT"},
    ]
    async with database.session() as session:
        assert (await session.scalars(select(TrustedDocument))).all() == []


async def test_manifests_are_listed_per_manifest_page_by_page(
    database: Database, client: httpx.AsyncClient
) -> None:
    token = await _partner(database, client)
    other = await _partner(database, client)
    await upload(client, token, "mobile-app", [PING, ITEMS])
    await upload(client, token, "web-app", ["query Web { ping }"])
    await upload(client, other, "mobile-app", ["query Theirs { ping }"])
    query = (
        "query($m: String, $after: String) { trustedDocuments(manifest: $m, first: 1, "
        "after: $after) { totalCount edges { node { operationName } } pageInfo { endCursor "
        "hasNextPage } } }"
    )
    names: list[str] = []
    after = None
    while True:
        body = (await gql(client, query, {"m": "mobile-app", "after": after}, token=token)).json()
        page = body["data"]["trustedDocuments"]
        assert page["totalCount"] == 2
        names += [e["node"]["operationName"] for e in page["edges"]]
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
    assert sorted(names) == ["Items", "Ping"]


async def test_any_caller_may_run_a_trusted_document_by_id_and_unknown_ids_are_not_found(
    database: Database, client: httpx.AsyncClient
) -> None:
    token = await _partner(database, client)
    await upload(client, token, "web-app", [ITEMS])
    params = {"documentId": document_id(ITEMS), "variables": json.dumps({"n": 1})}
    anonymous = await client.get("/graphql", params=params)
    assert anonymous.json()["data"] == {"items": [{"name": "0"}]}
    unknown = await gql(client, documentId=document_id("query Unknown { ping }"))
    assert _code(unknown) == "PERSISTED_QUERY_NOT_FOUND"
    malformed = await gql(client, documentId="sha256:XYZ")
    assert malformed.status_code == 400
    both = await gql(client, PING, documentId=document_id(PING))
    assert both.status_code == 400


async def test_an_api_key_cannot_upload_or_revoke_documents(
    database: Database, client: httpx.AsyncClient
) -> None:
    token = await _partner(database, client)
    secret, _ = await create_key(client, token)
    query = (
        "mutation($input: UploadTrustedDocumentsInput!) { uploadTrustedDocuments(input: $input)"
        " { documents { id } } }"
    )
    items = [{"documentId": document_id(PING), "document": PING}]
    response = await gql(
        client, query, {"input": {"manifest": "m", "documents": items}}, key=secret
    )
    assert _code(response) == "FORBIDDEN"
    async with database.session() as session:
        assert (await session.scalars(select(TrustedDocument))).all() == []


async def test_a_key_lists_the_documents_it_may_run(
    database: Database, client: httpx.AsyncClient
) -> None:
    token = await _partner(database, client)
    [ping, _] = (await upload(client, token, "mobile-app", [PING, ITEMS]))["documents"]
    await upload(client, token, "web-app", ["query Web { ping }"])
    await create_key(client, token, trustedOnly=True, manifest="mobile-app")
    await mutate(client, token, "revokeTrustedDocument", {"id": ping["id"]}, "errors { code }")
    query = (
        "query($revoked: Boolean!) { apiKeys { edges { node { manifest owner { id } "
        "trustedDocuments(includeRevoked: $revoked) { totalCount edges { node { "
        "operationName } } } } } } }"
    )
    for revoked, names in ((False, ["Items"]), (True, ["Items", "Ping"])):
        body = (await gql(client, query, {"revoked": revoked}, token=token)).json()
        [edge] = body["data"]["apiKeys"]["edges"]
        documents = edge["node"]["trustedDocuments"]
        assert sorted(e["node"]["operationName"] for e in documents["edges"]) == names
        assert documents["totalCount"] == len(names)
        assert edge["node"]["owner"]["id"]
