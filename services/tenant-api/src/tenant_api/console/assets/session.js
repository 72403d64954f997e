// The bearer token lives in sessionStorage only: gone with the tab, never in a cookie.

const KEY = "controlplane.console.token";

export function token() {
  return sessionStorage.getItem(KEY);
}

export function save(value) {
  sessionStorage.setItem(KEY, value);
}

export function clear() {
  sessionStorage.removeItem(KEY);
}

// What the token says about its holder, for display only: the API verifies it on every call.
export function claims(value = token()) {
  try {
    const part = value.split(".")[1].replace(/-/g, "+").replace(/_/g, "/");
    const padded = part.padEnd(Math.ceil(part.length / 4) * 4, "=");
    const parsed = JSON.parse(atob(padded));
    return parsed && typeof parsed === "object" ? parsed : {};
  } catch {
    return {};
  }
}
