// The virtual list of secrets, after VS Code's listView: only the rows in
// view, plus MARGIN above and below, are in the DOM, drawn into a pool of
// reused row elements (secret-row.js). View position k uses
// pool[k % pool.length], so a row that stays in view keeps its element while
// the list scrolls; the DOM is kept in visual order. The body's height gives
// the scrollbar its full length; rows are placed with a transform
// (list-geometry.js: fixed heights, plus the measured strip of a revealed
// value). Drawing happens in an animation frame: read scrollTop and
// clientHeight once, then write.
//
// The grid (role=grid) keeps the keyboard focus; the selected row is its
// aria-activedescendant and has aria-selected=true.

import { $ } from "../dom.js";
import { mark } from "../perf.js";
import * as geometry from "./list-geometry.js";
import { blankRow, makeRow, writeRow } from "./secret-row.js";
import { filtering, indexOfId, model, positionOf, viewLength, viewRecord } from "./secret-model.js";

const { ROW_HEIGHT } = geometry;
const MARGIN = 5; // rows drawn above and below the view
const MASK = "••••••••";

let grid = null;
let body = null;
let pool = [];           // row views (secret-row.js)
let frame = 0;           // the pending animation frame, 0 = none
let painted = 0;         // frames drawn so far
let pendingMark = null;  // a performance mark for the frame after the next drawing
let scrollRequest = null; // {pos}: bring that position into view; {top}: scroll there
let selectedId = null;
let selPos = -1;         // view position of the selection; -1 = none, or filtered out
let rowsPerPage = 10;
let lastWidth = -1;
let hooks = { onAction: () => {}, onPainted: () => {} };

/**
 * `options.onAction(action, record, button)` runs for a click on a row's
 * button (`data-action`); `options.onPainted()` after every drawn frame.
 */
export function init(options) {
  hooks = options;
  grid = $("secret-grid");
  body = $("secret-rows");
  grid.style.setProperty("--row-h", `${ROW_HEIGHT}px`);
  grid.addEventListener("scroll", schedule, { passive: true });
  body.addEventListener("click", onClick);
  new ResizeObserver((entries) => {
    const width = Math.round(entries[0].contentRect.width);
    if (width !== lastWidth) {
      lastWidth = width;
      geometry.forgetHeights();
    }
    schedule();
  }).observe(grid);
}

function onClick(event) {
  const row = pool.find((r) => r.el.contains(event.target));
  if (!row?.rec) return;
  const rec = row.rec;
  setSelection(row.pos);
  const button = event.target.closest("button[data-action]");
  if (button) hooks.onAction(button.dataset.action, rec, button);
  else if (!event.target.closest(".c-value")) focus();
}

// ---- selection ----

function setSelection(pos) {
  selPos = pos;
  selectedId = pos === -1 ? null : viewRecord(pos).id;
  schedule();
}

/** Selects the secret with this id (scrolling it into view unless `reveal` is false). */
export function select(id, { reveal = true } = {}) {
  selectedId = id;
  selPos = id === null ? -1 : positionOf(indexOfId(id));
  if (reveal && selPos !== -1) scrollRequest = { pos: selPos };
  schedule();
}

/** The selected record, or null (none, or filtered out). */
export function selected() {
  return selPos === -1 ? null : viewRecord(selPos);
}

/** Selects view position `pos` (clamped) and scrolls it into view. */
export function moveTo(pos) {
  const n = viewLength();
  if (!n) return;
  setSelection(Math.max(0, Math.min(n - 1, pos)));
  scrollRequest = { pos: selPos };
}

export function move(delta) {
  if (selPos === -1) moveTo(delta > 0 ? 0 : viewLength() - 1);
  else moveTo(selPos + delta);
}

export function movePage(direction) {
  move(direction * Math.max(1, rowsPerPage - 1));
}

/** Focus into the list: selects the first row when nothing is selected. */
export function enter() {
  if (selPos === -1) moveTo(0);
  focus();
}

export function focus() {
  grid.focus({ preventScroll: true });
}

/** The ⋯ button of the row showing `id`, if it is drawn. */
export function menuButtonOf(id) {
  return pool.find((r) => r.rec?.id === id && !r.el.hidden)?.menu ?? null;
}

/** A revealed value changed or went: its row is measured again. */
export function forgetHeight(id) {
  geometry.forgetHeight(id);
}

/**
 * After the model changed (records, sort, filter, revealed values): finds
 * the selection again, places the revealed rows, writes the counts, and
 * draws at the next frame. `top`: scroll to the top (true), or only when
 * nothing is selected ("unselected"). `fallback`: the view position to
 * select when the selection is gone (after a delete, or a filter).
 * `reveal`: scroll the selection into view. `markAfter`: a performance mark
 * for the frame after the drawing.
 */
export function refresh({ top = false, fallback = null, markAfter = null, reveal = false } = {}) {
  endWarmUp();
  const n = viewLength();
  selPos = selectedId === null ? -1 : positionOf(indexOfId(selectedId));
  if (selPos === -1 && fallback !== null && n > 0) {
    setSelection(Math.min(fallback, n - 1));
    reveal = true;
  }
  if (top === true || (top === "unselected" && selPos === -1)) scrollRequest = { top: 0 };
  else if (reveal && selPos !== -1) scrollRequest = { pos: selPos };
  const revealed = [];
  for (const id of model.revealed.keys()) {
    const pos = positionOf(indexOfId(id));
    if (pos !== -1) revealed.push({ pos, id });
  }
  geometry.setRevealed(revealed);
  status(n);
  if (markAfter) pendingMark = markAfter;
  schedule();
}

function status(n) {
  const total = model.records.length;
  const shadowed = model.shadowed ? `, ${model.shadowed} shadowed` : "";
  grid.setAttribute("aria-rowcount", String(n + 1));
  $("secret-count").textContent = filtering()
    ? `${n} of ${total} secrets${shadowed}`
    : `${total} secret${total === 1 ? "" : "s"}${shadowed}`;
  $("empty").hidden = total > 0;
  const none = total > 0 && n === 0;
  $("no-match").hidden = !none;
  $("no-match").textContent = none ? `No secrets match “${$("filter").value.trim()}”` : "";
  for (const button of document.querySelectorAll("#secret-head .sort")) {
    const on = button.dataset.sort === model.sort.key;
    button.parentElement.setAttribute("aria-sort", on ? (model.sort.dir > 0 ? "ascending" : "descending") : "none");
  }
}

// ---- drawing ----

function schedule() {
  if (!frame && grid) frame = requestAnimationFrame(paint);
}

function paint() {
  frame = 0;
  painted += 1;
  // Reads first, once.
  let top = grid.scrollTop;
  const height = grid.clientHeight;
  const headHeight = $("secret-head").offsetHeight;
  const view = Math.max(0, height - headHeight);
  const n = viewLength();
  const total = geometry.totalHeight(n);
  body.style.height = `${total}px`;
  if (scrollRequest) {
    const max = Math.max(0, headHeight + total - height);
    const target = Math.max(0, Math.min(max, geometry.scrollTarget(scrollRequest, top, view)));
    scrollRequest = null;
    if (target !== top) {
      grid.scrollTop = target;
      top = target;
    }
  }
  rowsPerPage = Math.max(1, Math.floor(view / ROW_HEIGHT));
  const first = n ? Math.max(0, Math.min(n - 1, geometry.positionAt(top) - MARGIN)) : 0;
  const last = n ? Math.min(n - 1, geometry.positionAt(top + view) + MARGIN) : -1;
  if (last - first + 1 > pool.length) grow(last - first + 1 + 4);
  const size = pool.length;
  for (let k = first; k <= last; k++) fill(pool[k % size], k);
  for (const row of pool) if (row.frame !== painted) blankRow(row);
  let prev = null; // the DOM in visual order
  for (let k = first; k <= last; k++) {
    const el = pool[k % size].el;
    const want = prev ? prev.nextElementSibling : body.firstElementChild;
    if (el !== want) body.insertBefore(el, want);
    prev = el;
  }
  place(first, last);
  if (measure(first, last)) {
    body.style.height = `${geometry.totalHeight(n)}px`;
    place(first, last);
  }
  const sel = selPos >= first && selPos <= last ? pool[selPos % size] : null;
  if (sel) grid.setAttribute("aria-activedescendant", sel.el.id);
  else grid.removeAttribute("aria-activedescendant");
  hooks.onPainted();
  if (pendingMark) {
    const name = pendingMark;
    pendingMark = null;
    requestAnimationFrame(() => mark(name));
  }
}

function place(first, last) {
  const size = pool.length;
  let y = geometry.topOf(first);
  for (let k = first; k <= last; k++) {
    const row = pool[k % size];
    if (row.y !== y) {
      row.y = y;
      row.el.style.transform = `translateY(${y}px)`;
    }
    y += geometry.heightOf(k);
  }
}

// Revealed rows drawn for the first time: one layout measures them all.
function measure(first, last) {
  let changed = false;
  for (const e of geometry.unmeasured(first, last)) {
    const row = pool[e.pos % pool.length];
    changed = geometry.measured(e.id, Math.max(0, row.el.offsetHeight - ROW_HEIGHT)) || changed;
  }
  return changed;
}

function fill(row, k) {
  row.frame = painted;
  const rec = viewRecord(k);
  const open = model.revealed.has(rec.id);
  const text = open ? model.revealed.get(rec.id) : MASK;
  if (row.rec !== rec || row.version !== model.version || row.value.textContent !== text) {
    writeRow(row, rec, model.version, open, text);
  }
  if (row.pos !== k) {
    row.pos = k;
    row.el.setAttribute("aria-rowindex", String(k + 2));
  }
  const sel = k === selPos;
  if (row.sel !== sel) {
    row.sel = sel;
    row.el.setAttribute("aria-selected", String(sel));
  }
  row.el.hidden = false;
}

function grow(size) {
  while (pool.length < size) {
    const row = makeRow(pool.length);
    pool.push(row);
    body.append(row.el);
  }
  for (const row of pool) row.pos = -1; // the mapping k % size changed
}

/**
 * Paints the list once with one sample row while the unlock screen is up:
 * the first frame of a screen never painted before costs about 0.3 s in the
 * release build under Xvfb, whatever the number of secrets, and would
 * otherwise land between unlocking and the first rows. (Laying it out with
 * visibility: hidden does not pay that cost; painting does.)
 */
export function warmUp() {
  const screen = $("screen-main");
  if (!screen.hidden || pool.length || warmRows) return;
  // Two sample rows between them use every style a row can have.
  const samples = [
    { id: "", name: "warm-up", enabled: false, shadowed: true, domains: ["example.com"], note: "note", updated: 0 },
    { id: "", name: "warm-up", enabled: true, shadowed: false, domains: [], note: "", updated: 0 },
  ];
  warmRows = samples.map((sample, i) => {
    const row = makeRow(`warm-up-${i}`);
    writeRow(row, sample, -1, false, MASK);
    delete row.el.dataset.testid;
    delete row.el.dataset.name;
    row.el.hidden = false;
    row.el.style.transform = `translateY(${i * ROW_HEIGHT}px)`;
    body.append(row.el);
    return row;
  });
  // Shown for two frames, under the unlock screen, nearly transparent,
  // out of reach of the mouse, the keyboard and screen readers. Ended by the
  // second frame, a timer (frames may be held back), or the list's first use.
  screen.inert = true;
  screen.classList.add("warming");
  requestAnimationFrame(() => requestAnimationFrame(endWarmUp));
  setTimeout(endWarmUp, 500);
}

let warmRows = null; // the sample rows while warming up

function endWarmUp() {
  if (!warmRows) return;
  const screen = $("screen-main");
  screen.classList.remove("warming");
  screen.inert = false;
  for (const row of warmRows) row.el.remove();
  warmRows = null;
}

/** Every row element leaves the page; the list forgets its selection. */
export function reset() {
  endWarmUp();
  if (frame) cancelAnimationFrame(frame);
  frame = 0;
  pendingMark = null;
  scrollRequest = null;
  selectedId = null;
  selPos = -1;
  for (const row of pool) row.el.remove();
  pool = [];
  $("secret-rows").replaceChildren();
  $("secret-rows").style.height = "0px";
  $("secret-grid").scrollTop = 0;
  $("secret-grid").removeAttribute("aria-activedescendant");
  $("secret-grid").setAttribute("aria-rowcount", "1");
  $("secret-count").textContent = "";
  $("no-match").textContent = "";
  $("no-match").hidden = true;
  $("empty").hidden = true;
}
