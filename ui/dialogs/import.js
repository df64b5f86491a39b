// The import dialog: files, a folder, pasted text or a drop (read in Rust,
// arriving as an event); a password for encrypted files; the preview with
// a decision per conflict, naming the existing secret each would replace;
// the result, which the undo bar offers to undo.

import { $, closeDialog } from "../dom.js";
import { attempt, call, currentEpoch, isStale } from "../ipc.js";
import { clearError, showError } from "../notice.js";
import { domainsText, listText, whenLong } from "../format.js";
import { offer } from "../undo.js";
import { model } from "../screens/secret-model.js";
import { refresh } from "../screens/secrets.js";

let importPreview = null; // the preview being decided on

export function init() {
  $("import-close").addEventListener("click", () => $("import-dialog").close());
  // However the dialog closes (Close, Escape, a lock), Rust forgets the
  // import it holds, decrypted values and all.
  $("import-dialog").addEventListener("close", async () => {
    clearForm();
    await call("import_cancel").catch(() => {});
  });
  $("import-browse-file").addEventListener("click", () => previewWith("import_pick", { folder: false }));
  $("import-browse-folder").addEventListener("click", () => previewWith("import_pick", { folder: true }));
  $("import-paste").addEventListener("click", () => previewWith("import_paste", { text: $("import-text").value }));
  $("import-password-submit").addEventListener("click", async () => {
    const password = $("import-password").value;
    $("import-password").value = "";
    await previewWith("import_unlock", { password });
  });
  $("import-key-file").addEventListener("click", async () => {
    const name = await attempt("import_key_file");
    if (name) $("import-key-file-name").textContent = `Key file: ${name}`;
  });
  $("import-apply-all").addEventListener("change", () => {
    const all = $("import-apply-all").value;
    for (const select of document.querySelectorAll("[data-testid=import-decision]")) {
      if (all) select.value = all;
    }
  });
  $("import-form").addEventListener("submit", apply);
}

// Back to the start: choose a source.
function clearForm() {
  importPreview = null;
  $("import-source").hidden = false;
  $("import-password-row").hidden = true;
  $("import-password").value = "";
  $("import-key-file-row").hidden = true;
  $("import-key-file-name").textContent =
    "No key file: leave the password empty if the database has a key file only.";
  $("import-preview").hidden = true;
  $("import-result").hidden = true;
  $("import-result").textContent = "";
  $("import-text").value = "";
  $("import-files").replaceChildren();
  $("import-conflict-rows").replaceChildren();
  $("import-replace-keeps").hidden = true;
  $("import-replace-keeps").textContent = "";
  $("import-apply-all").value = "";
  $("import-apply").disabled = true;
}

/** The menu's "Import…". */
export function open() {
  clearError();
  clearForm();
  $("import-dialog").showModal();
}

/** A drop's preview (or error), from the `import-dropped` event. */
export function showDropped(payload) {
  if (!$("import-dialog").open) {
    clearForm();
    $("import-dialog").showModal();
  }
  if (payload.error) showError(payload.error);
  else showPreview(payload.preview);
}

async function previewWith(command, args) {
  const view = await attempt(command, args);
  if (view) showPreview(view);
}

function showPreview(view) {
  if (view.needs_password) {
    $("import-source").hidden = true;
    $("import-password-row").hidden = false;
    $("import-password-why").textContent = view.keepass
      ? `${view.needs_password} is a KeePass database: its password, and its key file if it has one.`
      : `${view.needs_password} is encrypted.`;
    $("import-key-file-row").hidden = !view.keepass;
    $("import-password").focus();
    return;
  }
  importPreview = view;
  $("import-source").hidden = true;
  $("import-password-row").hidden = true;
  $("import-preview").hidden = false;
  $("import-files").replaceChildren(
    ...view.files.map((f) => {
      const li = document.createElement("li");
      li.textContent = f.skipped ? `${f.source}: skipped (${f.skipped})` : `${f.source}: ${f.secrets} secrets`;
      if (f.left_out?.length) li.textContent += `; left out: ${f.left_out.join("; ")}`;
      if (f.notes?.length) li.textContent += `; ${f.notes.join("; ")}`;
      return li;
    }),
  );
  const p = view.preview;
  $("import-counts").textContent =
    `${p.new} new, ${p.unchanged} unchanged, ${p.conflicts.length} conflicting` +
    (p.flagged_secret ? ` (${p.flagged_secret} marked secret by their source)` : "");
  const repeated = p.repeated ?? [];
  $("import-repeated").hidden = repeated.length === 0;
  $("import-repeated").textContent = repeated.length
    ? `Repeated in this import: ${repeated.map((r) => `${r.name} (${r.times} times)`).join(", ")}. ` +
      "All are imported; the last of each is in effect, the others shadowed."
    : "";
  // Linked secrets bring their providers' settings, never credentials.
  const added = p.providers_added ?? [];
  const linkedText = p.linked
    ? `${p.linked} linked ${p.linked === 1 ? "secret" : "secrets"}: the values stay in their providers. ` +
      added.map((a) => `Provider ${a.name} (${a.address}) is added without credentials: log in to it under Providers… before its linked secrets can be used. `).join("")
    : "";
  $("import-linked").hidden = !linkedText;
  $("import-linked").textContent = linkedText.trim();
  $("import-conflicts-box").hidden = p.conflicts.length === 0;
  $("import-conflict-count").textContent = String(p.conflicts.length);
  const wanted = new Set(p.conflicts.map((c) => c.existing_id));
  const existing = new Map();
  if (wanted.size) for (const r of model.records) if (wanted.has(r.id)) existing.set(r.id, r);
  $("import-conflict-rows").replaceChildren(...p.conflicts.map((c) => conflictRow(c, existing.get(c.existing_id))));
  const keeps = view.replace_keeps ?? p.replace_keeps ?? [];
  $("import-replace-keeps").hidden = !(keeps.length && p.conflicts.length);
  $("import-replace-keeps").textContent = keeps.length
    ? `Replace keeps each existing secret's ${listText(keeps)}: this source has none.`
    : "";
  $("import-apply").disabled = false;
}

// `rec`: the existing secret in effect (from the list), which Replace replaces.
function conflictRow(c, rec) {
  const tr = document.createElement("tr");
  tr.dataset.testid = "import-conflict";
  tr.dataset.name = c.name;
  tr.dataset.incoming = String(c.incoming);
  const name = document.createElement("td");
  name.textContent = c.name;
  const existing = document.createElement("td");
  existing.textContent = `updated ${whenLong(c.existing_updated_at)}` +
    (rec ? ` · ${rec.domains.length ? domainsText(rec.domains) : "any host"}${rec.enabled ? "" : " · disabled"}` : "");
  const incoming = document.createElement("td");
  incoming.textContent = c.incoming_updated_at ? whenLong(c.incoming_updated_at) : "—";
  if (c.values_differ) {
    incoming.classList.add("differs");
    incoming.textContent += " · value differs";
  }
  const decision = document.createElement("td");
  const select = document.createElement("select");
  select.dataset.testid = "import-decision";
  for (const [value, label] of [["", "—"], ["replace", "Replace"], ["keep", "Keep both"], ["skip", "Skip"]]) {
    const option = document.createElement("option");
    option.value = value;
    option.textContent = label;
    select.append(option);
  }
  decision.append(select);
  tr.append(name, existing, incoming, decision);
  return tr;
}

async function apply(event) {
  event.preventDefault();
  clearError();
  if (!importPreview) return;
  const rows = [...document.querySelectorAll("[data-testid=import-conflict]")];
  const overrides = {};
  for (const tr of rows) {
    const value = tr.querySelector("select").value;
    if (value) overrides[tr.dataset.incoming] = value;
  }
  const fallback = $("import-apply-all").value || null;
  const undecided = rows.filter((tr) => !tr.querySelector("select").value);
  const replaced = rows
    .filter((tr) => (tr.querySelector("select").value || fallback) === "replace")
    .map((tr) => `“${tr.dataset.name}”`);
  if (undecided.length && !fallback) {
    showError({
      code: "decision_required",
      message: `Choose Replace, Keep both or Skip for ${undecided.length} conflict${undecided.length === 1 ? "" : "s"}, or use “Apply to all”.`,
    });
    return;
  }
  const epoch = currentEpoch();
  const done = await attempt("import_apply", { default: fallback, overrides });
  if (isStale(epoch)) return;
  if (done === undefined) {
    // Nothing was imported and the pending import is gone: start over.
    clearForm();
    return;
  }
  $("import-preview").hidden = true;
  $("import-apply").disabled = true;
  $("import-result").hidden = false;
  const named = replaced.length > 10 ? [...replaced.slice(0, 10), `${replaced.length - 10} more`] : replaced;
  $("import-result").textContent =
    `Imported: ${done.created} new, ${done.replaced} replaced, ${done.kept} kept (older ones now shadowed), ` +
    `${done.skipped} skipped, ${done.unchanged} unchanged.` +
    (done.replaced && named.length ? ` Replaced: ${listText(named)}.` : "");
  importPreview = null;
  if (done.created + done.replaced + done.kept > 0) {
    offer(`Imported ${done.created} new, ${done.replaced} replaced` + (done.kept ? `, ${done.kept} kept` : "") + ".");
  }
  await refresh();
}

/** Closes the dialog and forgets the preview, the pasted text and any password. */
export function reset() {
  closeDialog("import-dialog");
  clearForm();
  $("import-password-why").textContent = "";
  $("import-counts").textContent = "";
  $("import-repeated").textContent = "";
  $("import-repeated").hidden = true;
  $("import-linked").textContent = "";
  $("import-linked").hidden = true;
}
