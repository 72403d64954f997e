// One dead letter: why it died, where it was going, its body, headers and x-death history,
// what operators did with it; Replay (confirmed) and Discard (with a reason) while PARKED.

import { api } from "../api.js";
import { askReason, confirmAction } from "../dialogs.js";
import { h, replace } from "../dom.js";
import { badge, pretty, shortId, time, value, words } from "../format.js";
import { announce } from "../live.js";
import { setTitle } from "../router.js";
import {
  card, dataTable, details, emptyState, loading, pageHeading, showFetched,
} from "../views.js";

export function renderDeadLetter(main, { params, signal }) {
  const [id] = params;
  const heading = pageHeading("Dead letter", {
    crumbs: [["Dead letters", "#/dead-letters"]],
    aside: h("span", { id: "dead-letter-status", class: "title-badge" }),
  });
  const actions = h("div", { class: "actions", role: "group", "aria-label": "Actions" });
  const body = h("div", {}, loading("Loading the dead letter…"));
  main.append(heading, actions, body);

  function show(d) {
    heading.querySelector("h1").textContent = d.eventType ?? "Unparsed message";
    setTitle(`Dead letter ${d.eventType ?? shortId(d.id)}`);
    replace(document.getElementById("dead-letter-status"), badge(d.status));
    replace(actions, ...actionBar(d));
    replace(body, view(d));
  }

  function actionBar(d) {
    if (d.status !== "PARKED") {
      return [h("p", { class: "muted action-note" },
        `This dead letter is ${words(d.status).toLowerCase()}; there is nothing more to do with it.`)];
    }
    const replay = h("button", { type: "button", class: "btn btn-primary" }, "Replay…");
    const discard = h("button", { type: "button", class: "btn btn-danger-quiet" }, "Discard…");
    replay.addEventListener("click", async () => {
      const after = await confirmAction({
        title: "Replay this message?",
        message: h("p", {}, "The exact body is published again, with its original headers, to ",
          h("code", {}, d.originalQueue ?? "its original queue"),
          ". It is marked REPLAYED once the broker confirms it."),
        confirmLabel: "Replay",
        run: () => api(`/admin/dead-letters/${id}/replay`, { method: "POST" }),
      });
      if (after) done(after, `Replayed: the message went back to ${after.originalQueue ?? "its queue"}.`);
    });
    discard.addEventListener("click", async () => {
      const after = await askReason({
        title: "Discard this message?",
        message: h("p", {}, "It will never be delivered. The reason is kept with it."),
        label: "Why discard it?",
        confirmLabel: "Discard",
        run: (reason) => api(`/admin/dead-letters/${id}/discard`, {
          method: "POST", body: { reason },
        }),
      });
      if (after) done(after, "Discarded.");
    });
    return [replay, discard];
  }

  function done(after, message) {
    show(after);
    const note = h("p", { class: "callout callout-ok", id: "action-result" },
      `${message} Status: ${words(after.status)}.`);
    actions.append(note);
    announce(`${message} Status is now ${words(after.status)}.`);
    heading.querySelector("h1").focus();
  }

  showFetched(body, () => api(`/admin/dead-letters/${id}`, { signal }), show);
  return {};
}

function view(d) {
  return h("div", { class: "dead-letter-grid" },
    h("div", { class: "stack" },
      card("Why it died",
        details([
          ["Reason", h("code", { class: "reason", id: "dead-letter-reason" }, d.reason)],
          ["Error", d.error ? h("pre", { class: "error-block" }, d.error) : value(null)],
          ["Service", d.service],
          ["Consumer", value(d.headers["x-consumer"])],
          ["Dead-lettered", time(d.deadLetteredAt)],
          ["Stored", time(d.storedAt)],
        ])),
      card("Body", bodyView(d)),
      card("Death history", deathHistory(d.deathHistory)),
      card("Headers", headerTable(d.headers))),
    h("div", { class: "stack" },
      card("Where it was going", details([
        ["Original queue", mono(d.originalQueue)],
        ["Exchange", mono(d.originalExchange)],
        ["Routing key", mono(d.originalRoutingKey)],
        ["Parked in", mono(d.queue)],
      ])),
      card("Message", details([
        ["Event type", mono(d.eventType)],
        ["Event ID", mono(d.eventId)],
        ["Message ID", mono(d.messageId)],
        ["Tenant", d.tenantId
          ? h("a", { href: `#/tenants/${d.tenantId}`, class: "mono break" }, d.tenantId)
          : value(null)],
        ["Correlation ID", mono(d.correlationId)],
        ["Dead letter ID", mono(d.id)],
      ])),
      card("Audit", auditView(d))));
}

function mono(v) {
  return v ? h("span", { class: "mono break" }, v) : value(null);
}

function bodyView(d) {
  if (d.bodyText === null || d.bodyText === undefined) {
    return h("div", {},
      h("p", { class: "muted" }, "Not UTF-8 text; the exact bytes, base64-encoded:"),
      h("pre", { class: "code-block", id: "dead-letter-body" }, d.bodyBase64));
  }
  const text = pretty(d.bodyText);
  const note = text === d.bodyText && d.bodyText.trim().startsWith("{")
    ? h("p", { class: "muted" }, "Not valid JSON; shown exactly as received.") : null;
  return h("div", {}, note,
    h("pre", { class: "code-block", id: "dead-letter-body", tabindex: 0,
      "aria-label": "Message body" }, text));
}

function headerTable(headers) {
  const rows = Object.entries(headers).filter(([name]) => name !== "x-death");
  if (!rows.length) return emptyState("No headers.");
  return dataTable({
    caption: "Headers",
    columns: [
      { label: "Header", cell: ([name]) => h("code", {}, name) },
      { label: "Value", class: "wrap", cell: ([, v]) => value(v) },
    ],
    rows,
  });
}

function deathHistory(deaths) {
  if (!deaths.length) return emptyState("No x-death entries: the consumer dead-lettered it directly.");
  return dataTable({
    caption: "x-death history, newest first",
    columns: [
      { label: "Queue", class: "wrap", cell: (x) => mono(x.queue) },
      { label: "Reason", cell: (x) => value(x.reason) },
      { label: "Count", class: "num", cell: (x) => value(x.count) },
      { label: "Exchange", cell: (x) => mono(x.exchange) },
      { label: "Routing keys", cell: (x) => value((x["routing-keys"] ?? []).join(", ")) },
      { label: "Time", cell: (x) => value(x.time) },
    ],
    rows: deaths,
  });
}

function auditView(d) {
  const facts = details([
    ["Status", badge(d.status)],
    ["Replays", String(d.replayCount)],
    ["Last replayed", time(d.replayedAt)],
    d.discardedReason ? ["Discard reason", d.discardedReason] : null,
    ["Last acted by", mono(d.actedBy)],
  ]);
  const trail = d.actions.length
    ? h("ol", { class: "audit" }, d.actions.map((a) => h("li", {},
      h("span", { class: "audit-action" }, words(a.action)),
      " by ", h("span", { class: "mono" }, a.actor), " · ", time(a.at, { short: true }),
      a.reason ? h("p", { class: "audit-reason" }, a.reason) : null)))
    : h("p", { class: "muted" }, "No operator has acted on it yet.");
  return h("div", {}, facts, trail);
}
