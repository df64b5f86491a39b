// The page's one lock path. Locking (from the menu, Ctrl+L, the tray,
// auto-lock, or Rust's `locked` event) and resetting the vault both wipe the
// page: the IPC epoch is bumped so replies still in flight are dropped, and
// every module forgets what it holds and shows.

import { bumpEpoch } from "./ipc.js";
import * as notice from "./notice.js";
import * as autolock from "./autolock.js";
import * as menu from "./menu.js";
import * as undo from "./undo.js";
import * as confirm from "./dialogs/confirm.js";
import * as exists from "./dialogs/exists.js";
import * as editor from "./dialogs/secret-editor.js";
import * as generator from "./dialogs/generator.js";
import * as exporter from "./dialogs/export.js";
import * as importer from "./dialogs/import.js";
import * as settings from "./dialogs/settings.js";
import * as referenceTry from "./dialogs/reference-try.js";
import * as providersDialog from "./dialogs/providers.js";
import * as shortcut from "./dialogs/shortcut.js";
import * as keyScreen from "./screens/key.js";
import * as unlock from "./screens/unlock.js";
import * as secrets from "./screens/secrets.js";
import * as model from "./screens/secret-model.js";
import * as list from "./screens/secret-list.js";
import * as geometry from "./screens/list-geometry.js";
import * as rowMenu from "./screens/row-menu.js";
import * as keyboard from "./screens/keyboard.js";

const PARTS = [
  autolock, menu, undo, confirm, exists, editor, generator, exporter, importer, settings, shortcut,
  referenceTry, providersDialog,
  rowMenu, list, geometry, model, secrets, keyboard, keyScreen, unlock, notice,
];

const LOCKED = "Coffer is locked.";

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
