"""Signed, expiring HLS playback URLs of a video, for every storage backend.

A stream URL is `<PUBLIC_API_URL>/files/stream/<token>/master.m3u8`: the token is an HMAC grant
(app/integrations/storage.py `GrantSigner`, key derived from SECRET_KEY) of op "stream" over the
video's `videos/<id>/hls` prefix until an expiry — the video's duration plus
VIDEO_STREAM_URL_MARGIN_SECONDS from when it was handed out (SPEC §3.5, Property 21).

The master and variant playlists reference each other by relative paths, so a player resolves
them under the same token; `serve` answers them only below the granted prefix (never `..`, never
another video). Segments:
- local storage: relative too, served by the same route under the same grant;
- S3: each playlist is rewritten as it is served, its segment lines replaced by S3 presigned GET
  URLs — or CloudFront signed URLs (botocore's `CloudFrontSigner`, RSA-SHA1 canned policy) when
  a distribution is configured — expiring with the grant.
A token cannot be widened (the prefix is inside the MAC), and an expired one is refused (403).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import cache
from typing import Any

from app.clock import utcnow
from app.integrations.storage import (
    Grant,
    GrantSigner,
    LocalStorage,
    Storage,
    StorageError,
    check_key,
)
from app.media.models import VideoAsset, VideoStatus
from app.settings import Settings

PLAYLIST_TYPE = "application/vnd.apple.mpegurl"
MASTER = "master.m3u8"


@dataclass(frozen=True)
class StreamUrl:
    url: str
    expires_at: datetime


def stream_lifetime(settings: Settings, duration_seconds: int | None) -> int:
    """Seconds a stream URL lives: the video's duration plus the margin (Property 21)."""
    return max(0, duration_seconds or 0) + settings.video_stream_url_margin_seconds


def _prefix(video_id: uuid.UUID) -> str:
    return f"videos/{video_id}/hls"


def stream_url(
    settings: Settings, video: VideoAsset, *, now: datetime | None = None
) -> StreamUrl | None:
    """The signed master playlist URL of a READY video (None otherwise)."""
    if video.status != VideoStatus.READY or video.hls_manifest_key is None:
        return None
    now = now or utcnow()
    lifetime = stream_lifetime(settings, video.duration_seconds)
    expires_at = (now + timedelta(seconds=lifetime)).replace(microsecond=0)
    grant = Grant(op="stream", key=_prefix(video.id), expires=int(expires_at.timestamp()))
    token = _signer(settings.secret_key).sign(grant)
    base = settings.public_api_url.rstrip("/")
    return StreamUrl(f"{base}/files/stream/{token}/{MASTER}", expires_at)


@cache
def _signer(secret_key: str) -> GrantSigner:
    return GrantSigner(secret_key)


@dataclass(frozen=True)
class StreamObject:
    key: str
    expires: int  # unix time the grant ends
    playlist: bool


def resolve(settings: Settings, token: str, path: str) -> StreamObject:
    """The object a stream request may read; StorageError when the token or path is bad."""
    grant = _signer(settings.secret_key).verify(token, "stream", now=utcnow().timestamp())
    key = check_key(f"{grant.key}/{path}")
    return StreamObject(key=key, expires=grant.expires, playlist=key.endswith(".m3u8"))


def rewrite_playlist(
    storage: Storage, settings: Settings, playlist: bytes, obj: StreamObject
) -> bytes:
    """The playlist with its segment lines signed for the backend (unchanged on local disk)."""
    if isinstance(storage, LocalStorage):
        return playlist
    folder = obj.key.rsplit("/", 1)[0]
    remaining = max(1, obj.expires - int(utcnow().timestamp()))
    lines = []
    for line in playlist.decode().splitlines():
        uri = line.strip()
        if uri and not uri.startswith("#") and not uri.endswith(".m3u8"):
            line = segment_url(storage, settings, check_key(f"{folder}/{uri}"), remaining)
        lines.append(line)
    return ("\n".join(lines) + "\n").encode()


def segment_url(storage: Storage, settings: Settings, key: str, expires_in: int) -> str:
    """A signed GET of one segment: CloudFront when configured, else the backend's own."""
    if _cloudfront_configured(settings):
        return cloudfront_url(settings, key, expires_in)
    return storage.download_url(key, expires_in=expires_in)


def _cloudfront_configured(settings: Settings) -> bool:
    return bool(
        settings.cloudfront_domain
        and settings.cloudfront_key_pair_id
        and settings.cloudfront_private_key
    )


def cloudfront_url(settings: Settings, key: str, expires_in: int) -> str:
    from botocore.signers import CloudFrontSigner

    signer = CloudFrontSigner(settings.cloudfront_key_pair_id, _rsa_signer(settings))
    domain = settings.cloudfront_domain.removeprefix("https://").rstrip("/")
    expires = datetime.fromtimestamp(int(utcnow().timestamp()) + expires_in, UTC)
    url: str = signer.generate_presigned_url(f"https://{domain}/{key}", date_less_than=expires)
    return url


def _rsa_signer(settings: Settings) -> Any:
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import padding, rsa

    key = serialization.load_pem_private_key(settings.cloudfront_private_key.encode(), None)
    if not isinstance(key, rsa.RSAPrivateKey):
        raise StorageError("CLOUDFRONT_PRIVATE_KEY must be an RSA private key")

    def sign(message: bytes) -> bytes:
        return key.sign(message, padding.PKCS1v15(), hashes.SHA1())  # noqa: S303 (CloudFront)

    return sign
