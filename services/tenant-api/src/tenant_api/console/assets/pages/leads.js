// Leads: everyone who signed up, newest first, filtered by status, e-mail domain and sign-up
// time (kept in the hash), paged by cursor, with how many match beside the list.

import { countedListPage } from "../counted-list.js";
import { h } from "../dom.js";
import { badge, time } from "../format.js";

const FIELDS = [
  { name: "status", label: "Status", type: "select",
    options: [["", "Any status"], ["PENDING", "Pending"], ["VERIFIED", "Verified"]] },
  { name: "emailDomain", label: "E-mail domain", placeholder: "e.g. example.com" },
  { name: "from", label: "Signed up from", type: "datetime-local" },
  { name: "to", label: "Signed up before", type: "datetime-local" },
];

const COLUMNS = [
  { label: "Lead", cell: (l) => h("div", { class: "cell-main" },
    h("a", { href: `#/leads/${l.id}`, class: "row-link" }, `${l.firstName} ${l.lastName}`),
    h("span", { class: "mono muted" }, l.email)) },
  { label: "Company", cell: (l) => l.companyName },
  { label: "Status", cell: (l) => badge(l.status) },
  { label: "Signed up", cell: (l) => time(l.createdAt, { short: true }) },
  { label: "Verified", cell: (l) => time(l.verifiedAt, { short: true }) },
];

export const renderLeads = countedListPage({
  path: "/leads",
  title: "Leads",
  lead: "Everyone who signed up, newest first, and whether they verified their e-mail.",
  fields: FIELDS,
  noun: "lead",
  plural: "leads",
  empty: ["No leads match these filters.", "Clear the filters to see every sign-up."],
  columns: COLUMNS,
  rowAttrs: (l) => ({ "data-lead-id": l.id }),
});
