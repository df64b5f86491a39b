// The ⋯ menu in the toolbar of the main screen.

import { $ } from "./dom.js";

export function isOpen() {
  return !$("menu-items").hidden;
}

export function closeMenu() {
  $("menu-items").hidden = true;
  $("menu").setAttribute("aria-expanded", "false");
}

/** `actions` maps a menu item's id to what it does; the menu closes first. */
export function init(actions) {
  $("menu").addEventListener("click", () => {
    const open = $("menu-items").hidden;
    $("menu-items").hidden = !open;
    $("menu").setAttribute("aria-expanded", String(open));
  });
  for (const [id, action] of Object.entries(actions)) {
    $(id).addEventListener("click", () => {
      closeMenu();
      action();
    });
  }
}

export function reset() {
  closeMenu();
}
