"""The in-process caches of the hot read paths: answers by generation, verified tokens."""

from __future__ import annotations

import time
import uuid

import pytest

from tenant_api.adapters.verified_tokens import VerifiedTokens
from tenant_api.config.answers import ConfigAnswers


def test_an_answer_is_served_only_at_or_above_the_committed_generation() -> None:
    answers, tenant = ConfigAnswers(), uuid.uuid4()
    answers.put(tenant, 3, b"g3")
    assert answers.get(tenant, at_least=3) == b"g3"
    assert answers.get(tenant, at_least=2) == b"g3"
    assert answers.get(tenant, at_least=4) is None
    assert answers.get(uuid.uuid4(), at_least=0) is None


def test_an_older_answer_never_replaces_a_newer_one() -> None:
    answers, tenant = ConfigAnswers(), uuid.uuid4()
    answers.put(tenant, 5, b"g5")
    answers.put(tenant, 4, b"g4")  # a slow fill that read before the last write
    assert answers.get(tenant, at_least=5) == b"g5"
    answers.put(tenant, 6, b"g6")
    assert answers.get(tenant, at_least=5) == b"g6"


def test_the_least_recently_used_tenant_is_forgotten_first() -> None:
    answers = ConfigAnswers(max_tenants=2)
    a, b, c = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    answers.put(a, 1, b"a")
    answers.put(b, 1, b"b")
    assert answers.get(a, at_least=1) == b"a"  # a is now the most recent
    answers.put(c, 1, b"c")
    assert answers.get(b, at_least=1) is None
    assert (answers.get(a, at_least=1), answers.get(c, at_least=1)) == (b"a", b"c")


def test_a_token_is_kept_no_longer_than_its_expiry_or_the_max_age(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    now = time.time()
    monkeypatch.setattr(time, "time", lambda: now)
    tokens = VerifiedTokens(max_age=60)
    tokens.put("short", {"exp": now + 5}, leeway=10)
    tokens.put("long", {"exp": now + 3600}, leeway=10)
    assert tokens.get("short") == {"exp": now + 5}
    monkeypatch.setattr(time, "time", lambda: now + 14)
    assert tokens.get("short") is not None  # within exp + leeway
    monkeypatch.setattr(time, "time", lambda: now + 15)
    assert tokens.get("short") is None
    assert tokens.get("long") is not None
    monkeypatch.setattr(time, "time", lambda: now + 60)
    assert tokens.get("long") is None  # past max_age: verified again


def test_verified_tokens_are_bounded() -> None:
    tokens = VerifiedTokens(max_tokens=2)
    exp = time.time() + 600
    for name in ("a", "b", "c"):
        tokens.put(name, {"exp": exp}, leeway=0)
    assert tokens.get("a") is None
    assert tokens.get("b") is not None
    assert tokens.get("c") is not None
