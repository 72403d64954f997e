// Pieces every page uses: headings, problem callouts, empty states, tables, detail lists.

import { h, replace } from "./dom.js";

// The page's one h1: the router moves focus here on every route change.
export function pageHeading(text, { crumbs = [], aside = null, lead = null } = {}) {
  const trail = crumbs.length
    ? h("nav", { class: "crumbs", "aria-label": "Breadcrumb" },
      h("ol", {}, crumbs.map(([label, href]) => h("li", {}, h("a", { href }, label)))))
    : null;
  const heading = h("h1", { tabindex: -1 }, text);
  return h("div", { class: "page-head" },
    trail,
    h("div", { class: "page-title" }, heading, aside),
    lead ? h("p", { class: "lead" }, lead) : null);
}

// An RFC 9457 problem (or a network failure) in words: its title, detail and field errors.
export function problemCallout(error, { retry = null } = {}) {
  const title = error?.title ?? "Something went wrong";
  const detail = error?.detail || (error?.title ? "" : String(error?.message ?? error));
  const fields = (error?.errors ?? []).map((e) => {
    const where = (e.loc ?? []).filter((part) => part !== "query" && part !== "body").join(".");
    return h("li", {}, where ? `${where}: ${e.msg}` : e.msg);
  });
  return h("div", { class: "callout callout-bad", role: "alert" },
    h("p", { class: "callout-title" },
      error?.status ? h("span", { class: "callout-status" }, String(error.status)) : null,
      title),
    detail ? h("p", { class: "callout-detail" }, detail) : null,
    fields.length ? h("ul", { class: "callout-fields" }, fields) : null,
    retry ? h("button", { type: "button", class: "btn btn-secondary", onclick: retry }, "Try again")
      : null);
}

// Fetches a page's one resource and `show`s it; a problem (not an abort: the page was left)
// takes the place of `into`, with a button that tries again. Returns the loader.
export function showFetched(into, fetch, show) {
  const load = async () => {
    try {
      show(await fetch());
    } catch (error) {
      if (error.name === "AbortError") return;
      replace(into, problemCallout(error, { retry: load }));
    }
  };
  load();
  return load;
}

export function emptyState(title, text) {
  return h("div", { class: "empty" },
    h("p", { class: "empty-title" }, title),
    text ? h("p", { class: "empty-text" }, text) : null);
}

export function loading(text = "Loading…") {
  return h("p", { class: "loading", role: "status" }, text);
}

// A table whose header stays in view while its body scrolls; `onOpen(row)` for clickable rows.
export function dataTable({ caption, columns, rows, onOpen = null, rowAttrs = () => ({}) }) {
  const head = h("thead", {}, h("tr", {}, columns.map((c) =>
    h("th", { scope: "col", class: c.class ?? null }, c.label))));
  const body = h("tbody", {}, rows.map((row) => {
    const tr = h("tr", { class: onOpen ? "clickable" : null, ...rowAttrs(row) },
      columns.map((c) => h("td", { class: c.class ?? null }, c.cell(row))));
    if (onOpen) {
      tr.addEventListener("click", (event) => {
        // Links inside the row do their own navigation; selecting text is not a click.
        if (event.target.closest("a, button") || window.getSelection()?.toString()) return;
        onOpen(row);
      });
    }
    return tr;
  }));
  return h("div", { class: "table-wrap" },
    h("table", {}, caption ? h("caption", { class: "visually-hidden" }, caption) : null,
      head, body));
}

// A definition list from [label, value] pairs (null values skipped).
export function details(pairs, { cls = "" } = {}) {
  return h("dl", { class: `details ${cls}`.trim() }, pairs
    .filter((pair) => pair !== null)
    .map(([label, value]) => h("div", { class: "details-row" }, h("dt", {}, label), h("dd", {}, value))));
}

export function card(title, ...children) {
  const id = `card-${title.toLowerCase().replace(/[^a-z0-9]+/g, "-")}`;
  return h("section", { class: "card", "aria-labelledby": id },
    h("h2", { id, class: "card-title" }, title), children);
}
