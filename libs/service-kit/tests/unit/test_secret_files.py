"""Every secret setting may be given as `<NAME>_FILE`, the way Kubernetes and Docker mount them."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from pydantic import ValidationError

from service_kit.secret_files import SecretFileError, secret_variables
from service_kit.settings import JwtSettings, ServiceSettings

TOKEN = "metrics-token-0123456789"
JWT = "a-jwt-secret-from-a-mounted-file-0123456789"


class WithJwt(ServiceSettings, JwtSettings):
    """A service's shape: the base settings and a mixin."""


@pytest.fixture(autouse=True)
def _clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    # The suite's own environment may set some of these; each test sets what it needs.
    for name in ("METRICS_TOKEN", "DATABASE_URL", "RABBITMQ_URLS", "JWT_SECRET", "LOG_LEVEL"):
        monkeypatch.delenv(name, raising=False)
        monkeypatch.delenv(f"{name}_FILE", raising=False)


def _file(folder: Path, content: str | bytes) -> Path:
    path = folder / "secret"
    path.write_bytes(content.encode() if isinstance(content, str) else content)
    return path


@pytest.mark.parametrize(
    ("content", "value"),
    [
        (TOKEN, TOKEN),
        (f"{TOKEN}\n", TOKEN),
        (f"{TOKEN}\r\n", TOKEN),
        (f"{TOKEN}\n\n", f"{TOKEN}\n"),  # one line break is the file's, the rest the secret's
        (f" {TOKEN} \n", f" {TOKEN} "),
    ],
)
def test_a_secret_is_read_from_its_file_less_one_trailing_line_break(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, content: str, value: str
) -> None:
    monkeypatch.setenv("METRICS_TOKEN_FILE", str(_file(tmp_path, content)))
    token = ServiceSettings().metrics_token
    assert token is not None
    assert token.get_secret_value() == value


def test_a_url_that_carries_a_password_is_read_from_its_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    url = "postgresql+asyncpg://app:pw-from-file@db.internal:5432/controlplane"
    monkeypatch.setenv("DATABASE_URL_FILE", str(_file(tmp_path, url + "\n")))
    assert ServiceSettings().database_url == url


def test_a_mixin_field_is_read_from_its_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("JWT_SECRET_FILE", str(_file(tmp_path, JWT + "\n")))
    assert WithJwt().jwt_secret.get_secret_value() == JWT
    assert JwtSettings().jwt_secret.get_secret_value() == JWT  # the mixin on its own too


def test_the_value_and_its_file_together_are_refused_without_either(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("METRICS_TOKEN", "token-in-the-environment")
    monkeypatch.setenv("METRICS_TOKEN_FILE", str(_file(tmp_path, TOKEN)))
    with pytest.raises(SecretFileError, match="METRICS_TOKEN and METRICS_TOKEN_FILE are both set"):
        ServiceSettings()


def test_a_blank_value_gives_way_to_its_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # docker compose passes `${RABBITMQ_URLS:-}` through as an empty string.
    urls = "amqp://app:pw@rabbit-1:5672/,amqp://app:pw@rabbit-2:5672/"
    monkeypatch.setenv("RABBITMQ_URLS", "")
    monkeypatch.setenv("RABBITMQ_URLS_FILE", str(_file(tmp_path, urls)))
    assert ServiceSettings().broker_urls == urls.split(",")


def test_a_blank_file_variable_is_unset(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("METRICS_TOKEN_FILE", " ")
    assert ServiceSettings().metrics_token is None


def test_a_missing_file_is_refused_naming_the_variable_and_the_path(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "absent"
    monkeypatch.setenv("METRICS_TOKEN_FILE", str(path))
    expected = f"METRICS_TOKEN_FILE: cannot read {path}: No such file or directory"
    with pytest.raises(SecretFileError, match=re.escape(expected)):
        ServiceSettings()


def test_a_folder_is_refused_naming_the_variable_and_the_path(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("METRICS_TOKEN_FILE", str(tmp_path))
    with pytest.raises(
        SecretFileError, match=re.escape(f"METRICS_TOKEN_FILE: cannot read {tmp_path}")
    ):
        ServiceSettings()


@pytest.mark.parametrize("content", ["", "\n", "\r\n"])
def test_an_empty_file_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, content: str
) -> None:
    path = _file(tmp_path, content)
    monkeypatch.setenv("METRICS_TOKEN_FILE", str(path))
    with pytest.raises(SecretFileError, match=re.escape(f"METRICS_TOKEN_FILE: {path} is empty")):
        ServiceSettings()


def test_a_file_that_is_not_text_is_refused_without_its_content(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = _file(tmp_path, b"\xffbinary-secret-material")
    monkeypatch.setenv("METRICS_TOKEN_FILE", str(path))
    with pytest.raises(SecretFileError) as refused:
        ServiceSettings()
    assert str(refused.value) == f"METRICS_TOKEN_FILE: {path} is not UTF-8 text"


def test_a_secret_refused_by_its_check_is_not_echoed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("JWT_SECRET_FILE", str(_file(tmp_path, "too-short-secret\n")))
    with pytest.raises(ValidationError, match="JWT_SECRET must be at least 32") as refused:
        WithJwt()
    assert "too-short-secret" not in str(refused.value)


def test_a_setting_that_is_no_secret_refuses_a_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LOG_LEVEL_FILE", str(_file(tmp_path, "DEBUG")))
    with pytest.raises(SecretFileError, match="LOG_LEVEL_FILE is not accepted: LOG_LEVEL is not"):
        ServiceSettings()


def test_the_secrets_are_found_by_their_type_and_mark() -> None:
    assert set(secret_variables(WithJwt)) == {
        "DATABASE_URL",
        "DATABASE_DIRECT_URL",
        "RABBITMQ_URL",
        "RABBITMQ_URLS",
        "REDIS_URL",
        "REDIS_SENTINEL_PASSWORD",
        "METRICS_TOKEN",
        "JWT_SECRET",
    }
