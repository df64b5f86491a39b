// The settings dialog: auto-lock minutes, clipboard clearing, how long
// fetched linked values are kept, the quick-open
// shortcut (dialogs/shortcut.js), starting at log-in (where the system can), the keychain (turning it on asks for the
// key), copying / downloading the key, and "Change vault key…". Loading the
// settings also sets the auto-lock wait.

import { $, closeDialog } from "../dom.js";
import { attempt } from "../ipc.js";
import { clearError, toast } from "../notice.js";
import { configure as configureAutoLock } from "../autolock.js";
import { copyKey, downloadKey } from "../screens/key.js";
import * as shortcut from "./shortcut.js";

let settings = null; // the last settings view from Rust
let hooks = { onChangeKey: () => {} };

/** `options.onChangeKey()` starts changing the vault key (the dialog closes first). */
export function init(options) {
  hooks = options;
  shortcut.init();
  $("settings-key-copy").addEventListener("click", copyKey);
  $("settings-key-download").addEventListener("click", downloadKey);
  $("settings-change-key").addEventListener("click", () => {
    $("settings-dialog").close();
    hooks.onChangeKey();
  });
  $("setting-keychain").addEventListener("change", () => {
    $("keychain-key-row").hidden = !($("setting-keychain").checked && !settings?.keychain_enabled);
  });
  $("settings-cancel").addEventListener("click", () => $("settings-dialog").close());
  $("settings-dialog").addEventListener("close", shortcut.reset);
  $("settings-form").addEventListener("submit", save);
}

function limitNote(id, text) {
  $(id).hidden = !text;
  $(id).textContent = text ?? "";
}

function apply(view) {
  settings = view;
  configureAutoLock(view.auto_lock_minutes);
}

/** Reads the settings from Rust and applies them. Keeps the error banner as it is. */
export async function load() {
  const view = await attempt("settings_get", undefined, { keepError: true });
  if (view !== undefined) apply(view);
}

/** The menu's "Settings…". */
export async function open() {
  clearError();
  await load();
  if (!settings) return;
  $("setting-auto-lock").value = settings.auto_lock_minutes;
  $("setting-clipboard").value = settings.clipboard_clear_seconds;
  $("setting-link-cache").value = settings.link_cache_minutes;
  limitNote("auto-lock-limit", settings.auto_lock_limited_by && `Limited: ${settings.auto_lock_limited_by}.`);
  limitNote("clipboard-limit", settings.clipboard_limited_by && `Limited: ${settings.clipboard_limited_by}.`);
  $("setting-quick-open").value = settings.quick_open ?? "";
  shortcut.reset();
  shortcut.showProblem(settings.quick_open_problem);
  $("setting-keychain").checked = settings.keychain_enabled;
  $("setting-keychain").disabled = !settings.keychain_allowed && !settings.keychain_enabled;
  limitNote("keychain-limit", settings.keychain_allowed ? "" : "Your administrator's policy does not allow the keychain.");
  $("start-at-login-row").hidden = settings.start_at_login === null;
  $("setting-start-at-login").checked = settings.start_at_login === true;
  $("keychain-key-row").hidden = true;
  $("setting-keychain-key").value = "";
  $("settings-dialog").showModal();
}

async function save(event) {
  event.preventDefault();
  let view = await attempt("settings_set", {
    settings: {
      auto_lock_minutes: Number($("setting-auto-lock").value || 0),
      clipboard_clear_seconds: Number($("setting-clipboard").value || 0),
      quick_open: $("setting-quick-open").value.trim() || null,
      link_cache_minutes: Number($("setting-link-cache").value || 0),
      start_at_login: settings.start_at_login === null ? null : $("setting-start-at-login").checked,
    },
  });
  if (view === undefined) return;
  const wanted = $("setting-keychain").checked;
  if (wanted !== view.keychain_enabled) {
    view = await attempt("settings_keychain", { enabled: wanted, key: wanted ? $("setting-keychain-key").value.trim() : null });
    if (view === undefined) return;
  }
  $("setting-keychain-key").value = "";
  apply(view);
  if (view.quick_open_problem) {
    // Saved, but the system refused the shortcut: say so where it was typed.
    shortcut.showProblem(view.quick_open_problem);
    $("setting-quick-open").focus();
    toast("Settings saved; the quick-open shortcut is not active.");
    return;
  }
  $("settings-dialog").close();
  const limited = [view.auto_lock_limited_by, view.clipboard_limited_by].filter(Boolean);
  toast(limited.length ? `Saved. ${limited.join("; ")}.` : "Settings saved.");
}

/** Closes the dialog and forgets a typed key and the loaded settings. */
export function reset() {
  closeDialog("settings-dialog");
  $("setting-keychain-key").value = "";
  $("keychain-key-row").hidden = true;
  settings = null;
}
