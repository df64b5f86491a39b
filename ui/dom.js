// Small DOM helpers shared by the screens and dialogs.

export const $ = (id) => document.getElementById(id);

const SCREENS = ["screen-loading", "screen-key", "screen-unlock", "screen-main"];

/** Shows one of the four screens and hides the others; the window title says when Coffer is locked. */
export function showScreen(screen) {
  for (const id of SCREENS) {
    $(id).hidden = id !== screen;
  }
  document.title = screen === "screen-unlock" ? "Coffer — locked" : "Coffer";
}

/** Whether the screen (or any element) with this id is shown. */
export function isShown(id) {
  return !$(id).hidden;
}

/** Closes the <dialog> with this id if it is open. */
export function closeDialog(id) {
  if ($(id).open) $(id).close();
}

/** Whether a modal dialog is open (the main screen's shortcuts wait until it closes). */
export function dialogOpen() {
  return document.querySelector("dialog[open]") !== null;
}

/** Moves the focus among the menu items of `menu` with ↑/↓/Home/End; true if the key was one of them. */
export function menuKey(menu, event) {
  const items = [...menu.querySelectorAll("[role=menuitem]:not([disabled])")];
  if (!items.length) return false;
  const at = items.indexOf(document.activeElement);
  let next;
  if (event.key === "ArrowDown") next = (at + 1) % items.length;
  else if (event.key === "ArrowUp") next = (at - 1 + items.length) % items.length;
  else if (event.key === "Home") next = 0;
  else if (event.key === "End") next = items.length - 1;
  else return false;
  event.preventDefault();
  items[next].focus();
  return true;
}
