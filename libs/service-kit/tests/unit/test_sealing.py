"""Sealed values: open only under their key and for the record they were sealed for."""

from __future__ import annotations

import base64

import pytest
from pydantic import SecretStr, ValidationError

from service_kit.sealing import Keyring, KeyringError, Unsealable
from service_kit.settings import (
    DEV_API_KEY_HANDOVER_KEY,
    DEV_VERIFICATION_LINK_KEY,
    DEV_WEBHOOK_RUN_KEY,
    ApiKeyHandoverSettings,
    ServiceSettings,
    VerificationLinkSettings,
    WebhookRunKeySettings,
)

K1 = base64.b64encode(b"1" * 32).decode()
K2 = base64.b64encode(b"2" * 32).decode()


class LinkSettings(ServiceSettings, VerificationLinkSettings):
    """As a service mixes it in."""


def test_seals_under_the_first_key_and_opens_for_its_binding_only() -> None:
    keyring = Keyring.parse(f"k2:{K2},k1:{K1}")

    sealed = keyring.seal("https://app.example/validate?code=live-code", "lead:1")

    assert sealed.key_id == "k2"
    assert "live-code" not in sealed.model_dump_json()
    assert keyring.open(sealed, "lead:1") == "https://app.example/validate?code=live-code"
    with pytest.raises(Unsealable) as caught:
        keyring.open(sealed, "lead:2")
    assert caught.value.reason == "sealed_value_unreadable"
    assert "live-code" not in caught.value.detail


def test_an_old_key_still_opens_after_rotation() -> None:
    sealed = Keyring.parse(f"k1:{K1}").seal("secret", "b")

    assert Keyring.parse(f"k2:{K2},k1:{K1}").open(sealed, "b") == "secret"
    with pytest.raises(Unsealable, match="'k1', which is not configured"):
        Keyring.parse(f"k2:{K2}").open(sealed, "b")


def test_a_tampered_value_does_not_open() -> None:
    keyring = Keyring.parse(f"k1:{K1}")
    sealed = keyring.seal("secret", "b")
    raw = bytearray(base64.urlsafe_b64decode(sealed.ciphertext))
    raw[0] ^= 1
    tampered = sealed.model_copy(update={"ciphertext": base64.urlsafe_b64encode(raw).decode()})

    with pytest.raises(Unsealable, match="does not open"):
        keyring.open(tampered, "b")


@pytest.mark.parametrize(
    "spec",
    ["", "k1", f"k1:{K1},k1:{K2}", "k1:not base64!", f"k1:{base64.b64encode(b'short').decode()}"],
)
def test_malformed_key_lists_are_refused(spec: str) -> None:
    with pytest.raises(KeyringError):
        Keyring.parse(spec)


def test_settings_refuse_the_development_key_in_production_and_never_echo_keys() -> None:
    with pytest.raises(ValidationError) as caught:
        LinkSettings(
            environment="production",
            verification_link_keys=SecretStr(f"dev:{DEV_VERIFICATION_LINK_KEY}"),
        )
    assert "development key" in str(caught.value)
    assert DEV_VERIFICATION_LINK_KEY not in str(caught.value)

    with pytest.raises(ValidationError) as bad:
        LinkSettings(verification_link_keys=SecretStr("k1:c2hvcnQ="))
    assert "32 bytes" in str(bad.value)
    assert "c2hvcnQ=" not in str(bad.value)


def test_production_accepts_a_real_key() -> None:
    settings = LinkSettings(environment="production", verification_link_keys=SecretStr(f"k1:{K1}"))

    assert settings.link_keyring().current == "k1"
    assert K1 not in repr(settings.link_keyring())


class RunSettings(ServiceSettings, WebhookRunKeySettings, ApiKeyHandoverSettings):
    pass


@pytest.mark.parametrize(
    ("field", "name", "dev_key"),
    [
        ("webhook_run_keys", "WEBHOOK_RUN_KEYS", DEV_WEBHOOK_RUN_KEY),
        ("api_key_handover_keys", "API_KEY_HANDOVER_KEYS", DEV_API_KEY_HANDOVER_KEY),
    ],
)
def test_run_and_handover_keys_follow_the_same_rules(field: str, name: str, dev_key: str) -> None:
    real = {
        "webhook_run_keys": SecretStr(f"k1:{K1}"),
        "api_key_handover_keys": SecretStr(f"k1:{K2}"),
    }
    with pytest.raises(ValidationError) as caught:
        RunSettings(environment="production", **{**real, field: SecretStr(f"dev:{dev_key}")})
    assert f"{name} must not carry the development key" in str(caught.value)
    assert dev_key not in str(caught.value)
    with pytest.raises(ValidationError) as bad:
        RunSettings(**{field: SecretStr("k1:c2hvcnQ=")})
    assert name in str(bad.value)
    assert "c2hvcnQ=" not in str(bad.value)
    settings = RunSettings(environment="production", **real)
    keyring = settings.run_keyring() if field == "webhook_run_keys" else settings.handover_keyring()
    assert keyring.current == "k1"
