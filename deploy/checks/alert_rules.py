"""What promtool would say of the PrometheusRule objects, without Prometheus: every expression
parses as PromQL, every alert says how bad it is and what happened, and links to a runbook
section of docs/operations.md that exists."""

from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import Path

import promql_parser

from deploy.checks.render import Manifest, name_of
from deploy.checks.tools import ROOT

RUNBOOKS = ROOT / "docs" / "operations.md"
SEVERITIES = {"critical", "warning", "info"}
_DURATION = re.compile(r"^([0-9]+(ms|s|m|h|d|w|y))+$")


def problems(manifests: Iterable[Manifest], runbooks: Path = RUNBOOKS) -> list[str]:
    anchors = heading_anchors(runbooks.read_text())
    found: list[str] = []
    for manifest in manifests:
        if manifest.get("kind") != "PrometheusRule":
            continue
        seen: set[str] = set()
        for group in manifest.get("spec", {}).get("groups", []):
            for rule in group.get("rules", []):
                named = rule.get("alert") or rule.get("record")
                where = f"{name_of(manifest)} {group.get('name')}/{named}"
                found += [f"{where}: {problem}" for problem in _rule_problems(rule, anchors, seen)]
    return found


def _rule_problems(rule: Manifest, anchors: set[str], seen: set[str]) -> list[str]:
    found = []
    try:
        promql_parser.parse(str(rule.get("expr", "")))
    except ValueError as exc:
        found.append(f"expr does not parse: {exc}")
    if "for" in rule and not _DURATION.match(str(rule["for"])):
        found.append(f"`for: {rule['for']}` is not a duration")
    alert = rule.get("alert")
    if alert is None:
        return found
    if alert in seen:
        found.append("two alerts of the same name in one rule set")
    seen.add(alert)
    if rule.get("labels", {}).get("severity") not in SEVERITIES:
        found.append(f"labels.severity must be one of {sorted(SEVERITIES)}")
    annotations = rule.get("annotations", {})
    for needed in ("summary", "description", "runbook_url"):
        if not str(annotations.get(needed, "")).strip():
            found.append(f"annotations.{needed} is missing")
    runbook = str(annotations.get("runbook_url", ""))
    page, _, anchor = runbook.partition("#")
    if runbook and (not page.endswith("docs/operations.md") or anchor not in anchors):
        found.append(f"runbook_url {runbook!r} names no section of docs/operations.md")
    return found


def heading_anchors(markdown: str) -> set[str]:
    """The anchors GitHub gives the headings: lower case, punctuation dropped, spaces to '-'."""
    anchors: set[str] = set()
    in_code = False
    for line in markdown.splitlines():
        if line.startswith("```"):
            in_code = not in_code
        elif not in_code and (heading := re.match(r"^#{1,6}\s+(.*?)\s*#*\s*$", line)):
            text = re.sub(r"[^\w\- ]", "", heading.group(1).strip().lower())
            anchors.add(text.replace(" ", "-"))
    return anchors
