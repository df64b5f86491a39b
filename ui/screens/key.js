// The key screen: a new vault key, shown once, with Copy / Download and the
// keychain choice. Used at first run and after a reset (confirming creates
// the vault, or keeps the new key), and to change the key without losing
// secrets ("Change vault key…": the new key replaces the old one only when
// the user confirms they saved it; Cancel keeps the old one). Copy and
// Download are also offered by the settings dialog.

import { $, showScreen } from "../dom.js";
import { attempt } from "../ipc.js";
import { toast } from "../notice.js";
import { confirmAction } from "../dialogs/confirm.js";

const POLICY = "Your administrator's policy does not allow keeping vault keys in the system keychain.";
const NO_KEYCHAIN = "No system keychain is available on this computer, so Coffer cannot unlock itself: keep the key yourself.";

let hooks = { onSaved: async () => {}, onBack: () => {}, onChanged: () => {}, onResetCancelled: () => {} };
let mode = null; // "new", "reset" or "change" while a key is shown
let current = null; // {onSaved, onCancel} of the key being shown

/**
 * `options.onSaved()` opens the vault once a first-run or reset key was
 * saved; `options.onBack()` returns to the list after a key change (saved
 * or cancelled), `options.onChanged()` runs once a change was saved;
 * `options.onResetCancelled()` once a reset was called off (nothing was
 * deleted).
 */
export function init(options) {
  hooks = options;
  $("key-saved-confirm").addEventListener("click", confirmSaved);
  $("key-cancel").addEventListener("click", cancel);
  $("key-copy").addEventListener("click", copyKey);
  $("key-download").addEventListener("click", downloadKey);
}

// The keychain box: off and disabled, with a plain reason, when the policy
// forbids it or (first run) no keychain is there; the problem itself goes in a title.
function keychainChoice(mode, status) {
  if (status?.keychain_allowed === false) return { checked: false, disabled: true, why: POLICY, detail: "" };
  if (mode === "change") return { checked: Boolean(status?.keychain_enabled), disabled: false, why: "", detail: "" };
  if (status?.keychain_available === false) {
    return { checked: false, disabled: true, why: NO_KEYCHAIN, detail: status.keychain_problem ?? "" };
  }
  return { checked: true, disabled: false, why: "", detail: "" };
}

/**
 * Shows `key`. `mode`: "new" (first run), "reset" or "change"; `status`:
 * the vault_status reply, for the keychain choice.
 */
export function show(key, shownMode, status) {
  mode = shownMode;
  const change = mode === "change";
  if (change) {
    current = {
      onSaved: () => {
        hooks.onChanged();
        hooks.onBack();
        toast("Vault key changed. The old key no longer opens this vault.");
      },
      onCancel: () => {
        hooks.onBack();
        toast("The vault key was not changed: the old key still works.");
      },
    };
  } else if (mode === "reset") {
    current = {
      onSaved: hooks.onSaved,
      onCancel: () => {
        hooks.onResetCancelled();
        toast("The vault was not reset: nothing was deleted, the old key still works.");
      },
    };
  } else {
    current = { onSaved: hooks.onSaved, onCancel: null };
  }
  $("key-title").textContent = mode === "new" ? "Your vault key" : "Your new vault key";
  $("key-intro-new").hidden = change;
  $("key-intro-change").hidden = !change;
  $("key-saved-confirm").textContent = mode === "new" ? "I have saved my key" : "I have saved my new key";
  $("key-cancel").hidden = mode === "new";
  $("vault-key").textContent = key;
  const choice = keychainChoice(mode, status);
  const box = $("keychain-save");
  box.checked = choice.checked;
  box.disabled = choice.disabled;
  $("keychain-policy").hidden = !choice.why;
  $("keychain-policy").textContent = choice.why;
  if (choice.detail) $("keychain-policy").title = choice.detail;
  else $("keychain-policy").removeAttribute("title");
  showScreen("screen-key");
  $("key-saved-confirm").focus();
}

async function confirmSaved() {
  const done = await attempt("vault_key_saved", { keychain: $("keychain-save").checked });
  if (done === undefined || !current) return;
  const { onSaved } = current;
  forget();
  await onSaved();
}

async function cancel() {
  if (!current?.onCancel) return;
  const done = await attempt("vault_key_discard");
  if (done === undefined || !current) return;
  const { onCancel } = current;
  forget();
  onCancel();
}

/** The menu's and the settings' "Change vault key…". */
export async function changeKey() {
  const ok = await confirmAction(
    "Change the vault key?",
    "Coffer makes a new vault key to replace the current one. Your secrets stay as they are.\n" +
      "The old key stops working once you confirm that you saved the new one; until then you can cancel and keep the old key.",
    "Make a new key",
  );
  if (!ok) return;
  const status = await attempt("vault_status");
  if (status === undefined) return;
  const made = await attempt("vault_change_key");
  if (made === undefined) return;
  show(made.key, "change", status);
}

export async function copyKey() {
  const seconds = await attempt("vault_key_copy");
  if (seconds === undefined) return;
  toast(seconds > 0 ? `Vault key copied; the clipboard is cleared in ${seconds} s.` : "Vault key copied.");
}

export async function downloadKey() {
  const path = await attempt("vault_key_download");
  if (path) toast(`Vault key saved to ${path}`);
}

/** Whether a first run's key is on screen (a lock must show it again, not the unlock screen). */
export function showingFirstRun() {
  return mode === "new" && current !== null;
}

function forget() {
  current = null;
  mode = null;
  $("vault-key").textContent = ""; // shown once
}

/** The key leaves the page. */
export function reset() {
  forget();
  $("keychain-policy").removeAttribute("title");
}
