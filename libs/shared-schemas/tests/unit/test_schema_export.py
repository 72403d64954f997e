"""The JSON Schemas checked in under docs/events are exactly what the exporter writes now."""

from __future__ import annotations

from pathlib import Path

import pytest

from shared_schemas import EVENT_CLASSES
from shared_schemas.export import main, schema_documents


def test_checked_in_schemas_match_the_models(events_docs_dir: Path) -> None:
    on_disk = {p.name: p.read_text() for p in events_docs_dir.glob("*.json")}
    expected = schema_documents()

    stale = sorted(name for name in expected if on_disk.get(name) != expected[name])
    assert stale == [], f"stale or missing schemas, run `make schemas`: {stale}"


def test_no_stray_schema_files(events_docs_dir: Path) -> None:
    stray = sorted({p.name for p in events_docs_dir.glob("*.json")} - set(schema_documents()))
    assert stray == [], f"schemas for no registered event: {stray}"


def test_one_document_per_event_with_its_urn() -> None:
    docs = schema_documents()

    assert len(docs) == len(EVENT_CLASSES)
    for cls in EVENT_CLASSES:
        assert (
            f'"$id": "urn:controlplane:event:{cls.TYPE}:v{cls.VERSION}"'
            in (docs[f"{cls.TYPE}.v{cls.VERSION}.json"])
        )


def test_main_writes_every_document(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main([str(tmp_path / "events")]) == 0

    written = {p.name: p.read_text() for p in (tmp_path / "events").iterdir()}
    assert written == schema_documents()
    assert f"wrote {len(EVENT_CLASSES)} event schemas" in capsys.readouterr().out
