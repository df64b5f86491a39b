// Auto-lock: after the configured idle minutes on the main screen, calls
// the onIdle callback (which locks). Keys, pointer and wheel restart the wait.

import { isShown } from "./dom.js";

let minutes = 0; // from the settings; 0 = never
let idleTimer = null;
let onIdle = () => {};

function restart() {
  clearTimeout(idleTimer);
  idleTimer = null;
  if (minutes > 0 && isShown("screen-main")) {
    const after = minutes;
    idleTimer = setTimeout(() => onIdle(after), after * 60 * 1000);
  }
}

/** `options.onIdle(minutes)` runs when the wait is over. */
export function init(options) {
  onIdle = options.onIdle;
  for (const kind of ["keydown", "pointerdown", "pointermove", "wheel"]) {
    document.addEventListener(kind, () => {
      if (idleTimer) restart();
    }, { passive: true });
  }
}

/** New settings: the wait starts over with `idleMinutes`. */
export function configure(idleMinutes) {
  minutes = idleMinutes ?? 0;
  restart();
}

/** Stops the wait (until the next configure()). */
export function reset() {
  clearTimeout(idleTimer);
  idleTimer = null;
}
