// Coffer's page. Everything about a secret lives in Rust; this page shows
// names and metadata, and asks Rust to copy, reveal or change a value when
// the user says so. A value is in the page only while the user reveals it;
// locking (lock.js) removes every secret from the page.
//
// This file only wires the modules together: the start, the events from
// Rust, the menu and the keyboard. Modules never import one that imports
// them; what flows back up is passed down from here as callbacks.

import { isShown, showScreen } from "./dom.js";
import { attempt, call, currentEpoch, isStale, onEvent } from "./ipc.js";
import { mark } from "./perf.js";
import * as notice from "./notice.js";
import * as autolock from "./autolock.js";
import * as menu from "./menu.js";
import * as undo from "./undo.js";
import { lockPage, pageOpened, wipePage } from "./lock.js";
import * as confirm from "./dialogs/confirm.js";
import * as exists from "./dialogs/exists.js";
import * as editor from "./dialogs/secret-editor.js";
import * as exporter from "./dialogs/export.js";
import * as importer from "./dialogs/import.js";
import * as settings from "./dialogs/settings.js";
import * as referenceTry from "./dialogs/reference-try.js";
import * as providersDialog from "./dialogs/providers.js";
import * as keyScreen from "./screens/key.js";
import * as unlock from "./screens/unlock.js";
import * as secrets from "./screens/secrets.js";
import * as keyboard from "./screens/keyboard.js";

// Forgets every fetched linked value: the next use fetches it again.
async function resetLinkCache() {
  const dropped = await attempt("link_cache_reset");
  if (dropped === undefined) return;
  notice.toast(`Linked values forgotten (${dropped} cached); each is fetched again when next used.`);
  await secrets.refresh();
}

async function start() {
  setTimeout(secrets.warmUp, 0);
  const status = await attempt("vault_status");
  if (status === undefined) {
    unlock.show();
    return;
  }
  // A vault not yet confirmed (the page was reloaded on the key screen) starts over as a first run.
  if (!status.exists || status.pending === "create") {
    await firstRun(status);
    return;
  }
  // A key change or reset left half-way by a reload: its new key is gone from
  // the page, so drop it; nothing was applied, the old key stays.
  if (status.pending === "change" || status.pending === "reset") {
    await call("vault_key_discard").catch(() => {});
  }
  unlock.setKeychain(status.keychain_enabled);
  if (status.unlocked) {
    await openMain();
    return;
  }
  if (status.keychain_enabled) {
    mark("coffer:unlock-start");
    const epoch = currentEpoch();
    try {
      await call("vault_unlock_keychain");
    } catch (err) {
      if (isStale(epoch)) return;
      unlock.show(`${err.message}. Unlock with the keychain again, or type your vault key.`);
      return;
    }
    if (isStale(epoch)) return; // locked meanwhile
    await openMain();
    return;
  }
  unlock.show();
}

async function firstRun(status) {
  const created = await attempt("vault_create");
  if (created === undefined) {
    unlock.show();
    return;
  }
  pageOpened();
  keyScreen.show(created.key, "new", status);
}

async function openMain() {
  pageOpened();
  const epoch = currentEpoch();
  showScreen("screen-main");
  await secrets.refresh();
  if (isStale(epoch)) return;
  await settings.load();
  if (isStale(epoch)) return;
  secrets.focusFilter();
}

// Back from changing the key: the list is still in memory.
function backToMain() {
  showScreen("screen-main");
  secrets.focusFilter();
}

// A reset called off: back where it was started, never further (a locked
// vault stays locked; the keychain does not unlock it from here).
async function afterResetCancelled() {
  const status = await attempt("vault_status");
  if (status?.unlocked) await openMain();
  else unlock.show();
}

async function resetVault() {
  const ok = await confirm.confirmAction(
    "Reset the vault key?",
    "A new key is made and every secret in this vault is deleted, once you confirm that you saved the new key. This cannot be undone.",
    "Delete all and reset",
  );
  if (!ok) return;
  const created = await attempt("vault_reset");
  if (created === undefined) return;
  wipePage();
  const status = await attempt("vault_status");
  if (status === undefined) return;
  pageOpened();
  keyScreen.show(created.key, "reset", status);
}

// Rust's vault_lock also sends the `locked` event; lockPage() is safe twice.
async function lockNow() {
  try {
    await call("vault_lock");
  } finally {
    lockPage();
  }
}


notice.init();
confirm.init();
exists.init();
keyScreen.init({
  onSaved: openMain,
  onBack: backToMain,
  onChanged: undo.reset, // Rust forgot the undo: the old key's rows cannot come back
  onResetCancelled: afterResetCancelled,
});
unlock.init({ onUnlocked: openMain, onReset: resetVault });
secrets.init({ onEdit: editor.open, onLocked: () => lockPage() });
undo.init({ onUndone: secrets.refresh });
keyboard.init({
  onAdd: () => editor.open(null),
  onLock: lockNow,
  onUndo: undo.undo,
  canUndo: undo.isOffered,
});
editor.init();
exporter.init();
importer.init();
referenceTry.init();
settings.init({ onChangeKey: keyScreen.changeKey });
providersDialog.init({ onChanged: secrets.refresh });
autolock.init();
menu.init({
  "menu-export": exporter.open,
  "menu-import": importer.open,
  "menu-reference": referenceTry.open,
  "menu-providers": providersDialog.open,
  "menu-reset-cache": resetLinkCache,
  "menu-settings": settings.open,
  "menu-change-key": keyScreen.changeKey,
  "menu-lock": lockNow,
  "menu-clear": secrets.clearVault,
  "menu-reset": resetVault,
});

// The quick-open shortcut and the tray's Open bring the window up: focus the filter.
onEvent("focus-filter", () => {
  if (isShown("screen-main")) secrets.focusFilter(true);
  else if (isShown("screen-unlock")) unlock.focus();
});

// The tray's Lock (and vault_lock itself): Rust dropped the keys; clear the page.
// Why Rust locked, in the unlock screen's words.
const LOCK_REASONS = {
  idle: "Locked after a while without use.",
  screen: "Locked when the computer went to sleep or the screen locked.",
};

onEvent("locked", (event) => {
  if (isShown("screen-loading")) return;
  // A first run's key stays in Rust over a lock (its vault holds nothing
  // yet): show the same key again instead of an unlock screen with no vault.
  const firstRun = keyScreen.showingFirstRun();
  lockPage(LOCK_REASONS[event?.payload?.reason]);
  if (firstRun) start();
});

// Drops are read in Rust; the preview arrives as an event.
onEvent("import-dropped", (event) => {
  if (isShown("screen-main")) importer.showDropped(event.payload);
});

start();
