// The unlock screen: "Unlock with system keychain" when the vault keeps its
// key there (then it is the prominent choice), or the vault key typed or
// pasted (with or without dashes: Rust reads both; the page only trims it);
// or start a reset when the key is lost.

import { $, isShown, showScreen } from "../dom.js";
import { attempt, call } from "../ipc.js";
import { mark } from "../perf.js";

let hooks = { onUnlocked: async () => {}, onReset: () => {} };
let keychain = false; // whether the vault keeps its key in the keychain (from vault_status)

/** `options.onUnlocked()` runs after a good key; `options.onReset()` on "Lost the key?". */
export function init(options) {
  hooks = options;
  $("unlock-form").addEventListener("submit", unlockWithKey);
  $("unlock-keychain").addEventListener("click", unlockWithKeychain);
  $("unlock-key-toggle").addEventListener("click", () => setKeyShown($("unlock-key").type === "password"));
  $("reset-start").addEventListener("click", () => hooks.onReset());
}

function setKeyShown(shown) {
  $("unlock-key").type = shown ? "text" : "password";
  $("unlock-key-toggle").textContent = shown ? "Hide" : "Show";
  $("unlock-key-toggle").setAttribute("aria-pressed", String(shown));
}

/** Whether to offer "Unlock with system keychain" (from vault_status's keychain_enabled). */
export function setKeychain(enabled) {
  keychain = Boolean(enabled);
  $("unlock-keychain-row").hidden = !keychain;
  $("unlock-submit").classList.toggle("primary", !keychain);
}

/** Shows the screen with an empty key field; `reason`, if given, replaces the text above it. */
export function show(reason) {
  if (reason !== undefined) $("unlock-why").textContent = reason;
  showScreen("screen-unlock");
  $("unlock-key").value = "";
  setKeyShown(false);
  setKeychain(keychain);
  focus();
  learnKeychain();
}

// Asks Rust whether the keychain keeps the key (it may have changed in the settings).
async function learnKeychain() {
  let status;
  try {
    status = await call("vault_status");
  } catch {
    return;
  }
  if (!isShown("screen-unlock") || Boolean(status.keychain_enabled) === keychain) return;
  const untouched = document.activeElement === $("unlock-key") && $("unlock-key").value === "";
  setKeychain(status.keychain_enabled);
  if (untouched) focus();
}

/** Focuses the keychain button when it is offered, else the key field. */
export function focus() {
  (keychain ? $("unlock-keychain") : $("unlock-key")).focus();
}

async function unlockWithKey(event) {
  event.preventDefault();
  mark("coffer:unlock-start");
  const done = await attempt("vault_unlock", { key: $("unlock-key").value.trim() });
  if (done === undefined) {
    $("unlock-key").focus();
    return;
  }
  $("unlock-key").value = "";
  await hooks.onUnlocked();
}

async function unlockWithKeychain() {
  mark("coffer:unlock-start");
  const done = await attempt("vault_unlock_keychain");
  if (done === undefined) return;
  $("unlock-key").value = "";
  await hooks.onUnlocked();
}

/** Forgets a half-typed key. */
export function reset() {
  $("unlock-key").value = "";
  setKeyShown(false);
}
