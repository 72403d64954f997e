"""The gateway's credential for internal routes: a real secret outside development, checked in
constant time, and what a refusal looks like."""

from __future__ import annotations

import pytest
from pydantic import SecretStr, ValidationError

from service_kit.internal_calls import (
    INTERNAL_CALLER_HEADER,
    check_internal_token,
    internal_headers,
)
from service_kit.problems import Unauthorized
from service_kit.settings import DEV_INTERNAL_API_TOKEN, InternalApiSettings, ServiceSettings

TOKEN = SecretStr("internal-0123456789abcdef0123456789")


class Settings(ServiceSettings, InternalApiSettings):
    pass


def test_the_development_token_works_on_a_laptop_and_nowhere_else() -> None:
    assert Settings().internal_api_token.get_secret_value() == DEV_INTERNAL_API_TOKEN
    with pytest.raises(ValidationError, match="INTERNAL_API_TOKEN must be set"):
        Settings(environment="production")
    real = Settings(environment="production", internal_api_token=TOKEN)
    assert real.internal_api_token == TOKEN


def test_a_short_token_is_refused_without_echoing_it() -> None:
    with pytest.raises(ValidationError, match="at least 32 characters") as refused:
        Settings(internal_api_token="short-secret")
    assert "short-secret" not in str(refused.value)


def test_only_the_token_itself_passes() -> None:
    check_internal_token(internal_headers(TOKEN)[INTERNAL_CALLER_HEADER], TOKEN)
    for given in (None, "", "internal-0123456789abcdef012345678", TOKEN.get_secret_value() + "x"):
        with pytest.raises(Unauthorized) as refused:
            check_internal_token(given, TOKEN)
        assert refused.value.status == 401
        assert TOKEN.get_secret_value() not in str(refused.value)
