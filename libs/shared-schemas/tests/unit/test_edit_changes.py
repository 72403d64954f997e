"""The edit events' changes: a value change keeps its nulls, a secret one never holds values."""

from __future__ import annotations

from uuid import UUID

import pytest
from pydantic import ValidationError

from shared_schemas.events import (
    SecretChange,
    TenantFeatureFlagsChangedData,
    TenantUpdatedData,
    ValueChange,
)

TENANT = UUID("8f14e45f-ceea-4c3a-9b1d-2a7c6e5d4b31")


def test_each_change_parses_to_its_own_shape() -> None:
    data = TenantUpdatedData.model_validate(
        {
            "tenant_id": str(TENANT),
            "changes": {
                "address": {"before": None, "after": {"city": "Bristol"}},
                "token": {"changed": True},
            },
        }
    )

    assert data.changes["address"] == ValueChange(before=None, after={"city": "Bristol"})
    assert data.changes["token"] == SecretChange(changed=True)
    assert data.model_dump(mode="json")["changes"]["token"] == {"changed": True}


@pytest.mark.parametrize(
    "change",
    [
        {"changed": True, "before": "s3cr3t", "after": "n3w"},  # a secret with its values
        {"changed": False},
        {},
        {"before": "a"},
    ],
)
def test_a_change_is_either_values_or_a_bare_mark(change: dict[str, object]) -> None:
    with pytest.raises(ValidationError):
        TenantUpdatedData.model_validate({"tenant_id": str(TENANT), "changes": {"x": change}})


def test_flag_values_keep_their_json_types() -> None:
    raw = (
        f'{{"tenant_id": "{TENANT}", "added": {{"a": true, "b": 1, "c": 1.5, "d": "1"}}, '
        '"removed": {}, "changed": {"e": {"before": 1, "after": true}}, "generation": 3}'
    )

    data = TenantFeatureFlagsChangedData.model_validate_json(raw)

    assert [type(v) for v in data.added.values()] == [bool, int, float, str]
    assert data.model_dump(mode="json")["changed"] == {"e": {"before": 1, "after": True}}
