// The confirmation dialog: confirmAction() resolves true (OK) or false
// (Cancel, Escape, or a lock while it is open).

import { $, closeDialog } from "../dom.js";

let pending = null; // resolves the open confirmation

function settle(answer) {
  const resolve = pending;
  pending = null;
  closeDialog("confirm-dialog");
  resolve?.(answer);
}

export function init() {
  $("confirm-ok").addEventListener("click", () => settle(true));
  $("confirm-cancel").addEventListener("click", () => settle(false));
  $("confirm-dialog").addEventListener("cancel", () => settle(false));
}

export function confirmAction(title, text, okLabel) {
  return new Promise((resolve) => {
    pending = resolve;
    $("confirm-title").textContent = title;
    $("confirm-text").textContent = text;
    $("confirm-ok").textContent = okLabel;
    $("confirm-dialog").showModal();
    $("confirm-cancel").focus();
  });
}

/** Closes it (answering false) and forgets what it said (it may name a secret). */
export function reset() {
  settle(false);
  $("confirm-title").textContent = "";
  $("confirm-text").textContent = "";
}
