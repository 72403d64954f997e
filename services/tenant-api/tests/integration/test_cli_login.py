"""`tenantctl login|logout|whoami` with the device flow at a real OpenID provider, and the
session it saves used by the other commands against a served gateway that accepts no
development tokens.

Each login waits the provider's polling interval once (it names none: RFC 8628's 5 s).
"""

from __future__ import annotations

import asyncio
import json
import os
import stat
import sys
import time
import uuid
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest

from service_kit_testing import TestInfra, served
from service_kit_testing.identity import IdentityProvider
from tenant_api.app import create_app

from ..gateway import gateway_settings, tenantctl  # type: ignore[import-not-found]

DEVICE_GRANT = "urn:ietf:params:oauth:grant-type:device_code"
Answer = Callable[[str], None]


@pytest.fixture
def device_client(oidc_provider: IdentityProvider) -> str:
    """tenantctl's client at the provider: public, device flow and refresh only."""
    client = oidc_provider.register_client(
        grant_types=[DEVICE_GRANT, "refresh_token"],
        response_types=[],
        redirect_uris=[],
        token_endpoint_auth_method="none",
    )
    client_id: str = client["client_id"]
    return client_id


@pytest.fixture
def admin(oidc_provider: IdentityProvider) -> str:
    return oidc_provider.add_account(f"admin-{uuid.uuid4().hex[:8]}", role="admin")


@pytest.fixture
async def env(
    infra: TestInfra,
    migrated: None,
    oidc_provider: IdentityProvider,
    device_client: str,
    tmp_path: Path,
) -> AsyncIterator[dict[str, str]]:
    """tenantctl's environment: a served gateway trusting only the provider, an empty config."""
    provider = {"oidc_issuer": oidc_provider.issuer, "oidc_audience": oidc_provider.audience}
    settings = gateway_settings(infra, dev_sign_in=False, **provider)
    async with served(create_app(settings)) as url:
        variables = {
            **os.environ,
            **infra.env,
            "GATEWAY_URL": url,
            "XDG_CONFIG_HOME": str(tmp_path / "config"),
            "OIDC_ISSUER": oidc_provider.issuer,
            "OIDC_AUDIENCE": oidc_provider.audience,
            "OIDC_CLI_CLIENT_ID": device_client,
            "DEV_SIGN_IN": "false",
        }
        variables.pop("TENANTCTL_TOKEN", None)
        yield variables


def credentials(env: dict[str, str]) -> Path:
    return Path(env["XDG_CONFIG_HOME"]) / "tenantctl" / "credentials.json"


async def login(env: dict[str, str], answer: Answer) -> tuple[int, str]:
    """`tenantctl login` as a process of its own under umask 000; `answer` plays the user with
    the address it shows. Its exit status and everything it wrote to stderr."""
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "tenant_api.cli.main",
        "login",
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
        umask=0,  # the saved session must be private whatever the umask
    )
    assert process.stderr is not None
    shown: list[str] = []
    while not shown or not shown[-1].startswith("or open "):
        line = (await asyncio.wait_for(process.stderr.readline(), timeout=30)).decode()
        assert line, f"login ended before showing where to go: {''.join(shown)}"
        shown.append(line)
    await asyncio.to_thread(answer, shown[-1].removeprefix("or open ").strip())
    _, rest = await asyncio.wait_for(process.communicate(), timeout=60)
    assert process.returncode is not None
    return process.returncode, "".join(shown) + rest.decode()


async def signed_in(env: dict[str, str], provider: IdentityProvider, user: str) -> dict[str, Any]:
    code, err = await login(env, lambda url: provider.approve_device(url, user))
    assert code == 0, err
    saved: dict[str, Any] = json.loads(credentials(env).read_text())
    return saved


async def test_login_saves_a_private_session_the_other_commands_use(
    env: dict[str, str], oidc_provider: IdentityProvider, device_client: str, admin: str
) -> None:
    started = time.monotonic()
    code, err = await login(env, lambda url: oidc_provider.approve_device(url, admin))
    waited = time.monotonic() - started

    assert code == 0, err
    assert "enter the code" in err
    assert f"signed in as {admin} (admin)" in err
    assert waited < 15  # one interval (5 s), not a retry storm nor the code's 10 minutes
    path = credentials(env)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    assert [p.name for p in path.parent.iterdir() if p.name.startswith(".")] == []
    saved = json.loads(path.read_text())
    assert (saved["issuer"], saved["client_id"], saved["sub"], saved["role"]) == (
        oidc_provider.issuer,
        device_client,
        admin,
        "admin",
    )
    assert saved["refresh_token"]

    code, out, err = await tenantctl(env, "tenants", "list")
    assert code == 0, err  # the gateway takes no development token: this is the provider's
    assert out.split()[:3] == ["ID", "KEY", "STATUS"]

    code, out, err = await tenantctl(env, "whoami")
    assert code == 0, err
    lines = dict(line.split(None, 1) for line in out.splitlines())
    assert (lines["sub"], lines["role"], lines["issuer"]) == (admin, "admin", oidc_provider.issuer)
    assert "min)" in lines["expires"]
    for token in (saved["access_token"], saved["refresh_token"], saved["id_token"]):
        assert token not in out + err


async def test_an_expiring_session_is_refreshed_and_saved_again(
    env: dict[str, str], oidc_provider: IdentityProvider, admin: str
) -> None:
    saved = await signed_in(env, oidc_provider, admin)
    path = credentials(env)
    path.write_text(json.dumps({**saved, "expires_at": "2000-01-01T00:00:00+00:00"}))

    code, out, err = await tenantctl(env, "tenants", "list")

    assert code == 0, err
    assert out.startswith("ID ")
    renewed = json.loads(path.read_text())
    assert renewed["access_token"] != saved["access_token"]
    assert datetime.fromisoformat(renewed["expires_at"]) > datetime.now(UTC)
    assert (renewed["sub"], renewed["role"]) == (admin, "admin")
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


async def test_logout_revokes_the_refresh_token_and_forgets_the_session(
    env: dict[str, str], oidc_provider: IdentityProvider, device_client: str, admin: str
) -> None:
    saved = await signed_in(env, oidc_provider, admin)
    path = credentials(env)

    code, out, err = await tenantctl(env, "logout")

    assert code == 0, err
    assert f"signed out ({admin} at {oidc_provider.issuer})" in err
    assert not path.exists()
    async with httpx.AsyncClient() as http:
        refresh = await http.post(
            oidc_provider.discovery()["token_endpoint"],
            data={
                "grant_type": "refresh_token",
                "refresh_token": saved["refresh_token"],
                "client_id": device_client,
            },
        )
    assert (refresh.status_code, refresh.json()["error"]) == (400, "invalid_grant")

    # A copy of the old session, once expired, cannot be brought back to life.
    path.write_text(json.dumps({**saved, "expires_at": "2000-01-01T00:00:00+00:00"}))
    code, out, err = await tenantctl(env, "tenants", "list")
    assert (code, out) == (1, "")
    assert err.startswith("tenantctl: session expired: run `tenantctl login`")


async def test_a_sign_in_denied_at_the_provider_is_a_clear_error(
    env: dict[str, str], oidc_provider: IdentityProvider
) -> None:
    code, err = await login(env, oidc_provider.deny_device)

    assert code == 1
    assert err.endswith("tenantctl: the sign-in was denied at the provider\n")
    assert not credentials(env).exists()


async def test_without_a_session_or_development_sign_in_commands_ask_to_sign_in(
    env: dict[str, str],
) -> None:
    code, out, err = await tenantctl(env, "tenants", "list")
    assert (code, out, err) == (1, "", "tenantctl: not signed in: run `tenantctl login`\n")

    code, out, err = await tenantctl(env, "whoami")
    assert (code, err) == (1, "tenantctl: not signed in: run `tenantctl login`\n")

    # A session saved for another provider is not sent to this one.
    path = credentials(env)
    path.parent.mkdir(parents=True)
    other = {
        "issuer": "https://login.other.example",
        "client_id": "tenantctl",
        "access_token": "not-for-this-gateway",
        "refresh_token": None,
        "expires_at": "2999-01-01T00:00:00+00:00",
    }
    path.write_text(json.dumps(other))
    code, out, err = await tenantctl(env, "tenants", "list")
    assert code == 1
    assert "the saved session is for https://login.other.example; run `tenantctl login`" in err

    without_provider = {k: v for k, v in env.items() if not k.startswith("OIDC_")}
    code, out, err = await tenantctl(without_provider, "tenants", "list")
    assert code == 1
    assert "OIDC_ISSUER is unset (the saved session is for https://login.other.example)" in err


async def test_login_without_a_provider_says_what_to_set(env: dict[str, str]) -> None:
    env = {k: v for k, v in env.items() if k not in {"OIDC_ISSUER", "OIDC_CLI_CLIENT_ID"}}

    code, out, err = await tenantctl(env, "login")

    assert (code, out) == (1, "")
    assert err.startswith("tenantctl: tenantctl login needs OIDC_ISSUER")
    assert "OIDC_CLI_CLIENT_ID" in err
