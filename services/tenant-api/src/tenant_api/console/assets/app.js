// The console's entry point: how to sign in here, sign-in gate, header, routes.

import * as session from "./session.js";
import { announce } from "./live.js";
import { Router, focusHeading, setTitle } from "./router.js";
import { renderSignIn } from "./pages/signin.js";
import { renderTenants } from "./pages/tenants.js";
import { renderTenant } from "./pages/tenant.js";
import { renderLeads } from "./pages/leads.js";
import { renderLead } from "./pages/lead.js";
import { renderDeadLetters } from "./pages/dead-letters.js";
import { renderDeadLetter } from "./pages/dead-letter.js";
import { renderAudit } from "./pages/audit.js";
import { renderNotFound } from "./pages/not-found.js";

const UUID = "([0-9a-fA-F-]{36})";
const routes = [
  { pattern: /^\/tenants$/, section: "tenants", title: "Tenants", render: renderTenants },
  { pattern: new RegExp(`^/tenants/${UUID}$`), section: "tenants", title: "Tenant",
    render: renderTenant },
  { pattern: /^\/leads$/, section: "leads", title: "Leads", render: renderLeads },
  { pattern: new RegExp(`^/leads/${UUID}$`), section: "leads", title: "Lead", render: renderLead },
  { pattern: /^\/dead-letters$/, section: "dead-letters", title: "Dead letters",
    render: renderDeadLetters },
  { pattern: new RegExp(`^/dead-letters/${UUID}$`), section: "dead-letters",
    title: "Dead letter", render: renderDeadLetter },
  { pattern: /^\/audit$/, section: "audit", title: "Audit", render: renderAudit },
];
const notFound = { title: "Not found", render: renderNotFound };

const main = document.getElementById("main");
const nav = document.getElementById("nav");
const who = document.getElementById("who");

const devBanner = document.getElementById("dev-banner");
// How this gateway may be signed in to, asked once: {oidc, devSignIn, issuer, provider}.
let auth = null;

async function loadAuth() {
  try {
    const response = await fetch("/console/auth", {
      headers: { Accept: "application/json" }, cache: "no-store", credentials: "same-origin",
    });
    if (response.ok) return await response.json();
  } catch {
    // shown on the sign-in page below
  }
  return null;
}

function showHeader(section) {
  const signedIn = session.signedIn();
  nav.hidden = !signedIn;
  who.hidden = !signedIn;
  // Development sign-in is never mistaken for the real thing: offered or in use, it says so.
  devBanner.hidden = signedIn ? !session.isDevelopment() : !auth?.devSignIn;
  if (signedIn) {
    const claims = session.claims();
    document.getElementById("who-role").textContent = claims.role ?? "unknown role";
    document.getElementById("who-subject").textContent = claims.sub ?? "";
  }
  for (const link of nav.querySelectorAll("a")) {
    if (link.dataset.section === section) link.setAttribute("aria-current", "page");
    else link.removeAttribute("aria-current");
  }
}

const router = new Router({ main, routes, fallback: notFound, beforeRender: showHeader });

function signIn(message = null) {
  router.stop();
  showHeader(null);
  main.replaceChildren();
  setTitle("Sign in");
  renderSignIn(main, {
    message,
    auth,
    onSignedIn() {
      showHeader(null);
      announce("Signed in.");
      if (!window.location.hash || window.location.hash === "#/") {
        window.location.hash = "#/tenants"; // hashchange routes
      } else {
        router.route();
      }
    },
  });
  focusHeading(main);
}

function routeOrSignIn() {
  if (session.signedIn()) router.route();
  else signIn();
}

document.getElementById("sign-out").addEventListener("click", async () => {
  if (session.isDevelopment()) {
    session.clear();
  } else {
    let endSession = null;
    try {
      endSession = await session.logout();
    } catch {
      // The gateway is out of reach: the cookie's session ends on its own when it expires.
    }
    session.clear();
    // The provider's own session ends too, on its page, which sends the browser back here.
    if (endSession) {
      window.location.assign(endSession);
      return;
    }
  }
  signIn();
  announce("Signed out.");
});

window.addEventListener("console:unauthorized", (event) => {
  session.clear();
  signIn(event.detail);
});

window.addEventListener("hashchange", () => {
  if (!session.signedIn()) signIn();
  else router.route();
});

auth = await loadAuth();
if (auth?.oidc && !session.token()) await session.restore();
routeOrSignIn();
