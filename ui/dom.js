// Small DOM helpers shared by the screens and dialogs.

export const $ = (id) => document.getElementById(id);

const SCREENS = ["screen-loading", "screen-key", "screen-unlock", "screen-main"];

/** Shows one of the four screens and hides the others. */
export function showScreen(screen) {
  for (const id of SCREENS) {
    $(id).hidden = id !== screen;
  }
}

/** Whether the screen (or any element) with this id is shown. */
export function isShown(id) {
  return !$(id).hidden;
}

/** Closes the <dialog> with this id if it is open. */
export function closeDialog(id) {
  if ($(id).open) $(id).close();
}

/** A type=button button; `extra.data` goes to its dataset, `extra.title` to its title. */
export function button(label, onClick, extra = {}) {
  const b = document.createElement("button");
  b.type = "button";
  b.textContent = label;
  Object.assign(b.dataset, extra.data ?? {});
  if (extra.title) b.title = extra.title;
  b.addEventListener("click", onClick);
  return b;
}
