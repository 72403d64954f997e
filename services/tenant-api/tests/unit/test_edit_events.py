"""Edits decide their own events: only what changed, before and after, secrets never shown."""

from __future__ import annotations

from datetime import UTC, datetime
from uuid import uuid4

import pytest

from shared_schemas import Actor
from shared_schemas.events import (
    SecretChange,
    TenantCredentialRevealed,
    TenantCredentialRevealedData,
    ValueChange,
)
from tenant_api.domain.changes import changes, same
from tenant_api.domain.contacts import ContactChanges, TenantContact
from tenant_api.domain.feature_flags import FlagChanges
from tenant_api.domain.tenant import PostalAddress
from tenant_api.domain.tenant_details import TenantDetails
from tenant_api.domain.timeline import TimelineEntry

NOW = datetime(2026, 1, 1, tzinfo=UTC)
ADMIN = Actor(sub="ops:grace", role="admin")
TENANT = uuid4()
HQ = PostalAddress("1 Loom St", "London", None, "N1", "GB")


def test_changes_name_only_what_differs_with_before_and_after() -> None:
    found = changes(
        {"name": "Acme", "domains": ("acme.io",), "address": None},
        {"name": "Acme Corp", "domains": ["acme.io"], "address": {"city": "London"}},
    )

    assert found == {
        "name": ValueChange(before="Acme", after="Acme Corp"),
        "address": ValueChange(before=None, after={"city": "London"}),
    }


def test_a_secret_field_says_only_that_it_changed() -> None:
    found = changes(
        {"label": "prod", "token": "s3cr3t-old", "pin": "1234"},
        {"label": "live", "token": "s3cr3t-new", "pin": "1234"},
        secret={"token", "pin"},
    )

    assert found == {
        "label": ValueChange(before="prod", after="live"),
        "token": SecretChange(changed=True),
    }
    assert "s3cr3t" not in repr(found)


def test_fields_only_one_side_has_are_changes_too() -> None:
    assert changes({"gone": 1}, {"new": "x"}, secret={"new"}) == {
        "gone": ValueChange(before=1, after=None),
        "new": SecretChange(changed=True),
    }


@pytest.mark.parametrize(
    ("a", "b", "equal"),
    [
        (True, 1, False),
        (1, 1.0, False),
        ({"x": 1, "y": 2}, {"y": 2, "x": 1}, True),
        (("a", "b"), ["a", "b"], True),
        (None, None, True),
    ],
)
def test_values_compare_as_json(a: object, b: object, equal: bool) -> None:
    assert same(a, b) is equal


def test_a_tenant_edit_reports_each_changed_detail() -> None:
    before = TenantDetails("Acme", ("acme.io",), None)
    after = before.edit(name="Acme Corp", domains=["acme.io", "acme.com"], address=HQ)
    assert after.address is None  # an address not given is kept

    event = before.updated(
        before.edit(
            name="Acme Corp", domains=["acme.io", "acme.com"], address=HQ, address_given=True
        ),
        tenant_id=TENANT,
        now=NOW,
        actor=ADMIN,
    )

    assert event is not None
    assert (event.type, event.tenant_id, event.actor, event.occurred_at) == (
        "tenant.updated",
        TENANT,
        ADMIN,
        NOW,
    )
    assert event.model_dump(mode="json")["data"]["changes"] == {
        "name": {"before": "Acme", "after": "Acme Corp"},
        "domains": {"before": ["acme.io"], "after": ["acme.io", "acme.com"]},
        "address": {
            "before": None,
            "after": {
                "address": "1 Loom St",
                "city": "London",
                "state": None,
                "zip": "N1",
                "country": "GB",
            },
        },
    }


def test_a_tenant_edit_that_changes_nothing_has_no_event() -> None:
    before = TenantDetails("Acme", ("acme.io",), HQ)
    same_again = before.edit(name="Acme", domains=["acme.io"], address=HQ, address_given=True)

    assert before.updated(same_again, tenant_id=TENANT, now=NOW, actor=ADMIN) is None


def test_removing_the_address_is_a_change_to_none() -> None:
    before = TenantDetails("Acme", ("acme.io",), HQ)
    event = before.updated(
        before.edit(address=None, address_given=True), tenant_id=TENANT, now=NOW, actor=ADMIN
    )
    assert event is not None
    assert list(event.data.changes) == ["address"]
    assert event.model_dump(mode="json")["data"]["changes"]["address"]["after"] is None


def contact(*, primary: bool, email: str = "ada@acme.io") -> TenantContact:
    return TenantContact(uuid4(), "Ada", "Lovelace", email, is_primary=primary)


def test_a_promotion_is_a_primary_switch_naming_the_demoted_contact() -> None:
    ada, previous = contact(primary=False), uuid4()
    effective = ada.edit(ContactChanges(email="ada@acme.io", is_primary=True), ["acme.io"])
    event = ada.updated(
        ada.edited(effective), tenant_id=TENANT, demoted=previous, now=NOW, actor=ADMIN
    )

    assert event is not None
    assert event.data.contact_id == ada.id
    assert event.data.demoted_contact_id == previous
    # The e-mail was sent unchanged: only the switch is a change.
    assert event.data.changes == {"is_primary": ValueChange(before=False, after=True)}


def test_a_contact_edit_to_the_same_values_has_no_event() -> None:
    ada = contact(primary=True)
    effective = ada.edit(ContactChanges(first_name="Ada", is_primary=True), ["acme.io"])
    edited = ada.edited(effective)

    assert edited == ada
    assert ada.updated(edited, tenant_id=TENANT, demoted=None, now=NOW, actor=ADMIN) is None


def test_added_and_removed_contacts_carry_the_contact() -> None:
    ada, previous = contact(primary=True), uuid4()

    added = ada.added(TENANT, previous, NOW, ADMIN)
    removed = ada.removed(TENANT, NOW, ADMIN)

    assert (added.type, added.data.is_primary, added.data.demoted_contact_id) == (
        "tenant.contact_added",
        True,
        previous,
    )
    assert added.data.contact == removed.data.contact
    assert str(removed.data.contact.email) == "ada@acme.io"
    assert removed.actor == ADMIN


def test_flag_changes_sort_flags_into_added_removed_and_changed() -> None:
    changed = FlagChanges.between(
        {"beta": True, "seats": 10, "legacy": "csv", "same": "x"},
        {"beta": 1, "seats": 25, "newBilling": True, "same": "x"},
    )

    assert changed
    assert changed.added == {"newBilling": True}
    assert changed.removed == {"legacy": "csv"}
    assert changed.changed == {
        "beta": ValueChange(before=True, after=1),  # `true` and `1` are different flag values
        "seats": ValueChange(before=10, after=25),
    }
    event = changed.event(TENANT, 7, NOW, ADMIN)
    assert (event.type, event.data.generation, event.actor) == (
        "tenant.feature_flags_changed",
        7,
        ADMIN,
    )


def test_the_same_flags_are_no_change() -> None:
    assert not FlagChanges.between({"a": 1, "b": "x"}, {"b": "x", "a": 1})


def test_summaries_name_what_changed() -> None:
    ada = contact(primary=False)
    effective = ada.edit(ContactChanges(last_name="Byron"), ["acme.io"])
    updated = ada.updated(
        ada.edited(effective), tenant_id=TENANT, demoted=None, now=NOW, actor=None
    )
    assert updated is not None
    refused = TenantCredentialRevealed.build(
        TenantCredentialRevealedData(tenant_id=TENANT, provider="stripe", allowed=False),
        producer="tenant-api",
        correlation_id=TENANT,
        tenant_id=TENANT,
    )

    lines = [TimelineEntry.of(e) for e in (updated, refused)]

    assert [line.summary if line else None for line in lines] == [
        "tenant: contact updated: last_name",
        "tenant: credential reveal refused: stripe",
    ]
    assert lines[0] is not None
    assert lines[0].actor is None
