// Every call to the gateway: bearer token, JSON, RFC 9457 problems turned into ApiError.

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

const UNREACHABLE = {
  title: "Gateway unreachable",
  detail: "The console could not reach tenant-api. Is it running?",
};

export async function api(path, { method = "GET", body, signal, token } = {}) {
  const bearer = token ?? session.token();
  const headers = { Accept: "application/json, application/problem+json" };
  if (bearer) headers.Authorization = `Bearer ${bearer}`;
  if (body !== undefined) headers["Content-Type"] = "application/json";
  let response;
  try {
    response = await fetch(path, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      signal,
      cache: "no-store",
      credentials: "omit",
    });
  } catch (error) {
    if (error.name === "AbortError") throw error;
    throw new ApiError(0, UNREACHABLE);
  }
  const text = await response.text();
  let data = null;
  try {
    data = text ? JSON.parse(text) : null;
  } catch {
    data = null;
  }
  if (!response.ok) {
    const problem = data && typeof data === "object"
      ? data
      : { title: response.statusText || `HTTP ${response.status}` };
    const error = new ApiError(
      response.status, problem, Number(response.headers.get("Retry-After")) || null,
    );
    // A token that stopped working (expired, key rotated) ends the session; a sign-in
    // attempt passes its own token and shows the problem itself.
    if (response.status === 401 && token === undefined) {
      window.dispatchEvent(new CustomEvent("console:unauthorized", { detail: error }));
    }
    throw error;
  }
  return data;
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
