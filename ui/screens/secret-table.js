// Draws the secrets table from a view of the model: the rows with their
// actions, the empty note, the count and the sort indicators. User data goes
// into the page with textContent only.

import { $, button } from "../dom.js";
import { domainsText } from "./secret-model.js";

/**
 * `view`: { visible: secrets to list, revealed: Map id -> value, total,
 * shadowed, sort: {key, dir} }. `actions`: { reveal, copy, copyRef, edit,
 * toggle, remove }, each called with the secret.
 */
export function renderTable(view, actions) {
  const body = $("secret-rows");
  body.replaceChildren();
  for (const s of view.visible) {
    body.append(row(s, view.revealed, actions));
  }
  $("empty").hidden = view.total > 0;
  $("secret-count").textContent =
    `${view.total} secret${view.total === 1 ? "" : "s"}` + (view.shadowed ? `, ${view.shadowed} shadowed` : "");
  for (const th of document.querySelectorAll("th .sort")) {
    const on = th.dataset.sort === view.sort.key;
    th.parentElement.setAttribute("aria-sort", on ? (view.sort.dir > 0 ? "ascending" : "descending") : "none");
  }
}

/** Empties the table. */
export function clearTable() {
  $("secret-rows").replaceChildren();
  $("secret-count").textContent = "";
}

function row(s, revealed, actions) {
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
  const masked = document.createElement("code");
  masked.className = "value";
  masked.dataset.testid = "secret-revealed";
  const shown = revealed.has(s.id);
  masked.textContent = shown ? revealed.get(s.id) : "••••••••";
  value.append(masked);

  const cell = document.createElement("td");
  cell.className = "actions-col";
  cell.append(
    button(shown ? "Hide" : "Reveal", () => actions.reveal(s), { data: { action: "reveal" } }),
    button("Copy", () => actions.copy(s), { data: { action: "copy" }, title: "Copy the value (cleared from the clipboard later)" }),
    button("Ref", () => actions.copyRef(s), { data: { action: "copy-ref" }, title: `Copy {{vault:${s.name}}}` }),
    button("Edit", () => actions.edit(s), { data: { action: "edit" } }),
    button(s.enabled ? "Disable" : "Enable", () => actions.toggle(s), { data: { action: "toggle" } }),
    button("Delete", () => actions.remove(s), { data: { action: "delete" } }),
  );
  tr.append(name, domains, updated, value, cell);
  return tr;
}
