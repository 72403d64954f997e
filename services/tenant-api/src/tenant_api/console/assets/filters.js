// Filter forms whose values live in the URL hash (`#/tenants?status=ACTIVE`), so a filtered
// view survives going to a detail page and back, and can be shared.

import { h, uid } from "./dom.js";

// fields: [{ name, label, type: "select"|"text"|"datetime-local", options?, placeholder? }]
export function filterForm({ label, fields, query, onApply, extra = null }) {
  const controls = fields.map((f) => {
    const id = uid(`filter-${f.name}`);
    const current = shownValue(f, query);
    let control;
    if (f.type === "select") {
      control = h("select", { id, name: f.name },
        f.options.map(([value, text]) => h("option", { value, selected: value === current }, text)));
    } else {
      control = h("input", {
        id, name: f.name, type: f.type ?? "text", value: current,
        placeholder: f.placeholder ?? null, autocomplete: "off", spellcheck: "false",
        list: f.list ? `${id}-list` : null,
      });
    }
    const list = f.list
      ? h("datalist", { id: `${id}-list` }, f.list.map((v) => h("option", { value: v })))
      : null;
    return h("div", { class: "field" }, h("label", { for: id }, f.label), control, list);
  });
  const form = h("form", { class: "filters", role: "search", "aria-label": label },
    controls,
    h("div", { class: "filter-actions" },
      h("button", { type: "submit", class: "btn btn-primary" }, "Apply filters"),
      h("button", { type: "reset", class: "btn btn-secondary" }, "Clear"),
      extra));
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    onApply(values(form, fields));
  });
  form.addEventListener("reset", (event) => {
    event.preventDefault();
    const cleared = Object.fromEntries(fields.map((f) => [f.name, f.default ?? ""]));
    for (const f of fields) form.elements[f.name].value = cleared[f.name];
    onApply(cleared);
  });
  return form;
}

// What a field shows for `query`: its value there, else its default.
function shownValue(field, query) {
  return query.get(field.name) ?? field.default ?? "";
}

// The form shows the filters of `query` again (after the hash changed under it).
export function refill(form, fields, query) {
  for (const f of fields) form.elements[f.name].value = shownValue(f, query);
}

// Show `path` with these filters by going to its hash. The same filters again leave the hash
// as it is, so nothing would load: `reload` gets them here instead.
export function showFiltered(path, filterValues, reload) {
  const target = hashFor(path, filterValues);
  const search = target.split("?")[1] ?? "";
  if (window.location.hash === target) reload(new URLSearchParams(search));
  else window.location.hash = target;
}

export function values(form, fields) {
  return Object.fromEntries(fields.map((f) => [f.name, form.elements[f.name].value.trim()]));
}

// datetime-local is the operator's local time; the API wants an instant with its zone.
export function instant(local) {
  if (!local) return "";
  const date = new Date(local);
  return Number.isNaN(date.getTime()) ? local : date.toISOString();
}

// Hash for `path` with these filter values (empty ones left out).
export function hashFor(path, filterValues) {
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(filterValues)) if (value) search.set(key, value);
  const text = search.toString();
  return `#${path}${text ? `?${text}` : ""}`;
}
