// "Try a reference": paste a text with {{vault:NAME}} references, and
// optionally the URL it would be sent to; Rust says which references would
// resolve there and, for the others, why. No value comes to the page.

import { $, closeDialog } from "../dom.js";
import { attempt } from "../ipc.js";
import { clearError } from "../notice.js";

export function init() {
  $("reference-form").addEventListener("submit", check);
  $("reference-close").addEventListener("click", () => $("reference-dialog").close());
}

export function open() {
  clearError();
  $("reference-results").replaceChildren();
  $("reference-summary").textContent = "";
  $("reference-dialog").showModal();
  $("reference-text").focus();
}

async function check(event) {
  event.preventDefault();
  const url = $("reference-url").value.trim();
  const checks = await attempt("reference_check", {
    text: $("reference-text").value,
    url: url === "" ? null : url,
  });
  if (checks === undefined) return;
  const items = checks.map((c) => {
    const li = document.createElement("li");
    li.className = c.resolves ? "ok" : "refused";
    li.dataset.testid = "reference-result";
    const mark = document.createElement("span");
    mark.className = "mark";
    mark.textContent = c.resolves ? "✓" : "✗";
    mark.setAttribute("aria-label", c.resolves ? "resolves" : "does not resolve");
    const name = document.createElement("strong");
    name.textContent = c.name;
    li.append(mark, " ", name);
    if (c.detail) {
      const detail = document.createElement("span");
      detail.className = "muted";
      detail.textContent = ` — ${c.detail}`;
      li.append(detail);
    }
    return li;
  });
  $("reference-results").replaceChildren(...items);
  const bad = checks.filter((c) => !c.resolves).length;
  $("reference-summary").textContent = checks.length === 0
    ? "No {{vault:NAME}} reference in this text."
    : bad === 0
      ? `All ${checks.length} would resolve${url ? ` for ${url}` : ""}.`
      : `${bad} of ${checks.length} would not resolve, so nothing would be sent.`;
}

/** Closes the dialog and forgets what was typed. */
export function reset() {
  closeDialog("reference-dialog");
  $("reference-text").value = "";
  $("reference-url").value = "";
  $("reference-results").replaceChildren();
  $("reference-summary").textContent = "";
}
