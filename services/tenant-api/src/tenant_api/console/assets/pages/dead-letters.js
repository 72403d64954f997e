// Dead letters: the parking lot of every service's DLQ, filtered, paged; bulk replay of the
// PARKED ones matching the filters, previewed by a dry run before anything is published.

import { api, query as qs } from "../api.js";
import { confirmAction } from "../dialogs.js";
import { h, replace } from "../dom.js";
import { filterForm, instant, refill, showFiltered, values } from "../filters.js";
import { badge, shortId, time } from "../format.js";
import { announce } from "../live.js";
import { pagedResults } from "../paging.js";
import { dataTable, pageHeading, problemCallout } from "../views.js";

const PAGE = 50;
const SERVICES = ["tenant-api", "lead-verifier", "provisioner", "webhook-receiver", "notifier"];
const REASONS = ["malformed", "unknown_type_or_version", "no_handler", "retries_exhausted",
  "delivery_limit"];
export const ANY = "any";
const FIELDS = [
  { name: "status", label: "Status", type: "select", default: "PARKED",
    options: [["PARKED", "Parked"], ["REPLAYED", "Replayed"], ["DISCARDED", "Discarded"],
      [ANY, "Any status"]] },
  { name: "service", label: "Service", type: "select",
    options: [["", "Any service"], ...SERVICES.map((s) => [s, s])] },
  { name: "eventType", label: "Event type", placeholder: "e.g. tenant.activated" },
  { name: "reason", label: "Reason", list: REASONS, placeholder: "e.g. malformed" },
  { name: "tenantId", label: "Tenant ID", placeholder: "UUID" },
  { name: "from", label: "Stored from", type: "datetime-local" },
  { name: "to", label: "Stored before", type: "datetime-local" },
];

const COLUMNS = [
  { label: "Message", cell: (d) => h("div", { class: "cell-main" },
    h("a", { href: `#/dead-letters/${d.id}`, class: "row-link" },
      d.eventType ?? "unparsed message"),
    h("span", { class: "mono muted" }, shortId(d.id))) },
  { label: "Service", cell: (d) => d.service },
  { label: "Reason", cell: (d) => h("code", { class: "reason" }, d.reason) },
  { label: "Error", class: "wrap clamp", cell: (d) => d.error
    ? h("span", { class: "error-text", title: d.error }, d.error)
    : h("span", { class: "muted" }, "—") },
  { label: "Tenant", cell: (d) => d.tenantId
    ? h("a", { href: `#/tenants/${d.tenantId}`, class: "mono" }, shortId(d.tenantId))
    : h("span", { class: "muted" }, "—") },
  { label: "Status", cell: (d) => badge(d.status) },
  { label: "Stored", cell: (d) => time(d.storedAt, { short: true }) },
];

function apiFilters(params, { withStatus = true } = {}) {
  const status = params.get("status") ?? "PARKED";
  return {
    service: params.get("service") || undefined,
    eventType: params.get("eventType") || undefined,
    reason: params.get("reason") || undefined,
    tenantId: params.get("tenantId") || undefined,
    from: instant(params.get("from")) || undefined,
    to: instant(params.get("to")) || undefined,
    ...(withStatus && status !== ANY ? { status } : {}),
  };
}

export function renderDeadLetters(main, { query, signal }) {
  const results = h("div", { class: "results" });
  const bulk = h("button", { type: "button", class: "btn btn-secondary" }, "Replay matching…");
  const form = filterForm({
    label: "Filter dead letters",
    fields: FIELDS,
    query,
    extra: bulk,
    onApply: (filterValues) =>
      showFiltered("/dead-letters", filterValues, (params) => load(params)),
  });
  main.append(
    pageHeading("Dead letters", {
      lead: "Messages a service could not process, parked with their reason. Open one to see "
        + "why, then replay it or discard it.",
    }),
    h("div", { class: "card card-tight" }, form),
    results,
  );

  let params = query;
  const current = () => new URLSearchParams(
    Object.entries(values(form, FIELDS)).filter(([, v]) => v !== ""));

  bulk.addEventListener("click", () => bulkReplay(current()));

  const list = pagedResults({
    results,
    noun: "dead letter",
    plural: "dead letters",
    fetchPage: (p, after) =>
      api(`/admin/dead-letters${qs({ ...apiFilters(p), limit: PAGE, after })}`, { signal }),
    empty: (p) => ["No dead letters match these filters.",
      p.get("status") === ANY ? "Nothing has been dead-lettered."
        : "Try “Any status”, or clear the filters."],
    table: (items) => dataTable({
      caption: "Dead letters",
      columns: COLUMNS,
      rows: items,
      onOpen: (d) => { window.location.hash = `#/dead-letters/${d.id}`; },
      rowAttrs: (d) => ({ "data-dead-letter-id": d.id }),
    }),
  });

  function load(p) {
    params = p;
    return list.load(p);
  }

  async function bulkReplay(p) {
    const filters = apiFilters(p, { withStatus: false });
    let preview;
    try {
      preview = await api("/admin/dead-letters/replay", {
        method: "POST", body: { ...filters, dryRun: true, limit: 1000 }, signal,
      });
    } catch (error) {
      if (error.name !== "AbortError") replace(results, problemCallout(error));
      return;
    }
    if (!preview.matched) {
      announce("No parked dead letters match these filters: nothing to replay.");
      await confirmAction({
        title: "Nothing to replay",
        message: h("p", {}, "No PARKED dead letter matches these filters."),
        confirmLabel: "OK",
        run: async () => null,
      });
      return;
    }
    const sample = preview.items.slice(0, 5).map((d) =>
      h("li", {}, h("code", {}, d.eventType ?? "unparsed"), ` from ${d.service} (${d.reason})`));
    const result = await confirmAction({
      title: `Replay ${preview.matched} dead letter${preview.matched === 1 ? "" : "s"}?`,
      message: h("div", {},
        h("p", {}, "A dry run found these PARKED messages matching the filters. Each is "
          + "published back to the queue it was going to, oldest first, then marked REPLAYED."),
        h("ul", { class: "sample" }, sample),
        preview.matched > sample.length
          ? h("p", { class: "muted" }, `…and ${preview.matched - sample.length} more.`) : null),
      confirmLabel: `Replay ${preview.matched}`,
      run: () => api("/admin/dead-letters/replay", {
        method: "POST", body: { ...filters, dryRun: false, limit: 1000 },
      }),
    });
    if (result) {
      announce(`Replayed ${result.replayed} of ${result.matched}; ${result.failed} failed.`);
      load(params);
    }
  }

  load(query);
  return {
    update(next) {
      refill(form, FIELDS, next);
      load(next);
    },
  };
}
