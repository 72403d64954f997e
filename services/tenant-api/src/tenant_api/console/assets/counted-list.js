// A list page whose filters live in the hash, paged by cursor, with how many match beside the
// list (from the list route's own `/count`): tenants and leads, which differ only in what they
// list, how it is filtered and shown.

import { api, query as qs } from "./api.js";
import { h } from "./dom.js";
import { filterForm, instant, refill, showFiltered } from "./filters.js";
import { pagedResults } from "./paging.js";
import { dataTable, pageHeading } from "./views.js";

const PAGE = 50;

// path: the page's hash path, which is the API's list route too (its count at `${path}/count`),
// and under which each item opens (`#${path}/${id}`); title: the heading and the table's
// caption; lead, fields, noun, plural, empty, columns and rowAttrs as pageHeading, filterForm,
// pagedResults and dataTable take them. The route takes the fields' names as they are.
export function countedListPage({
  path, title, lead, fields, noun, plural, empty, columns, rowAttrs,
}) {
  // The form's filters as the route takes them: a local time as an instant with its zone.
  const apiFilters = (params) => Object.fromEntries(fields.map((f) => {
    const value = params.get(f.name);
    return [f.name, f.type === "datetime-local" ? instant(value) : value];
  }));

  return function render(main, { query, signal }) {
    const results = h("div", { class: "results" });
    const form = filterForm({
      label: `Filter ${plural}`,
      fields,
      query,
      onApply: (values) => showFiltered(path, values, (params) => list.load(params)),
    });
    main.append(
      pageHeading(title, { lead }),
      h("div", { class: "card card-tight" }, form),
      results,
    );

    const list = pagedResults({
      results,
      noun,
      plural,
      fetchPage: (params, after) =>
        api(`${path}${qs({ ...apiFilters(params), limit: PAGE, after })}`, { signal }),
      fetchCount: (params) => api(`${path}/count${qs(apiFilters(params))}`, { signal }),
      empty,
      table: (items) => dataTable({
        caption: title,
        columns,
        rows: items,
        onOpen: (item) => { window.location.hash = `#${path}/${item.id}`; },
        rowAttrs,
      }),
    });

    list.load(query);
    return {
      update(next) {
        refill(form, fields, next);
        list.load(next);
      },
    };
  };
}
