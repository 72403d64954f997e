// Audit: every tenant's timeline entries, newest first, filtered by time, actor, role, tenant
// and event type, paged; the matching entries exported as CSV or JSON lines.

import { api, download, query as qs } from "../api.js";
import { h, replace } from "../dom.js";
import { filterForm, instant, refill, showFiltered, values } from "../filters.js";
import { shortId, time } from "../format.js";
import { announce } from "../live.js";
import { pagedResults } from "../paging.js";
import { dataTable, pageHeading, problemCallout } from "../views.js";
import { facts } from "./timeline-view.js";

const PAGE = 50;
const TYPES = ["tenant.updated", "tenant.contact_*", "tenant.feature_flags_changed",
  "tenant.credential_*", "tenant.*", "provisioning.*", "dead_letter.*"];
const FIELDS = [
  { name: "from", label: "From", type: "datetime-local" },
  { name: "to", label: "Before", type: "datetime-local" },
  { name: "actor", label: "Actor", placeholder: "subject, e.g. ops:alice" },
  { name: "role", label: "Role", type: "select",
    options: [["", "Any role"], ["admin", "admin"], ["operator", "operator"],
      ["tenant", "tenant"], ["lead", "lead"]] },
  { name: "tenant", label: "Tenant ID", placeholder: "UUID" },
  { name: "type", label: "Event type", list: TYPES, placeholder: "e.g. tenant.contact_*" },
  { name: "onlyActions", label: "Entries", type: "select",
    options: [["", "Everything"], ["true", "Only actions"]] },
];
const FORMATS = [["csv", "Export CSV"], ["jsonl", "Export JSON lines"]];

const COLUMNS = [
  { label: "When", cell: (e) => time(e.occurredAt, { short: true }) },
  { label: "Tenant", cell: (e) => h("a", { href: `#/tenants/${e.tenantId}`, class: "mono" },
    shortId(e.tenantId)) },
  { label: "Event", cell: (e) => h("code", { class: "event-type" }, e.type) },
  { label: "Actor", cell: (e) => e.actor
    ? h("span", { class: "audit-actor" }, e.actor.sub, h("span", { class: "muted" },
      ` (${e.actor.role})`))
    : h("span", { class: "muted" }, "system") },
  { label: "What", class: "wrap", cell: (e) => facts(e) },
];

// The API's filters from the address's: local times become instants, empty ones are left out.
function apiFilters(params) {
  return {
    from: instant(params.get("from")) || undefined,
    to: instant(params.get("to")) || undefined,
    actor: params.get("actor") || undefined,
    role: params.get("role") || undefined,
    tenant: params.get("tenant") || undefined,
    type: params.get("type") || undefined,
    onlyActions: params.get("onlyActions") || undefined,
  };
}

export function renderAudit(main, { query, signal }) {
  const results = h("div", { class: "results" });
  const exportStatus = h("div", { class: "export-status muted" });
  const exports = FORMATS.map(([format, label]) => h("button", {
    type: "button", class: "btn btn-secondary", "data-format": format,
    onclick: (event) => exportAs(format, event.currentTarget),
  }, label));
  const form = filterForm({
    label: "Filter the audit trail",
    fields: FIELDS,
    query,
    extra: exports,
    onApply: (filterValues) => showFiltered("/audit", filterValues, (params) => list.load(params)),
  });
  main.append(
    pageHeading("Audit", {
      lead: "Everything recorded on every tenant's timeline, newest first: who changed what, "
        + "and what the system did on its own. Export the matching entries for your records.",
    }),
    h("div", { class: "card card-tight" }, form, exportStatus),
    results,
  );

  const current = () => new URLSearchParams(
    Object.entries(values(form, FIELDS)).filter(([, v]) => v !== ""));
  const list = pagedResults({
    results,
    noun: "entry",
    plural: "entries",
    fetchPage: (p, after) =>
      api(`/admin/audit${qs({ ...apiFilters(p), limit: PAGE, after })}`, { signal }),
    empty: ["No entries match these filters.", "Widen the time window, or clear the filters."],
    table: (items) => dataTable({
      caption: "Audit trail, newest first",
      columns: COLUMNS,
      rows: items,
      rowAttrs: (e) => ({ "data-entry-id": e.id, "data-type": e.type }),
    }),
    rowLink: "tbody tr a",
  });

  // Every entry matching the filters in the form, saved as the file the API names. The
  // export needs the bearer token, so it is fetched here rather than followed as a link.
  async function exportAs(format, button) {
    button.disabled = true;
    replace(exportStatus, `Exporting ${format.toUpperCase()}…`);
    try {
      const path = `/admin/audit${qs({ ...apiFilters(current()), format })}`;
      const { blob, name } = await download(path, { signal });
      const url = URL.createObjectURL(blob);
      const link = h("a", { href: url, download: name, hidden: true });
      document.body.append(link);
      link.click();
      link.remove();
      setTimeout(() => URL.revokeObjectURL(url), 60_000);
      replace(exportStatus, `Saved ${name}.`);
      announce(`Audit export saved as ${name}.`);
    } catch (error) {
      if (error.name === "AbortError") return;
      replace(exportStatus, problemCallout(error));
    } finally {
      button.disabled = false;
    }
  }

  list.load(query);
  return {
    update(next) {
      refill(form, FIELDS, next);
      list.load(next);
    },
  };
}
