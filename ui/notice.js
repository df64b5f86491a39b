// The error banner and the toast. Errors are {code, message}; the banner
// carries the code in data-code so the UI and the tests can switch on it.

import { $ } from "./dom.js";

const banner = () => document.querySelector("[data-testid=error]");

export function showError(err) {
  banner().dataset.code = err?.code ?? "unknown";
  $("error-text").textContent = err?.message ?? String(err);
  banner().hidden = false;
}

export function clearError() {
  banner().hidden = true;
  delete banner().dataset.code;
  $("error-text").textContent = "";
}

let toastTimer = null;

/** Shows a message for 4 s. */
export function toast(message) {
  const el = $("toast");
  el.textContent = message;
  el.hidden = false;
  clearTimeout(toastTimer);
  toastTimer = setTimeout(() => {
    el.hidden = true;
    el.textContent = "";
  }, 4000);
}

export function init() {
  $("error-close").addEventListener("click", clearError);
}

/** Hides and empties the banner and the toast. */
export function reset() {
  clearError();
  clearTimeout(toastTimer);
  toastTimer = null;
  $("toast").hidden = true;
  $("toast").textContent = "";
}
