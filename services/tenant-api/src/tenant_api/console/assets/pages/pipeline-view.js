// The Pipeline card: overall status, failure, and one row per step seen so far.

import { h } from "../dom.js";
import { badge, between, duration, time, words } from "../format.js";
import { dataTable, details, emptyState } from "../views.js";

const STEP_COLUMNS = [
  { label: "Step", cell: (s) => h("span", { class: "step-name" }, s.name) },
  { label: "Status", cell: (s) => badge(s.status) },
  { label: "Attempts", class: "num", cell: (s) => String(s.attempts) },
  { label: "Started", cell: (s) => time(s.startedAt, { short: true }) },
  { label: "Duration", class: "num", cell: (s) => duration(between(s.startedAt, s.finishedAt)) },
  { label: "Last error", class: "wrap", cell: (s) => s.lastError
    ? h("code", { class: "error-text" }, s.lastError) : h("span", { class: "muted" }, "—") },
];

export function pipelineView(p) {
  if (!p) {
    return emptyState("No pipeline yet: this tenant was never provisioned.",
      "This page picks it up by itself as soon as provisioning starts.");
  }
  const failure = p.failureStep || p.failureReason
    ? h("div", { class: "callout callout-bad" },
      h("p", { class: "callout-title" }, `Failed at ${p.failureStep ?? "an unknown step"}`),
      p.failureReason ? h("p", { class: "callout-detail" }, p.failureReason) : null)
    : null;
  const running = p.status === "RUNNING" || p.status === "TIMING_OUT";
  return h("div", { class: "pipeline", "data-pipeline-status": p.status },
    h("div", { class: "pipeline-head" },
      badge(p.status, { id: "pipeline-status" }),
      details([
        ["Run", `#${p.run}`],
        ["Started", time(p.startedAt, { short: true })],
        ["Finished", time(p.finishedAt, { short: true })],
        ["Took", duration(between(p.startedAt, p.finishedAt))],
        ["By", h("span", { class: "mono" }, p.requestedBy)],
        p.cancelRequestedAt ? ["Cancel asked", time(p.cancelRequestedAt, { short: true })] : null,
      ], { cls: "details-inline" })),
    failure,
    p.steps.length
      ? dataTable({
        caption: "Pipeline steps",
        columns: STEP_COLUMNS,
        rows: p.steps,
        rowAttrs: (s) => ({ "data-step": s.name, "data-step-status": s.status }),
      })
      : emptyState("No step has started yet.", running ? "The provisioner picks it up next." : null));
}

// What changed between two polls, in words for the live region (`before` undefined: the
// first load, which is shown, not announced).
export function stepChanges(before, after) {
  if (before === undefined || !after) return [];
  const old = new Map((before?.id === after.id ? before.steps : []).map((s) => [s.name, s.status]));
  return after.steps
    .filter((s) => old.get(s.name) !== s.status)
    .map((s) => `Step ${s.name}: ${words(s.status)}.`);
}
