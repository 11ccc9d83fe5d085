"""Media fixtures: the local storage of the test settings, an HTTP client over the ASGI app (for
the file routes), and a real S3-compatible server (moto's, on 127.0.0.1) with its storage."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Iterator

import boto3
import httpx
import pytest
from moto.server import ThreadedMotoServer

from app.integrations.storage import LocalStorage, S3Storage, make_storage
from app.settings import Settings
from tests.support.media import BUCKET, S3_CREDENTIALS, app_http

# anonymous reads of public/* only, as a production bucket serving public files is configured
PUBLIC_READ_POLICY = json.dumps(
    {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": "*",
                "Action": "s3:GetObject",
                "Resource": f"arn:aws:s3:::{BUCKET}/public/*",
            }
        ],
    }
)


@pytest.fixture
def storage(settings: Settings) -> LocalStorage:
    made = make_storage(settings)
    assert isinstance(made, LocalStorage)
    return made


@pytest.fixture
async def http(settings: Settings, storage: LocalStorage) -> AsyncIterator[httpx.AsyncClient]:
    async with app_http(settings, storage) as client:
        yield client


@pytest.fixture(scope="session")
def s3_endpoint() -> Iterator[str]:
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    endpoint = f"http://{host}:{port}"
    client = boto3.client(
        "s3",
        endpoint_url=endpoint,
        region_name="us-east-1",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )
    client.create_bucket(Bucket=BUCKET)
    client.put_bucket_policy(Bucket=BUCKET, Policy=PUBLIC_READ_POLICY)  # as S3_PUBLIC_BASE_URL asks
    yield endpoint
    server.stop()


@pytest.fixture
def s3(s3_endpoint: str) -> S3Storage:
    return S3Storage(bucket=BUCKET, region="us-east-1", endpoint_url=s3_endpoint, **S3_CREDENTIALS)


@pytest.fixture(scope="session")
def sample_mp4(tmp_path_factory: pytest.TempPathFactory) -> bytes:
    """A 2-second 320x240 test pattern with a tone (H.264 + AAC), made by the bundled ffmpeg."""
    import asyncio

    from app.media import ffmpeg

    target = tmp_path_factory.mktemp("video") / "sample.mp4"
    asyncio.run(ffmpeg.render_test_video(target, seconds=2, width=320, height=240))
    return target.read_bytes()
