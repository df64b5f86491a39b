// One row element of the virtual list, reused for whichever secret it
// shows: made once (static parts only), written with a record's data
// (textContent only), blanked when unused. The revealed value is the same
// element as the mask (data-testid=secret-revealed): the stylesheet moves it
// to a full-width strip under the row when the row is .revealed.

import { domainsText, when, whenLong } from "../format.js";

function element(tag, className, text) {
  const el = document.createElement(tag);
  if (className) el.className = className;
  if (text) el.textContent = text;
  return el;
}

// A badge visible without hovering: an icon and a word, the why in title and for screen readers.
function badge(kind, icon, word, why) {
  const b = element("span", `badge ${kind}`);
  b.title = `${word[0].toUpperCase()}${word.slice(1)}: ${why}`;
  const glyph = element("span", "", icon);
  glyph.setAttribute("aria-hidden", "true");
  b.append(glyph, ` ${word}`, element("span", "sr-only", `: ${why}`));
  b.hidden = true;
  return b;
}

function rowButton(label, action) {
  const b = element("button", "", label);
  b.type = "button";
  b.tabIndex = -1; // the grid has the focus; keys act on the selected row
  b.dataset.action = action;
  return b;
}

/** A row element (id secret-row-<slot>) and its parts. */
export function makeRow(slot) {
  const el = element("div", "row");
  el.id = `secret-row-${slot}`;
  el.setAttribute("role", "row");
  el.hidden = true;
  const cell = (name) => {
    const c = element("div", `cell ${name}`);
    c.setAttribute("role", "gridcell");
    return c;
  };
  const nameCell = cell("c-name");
  const line = element("span", "name-line");
  const name = element("span", "name-text");
  const shadow = badge("shadowed", "◐", "shadowed", "a newer secret with this name is in effect");
  const off = badge("off", "⊘", "disabled", "references do not resolve to it");
  const linked = badge("linked", "↗", "linked", "its value lives in a provider");
  linked.dataset.testid = "secret-linked";
  line.append(name, shadow, off, linked);
  const note = element("span", "note");
  nameCell.append(line, note);
  const domains = cell("c-domains");
  const updated = cell("c-updated");
  const valueCell = cell("c-value");
  const value = element("code", "value");
  value.dataset.testid = "secret-revealed";
  valueCell.append(value);
  const actions = cell("c-actions");
  const copy = rowButton("Copy", "copy");
  copy.title = "Copy the value (Enter)";
  const menu = rowButton("⋯", "menu");
  menu.setAttribute("aria-haspopup", "menu");
  menu.setAttribute("aria-expanded", "false");
  actions.append(copy, menu);
  el.append(nameCell, domains, updated, valueCell, actions);
  return { el, name, shadow, off, linked, note, domains, updated, value, copy, menu, rec: null, version: -1, pos: -1, sel: null, y: null, frame: -1 };
}

/** Writes record `rec` into `row`; `text` is the revealed value or the mask. */
export function writeRow(row, rec, version, open, text) {
  row.rec = rec;
  row.version = version;
  const el = row.el;
  el.dataset.testid = "secret-row";
  el.dataset.name = rec.name;
  el.dataset.id = rec.id;
  el.classList.toggle("disabled", !rec.enabled);
  el.classList.toggle("shadowed", rec.shadowed);
  el.classList.toggle("revealed", open);
  row.name.textContent = rec.name;
  row.name.title = rec.name;
  row.shadow.hidden = !rec.shadowed;
  row.off.hidden = rec.enabled;
  row.linked.hidden = !rec.linked;
  row.linked.classList.toggle("problem", Boolean(rec.problem));
  if (rec.linked) {
    const fetched = rec.fetched ? `fetched ${whenLong(rec.fetched)}` : "not fetched yet";
    const why = rec.problem ? `; its last use failed: ${rec.problem}` : "";
    row.linked.title = `Linked to ${rec.linked} (${fetched})${why}`;
    row.linked.firstChild.textContent = rec.problem ? "⚠" : "↗";
    row.linked.lastChild.textContent = `: linked to ${rec.linked}, ${fetched}${why}`;
  }
  row.note.textContent = rec.note;
  row.note.title = rec.note;
  row.note.hidden = !rec.note;
  const domains = domainsText(rec.domains);
  row.domains.textContent = domains;
  row.domains.title = rec.domains.length ? domains : "Any host may use it";
  row.domains.classList.toggle("any", !rec.domains.length);
  row.updated.textContent = when(rec.updated);
  row.updated.title = whenLong(rec.updated);
  row.value.textContent = text;
  row.copy.setAttribute("aria-label", `Copy the value of ${rec.name}`);
  row.menu.setAttribute("aria-label", `Actions for ${rec.name}`);
}

/** Hides `row` and takes every secret's data out of it. */
export function blankRow(row) {
  if (row.rec === null && row.el.hidden) return;
  row.rec = null;
  row.pos = -1;
  row.sel = null;
  row.y = null;
  const el = row.el;
  el.hidden = true;
  delete el.dataset.testid;
  delete el.dataset.name;
  delete el.dataset.id;
  el.classList.remove("revealed");
  el.removeAttribute("aria-selected");
  for (const part of [row.name, row.note, row.domains, row.updated, row.value]) {
    part.textContent = "";
    part.removeAttribute("title");
  }
  row.copy.removeAttribute("aria-label");
  row.menu.removeAttribute("aria-label");
}
