"""Upload and download routes of the local storage backend (app/integrations/storage.py).

`PUT /files/upload/<token>`: the body becomes the object the token names. The request's
Content-Type must be the one the token was issued for (403 otherwise, like an S3 presigned PUT);
a body longer than the token's size limit is refused with 413 while streaming — never buffered
in memory, and nothing is stored. `GET /files/download/<token>`: the object, with the token's file
name in Content-Disposition. Forged, altered or expired tokens: 403.

`GET /files/stream/<token>/<path>`: a video's HLS playlists and (local backend) segments under
the prefix the token grants (app/media/streaming.py); playlists are rewritten with signed
segment URLs for the S3 backend. Not cached by browsers or proxies (`private, no-store`: the URL
is a capability). Forged, altered or expired tokens, or paths outside the prefix: 403.

`GET /files/public/<path>`: the object `public/<path>` (avatars, course images) without any
signature, cacheable for a year by anyone (`immutable`: the key holds the asset id, so the bytes
under one URL never change); 404 for anything else. With the S3 backend these routes answer 404
(clients use the bucket's URLs instead).
"""

from __future__ import annotations

import asyncio
import os
from typing import Literal

from starlette.requests import Request
from starlette.responses import FileResponse, JSONResponse, Response
from starlette.routing import Route

from app.integrations.storage import PUBLIC_PREFIX, Grant, LocalStorage, StorageError, check_key
from app.media import streaming
from app.settings import get_settings

PUBLIC_CACHE = "public, max-age=31536000, immutable"
# Served bytes are never interpreted by the browser as anything but their declared type.
PUBLIC_HEADERS = {
    "Cache-Control": PUBLIC_CACHE,
    "X-Content-Type-Options": "nosniff",
    "Content-Security-Policy": "default-src 'none'; sandbox",
}


def _error(status: int, code: str, message: str) -> Response:
    return JSONResponse({"error": {"code": code, "message": message}}, status_code=status)


def _local(request: Request) -> LocalStorage | None:
    storage = getattr(request.app.state, "storage", None)
    return storage if isinstance(storage, LocalStorage) else None


def _media_type(value: str | None) -> str:
    return (value or "").split(";")[0].strip().lower()


def _grant(storage: LocalStorage, request: Request, op: Literal["put", "get"]) -> Grant | Response:
    try:
        return storage.signer.verify(request.path_params["token"], op)
    except StorageError as exc:
        return _error(403, "FORBIDDEN", f"invalid or expired link: {exc}")


async def upload(request: Request) -> Response:
    storage = _local(request)
    if storage is None:
        return _error(404, "NOT_FOUND", "uploads go to the object store")
    grant = _grant(storage, request, "put")
    if isinstance(grant, Response):
        return grant
    if _media_type(request.headers.get("content-type")) != _media_type(grant.content_type):
        return _error(403, "FORBIDDEN", "Content-Type differs from the one the link was issued for")
    limit = grant.max_size if grant.max_size is not None else 0
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > limit:
        return _error(413, "PAYLOAD_TOO_LARGE", f"the file exceeds {limit} bytes")
    return await _receive(request, storage, grant, limit)


async def _receive(request: Request, storage: LocalStorage, grant: Grant, limit: int) -> Response:
    fd, tmp = await asyncio.to_thread(storage.temp_file, grant.key)
    received = 0
    try:
        with os.fdopen(fd, "wb") as handle:
            async for chunk in request.stream():
                received += len(chunk)
                if received > limit:
                    return _error(413, "PAYLOAD_TOO_LARGE", f"the file exceeds {limit} bytes")
                handle.write(chunk)
        content_type = grant.content_type or "application/octet-stream"
        await asyncio.to_thread(storage.commit_file, grant.key, tmp, content_type)
    finally:
        await asyncio.to_thread(tmp.unlink, missing_ok=True)
    return Response(status_code=200)


async def download(request: Request) -> Response:
    storage = _local(request)
    if storage is None:
        return _error(404, "NOT_FOUND", "downloads come from the object store")
    grant = _grant(storage, request, "get")
    if isinstance(grant, Response):
        return grant
    info = await storage.head(grant.key)
    if info is None:
        return _error(404, "NOT_FOUND", "file not found")
    return FileResponse(
        storage.object_path(grant.key),
        media_type=info.content_type or "application/octet-stream",
        filename=grant.filename or grant.key.rsplit("/", 1)[-1],
        headers={"Cache-Control": "private, no-store"},
    )


async def public(request: Request) -> Response:
    storage = _local(request)
    if storage is None:
        return _error(404, "NOT_FOUND", "public files come from the object store")
    try:
        key = check_key(PUBLIC_PREFIX + request.path_params["path"])
    except StorageError:
        return _error(404, "NOT_FOUND", "file not found")
    info = await storage.head(key)
    if info is None:
        return _error(404, "NOT_FOUND", "file not found")
    return FileResponse(
        storage.object_path(key),
        media_type=info.content_type or "application/octet-stream",
        headers=PUBLIC_HEADERS,
    )


async def stream(request: Request) -> Response:
    storage = getattr(request.app.state, "storage", None)
    settings = getattr(request.app.state, "settings", None) or get_settings()
    if storage is None:
        return _error(404, "NOT_FOUND", "no storage")
    try:
        obj = streaming.resolve(settings, request.path_params["token"], request.path_params["path"])
    except StorageError as exc:
        return _error(403, "FORBIDDEN", f"invalid or expired link: {exc}")
    headers = {"Cache-Control": "private, no-store", "X-Content-Type-Options": "nosniff"}
    if obj.playlist:
        try:
            body = await storage.read(obj.key)
        except StorageError:
            return _error(404, "NOT_FOUND", "file not found")
        body = streaming.rewrite_playlist(storage, settings, body, obj)
        return Response(body, media_type=streaming.PLAYLIST_TYPE, headers=headers)
    if not isinstance(storage, LocalStorage):
        return _error(404, "NOT_FOUND", "segments come from the object store")
    info = await storage.head(obj.key)
    if info is None:
        return _error(404, "NOT_FOUND", "file not found")
    return FileResponse(
        storage.object_path(obj.key),
        media_type=info.content_type or "application/octet-stream",
        headers=headers,
    )


def file_routes() -> list[Route]:
    return [
        Route("/files/upload/{token}", upload, methods=["PUT"]),
        Route("/files/download/{token}", download, methods=["GET"]),
        Route("/files/public/{path:path}", public, methods=["GET"]),
        Route("/files/stream/{token}/{path:path}", stream, methods=["GET"]),
    ]
