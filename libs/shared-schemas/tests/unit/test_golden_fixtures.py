"""Every registered event has a golden fixture that parses to its class and round-trips."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from shared_schemas import EVENT_CLASSES, Envelope, parse_event


def _fixture_name(cls: type[Envelope]) -> str:
    return f"{cls.TYPE}.v{cls.VERSION}.json"


@pytest.mark.parametrize("cls", EVENT_CLASSES, ids=_fixture_name)
def test_golden_fixture_parses_to_its_class_and_round_trips(
    cls: type[Envelope], fixtures_dir: Path
) -> None:
    path = fixtures_dir / _fixture_name(cls)
    assert path.is_file(), f"missing golden fixture {path.name}"
    raw = path.read_bytes()

    event = parse_event(raw)

    assert type(event) is cls
    assert (event.type, event.version) == (cls.TYPE, cls.VERSION)
    assert event.model_dump(mode="json") == json.loads(raw)


def test_every_fixture_belongs_to_a_registered_event(fixtures_dir: Path) -> None:
    expected = {_fixture_name(cls) for cls in EVENT_CLASSES}
    found = {p.name for p in fixtures_dir.glob("*.json")}
    assert found - expected == set(), "fixtures for events the registry does not know"
