"""Identity drivers: where the `identity` step registers a tenant's OpenID client.

`oidc-dcr` speaks Dynamic Client Registration to the provider's discovered
`registration_endpoint` (RFC 7591) and deletes through the registration's own URI with its
registration access token (RFC 7592); `none` registers nothing (the step is not planned).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol

import httpx

from provisioner.settings import ProvisionerSettings
from service_kit.http_tracing import traced_client
from service_kit.oidc_settings import discovery_url

# What a provider answers for a registration it no longer has: RFC 7592 §2 says 401 for an
# unknown client (its token is invalid with it), and some answer 404 or 410.
_GONE = frozenset({204, 200, 401, 404, 410})


class ProviderRefused(Exception):
    """The provider said no (4xx): the same request will never succeed."""


class ProviderUnavailable(Exception):
    """The provider did not answer, or failed (5xx): worth another attempt."""


@dataclass(frozen=True)
class Registration:
    """What the provider answered a registration with."""

    client_id: str
    client_secret: str | None
    registration_access_token: str
    registration_client_uri: str
    redirect_uris: list[str]


class IdentityDriver(Protocol):
    issuer: str

    async def register(self, metadata: dict[str, Any]) -> Registration: ...

    async def remove(self, registration_client_uri: str, registration_access_token: str) -> None:
        """Delete the registration; one the provider no longer knows counts as deleted."""

    async def close(self) -> None: ...


class _Registrations:
    """Deleting a registration needs only its URI and token: whatever the driver is now, what
    an earlier configuration registered can still be removed."""

    def __init__(self, settings: ProvisionerSettings) -> None:
        self._client = traced_client(peer="identity-provider", timeout=settings.identity_timeout)

    async def remove(self, registration_client_uri: str, registration_access_token: str) -> None:
        response = await self._call(
            "DELETE",
            registration_client_uri,
            headers={"Authorization": f"Bearer {registration_access_token}"},
        )
        if response.status_code not in _GONE:
            _raise_for(response, "deletion")

    async def close(self) -> None:
        await self._client.aclose()

    async def _call(self, method: str, url: str, **kwargs: Any) -> httpx.Response:
        try:
            return await self._client.request(method, url, **kwargs)
        except httpx.HTTPError as exc:
            raise ProviderUnavailable(f"the identity provider did not answer: {exc!r}") from exc


class NoIdentityDriver(_Registrations):
    """IDENTITY_DRIVER=none: a plan that asks for the step anyway fails it, saying why."""

    issuer = ""

    async def register(self, metadata: dict[str, Any]) -> Registration:
        raise ProviderRefused("no identity provider is configured (IDENTITY_DRIVER=none)")


class DcrDriver(_Registrations):
    def __init__(self, settings: ProvisionerSettings) -> None:
        super().__init__(settings)
        assert settings.oidc_issuer, "validated by the settings"
        self.issuer = settings.oidc_issuer
        token = settings.identity_initial_access_token
        self._initial = token.get_secret_value() if token else None
        self._endpoint: str | None = None  # a provider's endpoints do not move: read once

    async def register(self, metadata: dict[str, Any]) -> Registration:
        headers = {"Authorization": f"Bearer {self._initial}"} if self._initial else {}
        endpoint = await self._registration_endpoint()
        response = await self._call("POST", endpoint, json=metadata, headers=headers)
        _raise_for(response, "registration")
        body: dict[str, Any] = response.json()
        try:
            return Registration(
                client_id=body["client_id"],
                client_secret=body.get("client_secret"),
                registration_access_token=body["registration_access_token"],
                registration_client_uri=body["registration_client_uri"],
                redirect_uris=list(body.get("redirect_uris", metadata["redirect_uris"])),
            )
        except KeyError as exc:
            # Without these the client could never be removed again: unusable for us.
            raise ProviderRefused(f"the provider's registration answer lacks {exc}") from exc

    async def _registration_endpoint(self) -> str:
        if self._endpoint is None:
            response = await self._call("GET", discovery_url(self.issuer))
            _raise_for(response, "discovery")
            document = response.json()
            # OpenID Connect Discovery §4.3: a document naming another issuer is not the
            # provider's, and its registration endpoint must not get tenants' clients.
            if not isinstance(document, dict) or document.get("issuer") != self.issuer:
                raise ProviderRefused(
                    f"the discovery document names another issuer than {self.issuer}"
                )
            endpoint = document.get("registration_endpoint")
            if not isinstance(endpoint, str) or not endpoint:
                raise ProviderRefused(f"{self.issuer} announces no registration_endpoint")
            self._endpoint = endpoint
        return self._endpoint


def _raise_for(response: httpx.Response, what: str) -> None:
    if response.is_success:
        return
    reason = f"the identity provider refused the {what}: {response.status_code}{_error(response)}"
    if response.status_code >= 500 or response.status_code == 429:
        raise ProviderUnavailable(reason)
    raise ProviderRefused(reason)


def _error(response: httpx.Response) -> str:
    """The provider's `error` and `error_description` (RFC 7591 §3.2.2), never its whole body."""
    try:
        body = response.json()
    except ValueError:
        return ""
    if not isinstance(body, dict) or "error" not in body:
        return ""
    description = str(body.get("error_description", ""))[:200]
    return f" {str(body['error'])[:60]}" + (f" ({description})" if description else "")


def make_identity_driver(settings: ProvisionerSettings) -> IdentityDriver:
    if settings.identity_driver_name == "oidc-dcr":
        return DcrDriver(settings)
    return NoIdentityDriver(settings)
