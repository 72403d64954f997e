"""The credential vault over HTTP: encryption at rest, masking, who may reveal, failing closed."""

from __future__ import annotations

import uuid
from typing import Any

import httpx
import pytest

from service_kit.problems import PROBLEM_JSON
from tenant_api.domain.keyring import MasterKeyring
from tenant_api.settings import TenantApiSettings

from ..desk import Desk  # type: ignore[import-not-found]
from ..gateway import bearer, gateway  # type: ignore[import-not-found]
from ..vault import SECRET, audit_trail, master_key  # type: ignore[import-not-found]

BODY = {"clientId": "initech-app-000123", "clientSecret": SECRET, "region": "eu"}


async def _store(desk: Desk, tenant_id: str, provider: str = "stripe") -> httpx.Response:
    response = await desk.client.put(
        f"/tenants/{tenant_id}/credentials/{provider}", json=BODY, headers=desk.admin
    )
    assert response.status_code in (200, 201), response.text
    return response


async def test_store_list_read_masked_reveal_and_delete_are_audited(desk: Desk) -> None:
    tenant_id = (await desk.new_tenant())["id"]
    admin = desk.admin
    own = desk.own(uuid.UUID(tenant_id))
    url = f"/tenants/{tenant_id}/credentials/stripe"

    created = await desk.client.put(url, json=BODY, headers=own)
    assert created.status_code == 201
    assert created.headers["cache-control"] == "no-store"
    masked = {"clientId": "in…23", "clientSecret": "sk…06", "region": "****"}
    assert created.json()["values"] == masked
    assert created.json()["masked"] is True
    assert (await desk.client.put(url, json=BODY, headers=admin)).status_code == 200

    listing = await desk.client.get(f"/tenants/{tenant_id}/credentials", headers=own)
    assert listing.status_code == 200
    assert [i["provider"] for i in listing.json()["items"]] == ["stripe"]
    assert SECRET not in listing.text

    for headers in (own, admin):
        read = await desk.client.get(url, headers=headers)
        assert read.status_code == 200
        assert read.json()["values"] == masked
        assert SECRET not in read.text

    revealed = await desk.client.get(url, params={"reveal": "true"}, headers=admin)
    assert revealed.status_code == 200
    assert revealed.headers["cache-control"] == "no-store"
    assert revealed.json()["masked"] is False
    assert revealed.json()["values"] == BODY

    assert (await desk.client.delete(url, headers=admin)).status_code == 204
    assert (await desk.client.get(url, headers=admin)).status_code == 404
    assert (await desk.client.delete(url, headers=admin)).status_code == 404

    assert await audit_trail(desk.sql, tenant_id) == [
        ("stripe", "store", "test:tenant", "success"),
        ("stripe", "store", "test:admin", "success"),
        ("stripe", "decrypt", "test:tenant", "success"),
        ("stripe", "decrypt", "test:admin", "success"),
        ("stripe", "reveal", "test:admin", "success"),
        ("stripe", "delete", "test:admin", "success"),
    ]


async def test_nothing_readable_is_stored(desk: Desk, settings: TenantApiSettings) -> None:
    tenant_id = (await desk.new_tenant())["id"]
    await _store(desk, tenant_id)

    [(ciphertext,)] = await desk.sql(
        "SELECT ciphertext FROM tenant_api.credentials WHERE tenant_id = :t", t=tenant_id
    )
    [(wrapped, version)] = await desk.sql(
        "SELECT wrapped_key, master_key_version FROM tenant_api.tenant_data_keys "
        "WHERE tenant_id = :t",
        t=tenant_id,
    )
    keyring = MasterKeyring.parse(settings.vault_master_keys.get_secret_value())
    data_key = keyring.unwrap(wrapped, version, uuid.UUID(tenant_id))
    assert len(data_key) == 32
    for plaintext in (SECRET.encode(), b"initech-app-000123", b"clientSecret", SECRET[:8].encode()):
        assert plaintext not in ciphertext
        assert plaintext not in wrapped
    assert data_key not in wrapped
    assert data_key not in ciphertext
    dumped = await desk.sql(
        "SELECT t::text FROM tenant_api.vault_audit t WHERE tenant_id = :t", t=tenant_id
    )
    assert all(SECRET not in row[0] for row in dumped)


async def test_a_ciphertext_copied_elsewhere_does_not_decrypt(desk: Desk) -> None:
    admin = desk.admin
    victim, thief = (await desk.new_tenant())["id"], (await desk.new_tenant())["id"]
    await _store(desk, victim)
    other = {"clientId": "thief-app-0000001", "clientSecret": "thief-secret-00000000"}
    for provider in ("stripe", "github"):
        response = await desk.client.put(
            f"/tenants/{thief}/credentials/{provider}", json=other, headers=admin
        )
        assert response.status_code == 201
    await _store(desk, victim, "github")

    # Another tenant's row, and the same tenant's row of another provider.
    await desk.sql(
        "UPDATE tenant_api.credentials SET ciphertext = (SELECT ciphertext FROM "
        "tenant_api.credentials WHERE tenant_id = :v AND provider = 'stripe') "
        "WHERE tenant_id = :t AND provider = 'stripe'",
        v=victim,
        t=thief,
    )
    await desk.sql(
        "UPDATE tenant_api.credentials SET ciphertext = (SELECT ciphertext FROM "
        "tenant_api.credentials WHERE tenant_id = :v AND provider = 'github') "
        "WHERE tenant_id = :v AND provider = 'stripe'",
        v=victim,
    )
    for tenant_id in (thief, victim):
        url = f"/tenants/{tenant_id}/credentials/stripe"
        for params in ({"reveal": "true"}, {}):
            response = await desk.client.get(url, params=params, headers=admin)
            assert response.status_code == 503
            assert response.headers["content-type"] == PROBLEM_JSON
            problem = response.json()
            assert problem["type"].endswith("/credential-unreadable")
            assert "nothing was revealed" in problem["detail"]
            assert SECRET not in response.text
            assert "thief-secret" not in response.text

    failures = [a for a in await audit_trail(desk.sql, thief) if a[3] == "failure"]
    assert failures == [
        ("stripe", "reveal", "test:admin", "failure"),
        ("stripe", "decrypt", "test:admin", "failure"),
    ]
    # The untouched rows still open.
    github = await desk.client.get(
        f"/tenants/{victim}/credentials/github", params={"reveal": "true"}, headers=admin
    )
    assert github.json()["values"] == BODY


async def test_who_may_read_and_reveal(desk: Desk) -> None:
    mine, theirs = (await desk.new_tenant())["id"], (await desk.new_tenant())["id"]
    admin = desk.admin
    await _store(desk, mine)
    await _store(desk, theirs)
    own = desk.own(uuid.UUID(mine))

    assert (
        await desk.client.get(f"/tenants/{mine}/credentials/stripe", headers=own)
    ).status_code == 200
    refused = await desk.client.get(
        f"/tenants/{mine}/credentials/stripe", params={"reveal": "true"}, headers=own
    )
    assert refused.status_code == 403
    assert refused.headers["content-type"] == PROBLEM_JSON
    assert SECRET not in refused.text
    assert (await audit_trail(desk.sql, mine))[-1] == ("stripe", "reveal", "test:tenant", "denied")

    for method, path, params in (
        ("GET", "/credentials/stripe", {}),
        ("GET", "/credentials/stripe", {"reveal": "true"}),
        ("GET", "/credentials", {}),
        ("PUT", "/credentials/stripe", {}),
        ("DELETE", "/credentials/stripe", {}),
    ):
        body = BODY if method == "PUT" else None
        response = await desk.client.request(
            method, f"/tenants/{theirs}{path}", params=params, json=body, headers=own
        )
        assert response.status_code == 404, (method, path, params)

    operator = bearer(desk.token("operator"))
    url = f"/tenants/{mine}/credentials/stripe"
    assert (await desk.client.get(url, headers=operator)).status_code == 403
    assert (await desk.client.get(url)).status_code == 401
    missing = await desk.client.get(f"/tenants/{uuid.uuid4()}/credentials/stripe", headers=admin)
    assert missing.status_code == 404
    unknown = await desk.client.put(
        f"/tenants/{uuid.uuid4()}/credentials/stripe", json=BODY, headers=admin
    )
    assert unknown.status_code == 404


@pytest.mark.parametrize(
    ("provider", "body"),
    [
        ("Stripe", BODY),
        ("s", BODY),
        ("stripe_x", BODY),
        ("stripe", {}),
        ("stripe", {"clientSecret": 42}),
        ("stripe", {"clientSecret": ""}),
        ("stripe", ["not", "an", "object"]),
        ("stripe", {"bad name": "x"}),
        ("stripe", {f"k{i}": "v" for i in range(21)}),
        ("stripe", {"a": "x" * 4000, "b": "y" * 4000, "c": "z" * 400}),
    ],
)
async def test_invalid_input_is_refused(desk: Desk, provider: str, body: Any) -> None:
    tenant_id = (await desk.new_tenant())["id"]
    response = await desk.client.put(
        f"/tenants/{tenant_id}/credentials/{provider}", json=body, headers=desk.admin
    )
    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == PROBLEM_JSON


@pytest.mark.parametrize(
    "raw", ['{"clientSecret": "\\ud800"}', '{"clientSecret": "a"', '{"clientSecret": null}']
)
async def test_malformed_json_is_refused(desk: Desk, raw: str) -> None:
    tenant_id = (await desk.new_tenant())["id"]
    response = await desk.client.put(
        f"/tenants/{tenant_id}/credentials/stripe",
        content=raw.encode(),
        headers={**desk.admin, "Content-Type": "application/json"},
    )
    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == PROBLEM_JSON


async def test_without_a_usable_master_key_the_vault_fails_closed(
    desk: Desk, settings: TenantApiSettings
) -> None:
    admin = desk.admin
    stored, fresh = (await desk.new_tenant())["id"], (await desk.new_tenant())["id"]
    await _store(desk, stored)

    wrong = _with_keys(settings, f"v1:{master_key()}")
    missing = _with_keys(settings, "")
    for broken, reason in ((wrong, "does not open"), (missing, "no master key")):
        async with gateway(broken) as other:
            ready = await other.get("/readyz")
            assert ready.status_code == 503
            assert reason in ready.json()["checks"]["vault"]
            assert ready.json()["checks"]["database"] == "ok"
            assert (await other.get("/healthz")).status_code == 200
            for params in ({"reveal": "true"}, {}):
                response = await other.get(
                    f"/tenants/{stored}/credentials/stripe", params=params, headers=admin
                )
                assert response.status_code == 503
                assert response.headers["content-type"] == PROBLEM_JSON
                assert response.json()["type"].endswith("/vault-key-unavailable")
                assert SECRET not in response.text
                assert "sk…" not in response.text
            write = await other.put(
                f"/tenants/{stored}/credentials/github", json=BODY, headers=admin
            )
            assert write.status_code == 503
            # The listing needs no key: names only.
            assert (
                await other.get(f"/tenants/{stored}/credentials", headers=admin)
            ).status_code == 200
        if broken is missing:  # a tenant with no data key yet gets none without a master key
            async with gateway(broken) as other:
                refused = await other.put(
                    f"/tenants/{fresh}/credentials/stripe", json=BODY, headers=admin
                )
                assert refused.status_code == 503

    trail = await audit_trail(desk.sql, stored)
    assert trail[0] == ("stripe", "store", "test:admin", "success")
    assert (
        trail[1:]
        == [
            ("stripe", "reveal", "test:admin", "failure"),
            ("stripe", "decrypt", "test:admin", "failure"),
            ("github", "store", "test:admin", "failure"),
        ]
        * 2
    )
    assert (
        await desk.sql("SELECT 1 FROM tenant_api.tenant_data_keys WHERE tenant_id = :t", t=fresh)
        == []
    )
    assert (
        await desk.sql(
            "SELECT 1 FROM tenant_api.credentials WHERE tenant_id = :t AND provider = 'github'",
            t=stored,
        )
        == []
    )
    # The service that has the key still reads it.
    again = await desk.client.get(
        f"/tenants/{stored}/credentials/stripe", params={"reveal": "true"}, headers=admin
    )
    assert again.json()["values"] == BODY


def _with_keys(settings: TenantApiSettings, keys: str) -> TenantApiSettings:
    values = {name: getattr(settings, name) for name in settings.model_fields_set}
    return TenantApiSettings(**{**values, "vault_master_keys": keys})
