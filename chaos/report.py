"""Results as JSON and as the Markdown table docs/reliability.md carries."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from chaos.runner import Result


def _seconds(value: float | None) -> str:
    return "—" if value is None else f"{value:.1f}"


def table(results: Sequence[Result]) -> str:
    lines = [
        "| scenario | tenants | end states | write back (s) | saga moving (s) | healed (s) | lost"
        " | done twice | unexpected | e-mails resent | verdict |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in results:
        if r.status == "not run":
            lines.append(f"| `{r.scenario}` | | | | | | | | | | not run: {r.note} |")
            continue
        endings = ", ".join(f"{k} {v}" for k, v in sorted(r.endings.items()))
        lines.append(
            f"| `{r.scenario}` | {r.tenants} | {endings} | {_seconds(r.recovery.write_s)}"
            f" | {_seconds(r.recovery.saga_s)} | {_seconds(r.recovery.heal_s)}"
            f" | {len(r.lost)} | {len(r.duplicated)}"
            f" | {len(r.unexpected)} | {len(r.resent_mail)} | {r.status} |"
        )
    return "\n".join(lines) + "\n"


def write(results: Sequence[Result], directory: Path, meta: dict[str, Any]) -> tuple[Path, Path]:
    directory.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    data = directory / f"chaos-{stamp}.json"
    data.write_text(
        json.dumps({**meta, "results": [r.as_json() for r in results]}, indent=2) + "\n"
    )
    markdown = directory / f"chaos-{stamp}.md"
    markdown.write_text(table(results))
    return data, markdown
