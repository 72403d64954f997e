"""The session `tenantctl login` saves: private whatever the umask, written whole, read back."""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from tenant_api.cli import session
from tenant_api.cli.session import Session

SAVED = Session(
    issuer="https://login.example",
    client_id="tenantctl",
    access_token="access",
    refresh_token="refresh",
    id_token=None,
    expires_at=datetime(2030, 1, 2, 3, 4, 5, tzinfo=UTC),
    sub="ada",
    role="admin",
)


@pytest.fixture
def config_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    return tmp_path / "config"


@pytest.fixture(params=[0o000, 0o022, 0o277], ids=["umask-000", "umask-022", "umask-277"])
def umask(request: pytest.FixtureRequest) -> Iterator[int]:
    previous = os.umask(request.param)
    try:
        yield request.param
    finally:
        os.umask(previous)


def test_the_file_is_0600_and_its_directory_0700_whatever_the_umask(
    config_home: Path, umask: int
) -> None:
    session.save(SAVED)

    path = config_home / "tenantctl" / "credentials.json"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    assert os.listdir(path.parent) == ["credentials.json"]  # no temporary file left behind


def test_a_wider_directory_of_an_earlier_version_is_narrowed(config_home: Path) -> None:
    (config_home / "tenantctl").mkdir(parents=True, mode=0o755)
    (config_home / "tenantctl").chmod(0o755)

    session.save(SAVED)

    assert stat.S_IMODE((config_home / "tenantctl").stat().st_mode) == 0o700


def test_saved_and_read_back_the_same_and_replaced_whole(config_home: Path) -> None:
    session.save(SAVED)
    assert session.load() == SAVED

    newer = Session(**{**SAVED.__dict__, "access_token": "newer", "expires_at": None})
    session.save(newer)
    assert session.load() == newer


def test_no_file_or_a_file_that_is_no_session_reads_as_signed_out(config_home: Path) -> None:
    assert session.load() is None
    (config_home / "tenantctl").mkdir(parents=True)
    for text in ("{", "[]", '{"issuer": "x"}'):
        (config_home / "tenantctl" / "credentials.json").write_text(text)
        assert session.load() is None


def test_a_link_planted_at_the_temporary_name_is_not_followed(
    config_home: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    folder = config_home / "tenantctl"
    folder.mkdir(parents=True)
    target = tmp_path / "elsewhere"
    (folder / ".credentials.json.0000000000000000").symlink_to(target)
    monkeypatch.setattr(session.secrets, "token_hex", lambda n: "0" * 2 * n)

    with pytest.raises(FileExistsError):
        session.save(SAVED)

    assert not target.exists()
    assert not (folder / "credentials.json").exists()


def test_expiry_is_near_within_the_margin() -> None:
    now = datetime(2030, 1, 2, 3, 3, 10, tzinfo=UTC)  # 55 s before SAVED expires
    assert SAVED.expires_within(60, now)
    assert not SAVED.expires_within(50, now)
