// The main screen's secrets: loading the list, the filter and the sort
// headers, and each row's actions (reveal, copy, reference, edit, enable,
// delete) plus "Clear vault". The model is in secret-model.js and the
// drawing in secret-table.js.

import { $ } from "../dom.js";
import { attempt, call, currentEpoch, isStale } from "../ipc.js";
import { clearError, showError, toast } from "../notice.js";
import { confirmAction } from "../dialogs/confirm.js";
import { forget, model, shadowedCount, sortBy, visibleSecrets } from "./secret-model.js";
import { clearTable, renderTable } from "./secret-table.js";

let hooks = { onEdit: () => {}, onLocked: () => {} };

const rowActions = {
  reveal: toggleReveal,
  copy: copyValue,
  copyRef: copyReference,
  edit: (s) => hooks.onEdit(s),
  toggle: (s) => setEnabled(s, !s.enabled),
  remove: deleteSecret,
};

/**
 * `options.onEdit(secret)` opens the editor; `options.onLocked()` runs when
 * Rust answers that the vault is locked.
 */
export function init(options) {
  hooks = options;
  $("filter").addEventListener("input", render);
  for (const th of document.querySelectorAll("th .sort")) {
    th.addEventListener("click", () => {
      sortBy(th.dataset.sort);
      render();
    });
  }
}

function render() {
  renderTable(
    {
      visible: visibleSecrets($("filter").value),
      revealed: model.revealed,
      total: model.secrets.length,
      shadowed: shadowedCount(),
      sort: model.sort,
    },
    rowActions,
  );
}

/** Reloads the list and the vault path. Keeps the error banner as it is. */
export async function refresh() {
  const epoch = currentEpoch();
  try {
    const secrets = await call("secret_list");
    if (isStale(epoch)) return;
    model.secrets = secrets;
    const status = await call("vault_status");
    if (isStale(epoch)) return;
    $("vault-path").textContent = status.path;
  } catch (err) {
    if (isStale(epoch)) return;
    if (err?.code === "locked") {
      hooks.onLocked();
      return;
    }
    showError(err);
  }
  render();
}

/** After an edit: the value shown for `id`, if any, is out of date. */
export function forgetValue(id) {
  model.revealed.delete(id);
}

export function focusFilter(select = false) {
  $("filter").focus();
  if (select) $("filter").select();
}

// A change to the vault, then the list again (also after a failure);
// `onDone` runs only if the change went through. Nothing after a lock.
async function change(command, args, onDone) {
  const epoch = currentEpoch();
  const reply = await attempt(command, args);
  if (isStale(epoch)) return;
  if (reply !== undefined) onDone?.();
  await refresh();
}

async function toggleReveal(s) {
  if (model.revealed.has(s.id)) {
    clearError();
    model.revealed.delete(s.id);
  } else {
    const value = await attempt("secret_reveal", { id: s.id });
    if (value === undefined) return;
    model.revealed.set(s.id, value);
  }
  render();
}

async function copyValue(s) {
  const seconds = await attempt("secret_copy", { id: s.id });
  if (seconds === undefined) return;
  toast(seconds > 0 ? `Copied ${s.name}; the clipboard is cleared in ${seconds} s.` : `Copied ${s.name}.`);
}

async function copyReference(s) {
  const reference = await attempt("secret_copy_reference", { id: s.id });
  if (reference === undefined) return;
  toast(`Copied ${reference}`);
}

async function setEnabled(s, enabled) {
  await change("secret_update", { id: s.id, patch: { enabled } });
}

async function deleteSecret(s) {
  const ok = await confirmAction(`Delete ${s.name}?`, "The secret is deleted from this vault.", "Delete");
  if (!ok) return;
  await change("secret_delete", { id: s.id }, () => model.revealed.delete(s.id));
}

/** The menu's "Clear vault…": every secret goes, after a confirmation. */
export async function clearVault() {
  const ok = await confirmAction(
    "Clear the vault?",
    `All ${model.secrets.length} secrets are deleted. The vault key stays the same.`,
    "Delete all secrets",
  );
  if (!ok) return;
  await change("vault_clear", undefined, () => model.revealed.clear());
}

/** Every secret, revealed value, the filter and the table leave the page. */
export function reset() {
  forget();
  clearTable();
  $("filter").value = "";
  $("vault-path").textContent = "";
}
