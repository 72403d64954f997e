// The Timeline card: what happened to the tenant, newest first, with each event's key facts
// (which step, which attempt, what error) so an operator need not open the payload.

import { h } from "../dom.js";
import { time } from "../format.js";
import { emptyState } from "../views.js";

function facts(e) {
  const d = e.data ?? {};
  const parts = [];
  if (d.step) parts.push(h("span", { class: "fact" }, "step ", h("strong", {}, d.step)));
  if (d.attempt) parts.push(h("span", { class: "fact" }, `attempt ${d.attempt}`));
  if (d.requested_by) parts.push(h("span", { class: "fact" }, `by ${d.requested_by}`));
  if (d.amount && d.currency) parts.push(h("span", { class: "fact" }, `${d.amount} ${d.currency}`));
  if (d.app_url) parts.push(h("span", { class: "fact mono" }, d.app_url));
  if (d.public_id) parts.push(h("span", { class: "fact mono" }, `cpk_${d.public_id}_…`));
  if (d.will_retry !== undefined) {
    parts.push(h("span", { class: "fact" }, d.will_retry ? "will retry" : "no more retries"));
  }
  const problem = d.error ?? d.reason;
  return h("div", { class: "timeline-facts" },
    parts.length ? parts : h("span", { class: "muted" }, e.summary),
    problem ? h("code", { class: "error-text timeline-error" }, problem) : null);
}

export function timelineView(items) {
  if (!items.length) return emptyState("Nothing has happened to this tenant yet.");
  const newest = [...items].reverse();
  return h("div", { class: "timeline-wrap" },
    h("ol", { class: "timeline", "aria-label": "Timeline, newest first" }, newest.map((e) =>
      h("li", { class: "timeline-item", "data-type": e.type },
        h("div", { class: "timeline-meta" },
          time(e.occurredAt, { short: true }),
          h("span", { class: "muted" }, e.producer),
          e.actor ? h("span", { class: "timeline-actor" }, `by ${e.actor.sub} (${e.actor.role})`) : null),
        h("div", { class: "timeline-text" },
          h("code", { class: "event-type" }, e.type),
          facts(e))))));
}
