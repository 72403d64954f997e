// Sign-in: through the identity provider (a link to /console/login, the gateway does the rest),
// and where development sign-in is on, a pasted bearer token, checked against the API first.

import { api } from "../api.js";
import * as session from "../session.js";
import { h } from "../dom.js";
import { pageHeading, problemCallout } from "../views.js";

const STAFF = new Set(["admin", "operator"]);

const NOT_CONFIGURED = {
  title: "Sign-in is not configured",
  detail: "Set OIDC_ISSUER and OIDC_CLIENT_ID so operators sign in through the identity provider"
    + " (or DEV_SIGN_IN=true on a development machine).",
};
const UNREACHABLE = {
  title: "Gateway unreachable",
  detail: "The console could not ask tenant-api how to sign in. Is it running?",
};

export function renderSignIn(main, { message, auth, onSignedIn }) {
  const ended = message ? h("div", { class: "signin-status" }, problemCallout({
    title: "Your session has ended",
    detail: [message.title, message.detail].filter(Boolean).join(": "),
  })) : null;
  const ways = [];
  if (auth?.oidc) {
    ways.push(h("a", { class: "btn btn-primary btn-block", href: "/console/login" },
      `Sign in with ${auth.provider}`));
  }
  if (auth?.devSignIn) ways.push(devForm(onSignedIn, Boolean(auth?.oidc)));
  if (!ways.length) ways.push(problemCallout(auth ? NOT_CONFIGURED : UNREACHABLE));

  main.append(h("div", { class: "signin" },
    h("div", { class: "signin-card" },
      pageHeading("Sign in to the console", {
        lead: "See every tenant's pipeline as it runs, and why a message was dead-lettered.",
      }),
      ended,
      ways)));
  return {};
}

function devForm(onSignedIn, belowProvider) {
  const status = h("div", { class: "signin-status" });
  const input = h("input", {
    id: "token", name: "token", type: "password", required: true, autocomplete: "off",
    spellcheck: "false", "aria-describedby": "token-hint",
  });
  const submit = h("button", { type: "submit", class: "btn btn-primary btn-block" }, "Sign in");
  const form = h("form", { class: "signin-form", novalidate: true },
    h("p", { class: "dev-tag" + (belowProvider ? " dev-tag-below" : "") },
      "Development sign-in"),
    h("div", { class: "field" },
      h("label", { for: "token" }, "Bearer token"),
      input,
      h("p", { id: "token-hint", class: "field-hint" },
        "An admin or operator JWT. On a development machine: ",
        h("code", {}, "uv run tenantctl token --role operator"),
        ". It is kept in this tab only and sent with every call.")),
    status,
    submit);

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const token = input.value.trim().replace(/^Bearer\s+/i, "");
    status.replaceChildren();
    if (!token) {
      status.append(problemCallout({ title: "Paste a token first",
        detail: "The console needs an admin or operator token to call the API." }));
      input.focus();
      return;
    }
    submit.disabled = true;
    submit.textContent = "Checking…";
    try {
      await api("/tenants?limit=1", { token });
      const role = session.claims(token).role;
      if (role && !STAFF.has(role)) {
        throw { title: "Not an operator token", detail: `A ${role} token cannot use the console.` };
      }
      session.save(token);
      onSignedIn();
    } catch (error) {
      status.append(problemCallout(error));
      submit.disabled = false;
      submit.textContent = "Sign in";
      input.select();
      input.focus();
    }
  });

  return form;
}
