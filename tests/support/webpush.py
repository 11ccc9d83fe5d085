"""A local Web Push service stand-in and browsers that subscribe to it.

`PushService` is a real HTTP server (aiohttp) on a free loopback port. For every POST it checks
what a real push service checks — the VAPID `Authorization: vapid t=<JWT>, k=<public key>`
header (ES256 signature, `aud` = the endpoint's origin, `exp` in the future, a `sub`), and the
`TTL` header — then DECRYPTS the aes128gcm body (RFC 8291) with the private key of the
`Browser` that owns the endpoint. So a recorded `Push` proves that the real client library
produced a real, correctly encrypted and signed push. It answers 201, or whatever status the
test set for that browser (410: the subscription is gone).
"""

from __future__ import annotations

import os
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

import http_ece
import orjson
from aiohttp import web
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from py_vapid import jwt as vapid_jwt

from app.notifications.vapid import b64url


@dataclass
class Browser:
    """The browser side of one subscription: its ECDH key pair and auth secret."""

    path: str
    private_key: ec.EllipticCurvePrivateKey = field(
        default_factory=lambda: ec.generate_private_key(ec.SECP256R1())
    )
    auth: bytes = field(default_factory=lambda: os.urandom(16))
    status: int = 201  # what the push service answers for this endpoint

    @property
    def p256dh(self) -> str:
        return b64url(
            self.private_key.public_key().public_bytes(
                serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
            )
        )


@dataclass
class Push:
    """One accepted (or refused) POST, decrypted."""

    path: str
    status: int
    claims: dict[str, Any]
    headers: dict[str, str]  # lower-case names
    payload: dict[str, Any]


class PushRejected(Exception):
    pass


class PushService:
    def __init__(self, vapid_public_key: str) -> None:
        self.vapid_public_key = vapid_public_key.rstrip("=")
        self.browsers: dict[str, Browser] = {}
        self.pushes: list[Push] = []
        self.rejections: list[str] = []
        self.base_url = ""

    def browser(self, status: int = 201) -> Browser:
        browser = Browser(path=f"/push/{os.urandom(8).hex()}", status=status)
        self.browsers[browser.path] = browser
        return browser

    def endpoint(self, browser: Browser) -> str:
        return self.base_url + browser.path

    def subscription(self, browser: Browser) -> dict[str, str]:
        """What `PushSubscription.toJSON()` gives the frontend, flattened for our input."""
        return {
            "endpoint": self.endpoint(browser),
            "p256dh": browser.p256dh,
            "auth": b64url(browser.auth),
        }

    def received(self, browser: Browser) -> list[Push]:
        return [p for p in self.pushes if p.path == browser.path and p.status < 300]

    def _verify(self, request: web.Request) -> dict[str, Any]:
        scheme, _, params = request.headers.get("Authorization", "").partition(" ")
        if scheme.lower() != "vapid":
            raise PushRejected("no VAPID authorization")
        parts = dict(p.strip().split("=", 1) for p in params.split(","))
        if parts.get("k", "").rstrip("=") != self.vapid_public_key:
            raise PushRejected("signed with another application server key")
        claims: dict[str, Any] = vapid_jwt.decode(parts["t"], parts["k"])  # checks the signature
        if claims.get("aud") != self.base_url:
            raise PushRejected(f"aud {claims.get('aud')!r} is not {self.base_url!r}")
        if not int(time.time()) < int(claims.get("exp", 0)) <= int(time.time()) + 24 * 3600:
            raise PushRejected("exp missing, past or more than 24 h ahead")
        if not str(claims.get("sub", "")).startswith(("mailto:", "https:")):
            raise PushRejected("no sub contact")
        if "TTL" not in request.headers:
            raise PushRejected("no TTL header")
        if request.headers.get("Content-Encoding") != "aes128gcm":
            raise PushRejected("not aes128gcm")
        return claims

    async def _handle(self, request: web.Request) -> web.Response:
        browser = self.browsers.get(request.path)
        if browser is None:
            return web.Response(status=404)
        body = await request.read()
        try:
            claims = self._verify(request)
            plaintext = http_ece.decrypt(
                body, private_key=browser.private_key, auth_secret=browser.auth, version="aes128gcm"
            )
        except Exception as exc:
            self.rejections.append(f"{type(exc).__name__}: {exc}")
            return web.Response(status=400, text=str(exc))
        self.pushes.append(
            Push(
                browser.path,
                browser.status,
                claims,
                {k.lower(): v for k, v in request.headers.items()},
                orjson.loads(plaintext),
            )
        )
        return web.Response(status=browser.status)


@asynccontextmanager
async def push_service(vapid_public_key: str) -> AsyncIterator[PushService]:
    """A running stand-in on 127.0.0.1 (a free port), stopped afterwards."""
    service = PushService(vapid_public_key)
    app = web.Application()
    app.router.add_post("/push/{id}", service._handle)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    service.base_url = f"http://127.0.0.1:{port}"
    try:
        yield service
    finally:
        await runner.cleanup()
