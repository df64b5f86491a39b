// The add / edit dialog. The value is a multi-line field, masked until
// "Show"; it is sent as typed (no trimming, newlines kept). When editing,
// an empty value keeps the current one. Adding a name that exists asks
// whether to update that secret or keep both (dialogs/exists.js).
// "Linked to a provider" keeps no value here: a provider and the place in
// it (tested with "Test", which fetches once in Rust and shows no value).
// A linked secret's own value cannot be edited; "Unlink" makes it local.
// An existing local secret can be published: its value written to the
// provider first, then linked there ("Publish", ticked in the linked fields).

import { $, closeDialog } from "../dom.js";
import { attempt, call, currentEpoch, isStale } from "../ipc.js";
import { clearError, showError, toast } from "../notice.js";
import { applyInfo, focusList, forgetValue } from "../screens/secrets.js";
import { ask } from "./exists.js";
import * as generator from "./generator.js";

let editing = null; // {id, name, linked} of the secret being edited, or null when adding
let providers = []; // ProviderInfo list for the provider select
let domainTimer = null;
let domainAsked = 0; // the newest check asked for; older replies are dropped

// Reads the allowed domains as Rust will store them, as they are typed.
async function checkDomains() {
  const asked = ++domainAsked;
  const text = $("secret-domains").value;
  const line = $("secret-domains-check");
  if (text.trim() === "") {
    line.textContent = "";
    line.classList.remove("problem");
    return;
  }
  let view;
  try {
    view = await call("domains_check", { patterns: text });
  } catch {
    return;
  }
  if (asked !== domainAsked) return;
  const bad = view.problems[0];
  line.classList.toggle("problem", bad !== undefined);
  line.textContent = bad
    ? `“${bad.pattern}”: ${bad.reason}.`
    : `Stored as: ${view.stored.join(", ")}`;
}

export function init() {
  $("secret-add").addEventListener("click", () => open(null));
  $("secret-cancel").addEventListener("click", () => $("secret-dialog").close());
  $("secret-value-toggle").addEventListener("click", () => {
    setValueShown($("secret-value").classList.contains("masked"));
  });
  $("secret-form").addEventListener("submit", save);
  $("secret-domains").addEventListener("input", () => {
    clearTimeout(domainTimer);
    domainTimer = setTimeout(checkDomains, 150);
  });
  for (const radio of document.querySelectorAll("input[name=secret-kind]")) {
    radio.addEventListener("change", showKind);
  }
  $("link-provider").addEventListener("change", showLinkKind);
  $("link-test").addEventListener("click", testLink);
  $("secret-unlink").addEventListener("click", unlink);
  generator.init({
    onGenerated: (value) => {
      $("secret-value").value = value;
      setValueShown(true);
    },
  });
}

function setValueShown(shown) {
  $("secret-value").classList.toggle("masked", !shown);
  $("secret-value-toggle").textContent = shown ? "Hide" : "Show";
  $("secret-value-toggle").setAttribute("aria-pressed", String(shown));
}

function linkedChosen() {
  return $("secret-kind-linked").checked;
}

async function showKind() {
  const linked = linkedChosen();
  $("secret-value-fields").hidden = linked;
  $("secret-link-fields").hidden = !linked;
  if (linked) await loadProviders();
}

async function loadProviders() {
  const list = await attempt("providers_list");
  if (list === undefined) return;
  providers = list;
  const select = $("link-provider");
  const chosen = select.value;
  select.replaceChildren(...list.map((p) => {
    const o = document.createElement("option");
    o.value = p.name;
    o.textContent = `${p.name} (${p.kind === "aws" ? "AWS" : "Vault"})`;
    return o;
  }));
  if (list.some((p) => p.name === chosen)) select.value = chosen;
  $("link-no-provider").hidden = list.length > 0;
  showLinkKind();
}

function showLinkKind() {
  const p = providers.find((x) => x.name === $("link-provider").value);
  const aws = p?.kind === "aws";
  $("link-vault-fields").hidden = aws;
  $("link-aws-fields").hidden = !aws;
  setCheck("", "");
}

function setCheck(text, kind) {
  const line = $("link-check");
  line.textContent = text;
  line.classList.toggle("problem", kind === "problem");
  line.classList.toggle("ok", kind === "ok");
}

function linkTarget() {
  const p = providers.find((x) => x.name === $("link-provider").value);
  if (p?.kind === "aws") {
    return {
      kind: "aws",
      secret_id: $("link-secret-id").value,
      json_key: $("link-json-key").value,
      version_stage: $("link-stage").value,
    };
  }
  const version = $("link-version").value.trim();
  return {
    kind: "vault",
    path: $("link-path").value,
    key: $("link-key").value,
    version: version === "" ? null : Number(version),
  };
}

async function testLink() {
  setCheck("Fetching once…", "");
  try {
    const where = await call("link_test", { provider: $("link-provider").value, target: linkTarget() });
    setCheck(`✓ ${where} resolves to a string.`, "ok");
  } catch (err) {
    setCheck(`✗ ${err?.message ?? err}`, "problem");
  }
}

async function unlink() {
  if (!editing) return;
  const id = editing.id;
  const info = await attempt("secret_unlink", { id });
  if (info === undefined) return;
  forgetValue(id);
  closeDialog("secret-dialog");
  applyInfo(info, { show: true });
  focusList();
  toast(`Unlinked “${info.name}”: its current value is kept here now.`);
}

function splitDomains(text) {
  return text.split(/[\s,]+/).filter(Boolean);
}

/** Opens the dialog on record `rec` to edit it, or empty to add one when `rec` is null. */
export function open(rec) {
  clearError();
  editing = rec ? { id: rec.id, name: rec.name, linked: rec.linked } : null;
  const linked = Boolean(rec?.linked);
  // Only a local secret in effect has a value of its own to publish.
  $("link-publish-row").hidden = !rec || linked || rec.shadowed;
  $("link-publish").checked = false;
  $("secret-kind-choice").hidden = linked;
  $("secret-kind-value").checked = true;
  $("secret-link-fields").hidden = true;
  $("secret-value-fields").hidden = linked;
  $("secret-linked-info").hidden = !linked;
  $("secret-linked-text").textContent = rec?.linked ?? "";
  setCheck("", "");
  $("secret-dialog-title").textContent = rec ? `Edit ${rec.name}` : "Add secret";
  $("secret-name").value = rec?.name ?? "";
  $("secret-value").value = "";
  setValueShown(false);
  generator.close();
  $("secret-value-hint").hidden = !rec;
  $("secret-domains").value = rec ? rec.domains.join(", ") : "";
  $("secret-domains-check").textContent = "";
  $("secret-domains-check").classList.remove("problem");
  $("secret-note").value = rec?.note ?? "";
  $("secret-enabled").checked = rec ? rec.enabled : true;
  $("secret-dialog").showModal();
  $("secret-name").focus();
}

// secret_create; when the name exists, asks, then creates again with the answer.
// Resolves {info, said} or undefined (failed, cancelled, or locked meanwhile).
async function create(secret) {
  const epoch = currentEpoch();
  clearError();
  try {
    const info = await call("secret_create", { secret, if_exists: null });
    return isStale(epoch) ? undefined : { info, said: null };
  } catch (err) {
    if (isStale(epoch)) return undefined;
    if (err?.code !== "secret_exists") {
      showError(err);
      return undefined;
    }
  }
  const choice = await ask(secret.name);
  if (choice === null || isStale(epoch)) return undefined;
  const info = await attempt("secret_create", { secret, if_exists: choice });
  if (info === undefined) return undefined;
  const said = choice === "keep"
    ? `Kept both “${info.name}”: the new one is in effect, the older one is now shadowed.`
    : `Updated “${info.name}”.`;
  return { info, said };
}

async function save(event) {
  event.preventDefault();
  const fields = {
    name: $("secret-name").value,
    allowed_domains: splitDomains($("secret-domains").value),
    note: $("secret-note").value,
    enabled: $("secret-enabled").checked,
  };
  const value = $("secret-value").value; // exactly as typed
  let done;
  if (linkedChosen()) {
    if (editing && fields.name !== editing.name) {
      // The rename first: the link then replaces the value of that secret.
      const renamed = await attempt("secret_update", { id: editing.id, patch: { name: fields.name } });
      if (renamed === undefined) return;
    }
    const publish = editing && !$("link-publish-row").hidden && $("link-publish").checked;
    let info;
    let kept = true; // the form's domains, note and Enabled box saved too
    if (publish) {
      info = await attempt("secret_publish", {
        publish: { id: editing.id, provider: $("link-provider").value, target: linkTarget() },
      });
      if (info === undefined) return;
      // The form's domains, note and enabled box, as a link would take them.
      const { name: _name, ...rest } = fields;
      const updated = await attempt("secret_update", { id: info.id, patch: rest });
      if (updated !== undefined) info = updated;
      else kept = false; // published and linked all the same; the banner says why
    } else {
      info = await attempt("secret_link", {
        link: { ...fields, provider: $("link-provider").value, target: linkTarget() },
      });
    }
    if (info === undefined) return;
    if (editing) forgetValue(editing.id);
    done = {
      info,
      said: !publish
        ? `Linked “${info.name}” to ${info.linked.provider}.`
        : kept
          ? `Published “${info.name}” to ${info.linked.provider}; it is linked there now.`
          : `Published “${info.name}” to ${info.linked.provider} and linked it, but its allowed domains, note and Enabled box were not saved.`,
    };
  } else if (editing) {
    const id = editing.id;
    const patch = { ...fields };
    if (value !== "") patch.value = value;
    const info = await attempt("secret_update", { id, patch });
    if (info === undefined) return;
    forgetValue(id);
    done = { info, said: null };
  } else {
    done = await create({ ...fields, value });
    if (done === undefined) return;
  }
  $("secret-value").value = "";
  $("secret-dialog").close();
  applyInfo(done.info, { show: true });
  focusList();
  if (done.said) toast(done.said);
}

/** Closes the dialog and empties every field. */
export function reset() {
  editing = null;
  clearTimeout(domainTimer);
  domainAsked += 1;
  $("secret-domains-check").textContent = "";
  closeDialog("secret-dialog");
  for (const id of ["secret-name", "secret-value", "secret-domains", "secret-note", "link-path", "link-key", "link-version", "link-secret-id", "link-json-key", "link-stage"]) {
    $(id).value = "";
  }
  setValueShown(false);
  $("secret-dialog-title").textContent = "";
  providers = [];
  $("link-provider").replaceChildren();
  $("secret-linked-text").textContent = "";
  setCheck("", "");
}
