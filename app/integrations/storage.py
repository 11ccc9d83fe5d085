"""Object storage: one `Storage` interface, a local-disk backend and an S3-compatible backend.

Keys are relative paths ("uploads/<owner>/<id>/name.pdf"); callers never build URLs themselves:
`upload_target()` hands out where and how a client uploads directly (signed, expiring, bound to
the content type), `download_url()` a signed, expiring GET with a Content-Disposition filename,
`public_url()` the stable, unsigned URL of an object under `public/` (anyone may read those).

- `LocalStorage` keeps objects under {data_dir}/storage/objects (content type in a sidecar under
  storage/meta). Its URLs point at the API itself (`PUT /files/upload/<token>`,
  `GET /files/download/<token>`, `GET /files/public/<key below public/>`, app/http/files.py); a
  token is an HMAC-SHA256 grant, signed with a key derived from SECRET_KEY, naming the operation,
  key, content type, size limit and expiry.
- `S3Storage` uses boto3 presigned URLs (SigV4, so `X-Amz-Expires` is the lifetime); blocking
  calls run in a thread. S3_PUBLIC_ENDPOINT_URL signs URLs for the host browsers reach when the
  API talks to the bucket over an internal address (e.g. MinIO in docker compose). Public URLs
  are `<S3_PUBLIC_BASE_URL>/<key>` (a CDN) when set, else the bucket's own address: the
  virtual-hosted AWS URL, or `<public endpoint>/<bucket>/<key>` with a custom endpoint.

The methods doing I/O are async; the URL builders are sync (pure computation for both backends).
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import os
import re
import shutil
import tempfile
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal, Protocol
from urllib.parse import quote

import orjson

from app.settings import Settings

_KEY_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._\-/]{0,511}$")
PUBLIC_PREFIX = "public/"  # objects anyone may read, at a stable URL
_TOKEN_CONTEXT = b"easyways:storage-url:v1"
_CHUNK = 64 * 1024


class StorageError(Exception):
    """The storage backend failed or refused (bad key, missing object, backend error)."""


class ObjectNotFound(StorageError):
    pass


@dataclass(frozen=True)
class ObjectInfo:
    size: int
    content_type: str | None


@dataclass(frozen=True)
class UploadTarget:
    """Where a client sends the file: `method url` with exactly these headers, before expires_at."""

    url: str
    method: str
    headers: dict[str, str] = field(default_factory=dict)
    expires_at: datetime = field(default_factory=lambda: datetime.now(UTC))


class Storage(Protocol):
    name: Literal["local", "s3"]  # app.media.models.StorageBackend value

    async def put(self, key: str, data: bytes, content_type: str) -> None: ...

    async def put_file(self, key: str, path: Path, content_type: str) -> None:
        """Store the file at `path` as `key` without holding it in memory (large exports)."""
        ...

    async def head(self, key: str) -> ObjectInfo | None: ...

    async def read(self, key: str, max_bytes: int | None = None) -> bytes: ...

    async def delete(self, key: str) -> None: ...

    def upload_target(
        self, key: str, *, content_type: str, max_size: int, expires_in: int | None = None
    ) -> UploadTarget: ...

    def download_url(
        self, key: str, *, expires_in: int | None = None, filename: str | None = None
    ) -> str: ...

    def public_url(self, key: str) -> str:
        """The stable, unsigned URL of an object under `public/` (StorageError otherwise)."""
        ...


def check_key(key: str) -> str:
    """Keys are relative paths of safe characters, never escaping the storage root."""
    if not _KEY_RE.match(key) or {"", ".", ".."} & set(key.split("/")):
        raise StorageError(f"invalid storage key: {key!r}")
    return key


def check_public_key(key: str) -> str:
    """A key under `public/`: the only objects served without a signature."""
    if not check_key(key).startswith(PUBLIC_PREFIX):
        raise StorageError(f"not a public key: {key!r}")
    return key


def _expires_at(expires_in: int) -> datetime:
    return datetime.fromtimestamp(int(time.time()) + expires_in, UTC)


# --- signed grants for the local backend -------------------------------------------------------


@dataclass(frozen=True)
class Grant:
    """What a local storage token allows: `op` ("put" | "get") on `key` until `expires` (unix);
    "stream" grants GETs of everything under the prefix `key` (a video's HLS files)."""

    op: Literal["put", "get", "stream"]
    key: str
    expires: int
    content_type: str | None = None
    max_size: int | None = None
    filename: str | None = None


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


class GrantSigner:
    def __init__(self, secret_key: str) -> None:
        self._key = hmac.new(secret_key.encode(), _TOKEN_CONTEXT, hashlib.sha256).digest()

    def _mac(self, body: str) -> str:
        return _b64(hmac.new(self._key, body.encode(), hashlib.sha256).digest())

    def sign(self, grant: Grant) -> str:
        payload = {
            "op": grant.op,
            "k": grant.key,
            "exp": grant.expires,
            "ct": grant.content_type,
            "max": grant.max_size,
            "fn": grant.filename,
        }
        body = _b64(orjson.dumps(payload))
        return f"{body}.{self._mac(body)}"

    def verify(
        self, token: str, op: Literal["put", "get", "stream"], *, now: float | None = None
    ) -> Grant:
        """The grant of a genuine, unexpired token for `op`; StorageError otherwise."""
        body, _, mac = token.partition(".")
        if not body or not mac or not hmac.compare_digest(mac, self._mac(body)):
            raise StorageError("invalid signature")
        try:
            data = orjson.loads(_unb64(body))
            grant = Grant(
                op=data["op"],
                key=data["k"],
                expires=int(data["exp"]),
                content_type=data.get("ct"),
                max_size=data.get("max"),
                filename=data.get("fn"),
            )
        except (ValueError, KeyError, TypeError) as exc:
            raise StorageError("malformed token") from exc
        if grant.op != op:
            raise StorageError("token not valid for this operation")
        if (time.time() if now is None else now) >= grant.expires:
            raise StorageError("token expired")
        check_key(grant.key)
        return grant


# --- local disk --------------------------------------------------------------------------------


class LocalStorage:
    name: Literal["local", "s3"] = "local"

    def __init__(
        self,
        root: Path,
        *,
        secret_key: str,
        public_url: str,
        upload_ttl: int = 3600,
        download_ttl: int = 900,
    ) -> None:
        self.root = Path(root)
        self.signer = GrantSigner(secret_key)
        self.base_url = public_url.rstrip("/")
        self.upload_ttl = upload_ttl
        self.download_ttl = download_ttl

    def object_path(self, key: str) -> Path:
        return self.root / "objects" / check_key(key)

    def _meta_path(self, key: str) -> Path:
        return self.root / "meta" / f"{check_key(key)}.json"

    # I/O ---------------------------------------------------------------------------------------

    async def put(self, key: str, data: bytes, content_type: str) -> None:
        await asyncio.to_thread(self._write, key, [data], content_type)

    def _write(self, key: str, chunks: list[bytes], content_type: str) -> None:
        fd, tmp = self.temp_file(key)
        try:
            with os.fdopen(fd, "wb") as handle:
                for chunk in chunks:
                    handle.write(chunk)
            self.commit_file(key, tmp, content_type)
        finally:
            tmp.unlink(missing_ok=True)

    async def put_file(self, key: str, path: Path, content_type: str) -> None:
        await asyncio.to_thread(self._copy_in, key, path, content_type)

    def _copy_in(self, key: str, source: Path, content_type: str) -> None:
        fd, tmp = self.temp_file(key)
        try:
            with os.fdopen(fd, "wb") as handle, source.open("rb") as original:
                shutil.copyfileobj(original, handle, _CHUNK)
            self.commit_file(key, tmp, content_type)
        finally:
            tmp.unlink(missing_ok=True)

    def temp_file(self, key: str) -> tuple[int, Path]:
        """An open temporary file (fd, path) beside the object, for `commit_file`."""
        path = self.object_path(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".upload-")
        return fd, Path(tmp)

    def commit_file(self, key: str, tmp: Path, content_type: str) -> None:
        """Atomically publishes an already written temporary file (same directory) as `key`."""
        path = self.object_path(key)
        meta = self._meta_path(key)
        meta.parent.mkdir(parents=True, exist_ok=True)
        meta.write_bytes(orjson.dumps({"content_type": content_type}))
        os.replace(tmp, path)

    async def head(self, key: str) -> ObjectInfo | None:
        return await asyncio.to_thread(self._head, key)

    def _head(self, key: str) -> ObjectInfo | None:
        path = self.object_path(key)
        try:
            size = path.stat().st_size
        except FileNotFoundError:
            return None
        try:
            content_type = orjson.loads(self._meta_path(key).read_bytes()).get("content_type")
        except (FileNotFoundError, orjson.JSONDecodeError):
            content_type = None
        return ObjectInfo(size=size, content_type=content_type)

    async def read(self, key: str, max_bytes: int | None = None) -> bytes:
        return await asyncio.to_thread(self._read, key, max_bytes)

    def _read(self, key: str, max_bytes: int | None) -> bytes:
        try:
            with self.object_path(key).open("rb") as handle:
                return handle.read() if max_bytes is None else handle.read(max_bytes)
        except FileNotFoundError as exc:
            raise ObjectNotFound(key) from exc

    async def delete(self, key: str) -> None:
        await asyncio.to_thread(self._delete, key)

    def _delete(self, key: str) -> None:
        self.object_path(key).unlink(missing_ok=True)
        self._meta_path(key).unlink(missing_ok=True)

    # URLs --------------------------------------------------------------------------------------

    def upload_target(
        self, key: str, *, content_type: str, max_size: int, expires_in: int | None = None
    ) -> UploadTarget:
        expires_at = _expires_at(self.upload_ttl if expires_in is None else expires_in)
        token = self.signer.sign(
            Grant(
                op="put",
                key=check_key(key),
                expires=int(expires_at.timestamp()),
                content_type=content_type,
                max_size=max_size,
            )
        )
        return UploadTarget(
            url=f"{self.base_url}/files/upload/{token}",
            method="PUT",
            headers={"Content-Type": content_type},
            expires_at=expires_at,
        )

    def download_url(
        self, key: str, *, expires_in: int | None = None, filename: str | None = None
    ) -> str:
        expires_at = _expires_at(self.download_ttl if expires_in is None else expires_in)
        grant = Grant(
            op="get", key=check_key(key), expires=int(expires_at.timestamp()), filename=filename
        )
        return f"{self.base_url}/files/download/{self.signer.sign(grant)}"

    def public_url(self, key: str) -> str:
        rest = check_public_key(key).removeprefix(PUBLIC_PREFIX)
        return f"{self.base_url}/files/public/{quote(rest)}"


# --- S3-compatible -----------------------------------------------------------------------------


def content_disposition(filename: str) -> str:
    """attachment; with an ASCII fallback and the RFC 5987 UTF-8 name."""
    ascii_name = filename.encode("ascii", "ignore").decode().replace('"', "") or "download"
    return f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(filename)}"


class S3Storage:
    name: Literal["local", "s3"] = "s3"

    def __init__(
        self,
        *,
        bucket: str,
        region: str,
        endpoint_url: str | None = None,
        public_endpoint_url: str | None = None,
        access_key_id: str | None = None,
        secret_access_key: str | None = None,
        public_base_url: str | None = None,
        upload_ttl: int = 3600,
        download_ttl: int = 900,
    ) -> None:
        import boto3
        from botocore.config import Config

        config = Config(signature_version="s3v4", s3={"addressing_style": "path"})
        credentials: dict[str, Any] = {"region_name": region, "config": config}
        if access_key_id:
            credentials |= {
                "aws_access_key_id": access_key_id,
                "aws_secret_access_key": secret_access_key,
            }
        self.bucket = bucket
        self.client = boto3.client("s3", endpoint_url=endpoint_url or None, **credentials)
        self.signing_client = (
            boto3.client("s3", endpoint_url=public_endpoint_url, **credentials)
            if public_endpoint_url
            else self.client
        )
        self.upload_ttl = upload_ttl
        self.download_ttl = download_ttl
        self.public_base_url = (
            public_base_url or _bucket_url(bucket, region, public_endpoint_url or endpoint_url)
        ).rstrip("/")

    @staticmethod
    def _missing(exc: Exception) -> bool:
        response = getattr(exc, "response", None) or {}
        code = str(response.get("Error", {}).get("Code", ""))
        return code in {"404", "NoSuchKey", "NotFound"}

    async def put(self, key: str, data: bytes, content_type: str) -> None:
        await asyncio.to_thread(
            self.client.put_object,
            Bucket=self.bucket,
            Key=check_key(key),
            Body=data,
            ContentType=content_type,
        )

    async def put_file(self, key: str, path: Path, content_type: str) -> None:
        """A multipart upload for large files (boto3's managed transfer, chunk by chunk)."""
        await asyncio.to_thread(
            self.client.upload_file,
            str(path),
            self.bucket,
            check_key(key),
            ExtraArgs={"ContentType": content_type},
        )

    async def head(self, key: str) -> ObjectInfo | None:
        from botocore.exceptions import ClientError

        try:
            meta = await asyncio.to_thread(
                self.client.head_object, Bucket=self.bucket, Key=check_key(key)
            )
        except ClientError as exc:
            if self._missing(exc):
                return None
            raise StorageError(str(exc)) from exc
        return ObjectInfo(size=int(meta["ContentLength"]), content_type=meta.get("ContentType"))

    async def read(self, key: str, max_bytes: int | None = None) -> bytes:
        from botocore.exceptions import ClientError

        params: dict[str, Any] = {"Bucket": self.bucket, "Key": check_key(key)}
        if max_bytes is not None:
            if max_bytes <= 0:
                return b""
            params["Range"] = f"bytes=0-{max_bytes - 1}"
        try:
            return await asyncio.to_thread(self._get_body, params)
        except ClientError as exc:
            if self._missing(exc):
                raise ObjectNotFound(key) from exc
            raise StorageError(str(exc)) from exc

    def _get_body(self, params: dict[str, Any]) -> bytes:
        body = self.client.get_object(**params)["Body"]
        try:
            return bytes(body.read())
        finally:
            body.close()

    async def delete(self, key: str) -> None:
        await asyncio.to_thread(self.client.delete_object, Bucket=self.bucket, Key=check_key(key))

    def upload_target(
        self, key: str, *, content_type: str, max_size: int, expires_in: int | None = None
    ) -> UploadTarget:
        """A presigned PUT bound to the content type; the size is checked at finalize."""
        ttl = self.upload_ttl if expires_in is None else expires_in
        url = self.signing_client.generate_presigned_url(
            "put_object",
            Params={"Bucket": self.bucket, "Key": check_key(key), "ContentType": content_type},
            ExpiresIn=ttl,
            HttpMethod="PUT",
        )
        return UploadTarget(
            url=url,
            method="PUT",
            headers={"Content-Type": content_type},
            expires_at=_expires_at(ttl),
        )

    def download_url(
        self, key: str, *, expires_in: int | None = None, filename: str | None = None
    ) -> str:
        params: dict[str, Any] = {"Bucket": self.bucket, "Key": check_key(key)}
        if filename:
            params["ResponseContentDisposition"] = content_disposition(filename)
        url: str = self.signing_client.generate_presigned_url(
            "get_object",
            Params=params,
            ExpiresIn=self.download_ttl if expires_in is None else expires_in,
        )
        return url

    def public_url(self, key: str) -> str:
        return f"{self.public_base_url}/{quote(check_public_key(key))}"


def _bucket_url(bucket: str, region: str, endpoint_url: str | None) -> str:
    """Where the bucket answers anonymous GETs: path style under a custom endpoint (MinIO),
    AWS's virtual-hosted address otherwise."""
    if endpoint_url:
        return f"{endpoint_url.rstrip('/')}/{bucket}"
    return f"https://{bucket}.s3.{region}.amazonaws.com"


def make_storage(settings: Settings) -> Storage:
    """The configured backend (STORAGE_BACKEND)."""
    if settings.storage_backend == "s3":
        if not settings.s3_bucket:
            raise StorageError("STORAGE_BACKEND=s3 needs S3_BUCKET")
        return S3Storage(
            bucket=settings.s3_bucket,
            region=settings.s3_region,
            endpoint_url=settings.s3_endpoint_url or None,
            public_endpoint_url=settings.s3_public_endpoint_url or None,
            access_key_id=settings.s3_access_key_id or None,
            secret_access_key=settings.s3_secret_access_key or None,
            public_base_url=settings.s3_public_base_url or None,
            upload_ttl=settings.upload_url_ttl_seconds,
            download_ttl=settings.download_url_ttl_seconds,
        )
    return LocalStorage(
        Path(settings.data_dir) / "storage",
        secret_key=settings.secret_key,
        public_url=settings.public_api_url,
        upload_ttl=settings.upload_url_ttl_seconds,
        download_ttl=settings.download_url_ttl_seconds,
    )
