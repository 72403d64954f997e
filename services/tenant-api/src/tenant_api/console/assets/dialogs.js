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

function frame({ title, children, confirm, cancel }) {
  const titleId = uid("dialog-title");
  const form = h("form", { method: "dialog", class: "dialog-body", novalidate: true },
    h("h2", { id: titleId }, title),
    children,
    h("div", { class: "dialog-actions" }, cancel, confirm));
  const dialog = h("dialog", { class: "dialog", "aria-labelledby": titleId }, form);
  cancel.addEventListener("click", () => dialog.close());
  return { dialog, form };
}

// Asks, then runs `run()`; resolves its result, or null when the operator cancels.
export function confirmAction({ title, message, confirmLabel, tone = "primary", run }) {
  return new Promise((resolve) => {
    const error = h("div", { class: "dialog-error" });
    const confirm = h("button", { type: "submit", class: `btn btn-${tone}` }, confirmLabel);
    const cancel = h("button", { type: "button", class: "btn btn-secondary" }, "Cancel");
    const { dialog, form } = frame({ title, children: [message, error], confirm, cancel });
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      busy(dialog, [confirm, cancel], true);
      error.replaceChildren();
      try {
        const result = await run();
        dialog.close("done");
        resolve(result);
      } catch (err) {
        busy(dialog, [confirm, cancel], false);
        error.replaceChildren(problemCallout(err));
        confirm.focus();
      }
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
    form.addEventListener("submit", async (event) => {
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
      busy(dialog, [confirm, cancel, input], true);
      try {
        const result = await run(reason);
        dialog.close("done");
        resolve(result);
      } catch (err) {
        busy(dialog, [confirm, cancel, input], false);
        error.replaceChildren(problemCallout(err));
        input.focus();
      }
    });
    open(dialog, { onCancel: () => resolve(null) });
    input.focus();
  });
}
