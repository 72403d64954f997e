// A filtered list in cursor pages, with the count of everything that matches beside it:
// "Showing 50 of 132 tenants". The count comes from the list's own `/count` route with the
// same filters; a list without one, or whose count cannot be had, shows "50 tenants so far".

import { h, replace } from "./dom.js";
import { announce } from "./live.js";
import { emptyState, loading, problemCallout } from "./views.js";

// fetchPage(params, after) and fetchCount(params) (optional) call the API; table(items) draws
// the rows; empty is [title, text], or a function of the params that gives them; rowLink is
// the selector of each row's link, where "Load more" leaves the keyboard focus.
export function pagedResults({
  results, noun, plural, fetchPage, fetchCount = null, table, empty, rowLink = "a.row-link",
}) {
  let items = [];
  let total = null;
  let generation = 0;
  const many = (n) => (n === 1 ? noun : plural);

  function summary(nextCursor) {
    if (total === null) {
      return `${items.length} ${many(items.length)}${nextCursor ? " so far" : ""}`;
    }
    if (!nextCursor && items.length >= total) return `${items.length} ${many(items.length)}`;
    return `Showing ${items.length} of ${total} ${many(total)}`;
  }

  function show(nextCursor, params) {
    if (!items.length) {
      replace(results, emptyState(...(typeof empty === "function" ? empty(params) : empty)));
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
          announce(`${page.items.length} more ${many(page.items.length)} loaded.`);
          // Keyboard users carry on from the first new row, not from the top.
          results.querySelectorAll(rowLink)[seen]?.focus();
        } catch (error) {
          if (error.name !== "AbortError") results.append(problemCallout(error));
        }
      } }, "Load more")
      : null;
    replace(results,
      h("p", { class: "result-count", "aria-live": "polite", "data-total": total ?? "" },
        summary(nextCursor)),
      table(items),
      more ? h("div", { class: "more" }, more) : null);
  }

  async function load(params) {
    const mine = ++generation;
    replace(results, loading(`Loading ${plural}…`));
    // The count is asked for alongside the first page; a count that fails costs only itself.
    const counting = fetchCount
      ? fetchCount(params).then((answer) => answer.count, () => null)
      : Promise.resolve(null);
    try {
      const page = await fetchPage(params);
      const count = await counting;
      if (mine !== generation) return;
      items = page.items;
      total = count;
      show(page.nextCursor, params);
    } catch (error) {
      if (error.name === "AbortError" || mine !== generation) return;
      replace(results, problemCallout(error, { retry: () => load(params) }));
    }
  }

  return { load };
}
