// Modal <dialog>s: Esc and Cancel close them, focus goes in and comes back to the opener.
// `run` does the work while the dialog stays open, so a refusal is shown where it was asked.

import { h, uid } from "./dom.js";
import { problemCallout } from "./views.js";

function open(dialog, { onCancel }) {
  const opener = document.activeElement;
  document.body.append(dialog);
  dialog.addEventListener("cancel", (event) => {
    if (dialog.dataset.busy === "true") event.preventDefault();
  });
  dialog.addEventListener("close", () => {
    dialog.remove();
    if (dialog.returnValue !== "done") onCancel();
    if (opener instanceof HTMLElement && opener.isConnected) opener.focus();
  });
  dialog.showModal();
}

function busy(dialog, controls, on) {
  dialog.dataset.busy = String(on);
  for (const control of controls) control.disabled = on;
}

// Runs the dialog's `work` with its controls disabled: done, the dialog closes and resolves
// its result; refused, the problem shows in `error` and `refocus` takes the focus back.
async function attempt({ dialog, controls, error, refocus, resolve }, work) {
  error.replaceChildren();
  busy(dialog, controls, true);
  try {
    const result = await work();
    dialog.close("done");
    resolve(result);
  } catch (err) {
    busy(dialog, controls, false);
    error.replaceChildren(problemCallout(err));
    refocus.focus();
  }
}

// `cancel`, the second button, closes the dialog unless `cancelCloses` is false.
function frame({ title, children, confirm, cancel, cancelCloses = true }) {
  const titleId = uid("dialog-title");
  const form = h("form", { method: "dialog", class: "dialog-body", novalidate: true },
    h("h2", { id: titleId }, title),
    children,
    h("div", { class: "dialog-actions" }, cancel, confirm));
  const dialog = h("dialog", { class: "dialog", "aria-labelledby": titleId }, form);
  if (cancelCloses) cancel.addEventListener("click", () => dialog.close());
  return { dialog, form };
}

// Asks, then runs `run()`; resolves its result, or null when the operator cancels.
export function confirmAction({ title, message, confirmLabel, tone = "primary", run }) {
  return new Promise((resolve) => {
    const error = h("div", { class: "dialog-error" });
    const confirm = h("button", { type: "submit", class: `btn btn-${tone}` }, confirmLabel);
    const cancel = h("button", { type: "button", class: "btn btn-secondary" }, "Cancel");
    const { dialog, form } = frame({ title, children: [message, error], confirm, cancel });
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      attempt({ dialog, controls: [confirm, cancel], error, refocus: confirm, resolve }, run);
    });
    open(dialog, { onCancel: () => resolve(null) });
    confirm.focus();
  });
}

// Asks for a reason (required: a blank one is refused here), then runs `run(reason)`.
export function askReason({ title, message, label, confirmLabel, run }) {
  return new Promise((resolve) => {
    const inputId = uid("reason");
    const hintId = `${inputId}-hint`;
    const input = h("textarea", {
      id: inputId, name: "reason", rows: 3, maxlength: 1000, "aria-describedby": hintId,
    });
    const hint = h("p", { id: hintId, class: "field-hint" }, "Recorded in the audit trail.");
    const error = h("div", { class: "dialog-error" });
    const confirm = h("button", { type: "submit", class: "btn btn-danger" }, confirmLabel);
    const cancel = h("button", { type: "button", class: "btn btn-secondary" }, "Cancel");
    const field = h("div", { class: "field" }, h("label", { for: inputId }, label), input, hint);
    const { dialog, form } = frame({
      title, children: [message, field, error], confirm, cancel,
    });
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      const reason = input.value.trim();
      error.replaceChildren();
      if (!reason) {
        input.setAttribute("aria-invalid", "true");
        hint.textContent = "A reason is required: it is recorded in the audit trail.";
        hint.classList.add("field-error");
        input.focus();
        return;
      }
      input.removeAttribute("aria-invalid");
      const controls = [confirm, cancel, input];
      attempt({ dialog, controls, error, refocus: input, resolve }, () => run(reason));
    });
    open(dialog, { onCancel: () => resolve(null) });
    input.focus();
  });
}

// A small form: one input per field; `run(values)` gets the trimmed values by name (the API
// validates them: its problems are shown in the dialog, at the fields they name).
export function askFields({ title, message, fields, confirmLabel, run }) {
  return new Promise((resolve) => {
    const inputs = fields.map((f) => {
      const id = uid(f.name);
      const input = h("input", {
        id, name: f.name, type: f.type ?? "text", required: f.required ?? false,
        placeholder: f.placeholder ?? null, min: f.min ?? null, max: f.max ?? null,
        "aria-describedby": f.hint ? `${id}-hint` : null,
      });
      const hint = f.hint ? h("p", { id: `${id}-hint`, class: "field-hint" }, f.hint) : null;
      return { f, input, row: h("div", { class: "field" }, h("label", { for: id }, f.label), input, hint) };
    });
    const error = h("div", { class: "dialog-error" });
    const confirm = h("button", { type: "submit", class: "btn btn-primary" }, confirmLabel);
    const cancel = h("button", { type: "button", class: "btn btn-secondary" }, "Cancel");
    const { dialog, form } = frame({
      title, children: [message, inputs.map((i) => i.row), error], confirm, cancel,
    });
    const controls = [confirm, cancel, ...inputs.map((i) => i.input)];
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      const values = Object.fromEntries(inputs.map((i) => [i.f.name, i.input.value.trim()]));
      attempt({ dialog, controls, error, refocus: inputs[0].input, resolve }, () => run(values));
    });
    open(dialog, { onCancel: () => resolve(null) });
    inputs[0].input.focus();
  });
}

// Shows a secret this one time, selected for copying; resolves when the operator is done.
export function showSecret({ title, message, secret, label }) {
  return new Promise((resolve) => {
    const id = uid("secret");
    const field = h("input", {
      id, class: "mono secret", readonly: true, value: secret, spellcheck: "false",
      autocomplete: "off", "aria-describedby": `${id}-hint`,
    });
    const hint = h("p", { id: `${id}-hint`, class: "field-hint" },
      "It is not kept: once this dialog closes, nobody can show it again.");
    const done = h("button", { type: "submit", class: "btn btn-primary" }, "I have stored it");
    const copy = h("button", { type: "button", class: "btn btn-secondary" }, "Copy");
    const { dialog, form } = frame({
      title,
      children: [message, h("div", { class: "field" }, h("label", { for: id }, label), field, hint)],
      confirm: done,
      cancel: copy,
      cancelCloses: false,
    });
    copy.addEventListener("click", async () => {
      field.select();
      try {
        await navigator.clipboard.writeText(secret);
        copy.textContent = "Copied";
      } catch {
        copy.textContent = "Selected: copy it";
      }
    });
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      dialog.close("done");
    });
    open(dialog, { onCancel: () => {} });
    dialog.addEventListener("close", () => resolve(), { once: true });
    field.focus();
    field.select();
  });
}
