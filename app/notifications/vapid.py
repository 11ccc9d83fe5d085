"""The application server's VAPID key pair (RFC 8292) that signs every Web Push request.

Keys come from `VAPID_PRIVATE_KEY` (base64url of the raw 32-byte P-256 private key) and
`VAPID_PUBLIC_KEY` (base64url of the uncompressed 65-byte public point — the browser's
`applicationServerKey`). In development and test, when none is configured, a pair is generated
once and kept at `{data_dir}/keys/vapid.json` (mode 0600), like the JWT signing key, so browser
subscriptions made against it stay valid across restarts. Production refuses empty keys
(`Settings.unsafe_reasons`).
"""

from __future__ import annotations

import base64
import json
import os
from dataclasses import dataclass
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from app.settings import Settings

DEV_KEY_PATH = Path("keys") / "vapid.json"


class VapidKeyError(RuntimeError):
    """The configured VAPID keys cannot be used."""


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def b64url_decode(text: str) -> bytes:
    """Decode base64url with or without padding; raises ValueError on anything else."""
    cleaned = text.strip()
    if not cleaned or any(c not in _B64URL for c in cleaned.rstrip("=")):
        raise ValueError("not base64url")
    return base64.urlsafe_b64decode(cleaned.rstrip("=") + "=" * (-len(cleaned.rstrip("=")) % 4))


_B64URL = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")


@dataclass(frozen=True)
class VapidKeys:
    private_key: str  # base64url, raw 32 bytes
    public_key: str  # base64url, uncompressed point (65 bytes)
    subject: str  # mailto: or https: contact for push services

    @classmethod
    def generate(cls, subject: str) -> VapidKeys:
        key = ec.generate_private_key(ec.SECP256R1())
        return cls(_private_raw(key), _public_raw(key), subject)


def _private_raw(key: ec.EllipticCurvePrivateKey) -> str:
    return b64url(key.private_numbers().private_value.to_bytes(32, "big"))


def _public_raw(key: ec.EllipticCurvePrivateKey) -> str:
    return b64url(
        key.public_key().public_bytes(
            serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
        )
    )


def _private_from_raw(private_key: str) -> ec.EllipticCurvePrivateKey:
    try:
        raw = b64url_decode(private_key)
    except ValueError as exc:
        raise VapidKeyError("VAPID_PRIVATE_KEY must be base64url") from exc
    if len(raw) != 32:
        raise VapidKeyError("VAPID_PRIVATE_KEY must be a raw 32-byte P-256 key (base64url)")
    try:
        return ec.derive_private_key(int.from_bytes(raw, "big"), ec.SECP256R1())
    except ValueError as exc:
        raise VapidKeyError("VAPID_PRIVATE_KEY is not a valid P-256 private key") from exc


def _checked(private_key: str, public_key: str, subject: str) -> VapidKeys:
    """The pair, after checking that the public key belongs to the private one (derived when
    only the private key is given)."""
    derived = _public_raw(_private_from_raw(private_key))
    if public_key and public_key.rstrip("=") != derived:
        raise VapidKeyError("VAPID_PUBLIC_KEY does not belong to VAPID_PRIVATE_KEY")
    return VapidKeys(private_key.strip(), derived, subject)


def _load_or_create_dev_keys(path: Path, subject: str) -> VapidKeys:
    if path.exists():
        stored = json.loads(path.read_text())
        return _checked(stored["private_key"], stored["public_key"], subject)
    keys = VapidKeys.generate(subject)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        os.write(
            fd,
            json.dumps({"private_key": keys.private_key, "public_key": keys.public_key}).encode(),
        )
    finally:
        os.close(fd)
    try:
        os.link(tmp, path)  # atomic, and never replaces a pair another process kept first
    except FileExistsError:
        return _load_or_create_dev_keys(path, subject)
    finally:
        tmp.unlink(missing_ok=True)
    return keys


_cache: dict[tuple[str, str, str, str], VapidKeys] = {}


def load_vapid(settings: Settings) -> VapidKeys:
    """The configured pair; in development/test, generated once under DATA_DIR when empty."""
    cache_key = (
        settings.vapid_private_key,
        settings.vapid_public_key,
        settings.vapid_subject,
        str(settings.data_dir),
    )
    keys = _cache.get(cache_key)
    if keys is not None:
        return keys
    if settings.vapid_private_key.strip():
        keys = _checked(
            settings.vapid_private_key, settings.vapid_public_key.strip(), settings.vapid_subject
        )
    elif settings.is_production:
        raise VapidKeyError("VAPID_PRIVATE_KEY and VAPID_PUBLIC_KEY are required in production")
    else:
        keys = _load_or_create_dev_keys(settings.data_dir / DEV_KEY_PATH, settings.vapid_subject)
    _cache[cache_key] = keys
    return keys
