"""The provisioner reads its tenant database's DSN and its provider token from mounted files."""

from __future__ import annotations

from pathlib import Path

import pytest

from provisioner.settings import ProvisionerSettings

DSN = "postgresql://provisioner:pw-from-file@tenant-db:5432/tenant_data"
TOKEN = "initial-access-token-from-a-file"


def test_the_provisioner_reads_secrets_from_files(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in ("TENANT_DATA_DSN", "IDENTITY_INITIAL_ACCESS_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    (tmp_path / "dsn").write_text(DSN + "\n")
    (tmp_path / "token").write_text(TOKEN)
    monkeypatch.setenv("TENANT_DATA_DSN_FILE", str(tmp_path / "dsn"))
    monkeypatch.setenv("IDENTITY_INITIAL_ACCESS_TOKEN_FILE", str(tmp_path / "token"))
    read = ProvisionerSettings()
    assert read.tenant_data_dsn == DSN
    assert read.tenant_data_address() == ("tenant-db", 5432, "tenant_data")
    assert read.identity_initial_access_token is not None
    assert read.identity_initial_access_token.get_secret_value() == TOKEN
