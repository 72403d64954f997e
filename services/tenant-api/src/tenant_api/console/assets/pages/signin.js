// Sign-in: paste a bearer token; it is checked against the API before it is kept.

import { api } from "../api.js";
import * as session from "../session.js";
import { h } from "../dom.js";
import { pageHeading, problemCallout } from "../views.js";

const STAFF = new Set(["admin", "operator"]);

export function renderSignIn(main, { message, onSignedIn }) {
  const status = h("div", { class: "signin-status" });
  if (message) {
    status.append(problemCallout({
      title: "Your session has ended",
      detail: [message.title, message.detail].filter(Boolean).join(": "),
    }));
  }
  const input = h("input", {
    id: "token", name: "token", type: "password", required: true, autocomplete: "off",
    spellcheck: "false", "aria-describedby": "token-hint",
  });
  const submit = h("button", { type: "submit", class: "btn btn-primary btn-block" }, "Sign in");
  const form = h("form", { class: "signin-form", novalidate: true },
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

  main.append(h("div", { class: "signin" },
    h("div", { class: "signin-card" },
      pageHeading("Sign in to the console", {
        lead: "See every tenant's pipeline as it runs, and why a message was dead-lettered.",
      }),
      form)));
  return {};
}
