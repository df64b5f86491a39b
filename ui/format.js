// How the page writes times, domain lists and counts. No state.

const SHORT = new Intl.DateTimeFormat(undefined, { dateStyle: "short", timeStyle: "short" });
const LONG = new Intl.DateTimeFormat(undefined, { dateStyle: "medium", timeStyle: "medium" });

/** A time (ms since the epoch), short: for the list. */
export function when(ms) {
  return Number.isFinite(ms) ? SHORT.format(ms) : "—";
}

/** A time (ms since the epoch, or an RFC 3339 string), in full. */
export function whenLong(time) {
  const ms = typeof time === "string" ? Date.parse(time) : time;
  return Number.isFinite(ms) ? LONG.format(ms) : "—";
}

/** A secret's allowed domains as the list shows them ("any" when there are none). */
export function domainsText(domains) {
  return domains.length ? domains.join(", ") : "any";
}

/** "1 secret", "3 secrets". */
export function count(n, word) {
  return `${n} ${word}${n === 1 ? "" : "s"}`;
}

/** "a", "a and b", "a, b and c". */
export function listText(items) {
  if (items.length < 2) return items.join("");
  return `${items.slice(0, -1).join(", ")} and ${items[items.length - 1]}`;
}
