// The export dialog: encrypted (password, strength from Rust), or one of the
// unencrypted formats — a plaintext Coffer export, a dotenv file, a Postman
// environment — after an explicit confirmation. Which formats are allowed
// comes from Rust.

import { $, closeDialog } from "../dom.js";
import { attempt, call, currentEpoch, isStale } from "../ipc.js";
import { clearError, showError, toast } from "../notice.js";

const STRENGTH = ["very weak", "weak", "fair", "strong", "very strong"];
const FORMATS = ["encrypted", "plaintext", "dotenv", "postman"];

// What an unencrypted format leaves out, said before it is written.
const LEAVES_OUT = {
  plaintext: "",
  dotenv: "A dotenv file holds names and values only: allowed domains, notes and disabled flags are not in it.",
  postman: "A Postman environment holds names, values and enabled flags: allowed domains and notes are not in it.",
};

let exportOptions = null;

export function init() {
  for (const radio of document.querySelectorAll("input[name=export-format]")) {
    radio.addEventListener("change", syncForm);
  }
  $("export-cancel").addEventListener("click", () => $("export-dialog").close());
  $("export-password").addEventListener("input", scheduleStrength);
  $("export-form").addEventListener("submit", submit);
}

function format() {
  return document.querySelector("input[name=export-format]:checked")?.value ?? "encrypted";
}

function syncForm() {
  const plain = format() !== "encrypted";
  $("export-password-fields").hidden = plain;
  $("export-plaintext-fields").hidden = !plain;
  $("export-format-note").textContent = LEAVES_OUT[format()] ?? "";
}

function clearPasswords() {
  for (const id of ["export-password", "export-password-confirm"]) $(id).value = "";
  $("export-strength").value = 0;
  $("export-strength-text").textContent = "";
}

/** The menu's "Export…". */
export async function open() {
  const options = await attempt("export_options");
  if (options === undefined) return;
  exportOptions = options;
  for (const kind of FORMATS) {
    const reason = exportOptions[kind];
    $(`export-${kind}`).disabled = Boolean(reason);
    $(`export-${kind}-reason`).hidden = !reason;
    $(`export-${kind}-reason`).textContent = reason ?? "";
  }
  const firstAllowed = FORMATS.find((k) => !exportOptions[k]);
  if (firstAllowed) $(`export-${firstAllowed}`).checked = true;
  $("export-submit").disabled = !firstAllowed;
  $("export-min").textContent = `(at least ${exportOptions.min_password_length} characters)`;
  clearPasswords();
  $("export-plaintext-ok").checked = false;
  syncForm();
  $("export-dialog").showModal();
}

// The meter asks Rust once typing pauses, not at every keystroke: every
// call carries the password across the bridge.
const STRENGTH_PAUSE_MS = 250;
let strengthTimer = null;

function scheduleStrength() {
  clearTimeout(strengthTimer);
  strengthTimer = setTimeout(showStrength, STRENGTH_PAUSE_MS);
}

async function showStrength() {
  strengthTimer = null;
  const password = $("export-password").value;
  const epoch = currentEpoch();
  const score = password ? await call("password_score", { password }) : 0;
  if (isStale(epoch)) return;
  $("export-strength").value = score;
  $("export-strength-text").textContent = password ? `Strength: ${STRENGTH[score]}${score < 3 ? " — exports need at least strong" : ""}` : "";
}

async function submit(event) {
  event.preventDefault();
  clearError();
  const chosen = format();
  let password = null;
  if (chosen === "encrypted") {
    password = $("export-password").value;
    if (password !== $("export-password-confirm").value) {
      showError({ code: "password_mismatch", message: "The two passwords differ." });
      return;
    }
  } else if (!$("export-plaintext-ok").checked) {
    showError({ code: "confirm_required", message: "Tick “I understand” to write an unencrypted export." });
    return;
  }
  const done = await attempt("export_to_file", { format: chosen, password });
  if (done === undefined) return;
  $("export-password").value = "";
  $("export-password-confirm").value = "";
  if (done) {
    $("export-dialog").close();
    const left = done.linked_left_out
      ? ` (${done.linked_left_out} linked ${done.linked_left_out === 1 ? "secret" : "secrets"} left out: this format cannot hold a link)`
      : "";
    toast(`Exported ${done.secrets} secrets to ${done.path}${left}`);
  }
}

/** Closes the dialog and forgets the passwords. */
export function reset() {
  clearTimeout(strengthTimer);
  strengthTimer = null;
  closeDialog("export-dialog");
  clearPasswords();
  $("export-plaintext-ok").checked = false;
  exportOptions = null;
}
