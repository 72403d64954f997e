// Who is signed in, two ways. Through the identity provider: the gateway holds the tokens and the
// browser an HttpOnly cookie; this script knows only the subject, role and CSRF token, in memory.
// Development sign-in: a pasted bearer token in sessionStorage only (gone with the tab).

const KEY = "controlplane.console.token";
let provided = null; // {sub, role, csrfToken, expiresAt, mode} from GET /console/session

export function token() {
  return sessionStorage.getItem(KEY);
}

export function save(value) {
  sessionStorage.setItem(KEY, value);
}

export function signedIn() {
  return Boolean(token() || provided);
}

// True for a pasted token: the console marks such a sign-in as development only.
export function isDevelopment() {
  return Boolean(token());
}

export function csrfToken() {
  return token() ? null : provided?.csrfToken ?? null;
}

export function clear() {
  sessionStorage.removeItem(KEY);
  provided = null;
}

// The provider sign-in's session, if the cookie names one: asked of the gateway.
export async function restore() {
  try {
    const response = await fetch("/console/session", {
      headers: { Accept: "application/json" }, cache: "no-store", credentials: "same-origin",
    });
    provided = response.ok ? await response.json() : null;
  } catch {
    provided = null;
  }
  return provided;
}

// Ends the provider sign-in here; where to go to end it at the provider too (or null).
export async function logout() {
  const csrf = csrfToken();
  provided = null;
  const response = await fetch("/console/logout", {
    method: "POST",
    headers: { Accept: "application/json", ...(csrf ? { "X-CSRF-Token": csrf } : {}) },
    cache: "no-store",
    credentials: "same-origin",
  });
  const body = response.ok ? await response.json() : {};
  return body.endSessionUrl ?? null;
}

// What the holder is, for display only: the API verifies every call itself.
export function claims(value = token()) {
  if (!value && provided) return { sub: provided.sub, role: provided.role };
  try {
    const part = value.split(".")[1].replace(/-/g, "+").replace(/_/g, "/");
    const padded = part.padEnd(Math.ceil(part.length / 4) * 4, "=");
    const parsed = JSON.parse(atob(padded));
    return parsed && typeof parsed === "object" ? parsed : {};
  } catch {
    return {};
  }
}
