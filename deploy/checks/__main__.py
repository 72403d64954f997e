"""`python -m deploy.checks [OVERLAY ...]`: render every overlay (or the directories named) and
check it, then the Dockerfile (only when no directory is named). Prints each step as it goes and
every problem found; exits 1 if there is one, 2 if a tool is missing."""

from __future__ import annotations

import sys
from pathlib import Path

from deploy.checks import alert_rules, dockerfile, policy, schemas
from deploy.checks.render import RenderFailed, overlays, render
from deploy.checks.tools import ROOT, ToolMissing


def main(arguments: list[str]) -> int:
    named = [Path(argument).resolve() for argument in arguments]
    found: list[str] = []
    try:
        for directory in named or overlays():
            label = directory.relative_to(ROOT) if directory.is_relative_to(ROOT) else directory
            rendered = render(directory)
            _say(f"{label}: {len(rendered.objects)} objects rendered")
            found += _report(
                f"{label} schemas", [p for m in rendered.objects for p in schemas.problems(m)]
            )
            found += _report(f"{label} alert rules", alert_rules.problems(rendered.objects))
            report = policy.check_manifests(rendered.text)
            found += _report(
                f"{label} checkov ({_counts(report)})",
                [str(f) for f in report.failed + report.unjustified()],
            )
        if not named:
            found += _report("Dockerfile hadolint", dockerfile.problems())
            report = policy.check_dockerfile()
            found += _report(
                f"Dockerfile checkov ({_counts(report)})",
                [str(f) for f in report.failed + report.unjustified()],
            )
    except ToolMissing as exc:
        print(f"deploy checks: {exc}", file=sys.stderr)
        return 2
    except RenderFailed as exc:
        print(f"deploy checks: {exc}", file=sys.stderr)
        return 1
    _say(f"{len(found)} problem(s)" if found else "all checks passed")
    return 1 if found else 0


def _report(step: str, problems: list[str]) -> list[str]:
    _say(f"{step}: {'ok' if not problems else f'{len(problems)} problem(s)'}")
    for problem in problems:
        print(f"  - {problem}", flush=True)
    return problems


def _counts(report: policy.Report) -> str:
    return f"{report.passed} passed, {len(report.skipped)} skipped in place"


def _say(line: str) -> None:
    print(f"[deploy checks] {line}", flush=True)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
