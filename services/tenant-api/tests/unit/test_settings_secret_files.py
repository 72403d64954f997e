"""The gateway's settings read its secrets from mounted files (`<NAME>_FILE`), mixins included."""

from __future__ import annotations

import base64
from pathlib import Path

import pytest

from tenant_api.cli.config import CliError, settings
from tenant_api.settings import TenantApiSettings

JWT = "jwt-secret-mounted-by-kubernetes-0123456789"
VAULT_KEYS = f"v2:{base64.b64encode(b'k' * 32).decode()},v1:{base64.b64encode(b'o' * 32).decode()}"


@pytest.fixture(autouse=True)
def _clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("JWT_SECRET", "VAULT_MASTER_KEYS"):
        monkeypatch.delenv(name, raising=False)
        monkeypatch.delenv(f"{name}_FILE", raising=False)


def test_the_gateway_reads_its_jwt_secret_and_vault_keys_from_files(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "jwt").write_text(JWT + "\n")
    (tmp_path / "vault").write_text(VAULT_KEYS + "\n")
    monkeypatch.setenv("JWT_SECRET_FILE", str(tmp_path / "jwt"))
    monkeypatch.setenv("VAULT_MASTER_KEYS_FILE", str(tmp_path / "vault"))
    read = TenantApiSettings()
    assert read.jwt_secret.get_secret_value() == JWT
    assert read.vault_master_keys.get_secret_value() == VAULT_KEYS


def test_tenantctl_names_an_unreadable_secret_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "absent"
    monkeypatch.setenv("JWT_SECRET_FILE", str(path))
    with pytest.raises(
        CliError, match=f"invalid configuration: JWT_SECRET_FILE: cannot read {path}"
    ):
        settings()
