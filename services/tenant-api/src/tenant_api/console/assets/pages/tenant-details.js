// The Details card of the tenant page.

import { h } from "../dom.js";
import { badge, time, value } from "../format.js";
import { details } from "../views.js";

export function tenantDetails(t) {
  const primary = t.contacts.find((c) => c.isPrimary) ?? t.contacts[0];
  const others = t.contacts.length - (primary ? 1 : 0);
  const address = t.address
    ? h("address", {}, [t.address.address, [t.address.zip, t.address.city].filter(Boolean).join(" "),
      t.address.state, t.address.country].filter(Boolean).map((line) => h("span", {}, line)))
    : value(null);
  return details([
    ["Status", badge(t.status)],
    ["Key", h("span", { class: "mono" }, t.key)],
    ["ID", h("span", { class: "mono break" }, t.id)],
    ["Tier", t.tier],
    ["Plan", t.planId],
    ["Domains", t.domains.join(", ")],
    ["Primary contact", primary
      ? h("span", {}, `${primary.firstName} ${primary.lastName}`, h("br"),
        h("span", { class: "muted" }, primary.email))
      : value(null)],
    others > 0 ? ["Other contacts", String(others)] : null,
    ["Address", address],
    ["Lead", t.leadId ? h("span", { class: "mono break" }, t.leadId) : value(null)],
    ["Created", time(t.createdAt)],
    ["Updated", time(t.updatedAt)],
  ]);
}
