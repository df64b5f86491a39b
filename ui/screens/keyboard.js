// The main screen's keys. In the list: ↑/↓, PageUp/PageDown, Home/End move
// the selection; Enter copies the value, Delete deletes (after asking),
// Space reveals, Shift+F10 or the Menu key opens the row menu; typing goes
// to the filter. In the filter: ↓ moves into the list, Enter copies the
// selected value. Anywhere on the main screen (no dialog open): Ctrl+N adds,
// Ctrl+L locks, Ctrl+F focuses the filter, Ctrl+Shift+V focuses and selects
// it, Ctrl+Shift+C copies the selected secret's reference, Ctrl+Z undoes
// what the undo bar offers.

import { $, dialogOpen, isShown } from "../dom.js";
import * as list from "./secret-list.js";
import { actOnSelected, focusFilter } from "./secrets.js";

let hooks = { onAdd: () => {}, onLock: () => {}, onUndo: () => {}, canUndo: () => false };

/** `options`: onAdd(), onLock(), onUndo(), canUndo() → whether the undo bar is shown. */
export function init(options) {
  hooks = options;
  $("secret-grid").addEventListener("keydown", onListKey);
  $("filter").addEventListener("keydown", onFilterKey);
  document.addEventListener("keydown", onKey);
}

const withModifier = (event) => event.ctrlKey || event.metaKey || event.altKey;

function onListKey(event) {
  if (event.target !== event.currentTarget || withModifier(event)) return;
  switch (event.key) {
    case "ArrowDown": list.move(1); break;
    case "ArrowUp": list.move(-1); break;
    case "PageDown": list.movePage(1); break;
    case "PageUp": list.movePage(-1); break;
    case "Home": list.moveTo(0); break;
    case "End": list.moveTo(Number.MAX_SAFE_INTEGER); break;
    case "Enter": actOnSelected("copy"); break;
    case "Delete": actOnSelected("delete"); break;
    case " ": actOnSelected("reveal"); break;
    case "ContextMenu": actOnSelected("menu"); break;
    case "F10":
      if (!event.shiftKey) return;
      actOnSelected("menu");
      break;
    default:
      // A character: on to the filter, where it is typed.
      if (event.key.length === 1) focusFilter();
      return;
  }
  event.preventDefault();
}

function onFilterKey(event) {
  if (withModifier(event)) return;
  if (event.key === "ArrowDown") {
    event.preventDefault();
    list.enter();
  } else if (event.key === "Enter") {
    event.preventDefault();
    actOnSelected("copy");
  }
}

function onKey(event) {
  if (event.defaultPrevented || !isShown("screen-main") || dialogOpen()) return;
  if (!(event.ctrlKey || event.metaKey) || event.altKey) return;
  const key = event.key.toLowerCase();
  if (key === "n" && !event.shiftKey) hooks.onAdd();
  else if (key === "l" && !event.shiftKey) hooks.onLock();
  else if (key === "f" && !event.shiftKey) focusFilter();
  else if (key === "v" && event.shiftKey) focusFilter(true);
  else if (key === "c" && event.shiftKey) actOnSelected("copy-ref");
  else if (key === "z" && !event.shiftKey && hooks.canUndo()) hooks.onUndo();
  else return;
  event.preventDefault();
}

/** Nothing to forget: the keys hold no state. */
export function reset() {}
