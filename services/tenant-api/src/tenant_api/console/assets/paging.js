// A list read in cursor pages: the first page whenever the filters change, "Load more" for
// the next (keyboard focus goes on to the first new row), and problems shown in its place.

import { h, replace } from "./dom.js";
import { announce } from "./live.js";
import { dataTable, loading, problemCallout } from "./views.js";

// results: the element the list lives in. fetchPage(params, after) → {items, nextCursor};
// nouns: [one, many]; empty(params) → what to show for no items; table: dataTable's options
// but rows; rowLink: the selector of each row's link.
export function pagedList(results, { fetchPage, nouns, empty, table, rowLink = "a.row-link" }) {
  const [one, many] = nouns;
  let params = new URLSearchParams();
  let items = [];
  let generation = 0;

  function show(nextCursor) {
    if (!items.length) {
      replace(results, empty(params));
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
          show(page.nextCursor);
          announce(`${page.items.length} more ${many} loaded.`);
          // Keyboard users carry on from the first new row, not from the top.
          results.querySelectorAll(rowLink)[seen]?.focus();
        } catch (error) {
          if (error.name !== "AbortError") results.append(problemCallout(error));
        }
      } }, "Load more")
      : null;
    replace(results,
      h("p", { class: "result-count", "aria-live": "polite" },
        `${items.length} ${items.length === 1 ? one : many}${nextCursor ? " so far" : ""}`),
      dataTable({ ...table, rows: items }),
      more ? h("div", { class: "more" }, more) : null);
  }

  async function load(next) {
    params = next;
    const mine = ++generation;
    replace(results, loading(`Loading ${many}…`));
    try {
      const page = await fetchPage(next);
      if (mine !== generation) return;
      items = page.items;
      show(page.nextCursor);
    } catch (error) {
      if (error.name === "AbortError" || mine !== generation) return;
      replace(results, problemCallout(error, { retry: () => load(next) }));
    }
  }

  return { load, reload: () => load(params) };
}
