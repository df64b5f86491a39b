// The ⋯ menu in the toolbar of the main screen. It closes on Escape, on a
// click outside it, and when one of its items is chosen.

import { $, menuKey } from "./dom.js";

export function isOpen() {
  return !$("menu-items").hidden;
}

export function closeMenu(refocus = false) {
  if (!isOpen()) return;
  $("menu-items").hidden = true;
  $("menu").setAttribute("aria-expanded", "false");
  if (refocus) $("menu").focus();
}

function openMenu() {
  $("menu-items").hidden = false;
  $("menu").setAttribute("aria-expanded", "true");
  $("menu-items").querySelector("[role=menuitem]").focus();
}

/** `actions` maps a menu item's id to what it does; the menu closes first. */
export function init(actions) {
  $("menu").addEventListener("click", () => (isOpen() ? closeMenu() : openMenu()));
  for (const [id, action] of Object.entries(actions)) {
    $(id).addEventListener("click", () => {
      closeMenu();
      action();
    });
  }
  $("menu-items").addEventListener("keydown", (event) => {
    if (event.key === "Tab") closeMenu();
    else menuKey($("menu-items"), event);
  });
  document.addEventListener("keydown", (event) => {
    if (event.key === "Escape" && isOpen()) {
      event.preventDefault();
      closeMenu(true);
    }
  });
  document.addEventListener("pointerdown", (event) => {
    if (isOpen() && !$("main-menu").contains(event.target)) closeMenu();
  }, true);
}

export function reset() {
  closeMenu();
}
