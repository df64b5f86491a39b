// The password generator panel of the add / edit dialog: a length (8–128)
// and the kinds of characters; "Use" asks Rust (password_generate) and
// hands the result to the onGenerated callback.

import { $ } from "../dom.js";
import { attempt } from "../ipc.js";

const KINDS = ["lower", "upper", "digits", "symbols"];
const DEFAULT_LENGTH = 24;

let hooks = { onGenerated: () => {} };

/** `options.onGenerated(value)` puts the generated value into the value field. */
export function init(options) {
  hooks = options;
  $("secret-generate").addEventListener("click", () => ($("generator").hidden ? open() : close()));
  $("gen-use").addEventListener("click", use);
  for (const kind of KINDS) $(`gen-${kind}`).addEventListener("change", sync);
  // Enter in the length field generates instead of saving the secret.
  $("gen-length").addEventListener("keydown", (event) => {
    if (event.key === "Enter") {
      event.preventDefault();
      use();
    }
  });
}

function sync() {
  $("gen-use").disabled = !KINDS.some((kind) => $(`gen-${kind}`).checked);
}

function open() {
  $("generator").hidden = false;
  $("secret-generate").setAttribute("aria-expanded", "true");
  $("gen-length").focus();
}

export function close() {
  $("generator").hidden = true;
  $("secret-generate").setAttribute("aria-expanded", "false");
}

async function use() {
  const asked = Math.round(Number($("gen-length").value));
  const length = Number.isFinite(asked) && asked > 0 ? Math.max(8, Math.min(128, asked)) : DEFAULT_LENGTH;
  $("gen-length").value = String(length);
  const recipe = { length };
  for (const kind of KINDS) recipe[kind] = $(`gen-${kind}`).checked;
  const value = await attempt("password_generate", { recipe });
  if (value === undefined) return;
  hooks.onGenerated(value);
  close();
}

/** Closed, with the default choices. */
export function reset() {
  close();
  $("gen-length").value = String(DEFAULT_LENGTH);
  for (const kind of KINDS) $(`gen-${kind}`).checked = true;
  sync();
}
