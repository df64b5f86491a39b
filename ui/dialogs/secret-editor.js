// The add / edit dialog. The value is a multi-line field, masked until
// "Show"; it is sent as typed (no trimming, newlines kept). When editing,
// an empty value keeps the current one. Adding a name that exists asks
// whether to update that secret or keep both (dialogs/exists.js).

import { $, closeDialog } from "../dom.js";
import { attempt, call, currentEpoch, isStale } from "../ipc.js";
import { clearError, showError, toast } from "../notice.js";
import { applyInfo, focusList, forgetValue } from "../screens/secrets.js";
import { ask } from "./exists.js";
import * as generator from "./generator.js";

let editing = null; // {id, name} of the secret being edited, or null when adding
let domainTimer = null;
let domainAsked = 0; // the newest check asked for; older replies are dropped

// Reads the allowed domains as Rust will store them, as they are typed.
async function checkDomains() {
  const asked = ++domainAsked;
  const text = $("secret-domains").value;
  const line = $("secret-domains-check");
  if (text.trim() === "") {
    line.textContent = "";
    line.classList.remove("problem");
    return;
  }
  let view;
  try {
    view = await call("domains_check", { patterns: text });
  } catch {
    return;
  }
  if (asked !== domainAsked) return;
  const bad = view.problems[0];
  line.classList.toggle("problem", bad !== undefined);
  line.textContent = bad
    ? `“${bad.pattern}”: ${bad.reason}.`
    : `Stored as: ${view.stored.join(", ")}`;
}

export function init() {
  $("secret-add").addEventListener("click", () => open(null));
  $("secret-cancel").addEventListener("click", () => $("secret-dialog").close());
  $("secret-value-toggle").addEventListener("click", () => {
    setValueShown($("secret-value").classList.contains("masked"));
  });
  $("secret-form").addEventListener("submit", save);
  $("secret-domains").addEventListener("input", () => {
    clearTimeout(domainTimer);
    domainTimer = setTimeout(checkDomains, 150);
  });
  generator.init({
    onGenerated: (value) => {
      $("secret-value").value = value;
      setValueShown(true);
    },
  });
}

function setValueShown(shown) {
  $("secret-value").classList.toggle("masked", !shown);
  $("secret-value-toggle").textContent = shown ? "Hide" : "Show";
  $("secret-value-toggle").setAttribute("aria-pressed", String(shown));
}

function splitDomains(text) {
  return text.split(/[\s,]+/).filter(Boolean);
}

/** Opens the dialog on record `rec` to edit it, or empty to add one when `rec` is null. */
export function open(rec) {
  clearError();
  editing = rec ? { id: rec.id, name: rec.name } : null;
  $("secret-dialog-title").textContent = rec ? `Edit ${rec.name}` : "Add secret";
  $("secret-name").value = rec?.name ?? "";
  $("secret-value").value = "";
  setValueShown(false);
  generator.close();
  $("secret-value-hint").hidden = !rec;
  $("secret-domains").value = rec ? rec.domains.join(", ") : "";
  $("secret-domains-check").textContent = "";
  $("secret-domains-check").classList.remove("problem");
  $("secret-note").value = rec?.note ?? "";
  $("secret-enabled").checked = rec ? rec.enabled : true;
  $("secret-dialog").showModal();
  $("secret-name").focus();
}

// secret_create; when the name exists, asks, then creates again with the answer.
// Resolves {info, said} or undefined (failed, cancelled, or locked meanwhile).
async function create(secret) {
  const epoch = currentEpoch();
  clearError();
  try {
    const info = await call("secret_create", { secret, if_exists: null });
    return isStale(epoch) ? undefined : { info, said: null };
  } catch (err) {
    if (isStale(epoch)) return undefined;
    if (err?.code !== "secret_exists") {
      showError(err);
      return undefined;
    }
  }
  const choice = await ask(secret.name);
  if (choice === null || isStale(epoch)) return undefined;
  const info = await attempt("secret_create", { secret, if_exists: choice });
  if (info === undefined) return undefined;
  const said = choice === "keep"
    ? `Kept both “${info.name}”: the new one is in effect, the older one is now shadowed.`
    : `Updated “${info.name}”.`;
  return { info, said };
}

async function save(event) {
  event.preventDefault();
  const fields = {
    name: $("secret-name").value,
    allowed_domains: splitDomains($("secret-domains").value),
    note: $("secret-note").value,
    enabled: $("secret-enabled").checked,
  };
  const value = $("secret-value").value; // exactly as typed
  let done;
  if (editing) {
    const id = editing.id;
    const patch = { ...fields };
    if (value !== "") patch.value = value;
    const info = await attempt("secret_update", { id, patch });
    if (info === undefined) return;
    forgetValue(id);
    done = { info, said: null };
  } else {
    done = await create({ ...fields, value });
    if (done === undefined) return;
  }
  $("secret-value").value = "";
  $("secret-dialog").close();
  applyInfo(done.info, { show: true });
  focusList();
  if (done.said) toast(done.said);
}

/** Closes the dialog and empties every field. */
export function reset() {
  editing = null;
  clearTimeout(domainTimer);
  domainAsked += 1;
  $("secret-domains-check").textContent = "";
  closeDialog("secret-dialog");
  for (const id of ["secret-name", "secret-value", "secret-domains", "secret-note"]) {
    $(id).value = "";
  }
  setValueShown(false);
  $("secret-dialog-title").textContent = "";
}
