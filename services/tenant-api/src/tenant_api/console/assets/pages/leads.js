// Leads: everyone who signed up, newest first, filtered by status, e-mail domain and sign-up
// time (kept in the hash), paged by cursor, with how many match beside the list.

import { api, query as qs } from "../api.js";
import { h } from "../dom.js";
import { filterForm, instant, refill, showFiltered } from "../filters.js";
import { badge, time } from "../format.js";
import { pagedResults } from "../paging.js";
import { dataTable, pageHeading } from "../views.js";

const PAGE = 50;
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

// The filters as GET /leads and GET /leads/count take them.
function apiFilters(params) {
  return {
    status: params.get("status"),
    emailDomain: params.get("emailDomain"),
    from: instant(params.get("from")),
    to: instant(params.get("to")),
  };
}

export function renderLeads(main, { query, signal }) {
  const results = h("div", { class: "results" });
  const form = filterForm({
    label: "Filter leads",
    fields: FIELDS,
    query,
    onApply: (values) => showFiltered("/leads", values, (params) => list.load(params)),
  });
  main.append(
    pageHeading("Leads", {
      lead: "Everyone who signed up, newest first, and whether they verified their e-mail.",
    }),
    h("div", { class: "card card-tight" }, form),
    results,
  );

  const list = pagedResults({
    results,
    noun: "lead",
    plural: "leads",
    fetchPage: (params, after) =>
      api(`/leads${qs({ ...apiFilters(params), limit: PAGE, after })}`, { signal }),
    fetchCount: (params) => api(`/leads/count${qs(apiFilters(params))}`, { signal }),
    empty: ["No leads match these filters.", "Clear the filters to see every sign-up."],
    table: (items) => dataTable({
      caption: "Leads",
      columns: COLUMNS,
      rows: items,
      onOpen: (l) => { window.location.hash = `#/leads/${l.id}`; },
      rowAttrs: (l) => ({ "data-lead-id": l.id }),
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
