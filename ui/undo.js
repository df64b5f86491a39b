// The undo bar: after a delete, a clear or an import, it says what was done
// and offers Undo (also Ctrl+Z) until the next undoable action or a lock.
// Rust keeps the one undoable action (and forgets it on lock); undoing
// reloads the list through the onUndone callback.

import { $ } from "./dom.js";
import { call, currentEpoch, isStale } from "./ipc.js";
import { clearError, showError, toast } from "./notice.js";
import { count } from "./format.js";

let hooks = { onUndone: async () => {} };
let offered = null; // {name}: what the bar offers to undo, while shown

/** `options.onUndone()` reloads the list after an undo. */
export function init(options) {
  hooks = options;
  $("undo").addEventListener("click", undo);
  $("undo-close").addEventListener("click", hide);
}

/** Shows the bar with `text`; `name` (a deleted secret's) is used to say what came back. */
export function offer(text, { name = null } = {}) {
  offered = { name };
  $("undo-text").textContent = text;
  $("undo-bar").hidden = false;
}

export function isOffered() {
  return offered !== null;
}

function hide() {
  offered = null;
  $("undo-bar").hidden = true;
  $("undo-text").textContent = "";
}

function restored(done, name) {
  if (done.undone === "delete") return name ? `Restored “${name}”.` : `Restored ${count(done.secrets, "secret")}.`;
  if (done.undone === "clear") return `Restored ${count(done.secrets, "secret")}.`;
  return `Import undone: ${count(done.secrets, "secret")} back as before.`;
}

/** Undoes the last undoable action (the bar's button, or Ctrl+Z while the bar is shown). */
export async function undo() {
  if (!offered) return;
  const { name } = offered;
  const epoch = currentEpoch();
  clearError();
  let done;
  try {
    done = await call("undo_last");
  } catch (err) {
    if (isStale(epoch)) return;
    // nothing_to_undo, stale_record (nothing was undone) or another failure: the offer is over.
    hide();
    showError(err);
    return;
  }
  if (isStale(epoch)) return;
  hide();
  await hooks.onUndone();
  if (isStale(epoch)) return;
  toast(restored(done, name));
}

/** The bar goes (it may name a secret); Rust forgets the undo on lock too. */
export function reset() {
  hide();
}
