"""The tenant state machine."""

from __future__ import annotations

import pytest

from tenant_api.domain.status import TRANSITIONS, InvalidTransition, TenantStatus, transition

S = TenantStatus


@pytest.mark.parametrize("source", [S.PENDING_PROVISION, S.PROVISION_FAILED, S.CANCELLED])
def test_provisioning_starts_or_retries_from_these(source: TenantStatus) -> None:
    assert transition(source, S.PROVISIONING) is S.PROVISIONING


def test_every_pair_outside_the_machine_is_refused() -> None:
    for current in S:
        for target in S:
            if target in TRANSITIONS[current]:
                assert transition(current, target) is target
            else:
                with pytest.raises(InvalidTransition):
                    transition(current, target)


def test_only_from_narrows_a_shared_target() -> None:
    assert transition(S.SUSPENDED, S.ACTIVE, only_from=S.SUSPENDED) is S.ACTIVE
    with pytest.raises(InvalidTransition) as refused:
        transition(S.PROVISIONING, S.ACTIVE, only_from=S.SUSPENDED)
    assert (refused.value.current, refused.value.target) == (S.PROVISIONING, S.ACTIVE)
    assert transition(S.PROVISIONING, S.ACTIVE, only_from=S.PROVISIONING) is S.ACTIVE
    with pytest.raises(InvalidTransition):
        transition(S.SUSPENDED, S.ACTIVE, only_from=S.PROVISIONING)


def test_offboarded_is_final() -> None:
    assert TRANSITIONS[S.OFFBOARDED] == frozenset()
