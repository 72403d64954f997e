"""Bearer tokens at the gateway: only well-formed, correctly signed, current tokens get in.

HS256 (the default) and RS256 through a JWKS served by a real local HTTP server, with a key
rotation picked up without restarting the app.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import json
import threading
import time
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx
import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm

from service_kit_testing import TestInfra
from tenant_api.app import create_app
from tenant_api.settings import TenantApiSettings

from ..gateway import bearer  # type: ignore[import-not-found]

PROBLEM = "application/problem+json"


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def claims_for(settings: TenantApiSettings, **changes: Any) -> dict[str, Any]:
    now = int(time.time())
    claims: dict[str, Any] = {
        "sub": "test:tokens",
        "role": "admin",
        "iss": settings.jwt_issuer,
        "aud": settings.jwt_audience,
        "iat": now,
        "exp": now + 300,
    }
    claims.update(changes)
    return {k: v for k, v in claims.items() if v is not None}


def forge(header: dict[str, Any], claims: dict[str, Any], sign: bytes | None) -> str:
    """A compact JWS built by hand (libraries refuse to make the bad ones we need)."""
    signing_input = f"{b64(json.dumps(header).encode())}.{b64(json.dumps(claims).encode())}"
    if sign is None:
        return signing_input + "."
    mac = hmac.new(sign, signing_input.encode(), hashlib.sha256).digest()
    return f"{signing_input}.{b64(mac)}"


def new_rsa_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def public_pem(key: rsa.RSAPrivateKey) -> bytes:
    return key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )


def jwk(key: rsa.RSAPrivateKey, kid: str) -> dict[str, Any]:
    entry: dict[str, Any] = RSAAlgorithm.to_jwk(key.public_key(), as_dict=True)
    return {**entry, "kid": kid, "use": "sig", "alg": "RS256"}


def rs256(key: rsa.RSAPrivateKey, kid: str | None, claims: dict[str, Any]) -> str:
    headers = {"kid": kid} if kid else None
    return jwt.encode(claims, key, algorithm="RS256", headers=headers)


async def expect_401(client: httpx.AsyncClient, token: str) -> None:
    response = await client.get("/plans", headers=bearer(token))
    assert response.status_code == 401, response.text
    assert response.headers["content-type"] == PROBLEM
    assert response.headers["www-authenticate"] == "Bearer"
    assert response.json()["status"] == 401


@asynccontextmanager
async def gateway(settings: TenantApiSettings) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(settings)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://gateway") as client:
            yield client


# --- HS256 (the default) ---------------------------------------------------------------


async def test_a_current_hs256_token_is_accepted(
    client: httpx.AsyncClient, settings: TenantApiSettings
) -> None:
    token = jwt.encode(claims_for(settings), settings.jwt_secret.get_secret_value(), "HS256")
    assert (await client.get("/plans", headers=bearer(token))).status_code == 200


async def test_clock_skew_within_the_leeway_is_tolerated(
    client: httpx.AsyncClient, settings: TenantApiSettings
) -> None:
    skew = settings.jwt_leeway // 2
    claims = claims_for(settings, iat=int(time.time()) + skew, exp=int(time.time()) - skew)
    token = jwt.encode(claims, settings.jwt_secret.get_secret_value(), "HS256")
    assert (await client.get("/plans", headers=bearer(token))).status_code == 200


@dataclass(frozen=True)
class FromNow:
    """A time claim `seconds` from when the test runs: a time taken at collection may be long
    past by then (a slow run can take more than the 600 s below)."""

    seconds: int


@pytest.mark.parametrize(
    "changes",
    [
        pytest.param({"exp": FromNow(-120)}, id="expired"),
        pytest.param({"iat": FromNow(600)}, id="issued-in-the-future"),
        pytest.param({"nbf": FromNow(600)}, id="not-yet-valid"),
        pytest.param({"iss": "someone-else"}, id="wrong-issuer"),
        pytest.param({"aud": "another-api"}, id="wrong-audience"),
        pytest.param({"sub": None}, id="no-sub"),
        pytest.param({"sub": ""}, id="empty-sub"),
        pytest.param({"sub": " \t "}, id="blank-sub"),
        pytest.param({"exp": None}, id="no-exp"),
        pytest.param({"iat": None}, id="no-iat"),
        pytest.param({"iss": None}, id="no-iss"),
        pytest.param({"aud": None}, id="no-aud"),
        pytest.param({"role": "superuser"}, id="unknown-role"),
    ],
)
async def test_a_bad_claim_is_401(
    client: httpx.AsyncClient, settings: TenantApiSettings, changes: dict[str, Any]
) -> None:
    now = int(time.time())
    resolved = {k: now + v.seconds if isinstance(v, FromNow) else v for k, v in changes.items()}
    claims = claims_for(settings, **resolved)
    await expect_401(client, jwt.encode(claims, settings.jwt_secret.get_secret_value(), "HS256"))


async def test_alg_none_is_401(client: httpx.AsyncClient, settings: TenantApiSettings) -> None:
    await expect_401(client, forge({"alg": "none", "typ": "JWT"}, claims_for(settings), None))


async def test_an_rs256_token_is_401_when_hs256_is_configured(
    client: httpx.AsyncClient, settings: TenantApiSettings
) -> None:
    await expect_401(client, rs256(new_rsa_key(), "k1", claims_for(settings)))


async def test_a_tampered_payload_is_401(
    client: httpx.AsyncClient, settings: TenantApiSettings
) -> None:
    secret = settings.jwt_secret.get_secret_value()
    token = jwt.encode(claims_for(settings, role="operator"), secret, "HS256")
    header, _, signature = token.split(".")
    elevated = b64(json.dumps(claims_for(settings, role="admin")).encode())
    await expect_401(client, f"{header}.{elevated}.{signature}")


async def test_a_token_signed_with_another_secret_is_401(
    client: httpx.AsyncClient, settings: TenantApiSettings
) -> None:
    await expect_401(client, jwt.encode(claims_for(settings), "x" * 40, "HS256"))


# --- RS256 through a JWKS ------------------------------------------------------------------


class JwksServer:
    """A real HTTP server on a free loopback port, serving whatever key set it is given."""

    def __init__(self) -> None:
        self.keys: list[dict[str, Any]] = []
        self.requests = 0
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                server.requests += 1
                body = json.dumps({"keys": server.keys}).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self._httpd.server_address[1]}/.well-known/jwks.json"
        self._thread = threading.Thread(target=self._httpd.serve_forever, daemon=True)

    def __enter__(self) -> JwksServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()


@pytest.fixture
def jwks_server() -> Iterator[JwksServer]:
    with JwksServer() as server:
        yield server


@pytest.fixture
def key_a(jwks_server: JwksServer) -> rsa.RSAPrivateKey:
    """The provider's signing key, at first the only one its JWKS publishes (kid "A")."""
    key = new_rsa_key()
    jwks_server.keys = [jwk(key, "A")]
    return key


@pytest.fixture
def rs_settings(infra: TestInfra, jwks_server: JwksServer) -> TenantApiSettings:
    settings: TenantApiSettings = infra.settings(
        TenantApiSettings,
        jwt_algorithm="RS256",
        jwt_jwks_url=jwks_server.url,
        jwks_min_refetch_seconds=0.5,
        redis_key_prefix=infra.redis_prefix("tokens"),
    )
    return settings


async def test_rs256_key_rotation_is_picked_up_without_a_restart(
    rs_settings: TenantApiSettings,
    jwks_server: JwksServer,
    key_a: rsa.RSAPrivateKey,
    migrated: None,
) -> None:
    key_b = new_rsa_key()
    claims = claims_for(rs_settings)
    async with gateway(rs_settings) as client:
        assert (
            await client.get("/plans", headers=bearer(rs256(key_a, "A", claims)))
        ).status_code == 200
        assert jwks_server.requests == 1
        # Cached: more requests do not ask the provider again.
        assert (
            await client.get("/plans", headers=bearer(rs256(key_a, "A", claims)))
        ).status_code == 200
        assert jwks_server.requests == 1

        jwks_server.keys = [jwk(key_b, "B")]  # the provider rotates: A is gone, B is new
        await asyncio.sleep(0.6)  # past JWKS_MIN_REFETCH_SECONDS
        assert (
            await client.get("/plans", headers=bearer(rs256(key_b, "B", claims)))
        ).status_code == 200
        assert jwks_server.requests == 2
        await expect_401(client, rs256(key_a, "A", claims))


async def test_unknown_kids_refetch_at_most_once_per_interval(
    rs_settings: TenantApiSettings,
    jwks_server: JwksServer,
    key_a: rsa.RSAPrivateKey,
    migrated: None,
) -> None:
    claims = claims_for(rs_settings)
    async with gateway(rs_settings) as client:
        assert (
            await client.get("/plans", headers=bearer(rs256(key_a, "A", claims)))
        ).status_code == 200
        await asyncio.sleep(0.6)
        for n in range(5):
            await expect_401(client, rs256(key_a, f"made-up-{n}", claims))
        assert jwks_server.requests == 2  # the first unknown kid refetched; the rest waited


async def test_rs256_confusion_and_malformed_tokens_are_401(
    rs_settings: TenantApiSettings, key_a: rsa.RSAPrivateKey, migrated: None
) -> None:
    claims = claims_for(rs_settings)
    async with gateway(rs_settings) as client:
        # HS256 "signed" with the provider's public key as the HMAC secret: the classic confusion.
        await expect_401(client, forge({"alg": "HS256", "kid": "A"}, claims, public_pem(key_a)))
        # A token signed with JWT_SECRET (HS256) is not accepted once RS256 is configured.
        secret = rs_settings.jwt_secret.get_secret_value()
        await expect_401(client, jwt.encode(claims, secret, "HS256", headers={"kid": "A"}))
        await expect_401(client, forge({"alg": "none", "kid": "A"}, claims, None))
        await expect_401(client, rs256(key_a, None, claims))  # no kid
        await expect_401(client, rs256(key_a, "A", claims_for(rs_settings, exp=1)))
        await expect_401(client, rs256(key_a, "A", claims_for(rs_settings, aud="another-api")))
        header, _, signature = rs256(key_a, "A", claims).split(".")
        elevated = b64(json.dumps(claims_for(rs_settings, sub="someone-else")).encode())
        await expect_401(client, f"{header}.{elevated}.{signature}")
        good = rs256(key_a, "A", claims)
        assert (await client.get("/plans", headers=bearer(good))).status_code == 200


async def test_an_unreachable_jwks_is_503_not_401(infra: TestInfra, migrated: None) -> None:
    settings = infra.settings(
        TenantApiSettings,
        jwt_algorithm="RS256",
        jwt_jwks_url="http://127.0.0.1:9/jwks.json",
        redis_key_prefix=infra.redis_prefix("tokens"),
    )
    async with gateway(settings) as client:
        token = rs256(new_rsa_key(), "A", claims_for(settings))
        response = await client.get("/plans", headers=bearer(token))
    assert response.status_code == 503
    assert response.headers["retry-after"].isdigit()
