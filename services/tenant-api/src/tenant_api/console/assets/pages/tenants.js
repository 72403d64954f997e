// Tenants: newest first, filtered by a form whose values live in the hash, paged by cursor,
// with how many match beside the list.

import { api, query as qs } from "../api.js";
import { h } from "../dom.js";
import { filterForm, instant, refill, showFiltered } from "../filters.js";
import { badge, time } from "../format.js";
import { pagedResults } from "../paging.js";
import { dataTable, pageHeading } from "../views.js";

const PAGE = 50;
const STATUSES = ["PENDING_PROVISION", "PROVISIONING", "ACTIVE", "SUSPENDED", "PROVISION_FAILED",
  "CANCELLED", "DEPROVISIONING", "OFFBOARDED"];
const FIELDS = [
  { name: "status", label: "Status", type: "select",
    options: [["", "Any status"], ...STATUSES.map((s) => [s, s])] },
  { name: "tier", label: "Tier", type: "select",
    options: [["", "Any tier"], ["pooled", "pooled"], ["silo", "silo"]] },
  { name: "keyPrefix", label: "Key starts with", placeholder: "e.g. acme" },
  { name: "createdFrom", label: "Created from", type: "datetime-local" },
  { name: "createdTo", label: "Created before", type: "datetime-local" },
];

const COLUMNS = [
  { label: "Tenant", cell: (t) => h("div", { class: "cell-main" },
    h("a", { href: `#/tenants/${t.id}`, class: "row-link" }, t.name),
    h("span", { class: "mono muted" }, t.key)) },
  { label: "Status", cell: (t) => badge(t.status) },
  { label: "Tier", cell: (t) => t.tier },
  { label: "Plan", cell: (t) => t.planId },
  { label: "Created", cell: (t) => time(t.createdAt, { short: true }) },
];

// The filters as GET /tenants and GET /tenants/count take them.
function apiFilters(params) {
  return {
    status: params.get("status"),
    tier: params.get("tier"),
    keyPrefix: params.get("keyPrefix"),
    createdFrom: instant(params.get("createdFrom")),
    createdTo: instant(params.get("createdTo")),
  };
}

export function renderTenants(main, { query, signal }) {
  const results = h("div", { class: "results" });
  const form = filterForm({
    label: "Filter tenants",
    fields: FIELDS,
    query,
    onApply: (values) => showFiltered("/tenants", values, (params) => list.load(params)),
  });
  main.append(
    pageHeading("Tenants", { lead: "Every tenant, newest first. Open one to watch its pipeline." }),
    h("div", { class: "card card-tight" }, form),
    results,
  );

  const list = pagedResults({
    results,
    noun: "tenant",
    plural: "tenants",
    fetchPage: (params, after) =>
      api(`/tenants${qs({ ...apiFilters(params), limit: PAGE, after })}`, { signal }),
    fetchCount: (params) => api(`/tenants/count${qs(apiFilters(params))}`, { signal }),
    empty: ["No tenants match these filters.",
      "Clear the filters, or onboard a tenant with POST /tenants."],
    table: (items) => dataTable({
      caption: "Tenants",
      columns: COLUMNS,
      rows: items,
      onOpen: (t) => { window.location.hash = `#/tenants/${t.id}`; },
      rowAttrs: (t) => ({ "data-tenant-id": t.id, "data-key": t.key }),
    }),
  });

  list.load(query);
  return {
    update(next) {
      refill(form, FIELDS, next);
      list.load(next);
    },
  };
}
