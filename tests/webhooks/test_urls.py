"""Webhook URLs: https to public addresses only; every address a name resolves to is checked."""

from __future__ import annotations

import ipaddress

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.settings import Settings
from app.webhooks.ssrf import UnsafeUrl, check_url, loopback_allowed

PUBLIC = "93.184.216.34"


def resolver(*addresses: str):  # type: ignore[no-untyped-def]
    async def resolve(host: str, port: int) -> list[str]:
        return list(addresses)

    return resolve


@pytest.mark.parametrize(
    "url",
    [
        "https://10.0.0.1/hooks",
        "https://127.0.0.1/hooks",
        "https://[::1]/hooks",
        "https://169.254.169.254/latest/meta-data",
        "https://192.168.1.20/",
        "https://172.16.0.5/",
        "https://100.64.0.1/",  # carrier-grade NAT
        "https://0.0.0.0/",
        "https://224.0.0.1/",
        "https://[fe80::1]/",
        "https://[fc00::1]/",
        "https://[::ffff:10.0.0.1]/",  # IPv4-mapped
        "https://[::ffff:127.0.0.1]/",
        "http://93.184.216.34/hooks",  # plain http in production
        "ftp://93.184.216.34/",
        "https://user:pw@93.184.216.34/",
        "not a url",
    ],
)
async def test_production_refuses_urls_that_are_not_https_to_a_public_address(url: str) -> None:
    with pytest.raises(UnsafeUrl):
        await check_url(url, allow_loopback=False, resolve=resolver(PUBLIC))


async def test_a_public_https_url_is_accepted_and_pinned_to_its_checked_address() -> None:
    target = await check_url(
        "https://hooks.partner.example/in?x=1", allow_loopback=False, resolve=resolver(PUBLIC)
    )
    assert (target.host, target.port, target.address) == ("hooks.partner.example", 443, PUBLIC)


async def test_a_host_name_resolving_to_a_private_address_is_refused() -> None:
    with pytest.raises(UnsafeUrl, match="private"):
        await check_url(
            "https://internal.partner.example/", allow_loopback=False, resolve=resolver("10.1.2.3")
        )


async def test_every_resolved_address_must_be_public_not_only_the_first() -> None:
    with pytest.raises(UnsafeUrl, match=r"169\.254\.169\.254"):
        await check_url(
            "https://mixed.partner.example/",
            allow_loopback=False,
            resolve=resolver(PUBLIC, "169.254.169.254"),
        )


async def test_localhost_is_refused_through_real_resolution() -> None:
    with pytest.raises(UnsafeUrl, match="loopback"):
        await check_url("https://localhost/hooks", allow_loopback=False)


async def test_development_may_allow_loopback_http_but_never_private_ranges() -> None:
    target = await check_url("http://127.0.0.1:8123/hooks", allow_loopback=True)
    assert target.address == "127.0.0.1"
    with pytest.raises(UnsafeUrl):
        await check_url("http://10.0.0.1/hooks", allow_loopback=True)
    with pytest.raises(UnsafeUrl):
        await check_url("http://93.184.216.34/hooks", allow_loopback=True)  # http: loopback only


def test_the_loopback_setting_is_ignored_in_production(settings: Settings) -> None:
    assert loopback_allowed(settings.model_copy(update={"webhook_allow_loopback_http": True}))
    production = settings.model_copy(
        update={"env": "production", "webhook_allow_loopback_http": True}
    )
    assert not loopback_allowed(production)


NON_PUBLIC_V4 = [
    "10.0.0.0/8",
    "127.0.0.0/8",
    "169.254.0.0/16",
    "172.16.0.0/12",
    "192.168.0.0/16",
    "100.64.0.0/10",
    "224.0.0.0/4",
    "240.0.0.0/4",
    "0.0.0.0/8",
]


@st.composite
def non_public_v4(draw: st.DrawFn) -> ipaddress.IPv4Address:
    network = ipaddress.IPv4Network(draw(st.sampled_from(NON_PUBLIC_V4)))
    offset = draw(st.integers(0, network.num_addresses - 1))
    return network[offset]


@given(address=non_public_v4(), mapped=st.booleans(), literal=st.booleans())
async def test_no_non_public_ipv4_address_gets_through_literal_mapped_or_resolved(
    address: ipaddress.IPv4Address, mapped: bool, literal: bool
) -> None:
    shown = f"::ffff:{address}" if mapped else str(address)
    host = (f"[{shown}]" if mapped else shown) if literal else "hooks.partner.example"
    with pytest.raises(UnsafeUrl):
        await check_url(f"https://{host}/in", allow_loopback=False, resolve=resolver(shown))


@given(
    address=st.ip_addresses(v=4).filter(
        lambda a: a.is_global and not a.is_multicast and not a.is_reserved
    ),
    port=st.integers(1, 65535),
)
async def test_public_ipv4_addresses_are_accepted_on_any_port(
    address: ipaddress.IPv4Address, port: int
) -> None:
    target = await check_url(
        f"https://hooks.partner.example:{port}/in",
        allow_loopback=False,
        resolve=resolver(str(address)),
    )
    assert (target.address, target.port) == (str(address), port)
