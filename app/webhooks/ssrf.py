"""Where a webhook may be sent: https URLs whose every address is public.

The host is resolved and EVERY address checked when the webhook is saved and again before each
attempt; the request then goes to the address that was checked (with the name for Host and TLS),
so a name that later resolves elsewhere (DNS rebinding) cannot steer a delivery inside.
Outside production, WEBHOOK_ALLOW_LOOPBACK_HTTP lets http:// and loopback addresses through
(local receivers in development and tests); private and other ranges stay refused.
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from urllib.parse import SplitResult, urlsplit

from app.settings import Settings

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
Resolve = Callable[[str, int], Awaitable[list[str]]]
MAX_URL_LENGTH = 2000
RESOLVE_TIMEOUT_SECONDS = 5.0


class UnsafeUrl(ValueError):
    """The URL may not be called; the message says why (shown to the webhook's owner)."""


@dataclass(frozen=True)
class Target:
    """A checked URL and the public address to connect to."""

    url: str
    host: str
    port: int
    address: str


async def system_resolve(host: str, port: int) -> list[str]:
    infos = await asyncio.get_running_loop().getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return list(dict.fromkeys(str(info[4][0]) for info in infos))


def loopback_allowed(settings: Settings) -> bool:
    return settings.webhook_allow_loopback_http and not settings.is_production


def forbidden_address(address: IPAddress, *, allow_loopback: bool) -> str | None:
    """Why `address` may not be called, or None for a public one."""
    mapped = getattr(address, "ipv4_mapped", None) or getattr(address, "sixtofour", None)
    if mapped is not None:
        return forbidden_address(mapped, allow_loopback=allow_loopback)
    if address.is_loopback:
        return None if allow_loopback else "a loopback address"
    if address.is_multicast:
        return "a multicast address"
    if address.is_link_local:
        return "a link-local address"
    if address.is_private:
        return "a private address"
    if address.is_reserved or address.is_unspecified or not address.is_global:
        return "a reserved address"
    return None


def parse(url: str, *, allow_loopback: bool) -> SplitResult:
    """The URL's parts, if it is one we may call at all (before resolving its host)."""
    if len(url) > MAX_URL_LENGTH:
        raise UnsafeUrl(f"Keep the URL under {MAX_URL_LENGTH} characters")
    try:
        parts = urlsplit(url.strip())
        parts.port  # noqa: B018 - raises ValueError for a bad port
    except ValueError as exc:
        raise UnsafeUrl("Not a valid URL") from exc
    if parts.scheme not in ("https", "http") or not parts.hostname:
        raise UnsafeUrl("Enter an https:// URL")
    if parts.scheme == "http" and not allow_loopback:
        raise UnsafeUrl("Webhook URLs must use https://")
    if parts.username is not None or parts.password is not None:
        raise UnsafeUrl("Credentials in the URL are not allowed: sign with the secret instead")
    return parts


async def check_url(url: str, *, allow_loopback: bool, resolve: Resolve = system_resolve) -> Target:
    """The URL as a `Target` to call, or UnsafeUrl (bad URL, or some address is not public)."""
    parts = parse(url, allow_loopback=allow_loopback)
    host = parts.hostname or ""
    port = parts.port or (443 if parts.scheme == "https" else 80)
    try:
        literal: IPAddress | None = ipaddress.ip_address(host)
    except ValueError:
        literal = None
    if literal is not None:
        addresses = [str(literal)]
    else:
        try:
            addresses = await asyncio.wait_for(resolve(host, port), RESOLVE_TIMEOUT_SECONDS)
        except (OSError, UnicodeError, ValueError, TimeoutError) as exc:
            raise UnsafeUrl(f"The host {host} does not resolve") from exc
        if not addresses:
            raise UnsafeUrl(f"The host {host} does not resolve")
    for address in addresses:
        try:
            parsed = ipaddress.ip_address(address)
        except ValueError as exc:
            raise UnsafeUrl(f"The host {host} resolves to an unusable address") from exc
        why = forbidden_address(parsed, allow_loopback=allow_loopback)
        if why is not None:
            raise UnsafeUrl(f"The host {host} resolves to {why} ({address})")
        if parts.scheme == "http" and not parsed.is_loopback:
            raise UnsafeUrl("Webhook URLs must use https://")
    return Target(url=parts.geturl(), host=host, port=port, address=addresses[0])
