// The page's one lock path. Locking (from the menu, the tray, auto-lock, or
// Rust's `locked` event) and resetting the vault both wipe the page: the IPC
// epoch is bumped so replies still in flight are dropped, and every screen
// and dialog forgets what it holds and shows.

import { bumpEpoch } from "./ipc.js";
import * as notice from "./notice.js";
import * as autolock from "./autolock.js";
import * as menu from "./menu.js";
import * as confirm from "./dialogs/confirm.js";
import * as editor from "./dialogs/secret-editor.js";
import * as exporter from "./dialogs/export.js";
import * as importer from "./dialogs/import.js";
import * as settings from "./dialogs/settings.js";
import * as keyScreen from "./screens/key.js";
import * as unlock from "./screens/unlock.js";
import * as secrets from "./screens/secrets.js";

const PARTS = [autolock, menu, confirm, editor, exporter, importer, settings, secrets, keyScreen, unlock, notice];

const LOCKED = "Coffer is locked. Type your vault key.";

let reason = null; // what the unlock screen says since the last lock; null while the vault is open

/** Nothing about any secret may stay in the page: values, names, inputs, dialogs, messages. */
export function wipePage() {
  bumpEpoch();
  for (const part of PARTS) part.reset();
}

/**
 * Wipes the page and shows the unlock screen with `why` (default: "Coffer is
 * locked."). Safe to run twice for one lock: a run without `why` keeps the
 * reason a run of the same lock already set (auto-lock's, when Rust's
 * `locked` event arrives after it).
 */
export function lockPage(why) {
  wipePage();
  if (why !== undefined || reason === null) reason = why ?? LOCKED;
  unlock.show(reason);
}

/** The vault is open again (main or key screen): the next lock is a new one. */
export function pageOpened() {
  reason = null;
}
