from __future__ import annotations

from datetime import UTC, datetime, timedelta

from lead_verifier.domain.codes import CodeState, Rejection, digest, issue_code

NOW = datetime(2026, 1, 1, tzinfo=UTC)


def state_for(code: str, **over: object) -> CodeState:
    values: dict[str, object] = {
        "digest": digest(code),
        "expires_at": NOW + timedelta(hours=1),
        "attempts": 0,
        "used_at": None,
    }
    values.update(over)
    return CodeState(**values)  # type: ignore[arg-type]


def test_issued_code_is_random_and_only_its_digest_is_kept() -> None:
    a, b = issue_code(NOW, timedelta(minutes=5)), issue_code(NOW, timedelta(minutes=5))
    assert a.plaintext != b.plaintext
    assert a.digest == digest(a.plaintext)
    assert a.plaintext not in a.digest
    assert a.expires_at == NOW + timedelta(minutes=5)


def test_right_code_is_accepted_once() -> None:
    state, rejection = state_for("abc").check("abc", NOW, 5)
    assert rejection is None
    assert state.used_at == NOW
    assert state.check("abc", NOW, 5) == (state, Rejection.USED)


def test_wrong_code_counts_an_attempt_until_locked() -> None:
    state, rejection = state_for("abc").check("nope", NOW, 2)
    assert rejection is Rejection.MISMATCH
    state, rejection = state.check("nope", NOW, 2)
    assert rejection is Rejection.MISMATCH
    assert state.attempts == 2
    assert state.check("abc", NOW, 2)[1] is Rejection.LOCKED


def test_expired_code_is_refused_even_if_right() -> None:
    state, rejection = state_for("abc", expires_at=NOW).check("abc", NOW, 5)
    assert rejection is Rejection.EXPIRED
    assert state.used_at is None


def test_the_request_that_used_the_code_repeats_only_with_the_same_code_and_key() -> None:
    state, rejection = state_for("abc").check("abc", NOW, 5, key="k1")
    assert rejection is None
    window = timedelta(minutes=30)
    assert state.repeats_use("abc", "k1", NOW + timedelta(minutes=1), window)
    assert not state.repeats_use("abc", "k2", NOW, window), "another key"
    assert not state.repeats_use("abc", None, NOW, window), "no key"
    assert not state.repeats_use("nope", "k1", NOW, window), "another code"
    assert not state.repeats_use("abc", "k1", NOW + window, window), "the token has expired"
    state, rejection = state.check("abc", NOW, 5, key="k1")
    assert rejection is Rejection.USED
    assert state.attempts == 0


def test_a_code_used_without_a_key_never_repeats() -> None:
    state, rejection = state_for("abc").check("abc", NOW, 5)
    assert rejection is None
    assert not state.repeats_use("abc", "k1", NOW, timedelta(minutes=30))
