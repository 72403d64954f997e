// A list page whose filters live in the hash, paged by cursor, with how many match beside the
// list (from the list route's own `/count`): tenants and leads, which differ only in what they
// list, how it is filtered and shown.

import { api, query as qs } from "./api.js";
import { h } from "./dom.js";
import { filterForm, refill, showFiltered } from "./filters.js";
import { pagedResults } from "./paging.js";
import { dataTable, pageHeading } from "./views.js";

const PAGE = 50;

// path: the page's hash path; route: the API's list (its count at `${route}/count`);
// apiFilters(params): the filters as the route takes them; open(item): the hash a row opens;
// title (the heading and the table's caption), lead, filterLabel, fields, noun, plural, empty,
// columns and rowAttrs as filterForm, pagedResults and dataTable take them.
export function countedListPage({
  path, route, apiFilters, open, title, lead, filterLabel, fields, noun, plural, empty, columns,
  rowAttrs,
}) {
  return function render(main, { query, signal }) {
    const results = h("div", { class: "results" });
    const form = filterForm({
      label: filterLabel,
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
        api(`${route}${qs({ ...apiFilters(params), limit: PAGE, after })}`, { signal }),
      fetchCount: (params) => api(`${route}/count${qs(apiFilters(params))}`, { signal }),
      empty,
      table: (items) => dataTable({
        caption: title,
        columns,
        rows: items,
        onOpen: (item) => { window.location.hash = open(item); },
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
