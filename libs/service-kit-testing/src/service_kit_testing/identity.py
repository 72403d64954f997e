"""A real OpenID provider for a test run: panva's certified `oidc-provider`, run by Node.

The script (`libs/service-kit-testing/identity-provider/provider.mjs`, its packages installed by
`make identity-provider`) serves discovery, JWKS, the code flow with PKCE through its own
development login and consent pages, the device flow, and dynamic client registration with an
initial access token. Access tokens are JWTs for one API audience. Nothing is mocked: the code
under test speaks HTTP to it as it would to Keycloak or Auth0.

Helpers here play the user's part: `sign_in` walks the provider's login and consent forms over
HTTP, `approve_device` does the same from a device flow's verification address.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import secrets
import shutil
import subprocess
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlencode, urljoin, urlsplit

import httpx

from service_kit_testing.html_forms import Forms
from service_kit_testing.ports import free_port
from service_kit_testing.processes import stop_process

SCRIPT_DIR = Path(__file__).resolve().parents[2] / "identity-provider"
AUDIENCE = "https://control-plane.test/api"


class IdentityProviderMissing(RuntimeError):
    """Node or the provider's packages are not installed."""


def pkce_pair() -> tuple[str, str]:
    """A PKCE verifier and its S256 challenge."""
    verifier = secrets.token_urlsafe(48)
    digest = hashlib.sha256(verifier.encode()).digest()
    return verifier, base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


@dataclass(frozen=True)
class IdentityProvider:
    issuer: str
    initial_access_token: str
    audience: str = AUDIENCE

    def discovery(self) -> dict[str, Any]:
        response = httpx.get(f"{self.issuer}/.well-known/openid-configuration", timeout=10)
        response.raise_for_status()
        document: dict[str, Any] = response.json()
        return document

    def add_account(self, name: str, **claims: Any) -> str:
        """A user who signs in as `name` and carries `claims` (role, groups, tenant_id, ...)."""
        response = httpx.post(
            f"{self.issuer}/_test/accounts", json={"name": name, "claims": claims}, timeout=10
        )
        response.raise_for_status()
        return name

    def register_client(self, **metadata: Any) -> dict[str, Any]:
        """A client registered as any party would (RFC 7591, with the initial access token)."""
        response = httpx.post(
            self.discovery()["registration_endpoint"],
            json=metadata,
            headers={"Authorization": f"Bearer {self.initial_access_token}"},
            timeout=10,
        )
        response.raise_for_status()
        client: dict[str, Any] = response.json()
        return client

    def is_registered(self, client_id: str) -> bool:
        """Whether the provider still knows the client (asked of the provider itself)."""
        response = httpx.get(f"{self.issuer}/_test/clients/{client_id}", timeout=10)
        return response.status_code == 200

    def sign_in(
        self,
        *,
        client_id: str,
        redirect_uri: str,
        user: str,
        client_secret: str | None = None,
        scope: str = "openid profile api",
    ) -> dict[str, Any]:
        """The code flow with PKCE, the user signing in on the provider's pages: its tokens."""
        verifier, challenge = pkce_pair()
        meta = self.discovery()
        query = {
            "response_type": "code",
            "client_id": client_id,
            "redirect_uri": redirect_uri,
            "scope": scope,
            "state": secrets.token_urlsafe(16),
            "nonce": secrets.token_urlsafe(16),
            "code_challenge": challenge,
            "code_challenge_method": "S256",
        }
        with httpx.Client(timeout=10) as http:
            landing = self.walk_forms(
                http,
                f"{meta['authorization_endpoint']}?{urlencode(query)}",
                user,
                stop_at=redirect_uri,
            )
            code = parse_qs(urlsplit(landing).query)["code"][0]
            response = http.post(
                meta["token_endpoint"],
                data={
                    "grant_type": "authorization_code",
                    "code": code,
                    "redirect_uri": redirect_uri,
                    "code_verifier": verifier,
                    "client_id": client_id,
                },
                auth=(client_id, client_secret) if client_secret else httpx.USE_CLIENT_DEFAULT,
            )
        response.raise_for_status()
        tokens: dict[str, Any] = response.json()
        return tokens

    def approve_device(self, verification_uri_complete: str, user: str) -> None:
        """The user, on another device, confirms the code and signs in."""
        with httpx.Client(timeout=10) as http:
            self.walk_forms(http, verification_uri_complete, user)

    def deny_device(self, verification_uri_complete: str) -> None:
        """The user, shown the code, presses the confirmation page's Abort instead."""
        with httpx.Client(timeout=10) as http:
            page = http.get(verification_uri_complete)
            page.raise_for_status()
            parser = Forms()
            parser.feed(page.text)
            form = parser.forms[0]
            http.post(urljoin(str(page.url), form.action), data={**form.fields, "abort": "yes"})

    def walk_forms(self, http: httpx.Client, url: str, user: str, *, stop_at: str = "") -> str:
        """Follow redirects and submit each page's form (login as `user`, consent, confirm)
        until a redirect to `stop_at` (returned) or a page with no form (the flow's end)."""
        response = http.get(url)
        for _ in range(20):
            if response.is_redirect:
                location = urljoin(str(response.url), response.headers["location"])
                if stop_at and location.startswith(stop_at):
                    return location
                response = http.get(location)
                continue
            response.raise_for_status()
            parser = Forms()
            parser.feed(response.text)
            if not parser.forms:
                return str(response.url)
            form = parser.forms[0]
            if "login" in form.fields:
                # The development login takes any password.
                form.fields.update(login=user, password="any")  # noqa: S106
            target = urljoin(str(response.url), form.action)
            response = (
                http.post(target, data=form.fields)
                if form.method == "post"
                else http.get(target, params=form.fields)
            )
        raise RuntimeError(f"the sign-in at {url} did not finish")


def _node() -> str:
    node = shutil.which("node")
    if node is None:
        raise IdentityProviderMissing("Node.js is not installed; `apt-get install nodejs npm`")
    if not (SCRIPT_DIR / "node_modules" / "oidc-provider").is_dir():
        raise IdentityProviderMissing(
            "the provider's packages are missing; run `make identity-provider`"
            f" (npm ci in {SCRIPT_DIR})"
        )
    return node


@contextmanager
def identity_provider(
    accounts: dict[str, dict[str, Any]] | None = None,
) -> Iterator[IdentityProvider]:
    """The provider on a free port for as long as the block runs."""
    port = free_port()
    provider = IdentityProvider(
        issuer=f"http://127.0.0.1:{port}", initial_access_token=secrets.token_urlsafe(24)
    )
    config = {
        "port": port,
        "issuer": provider.issuer,
        "audience": provider.audience,
        "initialAccessToken": provider.initial_access_token,
        "accounts": accounts or {},
        "deviceInterval": 1,
    }
    process = subprocess.Popen(  # noqa: S603 - our script, our arguments
        [_node(), str(SCRIPT_DIR / "provider.mjs")],
        env={**os.environ, "IDP_CONFIG": json.dumps(config)},
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    try:
        ready = threading.Event()

        def watch() -> None:
            assert process.stdout is not None
            for line in process.stdout:
                if line.startswith("ready "):
                    ready.set()

        threading.Thread(target=watch, daemon=True).start()
        if not ready.wait(30):
            raise RuntimeError("the identity provider did not start within 30 s")
        yield provider
    finally:
        stop_process(process)
        if process.stdout is not None:
            process.stdout.close()
