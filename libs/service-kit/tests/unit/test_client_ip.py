"""The client's address: the socket peer, unless a trusted proxy forwarded the request."""

from __future__ import annotations

import pytest
from pydantic import TypeAdapter, ValidationError
from starlette.requests import Request

from service_kit.client_ip import TrustedProxies, client_ip

PROXIES = TypeAdapter(TrustedProxies).validate_python("10.0.0.1, 10.8.0.0/16")


def request(peer: str, forwarded: str | None = None) -> Request:
    headers = [(b"x-forwarded-for", forwarded.encode())] if forwarded is not None else []
    return Request({"type": "http", "client": (peer, 4000), "headers": headers})


def test_the_peer_without_trusted_proxies_whatever_the_header_says() -> None:
    assert client_ip(request("192.0.2.7", "198.51.100.1"), ()) == "192.0.2.7"
    assert client_ip(request("192.0.2.7", "198.51.100.1"), PROXIES) == "192.0.2.7"


def test_the_nearest_untrusted_hop_behind_trusted_proxies() -> None:
    chain = "203.0.113.66, 198.51.100.1, 10.8.3.4"  # client-forged, client, inner proxy
    assert client_ip(request("10.0.0.1", chain), PROXIES) == "198.51.100.1"
    assert client_ip(request("10.8.9.9", "198.51.100.2"), PROXIES) == "198.51.100.2"


def test_a_trusted_proxy_without_the_header_or_with_garbage_is_the_client() -> None:
    assert client_ip(request("10.0.0.1"), PROXIES) == "10.0.0.1"
    assert client_ip(request("10.0.0.1", "not-an-ip"), PROXIES) == "10.0.0.1"


def test_only_proxies_in_the_chain_means_the_leftmost() -> None:
    assert client_ip(request("10.0.0.1", "10.8.0.5, 10.0.0.1"), PROXIES) == "10.8.0.5"


def test_trusted_proxies_must_be_addresses_or_ranges() -> None:
    with pytest.raises(ValidationError):
        TypeAdapter(TrustedProxies).validate_python("10.0.0.1, proxy.internal")
    assert TypeAdapter(TrustedProxies).validate_python("") == ()
