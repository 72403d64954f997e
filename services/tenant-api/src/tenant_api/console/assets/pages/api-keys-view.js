// The API keys card of the tenant page: the tenant's keys without secrets; for an admin or the
// tenant itself, New key… and each usable key's Rotate… (the new key shown once, in a dialog)
// and Revoke… (confirmed). Operators see the list only: the API refuses them the rest.

import { ApiError, api } from "../api.js";
import { askFields, confirmAction, showSecret } from "../dialogs.js";
import { h, replace } from "../dom.js";
import { time } from "../format.js";
import { announce } from "../live.js";
import * as session from "../session.js";
import { dataTable, emptyState, loading, problemCallout } from "../views.js";

const MANAGERS = new Set(["admin", "tenant"]);
const STATUS_TONES = { active: "ok", rotating: "busy", expired: "idle", revoked: "bad" };

function statusBadge(status) {
  const text = status.charAt(0).toUpperCase() + status.slice(1);
  return h("span", { class: `badge badge-${STATUS_TONES[status] ?? "idle"}`, "data-status": status },
    text);
}

function when(iso) {
  return iso ? time(iso, { short: true }) : h("span", { class: "muted" }, "never");
}

function scopes(values) {
  return values.length
    ? h("span", { class: "key-scopes" }, values.map((s) => h("code", {}, s)))
    : h("span", { class: "muted" }, "none");
}

export function apiKeysCard(tenantId, { signal }) {
  const base = `/tenants/${tenantId}/api-keys`;
  const manages = MANAGERS.has(session.claims().role);
  const actions = h("div", { class: "actions", role: "group", "aria-label": "API key actions" });
  const body = h("div", {}, loading("Loading the API keys…"));
  const root = h("div", { class: "api-keys" }, actions, body);

  async function revealed(made, what) {
    announce(`${what}: ${made.name}. Its key is shown once.`);
    await showSecret({
      title: `${what}: store it now`,
      message: h("p", {}, "This is the only time the key is shown. Give it to the service that ",
        "uses it; the tenant's services check it with ", h("code", {}, "POST /api-keys/verify"), "."),
      label: `API key “${made.name}”`,
      secret: made.apiKey,
    });
    await load();
  }

  async function create() {
    const made = await askFields({
      title: "New API key",
      message: h("p", {}, "A key for one of the tenant's services. Its secret is shown once."),
      fields: [
        { name: "name", label: "Name", required: true, placeholder: "orders service",
          hint: "What it is for, as the list shows it." },
        { name: "scopes", label: "Scopes", placeholder: "admin",
          hint: "Comma-separated, e.g. orders:read, orders:write. Empty: admin." },
        { name: "expiresInDays", label: "Expires in (days)", type: "number", min: 1, max: 3650,
          hint: "Empty: it does not expire." },
      ],
      confirmLabel: "Create key",
      run: (v) => api(base, {
        method: "POST",
        body: {
          name: v.name,
          scopes: v.scopes ? v.scopes.split(",").map((s) => s.trim()).filter(Boolean) : undefined,
          expiresInDays: v.expiresInDays ? Number(v.expiresInDays) : undefined,
        },
      }),
    });
    if (made) await revealed(made, "Key created");
  }

  async function rotate(key) {
    const made = await askFields({
      title: `Rotate “${key.name}”?`,
      message: h("p", {}, "A new key with the same name and scopes is made and shown once. ",
        "The old one keeps working for the overlap, so services can move over without downtime."),
      fields: [
        { name: "overlapSeconds", label: "Overlap (seconds)", type: "number", min: 0, max: 604800,
          placeholder: "86400", hint: "Empty: a day. 0: the old key stops at once." },
      ],
      confirmLabel: "Rotate",
      run: (v) => api(`${base}/${key.id}/rotate`, {
        method: "POST",
        body: v.overlapSeconds === "" ? {} : { overlapSeconds: Number(v.overlapSeconds) },
      }),
    });
    if (made) await revealed(made, "Key rotated");
  }

  async function revoke(key) {
    const done = await confirmAction({
      title: `Revoke “${key.name}”?`,
      message: h("p", {}, "Every service using ", h("code", {}, `cpk_${key.publicId}_…`),
        " is refused from its next call. This cannot be undone."),
      confirmLabel: "Revoke",
      tone: "danger",
      run: () => api(`${base}/${key.id}`, { method: "DELETE" }).then(() => true),
    });
    if (done) {
      announce(`Key ${key.name} revoked.`);
      await load();
    }
  }

  function rowActions(key) {
    if (!manages || key.status === "revoked") return null;
    const usable = key.status === "active" || key.status === "rotating";
    return h("div", { class: "row-actions" },
      usable ? h("button", { type: "button", class: "btn btn-secondary btn-small",
        "aria-label": `Rotate ${key.name}`, onclick: () => rotate(key) }, "Rotate…") : null,
      h("button", { type: "button", class: "btn btn-danger-quiet btn-small",
        "aria-label": `Revoke ${key.name}`, onclick: () => revoke(key) }, "Revoke…"));
  }

  function show(answer) {
    replace(actions, manages
      ? h("button", { type: "button", class: "btn btn-primary", onclick: create }, "New key…")
      : null);
    if (!answer.items.length) {
      replace(body, emptyState("No API keys.", manages ? "Create one for a service." : null));
      return;
    }
    replace(body, dataTable({
      caption: "API keys, newest first",
      columns: [
        { label: "Name", cell: (k) => h("span", {}, k.name, h("br"),
          h("span", { class: "mono muted" }, `cpk_${k.publicId}_…`)) },
        { label: "Status", cell: (k) => statusBadge(k.status) },
        { label: "Scopes", cell: (k) => scopes(k.scopes) },
        { label: "Expires", cell: (k) => when(k.expiresAt) },
        { label: "Last used", cell: (k) => when(k.lastUsedAt) },
        { label: "", cell: rowActions },
      ],
      rows: answer.items,
      rowAttrs: (k) => ({ "data-key-id": k.id, "data-key-name": k.name }),
    }));
  }

  async function load() {
    try {
      show(await api(base, { signal }));
    } catch (error) {
      if (error.name === "AbortError") return;
      if (error instanceof ApiError && error.status === 403) {
        replace(body, emptyState("This role may not see the tenant's API keys."));
        return;
      }
      replace(body, problemCallout(error, { retry: load }));
    }
  }

  load();
  return root;
}
