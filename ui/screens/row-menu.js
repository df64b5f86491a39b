// The one popup menu for every row's ⋯ button (data-testid=row-menu),
// placed at the button that opened it. Its items carry data-action
// (reveal, copy, copy-ref, edit, toggle, delete). It closes on Escape, on a
// click outside it, when an item is chosen, and when its row scrolls away.

import { $, menuKey } from "../dom.js";

let hooks = { onChoose: () => {}, onDismiss: () => {} };
let anchor = null; // the ⋯ button it was opened from
let openId = null; // the secret it is for

/**
 * `options.onChoose(action, id)` runs for a chosen item (the menu is closed
 * first); `options.onDismiss()` when Escape closes it (the focus goes back).
 */
export function init(options) {
  hooks = options;
  const menu = $("row-menu");
  menu.addEventListener("click", (event) => {
    const item = event.target.closest("button[data-action]");
    if (!item) return;
    const id = openId;
    close();
    hooks.onChoose(item.dataset.action, id);
  });
  menu.addEventListener("keydown", (event) => {
    if (event.key === "Tab") close();
    else menuKey(menu, event);
  });
  document.addEventListener("keydown", (event) => {
    if (event.key === "Escape" && isOpen()) {
      event.preventDefault();
      close();
      hooks.onDismiss();
    }
  });
  document.addEventListener("pointerdown", (event) => {
    if (isOpen() && !menu.contains(event.target) && !anchor?.contains(event.target)) close();
  }, true);
  window.addEventListener("resize", () => close());
}

export function isOpen() {
  return !$("row-menu").hidden;
}

/**
 * Opens the menu at `button` for secret `id`; the same button again closes
 * it. `state`: {name, revealed, enabled} for the items' labels.
 */
export function open(button, id, state) {
  if (isOpen() && anchor === button && openId === id) {
    close();
    return;
  }
  close();
  if (!button) return;
  const menu = $("row-menu");
  anchor = button;
  openId = id;
  menu.dataset.id = id;
  menu.setAttribute("aria-label", `Actions for ${state.name}`);
  $("row-menu-reveal").textContent = state.revealed ? "Hide value" : "Reveal value";
  $("row-menu-toggle").textContent = state.enabled ? "Disable" : "Enable";
  menu.hidden = false;
  button.setAttribute("aria-expanded", "true");
  place();
  menu.querySelector("[role=menuitem]").focus({ preventScroll: true });
}

// Under the button, right-aligned with it; above it when there is no room below.
function place() {
  const menu = $("row-menu");
  const at = anchor.getBoundingClientRect();
  const width = menu.offsetWidth;
  const height = menu.offsetHeight;
  const left = Math.max(8, Math.min(window.innerWidth - width - 8, at.right - width));
  let top = at.bottom + 4;
  if (top + height > window.innerHeight - 8) top = Math.max(8, at.top - height - 4);
  menu.style.left = `${left}px`;
  menu.style.top = `${top}px`;
}

/** After the list was drawn: follows the button, or closes when its row scrolled away or changed. */
export function follow() {
  if (!isOpen() || !anchor) return;
  const row = anchor.closest(".row");
  const list = anchor.closest("[role=grid]");
  if (!anchor.isConnected || !row || row.hidden || row.dataset.id !== openId || !list) {
    close();
    return;
  }
  const at = anchor.getBoundingClientRect();
  const box = list.getBoundingClientRect();
  if (at.bottom < box.top || at.top > box.bottom) close();
  else place();
}

export function close() {
  const menu = $("row-menu");
  menu.hidden = true;
  delete menu.dataset.id;
  menu.removeAttribute("aria-label");
  anchor?.setAttribute("aria-expanded", "false");
  anchor = null;
  openId = null;
}

export function reset() {
  close();
}
