"""Video on the S3 backend (moto's S3-compatible server): the worker transcodes from and to the
bucket; playlists are served by the API with presigned segment URLs, or CloudFront signed URLs
when a distribution is configured."""

from __future__ import annotations

import base64
import json
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from app.db import Database
from app.ids import new_id
from app.integrations.storage import S3Storage
from app.media import streaming
from app.media.models import VideoAsset, VideoStatus
from app.settings import Settings
from tests.support.authoring import actor
from tests.support.media import app_http
from tests.support.video import process, reload, video_of, video_upload


def _lines(text: str, suffix: str) -> list[str]:
    return [line for line in text.splitlines() if line.split("?")[0].endswith(suffix)]


async def test_a_video_in_s3_is_transcoded_and_streamed_with_presigned_segments(
    database: Database, s3: S3Storage, settings: Settings, sample_mp4: bytes
) -> None:
    owner = await actor(database)
    clip = await video_of(database, (await video_upload(database, s3, owner.id, sample_mp4)).id)
    assert await process(database, s3, settings, clip.id) == VideoStatus.READY
    row, _ = await reload(database, clip.id)
    signed = streaming.stream_url(settings, row)
    assert signed is not None

    async with app_http(settings, s3) as api:
        master = await api.get(signed.url)
        assert master.status_code == 200
        variant_url = signed.url.rsplit("/", 1)[0] + "/" + _lines(master.text, ".m3u8")[0]
        variant = await api.get(variant_url)
        assert variant.status_code == 200
        # segments are never served by the API on S3
        local = variant_url.rsplit("/", 1)[0] + "/seg_0000.ts"
        assert (await api.get(local)).status_code == 404
    segment = _lines(variant.text, ".ts")[0]
    query = parse_qs(urlsplit(segment).query)
    assert segment.startswith(s3.client.meta.endpoint_url)
    assert "X-Amz-Signature" in query
    assert 0 < int(query["X-Amz-Expires"][0]) <= settings.video_stream_url_margin_seconds + 2
    async with httpx.AsyncClient() as bucket:
        played = await bucket.get(segment)
    assert played.status_code == 200
    assert played.content[:1] == b"\x47"


@pytest.fixture
def cloudfront_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def _cloudfront_b64decode(value: str) -> bytes:
    return base64.b64decode(value.replace("-", "+").replace("_", "=").replace("~", "/"))


def test_with_a_cloudfront_distribution_segments_are_cloudfront_signed(
    s3: S3Storage, settings: Settings, cloudfront_key: rsa.RSAPrivateKey
) -> None:
    pem = cloudfront_key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()
    configured = settings.model_copy(
        update={
            "cloudfront_domain": "d111111abcdef8.cloudfront.net",
            "cloudfront_key_pair_id": "K2JCJMDEHXQW5F",
            "cloudfront_private_key": pem,
        }
    )
    video = VideoAsset(id=new_id(), status=VideoStatus.READY, hls_manifest_key="x")
    obj = streaming.StreamObject(
        key=f"videos/{video.id}/hls/360p/index.m3u8", expires=2_000_000_000, playlist=True
    )
    playlist = b"#EXTM3U\n#EXTINF:4.0,\nseg_0000.ts\n#EXT-X-ENDLIST\n"

    rewritten = streaming.rewrite_playlist(s3, configured, playlist, obj).decode()

    [url] = _lines(rewritten, ".ts")
    parts = urlsplit(url)
    assert (parts.netloc, parts.path) == (
        "d111111abcdef8.cloudfront.net",
        f"/videos/{video.id}/hls/360p/seg_0000.ts",
    )
    query = {k: v[0] for k, v in parse_qs(parts.query).items()}
    assert query["Key-Pair-Id"] == "K2JCJMDEHXQW5F"
    resource = url.split("?")[0]
    policy = json.dumps(
        {
            "Statement": [
                {
                    "Resource": resource,
                    "Condition": {"DateLessThan": {"AWS:EpochTime": int(query["Expires"])}},
                }
            ]
        },
        separators=(",", ":"),
    )
    cloudfront_key.public_key().verify(  # raises InvalidSignature if CloudFront would refuse it
        _cloudfront_b64decode(query["Signature"]),
        policy.encode(),
        padding.PKCS1v15(),
        hashes.SHA1(),  # noqa: S303 (CloudFront's canned policies are RSA-SHA1)
    )
