// The add / edit dialog. When editing, an empty value keeps the current one.

import { $, closeDialog } from "../dom.js";
import { attempt } from "../ipc.js";
import { clearError } from "../notice.js";
import { forgetValue, refresh } from "../screens/secrets.js";

let editing = null; // the secret being edited, or null when adding

export function init() {
  $("secret-add").addEventListener("click", () => open(null));
  $("secret-cancel").addEventListener("click", () => $("secret-dialog").close());
  $("secret-value-toggle").addEventListener("click", () => {
    const input = $("secret-value");
    const showing = input.type === "text";
    setValueShown(!showing);
  });
  $("secret-form").addEventListener("submit", save);
}

function setValueShown(shown) {
  $("secret-value").type = shown ? "text" : "password";
  $("secret-value-toggle").textContent = shown ? "Hide" : "Show";
  $("secret-value-toggle").setAttribute("aria-pressed", String(shown));
}

function splitDomains(text) {
  return text.split(",").map((d) => d.trim()).filter(Boolean);
}

/** Opens the dialog on secret `s`, or empty to add one when `s` is null. */
export function open(s) {
  clearError();
  editing = s ?? null;
  $("secret-dialog-title").textContent = s ? `Edit ${s.name}` : "Add secret";
  $("secret-name").value = s?.name ?? "";
  $("secret-value").value = "";
  setValueShown(false);
  $("secret-value-hint").hidden = !s;
  $("secret-domains").value = s ? s.allowed_domains.join(", ") : "";
  $("secret-note").value = s?.note ?? "";
  $("secret-enabled").checked = s ? s.enabled : true;
  $("secret-dialog").showModal();
  $("secret-name").focus();
}

async function save(event) {
  event.preventDefault();
  const fields = {
    name: $("secret-name").value,
    allowed_domains: splitDomains($("secret-domains").value),
    note: $("secret-note").value,
    enabled: $("secret-enabled").checked,
  };
  const value = $("secret-value").value;
  if (editing) {
    const id = editing.id;
    const patch = { ...fields };
    if (value !== "") patch.value = value;
    if ((await attempt("secret_update", { id, patch })) === undefined) return;
    forgetValue(id);
  } else {
    if ((await attempt("secret_create", { secret: { ...fields, value } })) === undefined) return;
  }
  $("secret-value").value = "";
  $("secret-dialog").close();
  await refresh();
}

/** Closes the dialog and empties every field. */
export function reset() {
  editing = null;
  closeDialog("secret-dialog");
  for (const id of ["secret-name", "secret-value", "secret-domains", "secret-note"]) {
    $(id).value = "";
  }
  setValueShown(false);
  $("secret-dialog-title").textContent = "";
}
