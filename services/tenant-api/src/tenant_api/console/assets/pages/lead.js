// One lead: who signed up, from where, when, and whether they verified their e-mail.

import { api } from "../api.js";
import { h, replace } from "../dom.js";
import { badge, time, value } from "../format.js";
import { setTitle } from "../router.js";
import { card, details, loading, pageHeading, showFetched } from "../views.js";

export function renderLead(main, { params, signal }) {
  const [id] = params;
  const heading = pageHeading("Lead", {
    crumbs: [["Leads", "#/leads"]],
    aside: h("span", { id: "lead-status", class: "title-badge" }),
  });
  const body = h("div", {}, loading("Loading the lead…"));
  main.append(heading, body);

  function show(lead) {
    const name = `${lead.firstName} ${lead.lastName}`;
    heading.querySelector("h1").textContent = name;
    setTitle(`Lead ${name}`);
    replace(document.getElementById("lead-status"), badge(lead.status));
    replace(body, card("Details", leadDetails(lead)));
  }

  showFetched(body, () => api(`/leads/${id}`, { signal }), show);
  return {};
}

function leadDetails(lead) {
  const a = lead.address;
  const address = a
    ? h("address", {}, [a.address, [a.zip, a.city].filter(Boolean).join(" "), a.state, a.country]
      .filter(Boolean).map((line) => h("span", {}, line)))
    : value(null);
  return details([
    ["Status", badge(lead.status)],
    ["E-mail", h("span", { class: "mono break" }, lead.email)],
    ["Company", lead.companyName],
    ["Address", address],
    ["Signed up", time(lead.createdAt)],
    ["Verified", time(lead.verifiedAt)],
    ["ID", h("span", { class: "mono break" }, lead.id)],
  ]);
}
