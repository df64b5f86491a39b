// The main screen's secrets: loading the list, the filter and the sort
// headers, and what each secret's actions do (reveal, copy, reference,
// edit, enable/disable, delete) plus "Clear vault". The model is in
// secret-model.js, the view in secret-list.js, the row menu in row-menu.js.
//
// The list is loaded whole after unlock, import, clear and undo; a create,
// update or delete patches the model with the SecretInfo the command returned.

import { $ } from "../dom.js";
import { attempt, call, currentEpoch, isStale } from "../ipc.js";
import { clearError, showError, toast } from "../notice.js";
import { mark } from "../perf.js";
import { count, domainsText, whenLong } from "../format.js";
import { confirmAction } from "../dialogs/confirm.js";
import { offer } from "../undo.js";
import * as data from "./secret-model.js";
import * as list from "./secret-list.js";
import * as rowMenu from "./row-menu.js";

let hooks = { onEdit: () => {}, onLocked: () => {} };

/**
 * `options.onEdit(record)` opens the editor; `options.onLocked()` runs when
 * Rust answers that the vault is locked.
 */
/** Loads what the first drawing of the list needs, ahead of it. */
export function warmUp() {
  list.warmUp();
}

export function init(options) {
  hooks = options;
  list.init({ onAction: act, onPainted: rowMenu.follow });
  rowMenu.init({
    onChoose: (action, id) => {
      const rec = data.recordById(id);
      if (!rec) return;
      list.focus();
      act(action, rec);
    },
    onDismiss: () => list.focus(),
  });
  $("filter").addEventListener("input", onFilterInput);
  for (const button of document.querySelectorAll("#secret-head .sort")) {
    button.addEventListener("click", () => {
      data.sortBy(button.dataset.sort);
      list.refresh({ reveal: true });
    });
  }
}

// Each keystroke walks the sort order once (no DOM rebuilt); the rows in
// view are drawn at the next frame.
function onFilterInput() {
  mark("coffer:filter-input");
  data.setFilter($("filter").value);
  list.refresh({ fallback: 0, reveal: true, markAfter: "coffer:filter-painted" });
}

/** Reloads the whole list and the vault path. Keeps the error banner as it is. */
export async function refresh() {
  const epoch = currentEpoch();
  try {
    const columns = await call("secret_list");
    if (isStale(epoch)) return;
    data.load(columns);
    data.setFilter($("filter").value);
    list.refresh({ top: "unselected", reveal: true, markAfter: "coffer:rows-painted" });
    setTimeout(data.prepareFilter, 100); // after the first rows are painted, ready for the first keystroke
    const status = await call("vault_status");
    if (isStale(epoch)) return;
    $("vault-path").textContent = status.path;
    $("vault-path").title = status.path;
  } catch (err) {
    if (isStale(epoch)) return;
    if (err?.code === "locked") {
      hooks.onLocked();
      return;
    }
    showError(err);
  }
}

/**
 * A created or updated secret (the SecretInfo a command returned) goes into
 * the model and is selected. With `show`, a filter that hides it is cleared.
 */
export function applyInfo(info, { show = false, keepPlace = false } = {}) {
  const rec = data.applyInfo(info, { keepPlace });
  if (show && data.positionOf(data.indexOfId(rec.id)) === -1) {
    $("filter").value = "";
    data.setFilter("");
  }
  list.select(rec.id);
  list.refresh({ reveal: true });
  return rec;
}

/** After an edit: the value shown for `id`, if any, is out of date. */
export function forgetValue(id) {
  data.model.revealed.delete(id);
  list.forgetHeight(id);
}

export function focusFilter(select = false) {
  $("filter").focus();
  if (select) $("filter").select();
}

export function focusList() {
  list.focus();
}

/** What a row action does; `anchor` is the button it came from (for the menu). */
export function act(action, rec, anchor = null) {
  list.select(rec.id, { reveal: false });
  if (action === "menu") {
    rowMenu.open(anchor ?? list.menuButtonOf(rec.id), rec.id, {
      name: rec.name,
      revealed: data.model.revealed.has(rec.id),
      enabled: rec.enabled,
    });
  } else if (action === "reveal") toggleReveal(rec);
  else if (action === "copy") copyValue(rec);
  else if (action === "copy-ref") copyReference(rec);
  else if (action === "edit") hooks.onEdit(rec);
  else if (action === "toggle") setEnabled(rec, !rec.enabled);
  else if (action === "delete") deleteSecret(rec);
}

/** The keyboard's actions, on the selected secret (nothing when none is selected). */
export function actOnSelected(action) {
  const rec = list.selected();
  if (rec) act(action, rec);
}

async function toggleReveal(rec) {
  if (data.model.revealed.has(rec.id)) {
    clearError();
    data.model.revealed.delete(rec.id);
  } else {
    const value = await attempt("secret_reveal", { id: rec.id });
    if (rec.linked) await linkState(rec);
    if (value === undefined || !data.recordById(rec.id)) return;
    data.model.revealed.set(rec.id, value);
  }
  list.forgetHeight(rec.id);
  list.refresh({ reveal: true });
}

// A linked secret's row after a reveal or a copy: when it was fetched, and
// why it failed (shown on its badge) — without reading the whole list again.
async function linkState(rec) {
  const epoch = currentEpoch();
  let state;
  try {
    state = await call("link_state", { id: rec.id });
  } catch {
    return;
  }
  if (isStale(epoch) || !state) return;
  rec.fetched = state.fetched;
  rec.problem = state.problem?.message ?? "";
  data.model.version += 1;
  list.refresh();
}

async function copyValue(rec) {
  const seconds = await attempt("secret_copy", { id: rec.id });
  if (rec.linked) await linkState(rec);
  if (seconds === undefined) return;
  toast(seconds > 0 ? `Copied ${rec.name}; the clipboard is cleared in ${seconds} s.` : `Copied ${rec.name}.`);
}

async function copyReference(rec) {
  const reference = await attempt("secret_copy_reference", { id: rec.id });
  if (reference === undefined) return;
  toast(`Copied ${reference}`);
}

async function setEnabled(rec, enabled) {
  const info = await attempt("secret_update", { id: rec.id, patch: { enabled } });
  if (info === undefined) return;
  applyInfo(info, { keepPlace: true });
}

// Which secret exactly: when several have its name, whether it is the one
// in effect; always its allowed domains and when it was last changed.
function describe(rec) {
  const lines = [];
  let same = 0;
  for (const r of data.model.records) if (r.name === rec.name) same += 1;
  if (same > 1) {
    lines.push(rec.shadowed
      ? `This is a shadowed “${rec.name}” (${same} secrets have this name); the one in effect stays.`
      : `This is the “${rec.name}” in effect; ${count(same - 1, "older secret")} with this name ${same === 2 ? "is" : "are"} shadowed, and the newest of them takes its place.`);
  }
  lines.push(`Allowed domains: ${rec.domains.length ? domainsText(rec.domains) : "any host"}.`);
  lines.push(`Updated ${whenLong(rec.updated)}.`);
  lines.push("You can undo this right after.");
  return lines.join("\n");
}

async function deleteSecret(rec) {
  const ok = await confirmAction(`Delete “${rec.name}”?`, describe(rec), "Delete");
  if (!ok) return;
  const pos = data.positionOf(data.indexOfId(rec.id));
  const info = await attempt("secret_delete", { id: rec.id });
  if (info === undefined) return;
  data.removeId(info?.id ?? rec.id);
  list.forgetHeight(rec.id);
  list.refresh({ fallback: Math.max(0, pos), reveal: true });
  offer(`Deleted “${rec.name}”.`, { name: rec.name });
  list.focus();
}

/** The menu's "Clear vault…": every secret goes, after a confirmation (undoable). */
export async function clearVault() {
  const total = data.model.records.length;
  const ok = await confirmAction(
    "Clear the vault?",
    `All ${count(total, "secret")} are deleted. The vault key stays the same. You can undo this right after.`,
    "Delete all secrets",
  );
  if (!ok) return;
  const epoch = currentEpoch();
  const deleted = await attempt("vault_clear");
  if (isStale(epoch)) return;
  if (deleted !== undefined) offer(`Cleared ${count(deleted, "secret")}.`);
  await refresh();
}

/** The filter and the vault path leave the page (the model, list and menu have their own reset). */
export function reset() {
  $("filter").value = "";
  $("vault-path").textContent = "";
  $("vault-path").removeAttribute("title");
}
