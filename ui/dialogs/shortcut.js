// The settings' quick-open shortcut: "Record" captures the next key
// combination pressed (written like "Ctrl+Alt+K"), "Off" empties the field
// (empty = off). The problem the system reported, if any, shows next to it.

import { $ } from "../dom.js";

const MODIFIER_KEYS = new Set(["Control", "Alt", "Shift", "Meta", "Super", "Hyper", "OS", "AltGraph", "CapsLock"]);
const NAMED = { " ": "Space", Escape: "Escape", Enter: "Enter", Tab: "Tab", Backspace: "Backspace", Delete: "Delete",
  Insert: "Insert", Home: "Home", End: "End", PageUp: "PageUp", PageDown: "PageDown",
  ArrowUp: "Up", ArrowDown: "Down", ArrowLeft: "Left", ArrowRight: "Right" };

let recording = false;

/**
 * The combination of a keydown, like "Ctrl+Alt+K" (modifiers Ctrl, Alt,
 * Shift, Super, in that order); null while only modifiers are down.
 */
export function comboOf(event) {
  if (MODIFIER_KEYS.has(event.key)) return null;
  let key = null;
  const code = event.code ?? "";
  if (/^Key[A-Z]$/.test(code)) key = code.slice(3);
  else if (/^Digit[0-9]$/.test(code)) key = code.slice(5);
  else if (/^F([1-9]|1[0-9]|2[0-4])$/.test(code)) key = code;
  else if (NAMED[event.key]) key = NAMED[event.key];
  else if (code) key = code; // Minus, Backquote, Numpad1, …: the physical key's name
  else if (event.key.length === 1) key = event.key.toUpperCase();
  if (!key) return null;
  const parts = [];
  if (event.ctrlKey) parts.push("Ctrl");
  if (event.altKey) parts.push("Alt");
  if (event.shiftKey) parts.push("Shift");
  if (event.metaKey) parts.push("Super");
  parts.push(key);
  return parts.join("+");
}

export function init() {
  $("setting-quick-open-record").addEventListener("click", () => (recording ? stop() : start()));
  $("setting-quick-open-off").addEventListener("click", () => {
    stop();
    $("setting-quick-open").value = "";
  });
  document.addEventListener("keydown", onKey, true);
  // Escape while recording stops the recording, not the dialog.
  $("settings-dialog").addEventListener("cancel", (event) => {
    if (recording) {
      event.preventDefault();
      stop();
    }
  });
}

function start() {
  recording = true;
  $("setting-quick-open-record").textContent = "Press keys…";
  $("setting-quick-open-record").setAttribute("aria-pressed", "true");
}

function stop() {
  recording = false;
  $("setting-quick-open-record").textContent = "Record";
  $("setting-quick-open-record").setAttribute("aria-pressed", "false");
}

function onKey(event) {
  if (!recording) return;
  event.preventDefault();
  event.stopPropagation();
  const plain = !(event.ctrlKey || event.altKey || event.shiftKey || event.metaKey);
  if (event.key === "Escape" && plain) {
    stop();
    return;
  }
  const combo = comboOf(event);
  if (combo === null) return; // only modifiers so far
  if (plain || (event.shiftKey && !(event.ctrlKey || event.altKey || event.metaKey))) {
    showProblem("Use Ctrl, Alt or Super with the key: a shortcut without them would take that key from every program.");
    return;
  }
  $("setting-quick-open").value = combo;
  showProblem(null);
  stop();
}

/** The problem text next to the field (null hides it). */
export function showProblem(text) {
  $("quick-open-problem").hidden = !text;
  $("quick-open-problem").textContent = text ?? "";
}

/** Stops recording and hides the problem. */
export function reset() {
  stop();
  showProblem(null);
}
