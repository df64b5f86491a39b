// The start screen: asks Rust where the vault is. User data is rendered with
// textContent only; errors arrive as {code, message}.
const invoke = window.__TAURI__?.core?.invoke;

function show(id, text) {
  document.getElementById(id).textContent = text;
}

function showError(err) {
  const box = document.getElementById("error");
  box.dataset.code = err?.code ?? "unknown";
  box.textContent = err?.message ?? String(err);
  box.hidden = false;
}

async function refresh() {
  if (!invoke) {
    showError({ code: "no_ipc", message: "This page must run inside the Coffer app." });
    return;
  }
  try {
    const status = await invoke("vault_status");
    show("vault-path", status.path);
    if (status.exists) {
      show("status-title", "Vault found");
      show("secret-count", String(status.secret_count ?? 0));
      show("status-hint", "Use the coffer CLI to manage it; the desktop screens come next.");
    } else {
      show("status-title", "No vault yet");
      show("secret-count", "0");
      show("status-hint", "Create one with coffer init — the key is shown once and saved to the system keychain.");
    }
  } catch (err) {
    show("status-title", "The vault cannot be read");
    showError(err);
  }
}

refresh();
