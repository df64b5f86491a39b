// The unlock screen: type the vault key; or start a reset when it is lost.

import { $, showScreen } from "../dom.js";
import { attempt } from "../ipc.js";

let hooks = { onUnlocked: async () => {}, onReset: () => {} };

/** `options.onUnlocked()` runs after a good key; `options.onReset()` on "Lost the key?". */
export function init(options) {
  hooks = options;
  $("unlock-form").addEventListener("submit", unlock);
  $("reset-start").addEventListener("click", () => hooks.onReset());
}

/** Shows the screen with an empty key field; `reason`, if given, replaces the text above it. */
export function show(reason) {
  if (reason !== undefined) $("unlock-why").textContent = reason;
  showScreen("screen-unlock");
  $("unlock-key").value = "";
  $("unlock-key").focus();
}

export function focus() {
  $("unlock-key").focus();
}

async function unlock(event) {
  event.preventDefault();
  const done = await attempt("vault_unlock", { key: $("unlock-key").value });
  if (done === undefined) {
    $("unlock-key").focus();
    return;
  }
  $("unlock-key").value = "";
  await hooks.onUnlocked();
}

/** Forgets a half-typed key. */
export function reset() {
  $("unlock-key").value = "";
}
