"""Signed links of the local storage: one hour for uploads (Property 19), bound to the key,
content type and size; forged, altered or expired links are refused; bodies over the limit are
cut off with 413 and nothing is stored."""

from __future__ import annotations

import time
import uuid
from collections.abc import AsyncIterator

import httpx
import pytest

from app.integrations.storage import Grant, LocalStorage, StorageError
from tests.support.media import PDF


@pytest.fixture
def key() -> str:
    return f"uploads/test/{uuid.uuid4()}/doc.pdf"


def _token(url: str) -> str:
    return url.rsplit("/", 1)[-1]


async def test_property_19_upload_links_are_valid_for_exactly_one_hour(
    storage: LocalStorage, key: str
) -> None:
    """Property 19: usable during the hour after it was issued, refused from then on."""
    issued = int(time.time())
    target = storage.upload_target(key, content_type="application/pdf", max_size=10)
    assert int(target.expires_at.timestamp()) - issued in (3600, 3601)
    token = _token(target.url)
    expiry = int(target.expires_at.timestamp())

    assert storage.signer.verify(token, "put", now=expiry - 1).key == key
    with pytest.raises(StorageError, match="expired"):
        storage.signer.verify(token, "put", now=expiry)


async def test_property_19_an_upload_within_the_hour_succeeds(
    storage: LocalStorage, http: httpx.AsyncClient, key: str
) -> None:
    """Property 19: the link allows the upload while valid."""
    target = storage.upload_target(key, content_type="application/pdf", max_size=len(PDF))
    response = await http.put(target.url, content=PDF, headers=target.headers)
    assert response.status_code == 200
    assert await storage.read(key) == PDF


async def test_an_expired_upload_link_is_refused(
    storage: LocalStorage, http: httpx.AsyncClient, key: str
) -> None:
    target = storage.upload_target(key, content_type="application/pdf", max_size=99, expires_in=-1)
    response = await http.put(target.url, content=PDF, headers=target.headers)
    assert response.status_code == 403
    assert await storage.head(key) is None


async def test_download_links_last_fifteen_minutes_by_default(
    storage: LocalStorage, key: str
) -> None:
    url = storage.download_url(key)
    grant = storage.signer.verify(_token(url), "get")
    assert grant.expires - int(time.time()) in (900, 899)


@pytest.mark.parametrize(
    "tamper",
    [
        lambda t: t[:-2] + ("AA" if not t.endswith("AA") else "BB"),  # altered signature
        lambda t: "x" + t,  # altered grant
        lambda t: t.split(".")[0],  # no signature
    ],
)
async def test_forged_upload_links_are_refused(
    storage: LocalStorage, http: httpx.AsyncClient, tamper: object, key: str
) -> None:
    target = storage.upload_target(key, content_type="application/pdf", max_size=len(PDF))
    forged = target.url.replace(_token(target.url), tamper(_token(target.url)))  # type: ignore[operator]
    response = await http.put(forged, content=PDF, headers=target.headers)
    assert response.status_code == 403
    assert await storage.head(key) is None


async def test_a_grant_signed_with_another_secret_is_refused(
    storage: LocalStorage, http: httpx.AsyncClient, key: str
) -> None:
    other = LocalStorage(storage.root, secret_key="another-secret", public_url="http://x")
    target = other.upload_target(key, content_type="application/pdf", max_size=len(PDF))
    response = await http.put(
        f"/files/upload/{_token(target.url)}", content=PDF, headers=target.headers
    )
    assert response.status_code == 403


async def test_a_download_link_cannot_be_used_to_upload(
    storage: LocalStorage, http: httpx.AsyncClient, key: str
) -> None:
    url = storage.download_url(key)
    response = await http.put(
        f"/files/upload/{_token(url)}", content=PDF, headers={"Content-Type": "application/pdf"}
    )
    assert response.status_code == 403


async def test_the_upload_must_carry_the_content_type_the_link_was_issued_for(
    storage: LocalStorage, http: httpx.AsyncClient, key: str
) -> None:
    target = storage.upload_target(key, content_type="application/pdf", max_size=len(PDF))
    response = await http.put(target.url, content=PDF, headers={"Content-Type": "image/png"})
    assert response.status_code == 403


async def test_a_declared_length_over_the_limit_is_refused_with_413(
    storage: LocalStorage, http: httpx.AsyncClient, key: str
) -> None:
    target = storage.upload_target(key, content_type="application/pdf", max_size=len(PDF) - 1)
    response = await http.put(target.url, content=PDF, headers=target.headers)
    assert response.status_code == 413
    assert await storage.head(key) is None


async def test_a_streamed_body_over_the_limit_is_cut_off_with_413(
    storage: LocalStorage, http: httpx.AsyncClient, key: str
) -> None:
    """No Content-Length (chunked): the route counts while streaming and stores nothing."""
    target = storage.upload_target(key, content_type="application/pdf", max_size=100_000)

    async def chunks() -> AsyncIterator[bytes]:
        for _ in range(50):
            yield b"x" * 4096

    response = await http.put(target.url, content=chunks(), headers=target.headers)
    assert response.status_code == 413
    assert await storage.head(key) is None
    assert not any(p.name.startswith(".upload-") for p in storage.object_path(key).parent.iterdir())


async def test_downloads_name_the_file_and_forged_download_links_are_refused(
    storage: LocalStorage, http: httpx.AsyncClient, key: str
) -> None:
    await storage.put(key, PDF, "application/pdf")
    url = storage.download_url(key, filename="Résumé 2026.pdf")
    response = await http.get(url)
    assert response.status_code == 200
    assert response.content == PDF
    disposition = response.headers["content-disposition"]
    assert disposition == "attachment; filename*=utf-8''R%C3%A9sum%C3%A9%202026.pdf"
    assert (await http.get(url + "x")).status_code == 403
    expired = storage.signer.sign(Grant(op="get", key=key, expires=int(time.time()) - 1))
    assert (await http.get(f"/files/download/{expired}")).status_code == 403


@pytest.mark.parametrize(
    "bad_key", ["../etc/passwd", "/abs", "a/../../b", "a//b", "a/./b", "a/", ""]
)
async def test_keys_never_escape_the_storage_root(storage: LocalStorage, bad_key: str) -> None:
    with pytest.raises(StorageError):
        await storage.put(bad_key, b"x", "text/plain")
