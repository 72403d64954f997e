// Tenants: newest first, filtered by a form whose values live in the hash, paged by cursor.

import { api, query as qs } from "../api.js";
import { h } from "../dom.js";
import { filterForm, hashFor, instant } from "../filters.js";
import { badge, time } from "../format.js";
import { pagedList } from "../paging.js";
import { emptyState, pageHeading } from "../views.js";

const PAGE = 50;
const STATUSES = ["PENDING_PROVISION", "PROVISIONING", "ACTIVE", "SUSPENDED", "PROVISION_FAILED",
  "CANCELLED", "OFFBOARDING_SCHEDULED", "DEPROVISIONING", "OFFBOARDED"];
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

export function renderTenants(main, { query, signal }) {
  const results = h("div", { class: "results" });
  const form = filterForm({
    label: "Filter tenants",
    fields: FIELDS,
    query,
    onApply(values) {
      const target = hashFor("/tenants", values);
      const params = new URLSearchParams(target.split("?")[1] ?? "");
      if (window.location.hash === target) list.load(params);
      else window.location.hash = target;
    },
  });
  main.append(
    pageHeading("Tenants", { lead: "Every tenant, newest first. Open one to watch its pipeline." }),
    h("div", { class: "card card-tight" }, form),
    results,
  );

  const list = pagedList(results, {
    fetchPage: (params, after) => api(`/tenants${qs({
      status: params.get("status"),
      tier: params.get("tier"),
      keyPrefix: params.get("keyPrefix"),
      createdFrom: instant(params.get("createdFrom")),
      createdTo: instant(params.get("createdTo")),
      limit: PAGE,
      after,
    })}`, { signal }),
    nouns: ["tenant", "tenants"],
    empty: () => emptyState("No tenants match these filters.",
      "Clear the filters, or onboard a tenant with POST /tenants."),
    table: {
      caption: "Tenants",
      columns: COLUMNS,
      onOpen: (t) => { window.location.hash = `#/tenants/${t.id}`; },
      rowAttrs: (t) => ({ "data-tenant-id": t.id, "data-key": t.key }),
    },
  });
  list.load(query);
  return {
    update(next) {
      for (const f of FIELDS) form.elements[f.name].value = next.get(f.name) ?? "";
      list.load(next);
    },
  };
}
