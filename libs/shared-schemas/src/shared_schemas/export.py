"""Write each event's JSON Schema into a folder: `python -m shared_schemas.export docs/events`."""

from __future__ import annotations

import json
import sys
from pathlib import Path

from shared_schemas.registry import EVENT_CLASSES


def schema_documents() -> dict[str, str]:
    """File name → pretty JSON Schema text, for every registered event."""
    docs: dict[str, str] = {}
    for cls in EVENT_CLASSES:
        schema = cls.model_json_schema()
        schema["$id"] = f"urn:controlplane:event:{cls.TYPE}:v{cls.VERSION}"
        docs[f"{cls.TYPE}.v{cls.VERSION}.json"] = (
            json.dumps(schema, indent=2, sort_keys=True) + "\n"
        )
    return docs


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    target = Path(args[0] if args else "docs/events")
    target.mkdir(parents=True, exist_ok=True)
    for name, text in schema_documents().items():
        (target / name).write_text(text)
    print(f"wrote {len(EVENT_CLASSES)} event schemas to {target}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
