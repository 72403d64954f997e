// The Offboarding card of the tenant page: a scheduled offboarding (when it is due, and a
// Restore button for an admin), and the tenant's exports with every file's checksum.

import { ApiError, api } from "../api.js";
import { confirmAction } from "../dialogs.js";
import { h } from "../dom.js";
import { badge, time, words } from "../format.js";
import { dataTable, details, emptyState } from "../views.js";

// The exports, or null when this token may not list them (an operator: admin and tenant only).
export async function getExports(tenantId, signal) {
  try {
    return (await api(`/tenants/${tenantId}/exports`, { signal })).items;
  } catch (error) {
    if (error instanceof ApiError && error.status === 403) return null;
    throw error;
  }
}

export function offboardingView(tenant, exports, { onRestored }) {
  const parts = [];
  if (tenant.status === "OFFBOARDING_SCHEDULED") {
    const restore = h("button", { type: "button", class: "btn btn-primary" }, "Restore");
    restore.addEventListener("click", async () => {
      const done = await confirmAction({
        title: "Restore this tenant?",
        message: h("p", {}, "The scheduled offboarding is called off; the tenant goes back to ",
          h("strong", {}, words(tenant.offboardingFrom ?? "ACTIVE")), "."),
        confirmLabel: "Restore",
        run: () => api(`/tenants/${tenant.id}/restore`, { method: "POST" }),
      });
      if (done) onRestored(done);
    });
    parts.push(
      h("p", {}, "Offboarding is scheduled: the tenant is read-only until then, and its data is ",
        "exported before anything is removed."),
      details([
        ["Due", time(tenant.offboardingDueAt)],
        ["Restores to", badge(tenant.offboardingFrom ?? "ACTIVE")],
      ]),
      h("div", { class: "actions" }, restore),
    );
  }
  if (exports === null) {
    parts.push(h("p", { class: "muted" }, "Exports are listed for admins and the tenant itself."));
  } else if (exports.length) {
    parts.push(...exports.map(exportView));
  } else if (tenant.status !== "OFFBOARDING_SCHEDULED") {
    parts.push(emptyState("No exports", "An export is written when the tenant is offboarded."));
  }
  return h("div", { class: "stack" }, parts);
}

function exportView(e) {
  return h("section", { class: "export" },
    details([
      ["Export", h("span", { class: "mono break" }, e.id)],
      ["Status", badge(e.status)],
      ["Location", h("span", { class: "mono break" }, e.location)],
      ["Started", time(e.startedAt)],
      ["Completed", time(e.completedAt)],
    ]),
    dataTable({
      caption: `Files of export ${e.id}`,
      columns: [
        { label: "File", cell: (f) => h("span", { class: "mono break" }, f.path) },
        { label: "By", cell: (f) => f.service },
        { label: "Bytes", cell: (f) => String(f.size) },
        { label: "SHA-256", cell: (f) => h("span", { class: "mono break" }, f.sha256) },
      ],
      rows: e.files,
    }));
}
