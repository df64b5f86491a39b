// Adding a name that exists: "A secret named “X” already exists." ask()
// resolves "update", "keep", or null (Cancel, Escape, or a lock).

import { $, closeDialog } from "../dom.js";

let pending = null; // resolves the open question

function settle(answer) {
  const resolve = pending;
  pending = null;
  closeDialog("exists-dialog");
  resolve?.(answer);
}

export function init() {
  $("exists-update").addEventListener("click", () => settle("update"));
  $("exists-keep").addEventListener("click", () => settle("keep"));
  $("exists-cancel").addEventListener("click", () => settle(null));
  $("exists-dialog").addEventListener("cancel", () => settle(null));
}

export function ask(name) {
  settle(null);
  return new Promise((resolve) => {
    pending = resolve;
    $("exists-title").textContent = `A secret named “${name}” already exists.`;
    $("exists-dialog").showModal();
    $("exists-update").focus();
  });
}

/** Closes it (as Cancel) and forgets the name it showed. */
export function reset() {
  settle(null);
  $("exists-title").textContent = "";
}
