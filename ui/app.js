// Coffer's UI. It talks to Rust only through ipc.js; errors arrive as
// {code, message} and the UI switches on code. User data is rendered with
// textContent only. A value is in the page only while the user reveals it;
// locking (lock.js) removes every secret from the page.
//
// This file only wires the modules together: the start, the events from
// Rust, the menu and the keyboard.

import { isShown, showScreen } from "./dom.js";
import { attempt, call, currentEpoch, isStale, onEvent } from "./ipc.js";
import * as notice from "./notice.js";
import * as autolock from "./autolock.js";
import * as menu from "./menu.js";
import { lockPage, pageOpened, wipePage } from "./lock.js";
import * as confirm from "./dialogs/confirm.js";
import * as editor from "./dialogs/secret-editor.js";
import * as exporter from "./dialogs/export.js";
import * as importer from "./dialogs/import.js";
import * as settings from "./dialogs/settings.js";
import * as keyScreen from "./screens/key.js";
import * as unlock from "./screens/unlock.js";
import * as secrets from "./screens/secrets.js";

async function start() {
  const status = await attempt("vault_status");
  if (status === undefined) {
    showScreen("screen-unlock");
    return;
  }
  if (!status.exists) {
    await firstRun(status);
    return;
  }
  if (status.unlocked) {
    await openMain();
    return;
  }
  if (status.keychain_enabled) {
    try {
      await call("vault_unlock_keychain");
    } catch (err) {
      unlock.show(`${err.message}. Type your vault key instead.`);
      return;
    }
    await openMain();
    return;
  }
  unlock.show();
}

async function firstRun(status) {
  const created = await attempt("vault_create");
  if (created === undefined) {
    showScreen("screen-unlock");
    return;
  }
  showKey(created.key, status.keychain_allowed);
}

function showKey(key, keychainAllowed) {
  pageOpened();
  keyScreen.show(key, keychainAllowed);
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

async function resetVault() {
  const ok = await confirm.confirmAction(
    "Reset the vault key?",
    "A new key is made and every secret in this vault is deleted. This cannot be undone.",
    "Delete all and reset",
  );
  if (!ok) return;
  const created = await attempt("vault_reset");
  if (created === undefined) return;
  wipePage();
  const status = await attempt("vault_status");
  if (status === undefined) return;
  showKey(created.key, status.keychain_allowed);
}

// Rust's vault_lock may also send the `locked` event; lockPage() is safe twice.
async function lockNow() {
  await call("vault_lock");
  lockPage();
}

async function lockAfterIdle(minutes) {
  await call("vault_lock");
  lockPage(`Locked after ${minutes} idle minutes. Type your vault key.`);
}

notice.init();
confirm.init();
keyScreen.init({ onSaved: openMain });
unlock.init({ onUnlocked: openMain, onReset: resetVault });
secrets.init({ onEdit: editor.open, onLocked: () => lockPage() });
editor.init();
exporter.init();
importer.init();
settings.init();
autolock.init({ onIdle: lockAfterIdle });
menu.init({
  "menu-export": exporter.open,
  "menu-import": importer.open,
  "menu-settings": settings.open,
  "menu-lock": lockNow,
  "menu-clear": secrets.clearVault,
  "menu-reset": resetVault,
});

// Ctrl+Shift+V and the tray's Open bring the window up: focus the filter.
onEvent("focus-filter", () => {
  if (isShown("screen-main")) secrets.focusFilter(true);
  else if (isShown("screen-unlock")) unlock.focus();
});

// The tray's Lock (and vault_lock itself): Rust dropped the keys; clear the page.
onEvent("locked", () => {
  if (!isShown("screen-loading")) lockPage();
});

// Drops are read in Rust; the preview arrives as an event.
onEvent("import-dropped", (event) => {
  if (isShown("screen-main")) importer.showDropped(event.payload);
});

document.addEventListener("keydown", (event) => {
  if ((event.ctrlKey || event.metaKey) && event.key.toLowerCase() === "f" && isShown("screen-main")) {
    event.preventDefault();
    secrets.focusFilter();
  }
  if (event.key === "Escape" && menu.isOpen()) menu.closeMenu();
});

start();
