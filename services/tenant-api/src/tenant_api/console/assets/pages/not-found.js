import { h } from "../dom.js";
import { emptyState, pageHeading } from "../views.js";

export function renderNotFound(main) {
  main.append(
    pageHeading("Page not found"),
    emptyState("There is no such page in the console.",
      "Use the navigation above: Tenants, Leads or Dead letters."),
    h("p", {}, h("a", { href: "#/tenants" }, "Go to tenants")),
  );
}
