// How values look: status badges (colour and words), times, durations, JSON.

import { h } from "./dom.js";

// Tone decides the colour; the words are always there too, so colour is never the only cue.
const TONES = {
  ACTIVE: "ok", SUCCEEDED: "ok", REPLAYED: "ok", COMPLETE: "ok", VERIFIED: "ok",
  PROVISIONING: "busy", DEPROVISIONING: "busy", RUNNING: "busy", IN_PROGRESS: "busy",
  COMPENSATING: "busy", TIMING_OUT: "busy", WRITING: "busy",
  PENDING_PROVISION: "idle", PENDING: "idle", OFFBOARDED: "idle", DISCARDED: "idle",
  SKIPPED: "idle",
  SUSPENDED: "warn", CANCELLED: "warn", COMPENSATED: "warn", OFFBOARDING_SCHEDULED: "warn",
  PROVISION_FAILED: "bad", FAILED: "bad", PARKED: "bad",
};

export function words(status) {
  const text = String(status).toLowerCase().replace(/_/g, " ");
  return text.charAt(0).toUpperCase() + text.slice(1);
}

export function badge(status, attrs = {}) {
  const tone = TONES[status] ?? "idle";
  return h("span", { class: `badge badge-${tone}`, "data-status": status, ...attrs }, words(status));
}

const dateTime = new Intl.DateTimeFormat(undefined, { dateStyle: "medium", timeStyle: "medium" });
const shortTime = new Intl.DateTimeFormat(undefined, {
  month: "short", day: "numeric", hour: "2-digit", minute: "2-digit", second: "2-digit",
});

export function time(iso, { short = false } = {}) {
  if (!iso) return h("span", { class: "muted" }, "—");
  const date = new Date(iso);
  const text = (short ? shortTime : dateTime).format(date);
  return h("time", { datetime: iso, title: date.toISOString() }, text);
}

export function duration(ms) {
  if (ms === null || ms === undefined || Number.isNaN(ms)) return "—";
  if (ms < 1000) return `${Math.max(0, Math.round(ms))} ms`;
  const seconds = ms / 1000;
  if (seconds < 60) return `${seconds.toFixed(1)} s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes} min ${Math.round(seconds % 60)} s`;
  return `${Math.floor(minutes / 60)} h ${minutes % 60} min`;
}

export function between(startIso, endIso) {
  if (!startIso) return null;
  const end = endIso ? new Date(endIso) : new Date();
  return end - new Date(startIso);
}

// A body as an operator wants to read it: indented JSON when it is JSON, else the text as is.
export function pretty(text) {
  try {
    return JSON.stringify(JSON.parse(text), null, 2);
  } catch {
    return text;
  }
}

export function value(v) {
  if (v === null || v === undefined || v === "") return h("span", { class: "muted" }, "—");
  if (typeof v === "object") return h("code", { class: "inline-json" }, JSON.stringify(v));
  return String(v);
}

export function shortId(id) {
  return id ? String(id).slice(0, 8) : "—";
}
