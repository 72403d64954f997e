// Tenants: newest first, filtered by a form whose values live in the hash, paged by cursor,
// with how many match beside the list.

import { countedListPage } from "../counted-list.js";
import { h } from "../dom.js";
import { badge, time } from "../format.js";

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

export const renderTenants = countedListPage({
  path: "/tenants",
  title: "Tenants",
  lead: "Every tenant, newest first. Open one to watch its pipeline.",
  fields: FIELDS,
  noun: "tenant",
  plural: "tenants",
  empty: ["No tenants match these filters.",
    "Clear the filters, or onboard a tenant with POST /tenants."],
  columns: COLUMNS,
  rowAttrs: (t) => ({ "data-tenant-id": t.id, "data-key": t.key }),
});
