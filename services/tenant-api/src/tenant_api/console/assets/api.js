// Every call to the gateway: bearer token (development sign-in) or the session cookie with its
// CSRF token on writes (provider sign-in), JSON, RFC 9457 problems turned into ApiError.

import * as session from "./session.js";

export class ApiError extends Error {
  constructor(status, problem, retryAfter = null) {
    super(problem.detail || problem.title || `HTTP ${status}`);
    this.status = status;
    this.title = problem.title || `HTTP ${status}`;
    this.detail = problem.detail || "";
    this.errors = Array.isArray(problem.errors) ? problem.errors : [];
    this.retryAfter = retryAfter;
  }
}

const SAFE = new Set(["GET", "HEAD", "OPTIONS"]);

const UNREACHABLE = {
  title: "Gateway unreachable",
  detail: "The console could not reach tenant-api. Is it running?",
};

// The answer to one call, or an ApiError (a problem, or the gateway out of reach).
async function send(path, { method = "GET", body, signal, token, accept }) {
  const bearer = token ?? session.token();
  const headers = { Accept: `${accept}, application/problem+json` };
  if (bearer) headers.Authorization = `Bearer ${bearer}`;
  const csrf = bearer ? null : session.csrfToken();
  if (csrf && !SAFE.has(method)) headers["X-CSRF-Token"] = csrf;
  if (body !== undefined) headers["Content-Type"] = "application/json";
  let response;
  try {
    response = await fetch(path, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      signal,
      cache: "no-store",
      credentials: "same-origin",
    });
  } catch (error) {
    if (error.name === "AbortError") throw error;
    throw new ApiError(0, UNREACHABLE);
  }
  if (!response.ok) throw await refusal(response, token);
  return response;
}

async function refusal(response, token) {
  let problem = null;
  try {
    const text = await response.text();
    problem = text ? JSON.parse(text) : null;
  } catch {
    problem = null;
  }
  if (!problem || typeof problem !== "object") {
    problem = { title: response.statusText || `HTTP ${response.status}` };
  }
  const error = new ApiError(
    response.status, problem, Number(response.headers.get("Retry-After")) || null,
  );
  // A token that stopped working (expired, key rotated) ends the session; a sign-in
  // attempt passes its own token and shows the problem itself.
  if (response.status === 401 && token === undefined) {
    window.dispatchEvent(new CustomEvent("console:unauthorized", { detail: error }));
  }
  return error;
}

export async function api(path, options = {}) {
  const response = await send(path, { ...options, accept: "application/json" });
  const text = await response.text();
  try {
    return text ? JSON.parse(text) : null;
  } catch {
    return null;
  }
}

// A file the API answers as an attachment (an export): its bytes and the name it gave.
export async function download(path, { signal } = {}) {
  const response = await send(path, { signal, accept: "*/*" });
  const disposition = response.headers.get("Content-Disposition") ?? "";
  const name = /filename="([^"]+)"/.exec(disposition)?.[1] ?? "download";
  return { blob: await response.blob(), name };
}

// `?a=1&b=2` from an object, leaving out empty values.
export function query(params) {
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) {
    if (value !== undefined && value !== null && value !== "") search.set(key, String(value));
  }
  const text = search.toString();
  return text ? `?${text}` : "";
}
