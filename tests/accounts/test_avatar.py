"""updateProfile(avatarUploadId): an avatar is a finished AVATAR upload of the user's own,
attached by reference; UserProfile.avatarUrl is its stable public URL."""

from __future__ import annotations

from typing import Any

from strawberry import relay

from app.accounts.models import User
from app.integrations.storage import LocalStorage, make_storage
from app.media.models import FileAsset, FilePurpose
from tests.support.accounts import login, make_user
from tests.support.graphql import GraphQLClient
from tests.support.media import PDF, PNG, app_http, finished_upload

AVATAR = "user { profile { avatarUrl } }"


def gid(asset: FileAsset) -> str:
    return str(relay.GlobalID("FileAsset", str(asset.id)))


def storage_of(client: GraphQLClient) -> LocalStorage:
    storage = make_storage(client.settings)
    assert isinstance(storage, LocalStorage)
    return storage


async def signed_in(client: GraphQLClient) -> tuple[User, str]:
    user = await make_user(client.database)
    return user, (await login(client, user.email))["accessToken"]


async def set_avatar(client: GraphQLClient, token: str, upload_id: str | None) -> dict[str, Any]:
    outcome = await client.mutate(
        "updateProfile", {"avatarUploadId": upload_id}, AVATAR, token=token
    )
    return outcome.payload("updateProfile")


def refused(payload: dict[str, Any]) -> list[tuple[str, str]]:
    return [(e["field"], e["code"]) for e in payload["errors"]]


async def test_an_avatar_upload_is_attached_and_served_at_a_stable_public_url(
    client: GraphQLClient,
) -> None:
    user, token = await signed_in(client)
    storage = storage_of(client)
    asset = await finished_upload(client.database, storage, user.id)

    payload = await set_avatar(client, token, gid(asset))

    url = payload["user"]["profile"]["avatarUrl"]
    assert payload["errors"] == []
    assert url == f"http://127.0.0.1:8000/files/{asset.storage_key}"
    assert asset.storage_key.startswith(f"public/avatar/{user.id}/{asset.id}/")
    anonymous = await client.execute(
        "query($id: ID!) { user(id: $id) { profile { avatarUrl } } }",
        {"id": str(relay.GlobalID("User", str(user.id)))},
    )
    assert anonymous.payload("user") == {"profile": {"avatarUrl": url}}
    async with app_http(client.settings, storage) as http:
        served = await http.get(url)
    assert served.status_code == 200
    assert served.content == PNG
    assert served.headers["content-type"] == "image/png"
    assert served.headers["cache-control"] == "public, max-age=31536000, immutable"


async def test_a_new_avatar_replaces_the_old_and_null_removes_it(client: GraphQLClient) -> None:
    user, token = await signed_in(client)
    storage = storage_of(client)
    first = await finished_upload(client.database, storage, user.id)
    second = await finished_upload(client.database, storage, user.id, file_name="new.png")

    await set_avatar(client, token, gid(first))
    replaced = await set_avatar(client, token, gid(second))
    removed = await set_avatar(client, token, None)

    assert replaced["user"]["profile"]["avatarUrl"].endswith(f"/{second.id}/new.png")
    assert removed == {"user": {"profile": {"avatarUrl": None}}, "errors": []}


async def test_someone_elses_upload_is_refused(client: GraphQLClient) -> None:
    _, token = await signed_in(client)
    other = await make_user(client.database)
    theirs = await finished_upload(client.database, storage_of(client), other.id)

    payload = await set_avatar(client, token, gid(theirs))

    assert refused(payload) == [("avatarUploadId", "FILE_NOT_FOUND")]
    assert payload["user"] is None


async def test_an_unfinished_upload_is_refused(client: GraphQLClient) -> None:
    user, token = await signed_in(client)
    pending = await finished_upload(client.database, storage_of(client), user.id, finalize=False)

    assert refused(await set_avatar(client, token, gid(pending))) == [
        ("avatarUploadId", "FILE_NOT_FOUND")
    ]


async def test_an_upload_for_another_purpose_is_refused(client: GraphQLClient) -> None:
    user, token = await signed_in(client)
    essay = await finished_upload(
        client.database,
        storage_of(client),
        user.id,
        purpose=FilePurpose.ASSIGNMENT_SUBMISSION,
        body=PDF,
        file_name="essay.pdf",
        content_type="application/pdf",
    )

    assert refused(await set_avatar(client, token, gid(essay))) == [
        ("avatarUploadId", "FILE_NOT_FOUND")
    ]


async def test_a_refused_avatar_changes_nothing_else_and_every_error_is_reported(
    client: GraphQLClient,
) -> None:
    _, token = await signed_in(client)
    outcome = await client.mutate(
        "updateProfile",
        {"bio": "New bio", "timezone": "Mars/Olympus", "avatarUploadId": "nonsense"},
        "user { profile { bio } }",
        token=token,
    )

    assert sorted(refused(outcome.payload("updateProfile"))) == [
        ("avatarUploadId", "FILE_NOT_FOUND"),
        ("timezone", "INVALID_TIMEZONE"),
    ]
    me = await client.execute("{ me { profile { bio avatarUrl } } }", token=token)
    assert me.payload("me") == {"profile": {"bio": None, "avatarUrl": None}}
