"""The vault's pure parts: master keyring, data key wrapping, sealing, masking, settings."""

from __future__ import annotations

import base64
import os
import uuid

import pytest
from pydantic import ValidationError

from service_kit.settings import ServiceSettings
from tenant_api.domain.keyring import (
    CredentialUnreadable,
    KeyringError,
    MasterKeyring,
    VaultKeyUnavailable,
    new_data_key,
)
from tenant_api.domain.masking import mask, mask_all
from tenant_api.domain.sealing import open_sealed, seal
from tenant_api.settings import TenantApiSettings
from tenant_api.vault.settings import DEV_VAULT_MASTER_KEY, VaultSettings

K1, K2 = (base64.b64encode(os.urandom(32)).decode() for _ in range(2))
TENANT, OTHER = uuid.uuid4(), uuid.uuid4()


def test_the_first_key_is_current_unless_a_version_is_named() -> None:
    keyring = MasterKeyring.parse(f" v2:{K2} , v1:{K1} ")
    assert (keyring.current_version, keyring.versions) == (2, (2, 1))
    assert MasterKeyring.parse(f"v2:{K2},v1:{K1}", current_version=1).current_version == 1
    assert K1 not in repr(keyring)


@pytest.mark.parametrize(
    ("spec", "current", "problem"),
    [
        ("", None, "no master key"),
        (" , ", None, "no master key"),
        (K1, None, "not `v<version>"),
        (f"v0:{K1}", None, "not `v<version>"),
        ("v1:not-base64!", None, "not valid base64"),
        (f"v1:{base64.b64encode(b'short').decode()}", None, "32 bytes"),
        (f"v1:{K1},v1:{K2}", None, "listed twice"),
        (f"v1:{K1}", 2, "v2 has no key"),
    ],
)
def test_malformed_keyrings_are_refused_without_echoing_keys(
    spec: str, current: int | None, problem: str
) -> None:
    with pytest.raises(KeyringError, match=problem) as refused:
        MasterKeyring.parse(spec, current)
    assert K1 not in str(refused.value)
    assert K2 not in str(refused.value)


def test_a_data_key_opens_only_for_its_tenant_and_version() -> None:
    old = MasterKeyring.parse(f"v1:{K1}")
    data_key = new_data_key()
    version, wrapped = old.wrap(data_key, TENANT)
    assert version == 1
    assert data_key not in wrapped
    assert old.unwrap(wrapped, 1, TENANT) == data_key
    with pytest.raises(VaultKeyUnavailable, match="does not open"):
        old.unwrap(wrapped, 1, OTHER)
    with pytest.raises(VaultKeyUnavailable, match="no master key v2"):
        old.unwrap(wrapped, 2, TENANT)
    with pytest.raises(VaultKeyUnavailable):
        old.unwrap(wrapped[:-1] + bytes([wrapped[-1] ^ 1]), 1, TENANT)

    both = MasterKeyring.parse(f"v2:{K2},v1:{K1}")
    assert both.unwrap(wrapped, 1, TENANT) == data_key
    assert both.unwrap_any(wrapped, 2, TENANT) == (1, data_key)  # a mislabelled row still opens
    new_version, rewrapped = both.wrap(data_key, TENANT)
    assert new_version == 2
    assert MasterKeyring.parse(f"v2:{K2}").unwrap(rewrapped, 2, TENANT) == data_key
    with pytest.raises(VaultKeyUnavailable, match=r"\(v2\)"):
        MasterKeyring.parse(f"v2:{K2}").unwrap_any(wrapped, 1, TENANT)


def test_sealed_values_open_only_for_their_tenant_and_provider() -> None:
    data_key = new_data_key()
    values = {"clientId": "app-1", "clientSecret": "very-secret-value"}
    sealed = seal(data_key, values, tenant_id=TENANT, provider="stripe")
    assert b"very-secret-value" not in sealed
    assert seal(data_key, values, tenant_id=TENANT, provider="stripe") != sealed  # fresh nonce
    assert open_sealed(data_key, sealed, tenant_id=TENANT, provider="stripe") == values
    for tenant_id, provider, key, blob in (
        (OTHER, "stripe", data_key, sealed),
        (TENANT, "github", data_key, sealed),
        (TENANT, "stripe", new_data_key(), sealed),
        (TENANT, "stripe", data_key, sealed[:20] + bytes([sealed[20] ^ 1]) + sealed[21:]),
        (TENANT, "stripe", data_key, b"short"),
    ):
        with pytest.raises(CredentialUnreadable):
            open_sealed(key, blob, tenant_id=tenant_id, provider=provider)


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        ("", "****"),
        ("abc", "****"),
        ("abcdefghijk", "****"),
        ("abcdefghijkl", "ab…kl"),
        ("sk_live_0123456789abcdef", "sk…ef"),
    ],
)
def test_masking(value: str, shown: str) -> None:
    assert mask(value) == shown
    assert mask_all({"k": value}) == {"k": shown}


class _VaultOnly(ServiceSettings, VaultSettings):
    """The vault's settings alone, so other production checks do not get in the way."""


def test_production_refuses_the_development_master_key() -> None:
    assert issubclass(TenantApiSettings, VaultSettings)
    assert DEV_VAULT_MASTER_KEY in TenantApiSettings().vault_master_keys.get_secret_value()
    with pytest.raises(ValidationError, match="VAULT_MASTER_KEYS"):
        _VaultOnly(environment="production")
    with pytest.raises(ValidationError, match="VAULT_MASTER_KEYS"):
        _VaultOnly(environment="production", vault_master_keys=f"v2:{K2},v1:{DEV_VAULT_MASTER_KEY}")
    settings = _VaultOnly(environment="production", vault_master_keys=f"v2:{K2},v1:{K1}")
    assert K2 not in repr(settings)
