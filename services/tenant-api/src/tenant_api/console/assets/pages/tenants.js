// Tenants: newest first, filtered by a form whose values live in the hash, paged by cursor.

import { api, query as qs } from "../api.js";
import { h, replace } from "../dom.js";
import { filterForm, hashFor, instant } from "../filters.js";
import { badge, time } from "../format.js";
import { announce } from "../live.js";
import { dataTable, emptyState, loading, pageHeading, problemCallout } from "../views.js";

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
      if (window.location.hash === target) load(new URLSearchParams(target.split("?")[1] ?? ""));
      else window.location.hash = target;
    },
  });
  main.append(
    pageHeading("Tenants", { lead: "Every tenant, newest first. Open one to watch its pipeline." }),
    h("div", { class: "card card-tight" }, form),
    results,
  );

  let items = [];
  let generation = 0;

  async function fetchPage(params, after) {
    return api(`/tenants${qs({
      status: params.get("status"),
      tier: params.get("tier"),
      keyPrefix: params.get("keyPrefix"),
      createdFrom: instant(params.get("createdFrom")),
      createdTo: instant(params.get("createdTo")),
      limit: PAGE,
      after,
    })}`, { signal });
  }

  function show(nextCursor, params) {
    if (!items.length) {
      replace(results, emptyState("No tenants match these filters.",
        "Clear the filters, or onboard a tenant with POST /tenants."));
      return;
    }
    const more = nextCursor
      ? h("button", { type: "button", class: "btn btn-secondary", onclick: async (event) => {
        const button = event.currentTarget;
        button.disabled = true;
        button.textContent = "Loading…";
        try {
          const page = await fetchPage(params, nextCursor);
          const seen = items.length;
          items = items.concat(page.items);
          show(page.nextCursor, params);
          announce(`${page.items.length} more tenants loaded.`);
          // Keyboard users carry on from the first new row, not from the top.
          results.querySelectorAll("a.row-link")[seen]?.focus();
        } catch (error) {
          if (error.name !== "AbortError") results.append(problemCallout(error));
        }
      } }, "Load more")
      : null;
    replace(results,
      h("p", { class: "result-count", "aria-live": "polite" },
        `${items.length} tenant${items.length === 1 ? "" : "s"}${nextCursor ? " so far" : ""}`),
      dataTable({
        caption: "Tenants",
        columns: COLUMNS,
        rows: items,
        onOpen: (t) => { window.location.hash = `#/tenants/${t.id}`; },
        rowAttrs: (t) => ({ "data-tenant-id": t.id, "data-key": t.key }),
      }),
      more ? h("div", { class: "more" }, more) : null);
  }

  async function load(params) {
    const mine = ++generation;
    replace(results, loading("Loading tenants…"));
    try {
      const page = await fetchPage(params);
      if (mine !== generation) return;
      items = page.items;
      show(page.nextCursor, params);
    } catch (error) {
      if (error.name === "AbortError" || mine !== generation) return;
      replace(results, problemCallout(error, { retry: () => load(params) }));
    }
  }

  load(query);
  return {
    update(next) {
      for (const f of FIELDS) form.elements[f.name].value = next.get(f.name) ?? "";
      load(next);
    },
  };
}
