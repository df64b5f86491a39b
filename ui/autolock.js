// Auto-lock is decided in Rust (it locks a hidden or hung window too, and
// sends `locked` with the reason "idle"); the page only tells Rust the user
// is at work: keys, pointer and wheel, at most every REPORT_EVERY_MS.

import { call } from "./ipc.js";
import { isShown } from "./dom.js";

const REPORT_EVERY_MS = 15_000;
let lastReport = 0;

function report() {
  const now = Date.now();
  if (now - lastReport < REPORT_EVERY_MS || !isShown("screen-main")) return;
  lastReport = now;
  call("vault_activity").catch(() => {});
}

export function init() {
  for (const kind of ["keydown", "pointerdown", "pointermove", "wheel"]) {
    document.addEventListener(kind, report, { passive: true });
  }
}

/** Settings changed: nothing to do here (Rust reads them at each check). */
export function configure() {}

/** The next input is reported at once. */
export function reset() {
  lastReport = 0;
}
