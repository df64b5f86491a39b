// The key screen (first run, and after a reset): the new vault key, shown
// once, with Copy / Download and the keychain choice. Copy and Download are
// also offered by the settings dialog.

import { $, showScreen } from "../dom.js";
import { attempt } from "../ipc.js";
import { toast } from "../notice.js";

let onSaved = async () => {};

/** `options.onSaved()` runs once the user has confirmed they kept the key. */
export function init(options) {
  onSaved = options.onSaved;
  $("key-saved-confirm").addEventListener("click", confirmSaved);
  $("key-copy").addEventListener("click", copyKey);
  $("key-download").addEventListener("click", downloadKey);
}

export function show(key, keychainAllowed) {
  $("vault-key").textContent = key;
  const box = $("keychain-save");
  box.checked = keychainAllowed;
  box.disabled = !keychainAllowed;
  $("keychain-policy").hidden = keychainAllowed;
  $("keychain-policy").textContent = keychainAllowed
    ? ""
    : "Your administrator's policy does not allow keeping vault keys in the system keychain.";
  showScreen("screen-key");
  $("key-saved-confirm").focus();
}

async function confirmSaved() {
  const done = await attempt("vault_key_saved", { keychain: $("keychain-save").checked });
  if (done === undefined) return;
  $("vault-key").textContent = ""; // shown once
  await onSaved();
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

/** The key leaves the page. */
export function reset() {
  $("vault-key").textContent = "";
}
