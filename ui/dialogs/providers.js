// Providers of linked secrets: the list (kind, address, how Coffer logs in,
// where the credentials are kept, linked secrets, the last error), adding
// one, logging in again, removing one. Credentials typed here go to Rust
// once and the fields are emptied; nothing sends them back.

import { $, closeDialog } from "../dom.js";
import { attempt, currentEpoch, isStale } from "../ipc.js";
import { clearError, toast } from "../notice.js";

const KEPT = { keychain: "kept in the system keychain", vault: "sealed in the vault", none: "no credentials here: log in" };
const SECRET_FIELDS = ["provider-secret", "provider-key-secret", "provider-session"];

let loginTo = null; // the name of the provider being logged in to again, or null when adding
let caPem = null; // a CA certificate chosen for the provider being added (public), or null
let onChange = () => {};

export function init({ onChanged }) {
  onChange = onChanged;
  $("providers-form").addEventListener("submit", save);
  $("providers-close").addEventListener("click", () => $("providers-dialog").close());
  $("provider-cancel-login").addEventListener("click", () => setMode(null));
  $("provider-kind").addEventListener("change", showKind);
  $("provider-auth").addEventListener("change", showAuth);
  $("providers-dialog").addEventListener("close", emptySecrets);
  $("provider-ca-pick").addEventListener("click", pickCa);
  $("provider-ca-clear").addEventListener("click", () => setCa(null));
}

function setCa(chosen) {
  caPem = chosen?.pem ?? null;
  $("provider-ca-text").textContent = chosen
    ? `Also trusts ${chosen.file} (${chosen.certificates} ${chosen.certificates === 1 ? "certificate" : "certificates"}).`
    : "Trusts the system's certificate authorities.";
  $("provider-ca-clear").hidden = !chosen;
}

// The CA file is chosen in a native dialog and read in Rust.
async function pickCa() {
  const epoch = currentEpoch();
  const chosen = await attempt("provider_ca_pick");
  if (chosen === undefined || chosen === null || isStale(epoch)) return;
  setCa(chosen);
}

function emptySecrets() {
  for (const id of SECRET_FIELDS) $(id).value = "";
}

function showKind() {
  const aws = $("provider-kind").value === "aws";
  $("provider-vault").hidden = aws;
  $("provider-aws").hidden = !aws;
}

function showAuth() {
  const approle = $("provider-auth").value === "approle";
  $("provider-approle").hidden = !approle;
  $("provider-secret-label").textContent = approle ? "Secret id" : "Token";
}

/** Adding (`provider` null), or logging in again to `provider` (a ProviderInfo). */
function setMode(provider) {
  loginTo = provider ? provider.name : null;
  $("provider-legend").textContent = provider ? `Log in to ${provider.name} again` : "Add a provider";
  $("provider-save").textContent = provider ? "Log in" : "Add provider";
  $("provider-cancel-login").hidden = !provider;
  $("provider-name").disabled = Boolean(provider);
  $("provider-kind").disabled = Boolean(provider);
  if (provider) {
    $("provider-name").value = provider.name;
    $("provider-kind").value = provider.kind;
    if (provider.kind === "vault") $("provider-auth").value = provider.auth;
  }
  emptySecrets();
  setCa(null);
  showKind();
  showAuth();
}

function item(p) {
  const li = document.createElement("li");
  li.dataset.testid = "provider";
  li.dataset.name = p.name;
  const what = document.createElement("span");
  what.className = "what";
  const name = document.createElement("strong");
  name.textContent = p.name;
  const kind = p.kind === "aws" ? `AWS Secrets Manager, ${p.region}` : "OpenBao / Vault";
  const linked = `${p.linked_secrets} linked ${p.linked_secrets === 1 ? "secret" : "secrets"}`;
  const ca = p.custom_ca ? "; its own CA" : "";
  what.append(name, ` — ${kind} at ${p.address}${p.namespace ? ` (namespace ${p.namespace})` : ""}${ca}; ${p.auth}; ${KEPT[p.credentials] ?? p.credentials}; ${linked}`);
  const login = document.createElement("button");
  login.type = "button";
  login.textContent = "Log in again…";
  login.dataset.testid = "provider-login";
  login.addEventListener("click", () => {
    setMode(p);
    $("provider-secret").focus();
  });
  const remove = document.createElement("button");
  remove.type = "button";
  remove.className = "danger";
  remove.textContent = "Remove";
  remove.dataset.testid = "provider-remove";
  remove.addEventListener("click", async () => {
    if ((await attempt("provider_remove", { name: p.name })) === undefined) return;
    toast(`Removed ${p.name} and its credentials.`);
    await refresh();
  });
  li.append(what, login, remove);
  if (p.last_error) {
    const problem = document.createElement("span");
    problem.className = "problem small";
    problem.dataset.testid = "provider-error";
    problem.dataset.code = p.last_error.code;
    problem.textContent = `Last use failed: ${p.last_error.message}`;
    li.append(problem);
  }
  return li;
}

/** Reads the providers again; returns them (or undefined on failure). */
export async function refresh() {
  const providers = await attempt("providers_list");
  if (providers === undefined) return undefined;
  $("providers-list").replaceChildren(...providers.map(item));
  return providers;
}

export async function open() {
  clearError();
  setMode(null);
  for (const id of ["provider-name", "provider-address", "provider-namespace", "provider-role-id", "provider-region", "provider-endpoint", "provider-profile", "provider-key-id"]) {
    $(id).value = "";
  }
  $("providers-dialog").showModal();
  await refresh();
  $("provider-name").focus();
}

function form() {
  const v = (id) => $(id).value;
  if ($("provider-kind").value === "aws") {
    return {
      kind: "aws",
      name: v("provider-name"),
      region: v("provider-region"),
      endpoint: v("provider-endpoint"),
      profile: v("provider-profile"),
      access_key_id: v("provider-key-id"),
      secret_access_key: v("provider-key-secret"),
      session_token: v("provider-session"),
      ca_pem: caPem,
    };
  }
  return {
    kind: "vault",
    name: v("provider-name"),
    address: v("provider-address"),
    namespace: v("provider-namespace"),
    auth: v("provider-auth"),
    role_id: v("provider-role-id"),
    secret: v("provider-secret"),
    ca_pem: caPem,
  };
}

async function save(event) {
  event.preventDefault();
  clearError();
  const provider = form();
  const adding = loginTo === null;
  const info = await attempt(adding ? "provider_add" : "provider_login", { provider });
  emptySecrets();
  if (info === undefined) return;
  toast(adding ? `Added ${info.name}; its credentials are ${KEPT[info.credentials] ?? info.credentials}.` : `Logged in to ${info.name} again.`);
  setMode(null);
  if (adding) $("provider-name").value = "";
  await refresh();
  onChange();
}

/** Closes the dialog and empties it. */
export function reset() {
  loginTo = null;
  setCa(null);
  emptySecrets();
  closeDialog("providers-dialog");
  $("providers-list").replaceChildren();
}
