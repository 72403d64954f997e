// The Timeline card: what happened to the tenant, newest first, with each event's key facts
// (which step, which attempt, what error, what an edit changed) so an operator need not open
// the payload. The audit page shows the same facts.

import { h } from "../dom.js";
import { time } from "../format.js";
import { emptyState } from "../views.js";

const NONE = "none";

// A value of an edited field as a person reads it: lists and addresses joined, none as "none".
function shown(value) {
  if (value === null || value === undefined || value === "") return NONE;
  if (Array.isArray(value)) return value.length ? value.map(shown).join(", ") : NONE;
  if (typeof value === "object") {
    const parts = Object.values(value).filter((part) => part !== null && part !== "");
    return parts.length ? parts.map(shown).join(", ") : NONE;
  }
  return String(value);
}

function fact(...children) {
  return h("span", { class: "fact" }, children);
}

// "name: Acme → Acme Corp"; a secret field only "changed".
function change(name, { before, after, changed }) {
  if (changed === true && before === undefined) {
    return fact(h("strong", {}, name), ": changed");
  }
  return fact(h("strong", {}, name), `: ${shown(before)} → ${shown(after)}`);
}

function contactName(c) {
  return `${c.first_name} ${c.last_name} <${c.email}>`;
}

function editFacts(e) {
  const d = e.data ?? {};
  const parts = Object.entries(d.changes ?? {}).map(([name, c]) => change(name, c));
  for (const [name, value] of Object.entries(d.added ?? {})) {
    parts.push(change(name, { before: null, after: value }));
  }
  for (const [name, value] of Object.entries(d.removed ?? {})) {
    parts.push(change(name, { before: value, after: null }));
  }
  for (const [name, c] of Object.entries(d.changed ?? {})) parts.push(change(name, c));
  if (e.type.startsWith("tenant.contact_")) {
    if (d.contact) parts.push(fact(contactName(d.contact)));
    if (d.is_primary) parts.push(fact("primary"));
    if (d.demoted_contact_id) parts.push(fact("previous primary demoted"));
  }
  if (d.generation) parts.push(fact(`config generation ${d.generation}`));
  if (d.provider) parts.push(fact("provider ", h("strong", {}, d.provider)));
  if (d.created !== undefined) parts.push(fact(d.created ? "created" : "replaced"));
  if (d.allowed === false) parts.push(fact(h("strong", {}, "refused")));
  return parts;
}

export function facts(e) {
  const d = e.data ?? {};
  const parts = editFacts(e);
  if (d.step) parts.push(fact("step ", h("strong", {}, d.step)));
  if (d.attempt) parts.push(fact(`attempt ${d.attempt}`));
  if (d.requested_by) parts.push(fact(`by ${d.requested_by}`));
  if (d.amount && d.currency) parts.push(fact(`${d.amount} ${d.currency}`));
  if (d.app_url) parts.push(h("span", { class: "fact mono" }, d.app_url));
  if (d.public_id) parts.push(h("span", { class: "fact mono" }, `cpk_${d.public_id}_…`));
  if (d.will_retry !== undefined) {
    parts.push(fact(d.will_retry ? "will retry" : "no more retries"));
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
          e.actor
            ? h("span", { class: "timeline-actor" }, `by ${e.actor.sub} (${e.actor.role})`)
            : null),
        h("div", { class: "timeline-text" },
          h("code", { class: "event-type" }, e.type),
          facts(e))))));
}
