// Coffer's UI. It talks to Rust only through invoke(); errors arrive as
// {code, message} and the UI switches on code. User data is rendered with
// textContent only. A value is in the page only while the user reveals it;
// locking removes every secret from the page.

const invoke = window.__TAURI__?.core?.invoke;
const $ = (id) => document.getElementById(id);

let lockEpoch = 0; // bumped at every lock; replies from before it are dropped

const state = {
  secrets: [],      // metadata from secret_list
  revealed: new Map(), // id -> value, only while shown
  sort: { key: "name", dir: 1 },
  editing: null,    // the secret being edited, or null when adding
};

// ---------- errors ----------

function showError(err) {
  const banner = document.querySelector("[data-testid=error]");
  banner.dataset.code = err?.code ?? "unknown";
  $("error-text").textContent = err?.message ?? String(err);
  banner.hidden = false;
}

function clearError() {
  const banner = document.querySelector("[data-testid=error]");
  banner.hidden = true;
  delete banner.dataset.code;
  $("error-text").textContent = "";
}

let toastTimer = null;
function toast(message) {
  const el = $("toast");
  el.textContent = message;
  el.hidden = false;
  clearTimeout(toastTimer);
  toastTimer = setTimeout(() => {
    el.hidden = true;
    el.textContent = "";
  }, 4000);
}

async function call(command, args) {
  if (!invoke) {
    throw { code: "no_ipc", message: "This page must run inside the Coffer app." };
  }
  return invoke(command, args);
}

// ---------- screens ----------

function show(screen) {
  for (const id of ["screen-loading", "screen-key", "screen-unlock", "screen-main"]) {
    $(id).hidden = id !== screen;
  }
}

async function start() {
  clearError();
  let status;
  try {
    status = await call("vault_status");
  } catch (err) {
    show("screen-unlock");
    showError(err);
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
      await openMain();
      return;
    } catch (err) {
      $("unlock-why").textContent = `${err.message}. Type your vault key instead.`;
    }
  }
  showUnlock();
}

async function firstRun(status) {
  try {
    const created = await call("vault_create");
    showKey(created.key, status.keychain_allowed);
  } catch (err) {
    show("screen-unlock");
    showError(err);
  }
}

function showKey(key, keychainAllowed) {
  $("vault-key").textContent = key;
  const box = $("keychain-save");
  box.checked = keychainAllowed;
  box.disabled = !keychainAllowed;
  $("keychain-policy").hidden = keychainAllowed;
  $("keychain-policy").textContent = keychainAllowed
    ? ""
    : "Your administrator's policy does not allow keeping vault keys in the system keychain.";
  show("screen-key");
  $("key-saved-confirm").focus();
}

$("key-saved-confirm").addEventListener("click", async () => {
  clearError();
  try {
    await call("vault_key_saved", { keychain: $("keychain-save").checked });
    $("vault-key").textContent = ""; // shown once
    await openMain();
  } catch (err) {
    showError(err);
  }
});

async function copyKey() {
  clearError();
  try {
    const seconds = await call("vault_key_copy");
    toast(seconds > 0 ? `Vault key copied; the clipboard is cleared in ${seconds} s.` : "Vault key copied.");
  } catch (err) {
    showError(err);
  }
}

async function downloadKey() {
  clearError();
  try {
    const path = await call("vault_key_download");
    if (path) toast(`Vault key saved to ${path}`);
  } catch (err) {
    showError(err);
  }
}

$("key-copy").addEventListener("click", copyKey);
$("key-download").addEventListener("click", downloadKey);
$("settings-key-copy").addEventListener("click", copyKey);
$("settings-key-download").addEventListener("click", downloadKey);

function showUnlock() {
  show("screen-unlock");
  $("unlock-key").value = "";
  $("unlock-key").focus();
}

$("unlock-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  clearError();
  try {
    await call("vault_unlock", { key: $("unlock-key").value });
    $("unlock-key").value = "";
    await openMain();
  } catch (err) {
    showError(err);
    $("unlock-key").focus();
  }
});

$("reset-start").addEventListener("click", () => resetVault());
$("menu-reset").addEventListener("click", () => {
  closeMenu();
  resetVault();
});

async function resetVault() {
  const ok = await confirmAction(
    "Reset the vault key?",
    "A new key is made and every secret in this vault is deleted. This cannot be undone.",
    "Delete all and reset",
  );
  if (!ok) return;
  clearError();
  try {
    const created = await call("vault_reset");
    forgetSecrets();
    const status = await call("vault_status");
    showKey(created.key, status.keychain_allowed);
  } catch (err) {
    showError(err);
  }
}

// ---------- main screen ----------

async function openMain() {
  show("screen-main");
  await refresh();
  await loadSettings();
  $("filter").focus();
}

async function refresh() {
  const epoch = lockEpoch;
  try {
    const secrets = await call("secret_list");
    if (epoch !== lockEpoch) return;
    state.secrets = secrets;
    const status = await call("vault_status");
    $("vault-path").textContent = status.path;
  } catch (err) {
    if (err.code === "locked") {
      lockScreen();
      return;
    }
    showError(err);
  }
  render();
}

function domainsText(s) {
  return s.allowed_domains.length ? s.allowed_domains.join(", ") : "any";
}

function sorted(list) {
  const { key, dir } = state.sort;
  const val = (s) => (key === "name" ? s.name.toLowerCase() : key === "domains" ? domainsText(s) : s.updated_at);
  return [...list].sort((a, b) => (val(a) < val(b) ? -dir : val(a) > val(b) ? dir : 0));
}

function render() {
  const filter = $("filter").value.trim().toLowerCase();
  const body = $("secret-rows");
  body.replaceChildren();
  const visible = sorted(state.secrets).filter(
    (s) => !filter || s.name.toLowerCase().includes(filter) || domainsText(s).includes(filter) || s.note.toLowerCase().includes(filter),
  );
  for (const s of visible) {
    body.append(row(s));
  }
  $("empty").hidden = state.secrets.length > 0;
  const shadowed = state.secrets.filter((s) => s.shadowed).length;
  $("secret-count").textContent =
    `${state.secrets.length} secret${state.secrets.length === 1 ? "" : "s"}` + (shadowed ? `, ${shadowed} shadowed` : "");
  for (const th of document.querySelectorAll("th .sort")) {
    const on = th.dataset.sort === state.sort.key;
    th.parentElement.setAttribute("aria-sort", on ? (state.sort.dir > 0 ? "ascending" : "descending") : "none");
  }
}

function button(label, onClick, extra = {}) {
  const b = document.createElement("button");
  b.type = "button";
  b.textContent = label;
  Object.assign(b.dataset, extra.data ?? {});
  if (extra.title) b.title = extra.title;
  b.addEventListener("click", onClick);
  return b;
}

function row(s) {
  const tr = document.createElement("tr");
  tr.dataset.testid = "secret-row";
  tr.dataset.name = s.name;
  tr.dataset.id = s.id;
  if (!s.enabled) tr.classList.add("disabled");

  const name = document.createElement("td");
  const label = document.createElement("span");
  label.className = "name";
  label.textContent = s.name;
  name.append(label);
  if (s.shadowed || !s.enabled) {
    const warn = document.createElement("span");
    warn.className = "warn";
    warn.textContent = "⚠";
    warn.title = s.shadowed
      ? "Shadowed: a newer secret with this name is in effect"
      : "Disabled: kept, but references do not resolve to it";
    warn.setAttribute("aria-label", warn.title);
    name.append(warn);
  }
  if (s.note) {
    const note = document.createElement("div");
    note.className = "note muted small";
    note.textContent = s.note;
    name.append(note);
  }

  const domains = document.createElement("td");
  domains.textContent = domainsText(s);
  const updated = document.createElement("td");
  updated.textContent = new Date(s.updated_at).toLocaleString();
  updated.title = s.updated_at;

  const value = document.createElement("td");
  value.className = "value-col";
  const code = document.createElement("code");
  code.className = "value";
  code.dataset.testid = "secret-revealed";
  const shown = state.revealed.has(s.id);
  code.textContent = shown ? state.revealed.get(s.id) : "••••••••";
  value.append(code);

  const actions = document.createElement("td");
  actions.className = "actions-col";
  actions.append(
    button(shown ? "Hide" : "Reveal", () => toggleReveal(s), { data: { action: "reveal" } }),
    button("Copy", () => copyValue(s), { data: { action: "copy" }, title: "Copy the value (cleared from the clipboard later)" }),
    button("Ref", () => copyReference(s), { data: { action: "copy-ref" }, title: `Copy {{vault:${s.name}}}` }),
    button("Edit", () => openEditor(s), { data: { action: "edit" } }),
    button(s.enabled ? "Disable" : "Enable", () => setEnabled(s, !s.enabled), { data: { action: "toggle" } }),
    button("Delete", () => deleteSecret(s), { data: { action: "delete" } }),
  );
  tr.append(name, domains, updated, value, actions);
  return tr;
}

async function toggleReveal(s) {
  clearError();
  if (state.revealed.has(s.id)) {
    state.revealed.delete(s.id);
  } else {
    const epoch = lockEpoch;
    try {
      const value = await call("secret_reveal", { id: s.id });
      if (epoch !== lockEpoch) return;
      state.revealed.set(s.id, value);
    } catch (err) {
      showError(err);
    }
  }
  render();
}

async function copyValue(s) {
  clearError();
  try {
    const seconds = await call("secret_copy", { id: s.id });
    toast(seconds > 0 ? `Copied ${s.name}; the clipboard is cleared in ${seconds} s.` : `Copied ${s.name}.`);
  } catch (err) {
    showError(err);
  }
}

async function copyReference(s) {
  clearError();
  try {
    const reference = await call("secret_copy_reference", { id: s.id });
    toast(`Copied ${reference}`);
  } catch (err) {
    showError(err);
  }
}

async function setEnabled(s, enabled) {
  clearError();
  try {
    await call("secret_update", { id: s.id, patch: { enabled } });
  } catch (err) {
    showError(err);
  }
  await refresh();
}

async function deleteSecret(s) {
  const ok = await confirmAction(`Delete ${s.name}?`, "The secret is deleted from this vault.", "Delete");
  if (!ok) return;
  clearError();
  try {
    await call("secret_delete", { id: s.id });
    state.revealed.delete(s.id);
  } catch (err) {
    showError(err);
  }
  await refresh();
}

// ---------- add / edit ----------

function splitDomains(text) {
  return text.split(",").map((d) => d.trim()).filter(Boolean);
}

function openEditor(s) {
  clearError();
  state.editing = s ?? null;
  $("secret-dialog-title").textContent = s ? `Edit ${s.name}` : "Add secret";
  $("secret-name").value = s?.name ?? "";
  $("secret-value").value = "";
  $("secret-value").type = "password";
  $("secret-value-toggle").textContent = "Show";
  $("secret-value-hint").hidden = !s;
  $("secret-domains").value = s ? s.allowed_domains.join(", ") : "";
  $("secret-note").value = s?.note ?? "";
  $("secret-enabled").checked = s ? s.enabled : true;
  $("secret-dialog").showModal();
  $("secret-name").focus();
}

$("secret-add").addEventListener("click", () => openEditor(null));
$("secret-cancel").addEventListener("click", () => $("secret-dialog").close());
$("secret-value-toggle").addEventListener("click", () => {
  const input = $("secret-value");
  const showing = input.type === "text";
  input.type = showing ? "password" : "text";
  $("secret-value-toggle").textContent = showing ? "Show" : "Hide";
  $("secret-value-toggle").setAttribute("aria-pressed", String(!showing));
});

$("secret-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  clearError();
  const fields = {
    name: $("secret-name").value,
    allowed_domains: splitDomains($("secret-domains").value),
    note: $("secret-note").value,
    enabled: $("secret-enabled").checked,
  };
  const value = $("secret-value").value;
  try {
    if (state.editing) {
      const patch = { ...fields };
      if (value !== "") patch.value = value;
      await call("secret_update", { id: state.editing.id, patch });
      state.revealed.delete(state.editing.id);
    } else {
      await call("secret_create", { secret: { ...fields, value } });
    }
    $("secret-value").value = "";
    $("secret-dialog").close();
    await refresh();
  } catch (err) {
    showError(err);
  }
});

// ---------- menu, lock, clear ----------

function closeMenu() {
  $("menu-items").hidden = true;
  $("menu").setAttribute("aria-expanded", "false");
}

$("menu").addEventListener("click", () => {
  const open = $("menu-items").hidden;
  $("menu-items").hidden = !open;
  $("menu").setAttribute("aria-expanded", String(open));
});

function forgetSecrets() {
  lockEpoch += 1; // replies to requests made before this point are dropped
  $("vault-key").textContent = "";
  state.secrets = [];
  state.revealed.clear();
  state.editing = null;
  $("secret-rows").replaceChildren();
  $("filter").value = "";
  // Nothing about any secret may stay in the page: dialogs and messages too.
  for (const id of ["secret-dialog", "confirm-dialog", "export-dialog", "import-dialog"]) {
    if ($(id).open) $(id).close();
  }
  for (const id of ["secret-name", "secret-value", "secret-domains", "secret-note"]) {
    $(id).value = "";
  }
  for (const id of ["secret-dialog-title", "confirm-title", "confirm-text", "secret-count", "toast"]) {
    $(id).textContent = "";
  }
  $("toast").hidden = true;
  resetImport();
  for (const id of ["export-password", "export-password-confirm"]) $(id).value = "";
  clearError();
}

function lockScreen() {
  clearTimeout(idleTimer);
  idleTimer = null;
  if ($("settings-dialog").open) $("settings-dialog").close();
  $("setting-keychain-key").value = "";
  forgetSecrets();
  $("unlock-why").textContent = "Coffer is locked. Type your vault key.";
  showUnlock();
}

$("menu-lock").addEventListener("click", async () => {
  closeMenu();
  await call("vault_lock");
  lockScreen();
});

$("menu-clear").addEventListener("click", async () => {
  closeMenu();
  const ok = await confirmAction(
    "Clear the vault?",
    `All ${state.secrets.length} secrets are deleted. The vault key stays the same.`,
    "Delete all secrets",
  );
  if (!ok) return;
  try {
    await call("vault_clear");
    state.revealed.clear();
  } catch (err) {
    showError(err);
  }
  await refresh();
});

// ---------- export ----------

let exportOptions = null;

function exportFormat() {
  return document.querySelector("input[name=export-format]:checked")?.value ?? "encrypted";
}

function syncExportForm() {
  const plain = exportFormat() === "plaintext";
  $("export-password-fields").hidden = plain;
  $("export-plaintext-fields").hidden = !plain;
}

$("menu-export").addEventListener("click", async () => {
  closeMenu();
  clearError();
  try {
    exportOptions = await call("export_options");
  } catch (err) {
    showError(err);
    return;
  }
  for (const kind of ["encrypted", "plaintext"]) {
    const reason = exportOptions[kind];
    $(`export-${kind}`).disabled = Boolean(reason);
    $(`export-${kind}-reason`).hidden = !reason;
    $(`export-${kind}-reason`).textContent = reason ?? "";
  }
  const firstAllowed = ["encrypted", "plaintext"].find((k) => !exportOptions[k]);
  if (firstAllowed) $(`export-${firstAllowed}`).checked = true;
  $("export-submit").disabled = !firstAllowed;
  $("export-min").textContent = `(at least ${exportOptions.min_password_length} characters)`;
  for (const id of ["export-password", "export-password-confirm"]) $(id).value = "";
  $("export-plaintext-ok").checked = false;
  $("export-strength").value = 0;
  $("export-strength-text").textContent = "";
  syncExportForm();
  $("export-dialog").showModal();
});

for (const radio of document.querySelectorAll("input[name=export-format]")) {
  radio.addEventListener("change", syncExportForm);
}
$("export-cancel").addEventListener("click", () => $("export-dialog").close());

const STRENGTH = ["very weak", "weak", "fair", "strong", "very strong"];
$("export-password").addEventListener("input", async () => {
  const password = $("export-password").value;
  const score = password ? await call("password_score", { password }) : 0;
  $("export-strength").value = score;
  $("export-strength-text").textContent = password ? `Strength: ${STRENGTH[score]}${score < 3 ? " — exports need at least strong" : ""}` : "";
});

$("export-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  clearError();
  const format = exportFormat();
  let password = null;
  if (format === "encrypted") {
    password = $("export-password").value;
    if (password !== $("export-password-confirm").value) {
      showError({ code: "password_mismatch", message: "The two passwords differ." });
      return;
    }
  } else if (!$("export-plaintext-ok").checked) {
    showError({ code: "confirm_required", message: "Tick “I understand” to write an unencrypted export." });
    return;
  }
  try {
    const done = await call("export_to_file", { format, password });
    $("export-password").value = "";
    $("export-password-confirm").value = "";
    if (done) {
      $("export-dialog").close();
      toast(`Exported ${done.secrets} secrets to ${done.path}`);
    }
  } catch (err) {
    showError(err);
  }
});

// ---------- import ----------

let importPreview = null;

function resetImport() {
  importPreview = null;
  $("import-source").hidden = false;
  $("import-password-row").hidden = true;
  $("import-password").value = "";
  $("import-preview").hidden = true;
  $("import-result").hidden = true;
  $("import-result").textContent = "";
  $("import-text").value = "";
  $("import-files").replaceChildren();
  $("import-conflict-rows").replaceChildren();
  $("import-apply-all").value = "";
  $("import-apply").disabled = true;
}

$("menu-import").addEventListener("click", () => {
  closeMenu();
  clearError();
  resetImport();
  $("import-dialog").showModal();
});

$("import-close").addEventListener("click", async () => {
  $("import-dialog").close();
  resetImport();
  await call("import_cancel");
});

async function previewWith(command, args) {
  clearError();
  try {
    const view = await call(command, args);
    if (view) showPreview(view);
  } catch (err) {
    showError(err);
  }
}

$("import-browse-file").addEventListener("click", () => previewWith("import_pick", { folder: false }));
$("import-browse-folder").addEventListener("click", () => previewWith("import_pick", { folder: true }));
$("import-paste").addEventListener("click", () => previewWith("import_paste", { text: $("import-text").value }));
$("import-password-submit").addEventListener("click", async () => {
  const password = $("import-password").value;
  $("import-password").value = "";
  await previewWith("import_unlock", { password });
});

function showPreview(view) {
  if (view.needs_password) {
    $("import-source").hidden = true;
    $("import-password-row").hidden = false;
    $("import-password-why").textContent = `${view.needs_password} is encrypted.`;
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
      return li;
    }),
  );
  const p = view.preview;
  $("import-counts").textContent =
    `${p.new} new, ${p.unchanged} unchanged, ${p.conflicts.length} conflicting` +
    (p.flagged_secret ? ` (${p.flagged_secret} marked secret by their source)` : "");
  $("import-conflicts-box").hidden = p.conflicts.length === 0;
  $("import-conflict-count").textContent = String(p.conflicts.length);
  $("import-conflict-rows").replaceChildren(...p.conflicts.map(conflictRow));
  $("import-apply").disabled = false;
}

function conflictRow(c) {
  const tr = document.createElement("tr");
  tr.dataset.testid = "import-conflict";
  tr.dataset.name = c.name;
  tr.dataset.incoming = String(c.incoming);
  const name = document.createElement("td");
  name.textContent = c.name;
  const existing = document.createElement("td");
  existing.textContent = new Date(c.existing_updated_at).toLocaleString();
  const incoming = document.createElement("td");
  incoming.textContent = c.incoming_updated_at ? new Date(c.incoming_updated_at).toLocaleString() : "—";
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

$("import-apply-all").addEventListener("change", () => {
  const all = $("import-apply-all").value;
  for (const select of document.querySelectorAll("[data-testid=import-decision]")) {
    if (all) select.value = all;
  }
});

$("import-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  clearError();
  if (!importPreview) return;
  const overrides = {};
  for (const tr of document.querySelectorAll("[data-testid=import-conflict]")) {
    const value = tr.querySelector("select").value;
    if (value) overrides[tr.dataset.incoming] = value;
  }
  const fallback = $("import-apply-all").value || null;
  const undecided = [...document.querySelectorAll("[data-testid=import-conflict]")].filter(
    (tr) => !tr.querySelector("select").value,
  );
  if (undecided.length && !fallback) {
    showError({
      code: "decision_required",
      message: `Choose Replace, Keep both or Skip for ${undecided.length} conflict${undecided.length === 1 ? "" : "s"}, or use “Apply to all”.`,
    });
    return;
  }
  try {
    const done = await call("import_apply", { default: fallback, overrides });
    $("import-preview").hidden = true;
    $("import-apply").disabled = true;
    $("import-result").hidden = false;
    $("import-result").textContent =
      `Imported: ${done.created} new, ${done.replaced} replaced, ${done.kept} kept (older ones now shadowed), ` +
      `${done.skipped} skipped, ${done.unchanged} unchanged.`;
    importPreview = null;
    await refresh();
  } catch (err) {
    // Nothing was imported and the pending import is gone: start over.
    resetImport();
    showError(err);
  }
});

// Ctrl+Shift+V and the tray's Open bring the window up: focus the filter.
window.__TAURI__?.event?.listen("focus-filter", () => {
  if (!$("screen-main").hidden) {
    $("filter").focus();
    $("filter").select();
  } else if (!$("screen-unlock").hidden) {
    $("unlock-key").focus();
  }
});

// The tray's Lock: Rust dropped the keys; clear the page.
window.__TAURI__?.event?.listen("locked", () => {
  if ($("screen-loading").hidden) lockScreen();
});

// Drops are read in Rust; the preview arrives as an event.
window.__TAURI__?.event?.listen("import-dropped", (event) => {
  if ($("screen-main").hidden) return;
  if (!$("import-dialog").open) {
    resetImport();
    $("import-dialog").showModal();
  }
  if (event.payload.error) showError(event.payload.error);
  else showPreview(event.payload.preview);
});

// ---------- settings and auto-lock ----------

let settings = null;

function limitNote(id, text) {
  $(id).hidden = !text;
  $(id).textContent = text ?? "";
}

function applySettings(view) {
  settings = view;
  resetIdleTimer();
}

async function loadSettings() {
  try {
    applySettings(await call("settings_get"));
  } catch (err) {
    showError(err);
  }
}

$("menu-settings").addEventListener("click", async () => {
  closeMenu();
  clearError();
  await loadSettings();
  if (!settings) return;
  $("setting-auto-lock").value = settings.auto_lock_minutes;
  $("setting-clipboard").value = settings.clipboard_clear_seconds;
  limitNote("auto-lock-limit", settings.auto_lock_limited_by && `Limited: ${settings.auto_lock_limited_by}.`);
  limitNote("clipboard-limit", settings.clipboard_limited_by && `Limited: ${settings.clipboard_limited_by}.`);
  $("setting-keychain").checked = settings.keychain_enabled;
  $("setting-keychain").disabled = !settings.keychain_allowed && !settings.keychain_enabled;
  limitNote("keychain-limit", settings.keychain_allowed ? "" : "Your administrator's policy does not allow the keychain.");
  $("keychain-key-row").hidden = true;
  $("setting-keychain-key").value = "";
  $("settings-dialog").showModal();
});

$("setting-keychain").addEventListener("change", () => {
  $("keychain-key-row").hidden = !($("setting-keychain").checked && !settings?.keychain_enabled);
});
$("settings-cancel").addEventListener("click", () => $("settings-dialog").close());

$("settings-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  clearError();
  try {
    let view = await call("settings_set", {
      settings: {
        auto_lock_minutes: Number($("setting-auto-lock").value || 0),
        clipboard_clear_seconds: Number($("setting-clipboard").value || 0),
      },
    });
    const wanted = $("setting-keychain").checked;
    if (wanted !== view.keychain_enabled) {
      view = await call("settings_keychain", { enabled: wanted, key: wanted ? $("setting-keychain-key").value : null });
    }
    $("setting-keychain-key").value = "";
    applySettings(view);
    $("settings-dialog").close();
    const limited = [view.auto_lock_limited_by, view.clipboard_limited_by].filter(Boolean);
    toast(limited.length ? `Saved. ${limited.join("; ")}.` : "Settings saved.");
  } catch (err) {
    showError(err);
  }
});

let idleTimer = null;
function resetIdleTimer() {
  clearTimeout(idleTimer);
  const minutes = settings?.auto_lock_minutes ?? 0;
  if (minutes > 0 && !$("screen-main").hidden) {
    idleTimer = setTimeout(async () => {
      await call("vault_lock");
      lockScreen();
      $("unlock-why").textContent = `Locked after ${minutes} idle minutes. Type your vault key.`;
    }, minutes * 60 * 1000);
  }
}
for (const kind of ["keydown", "pointerdown", "pointermove", "wheel"]) {
  document.addEventListener(kind, () => {
    if (idleTimer) resetIdleTimer();
  }, { passive: true });
}

// ---------- confirmations ----------

function confirmAction(title, text, okLabel) {
  return new Promise((resolve) => {
    const dialog = $("confirm-dialog");
    $("confirm-title").textContent = title;
    $("confirm-text").textContent = text;
    $("confirm-ok").textContent = okLabel;
    const done = (answer) => {
      $("confirm-ok").onclick = null;
      $("confirm-cancel").onclick = null;
      dialog.close();
      resolve(answer);
    };
    $("confirm-ok").onclick = () => done(true);
    $("confirm-cancel").onclick = () => done(false);
    dialog.oncancel = () => done(false);
    dialog.showModal();
    $("confirm-cancel").focus();
  });
}

// ---------- keyboard and wiring ----------

$("filter").addEventListener("input", render);
$("error-close").addEventListener("click", clearError);
for (const th of document.querySelectorAll("th .sort")) {
  th.addEventListener("click", () => {
    const key = th.dataset.sort;
    state.sort = { key, dir: state.sort.key === key ? -state.sort.dir : 1 };
    render();
  });
}
document.addEventListener("keydown", (event) => {
  if ((event.ctrlKey || event.metaKey) && event.key.toLowerCase() === "f" && !$("screen-main").hidden) {
    event.preventDefault();
    $("filter").focus();
  }
  if (event.key === "Escape" && !$("menu-items").hidden) closeMenu();
});

start();
