// The secrets screen's model, with no DOM: the records from secret_list in
// write order (oldest first: shadowing depends on it), what filtering and
// sorting need precomputed per record, the sort order and the filtered view
// as index arrays, and the values the user has revealed. secret-list.js
// draws it; secrets.js changes it.
//
// A record: {id, name, enabled, shadowed, domains: string[], note,
// updated: ms, linked: "provider · location" or "", fetched: ms or 0,
// problem: why a linked secret's last use failed or "",
// lname, ldomains, hay}; the last three are lowercased keys
// (hay = name, domains and note, for the filter). The filter never sees the
// word "any" that the list shows for a secret without allowed domains.

const NO_DOMAINS = Object.freeze([]);

export const model = {
  records: [],         // write order, oldest first
  revealed: new Map(), // id -> value, only while shown
  sort: { key: "name", dir: 1 },
  shadowed: 0,         // how many records are shadowed
  version: 0,          // bumped at every change of the records
};

let order = [];                // record indices in sort order
let hits = new Int32Array(0);  // record indices matching `query`, in sort order (the first `hitCount`)
let hitCount = 0;
let query = "";                // the filter, trimmed and lowercased; "" = none
const SEP = "\u0001";
let haystack = null;           // every hay in sort order, joined by SEP; null = to build
let starts = new Int32Array(1); // starts[j]: where sort position j's hay begins; starts[n]: the end
let idCache = { version: -1, found: new Map() }; // ids looked up since the last change

function record(id, name, enabled, shadowed, domainText, note, updated, linked = "", fetched = 0, problem = "") {
  const lname = name.toLowerCase();
  const ldomains = domainText.toLowerCase();
  const domains = domainText ? domainText.split(" ") : NO_DOMAINS;
  const hay = `${lname}\n${ldomains}\n${note.toLowerCase()}\n${linked.toLowerCase()}`;
  return { id, name, enabled, shadowed, domains, note, updated, linked, fetched, problem, lname, ldomains, hay };
}

/** A record from a SecretInfo (what create / update / delete return). */
export function fromInfo(info) {
  const updated = typeof info.updated_at === "number" ? info.updated_at : Date.parse(info.updated_at);
  const domains = (info.allowed_domains ?? []).join(" ");
  const link = info.linked;
  const linked = link ? `${link.provider} · ${link.location}` : "";
  const fetched = link?.fetched_at ? Date.parse(link.fetched_at) : 0;
  const problem = link?.problem?.message ?? "";
  return record(info.id, info.name, Boolean(info.enabled), Boolean(info.shadowed), domains, info.note ?? "", updated, linked, fetched, problem);
}

/** Replaces every record with secret_list's columns; forgets revealed values. */
export function load(list) {
  const n = list.ids.length;
  const records = new Array(n);
  let shadowed = 0;
  for (let i = 0; i < n; i++) {
    const sh = list.shadowed.charCodeAt(i) === 49; // "1"
    if (sh) shadowed += 1;
    records[i] = record(
      list.ids[i], list.names[i], list.enabled.charCodeAt(i) === 49, sh,
      list.domains[i], list.notes[i], list.updated[i], list.linked[i], list.fetched[i],
      list.link_problems[i],
    );
  }
  model.records = records;
  model.shadowed = shadowed;
  model.revealed.clear();
  model.version += 1;
  resort();
}

// The comparator of the current sort: precomputed keys compared with `<`,
// ties broken by write order, so descending is exactly ascending reversed.
function comparator() {
  const recs = model.records;
  const dir = model.sort.dir;
  if (model.sort.key === "updated") {
    return (a, b) => {
      const x = recs[a].updated;
      const y = recs[b].updated;
      return x < y ? -dir : x > y ? dir : (a - b) * dir;
    };
  }
  if (model.sort.key === "domains") {
    return (a, b) => {
      let x = recs[a].ldomains;
      let y = recs[b].ldomains;
      if (x === y) {
        x = recs[a].lname;
        y = recs[b].lname;
      }
      return x < y ? -dir : x > y ? dir : (a - b) * dir;
    };
  }
  return (a, b) => {
    const x = recs[a].lname;
    const y = recs[b].lname;
    return x < y ? -dir : x > y ? dir : (a - b) * dir;
  };
}

function resort() {
  haystack = null;
  const n = model.records.length;
  order = new Array(n);
  for (let i = 0; i < n; i++) order[i] = i;
  order.sort(comparator());
  refilter();
}

/** Sorts by `key` ("name", "domains", "updated"); the same key again flips the direction. */
export function sortBy(key) {
  model.sort = { key, dir: model.sort.key === key ? -model.sort.dir : 1 };
  resort();
}

// The filter searches one string: every record's hay in sort order,
// joined by SEP, with where each one starts. One native indexOf over
// contiguous text beats a hundred thousand includes() calls on records
// scattered in memory. Built again (lazily) after a change of data or sort.
function buildHaystack() {
  const recs = model.records;
  const n = order.length;
  const parts = new Array(n);
  if (starts.length < n + 1) starts = new Int32Array(n + 1 + (n >> 3));
  let p = 0;
  for (let j = 0; j < n; j++) {
    const hay = recs[order[j]].hay;
    parts[j] = hay;
    starts[j] = p;
    p += hay.length + 1;
  }
  starts[n] = p;
  haystack = parts.join(SEP);
}

/** Builds what the filter searches now rather than at the next keystroke (after a load). */
export function prepareFilter() {
  if (haystack === null && order.length) buildHaystack();
}

function refilter() {
  if (!query) {
    hitCount = 0;
    return;
  }
  const recs = model.records;
  if (hits.length < recs.length) hits = new Int32Array(recs.length + (recs.length >> 3) + 16);
  let k = 0;
  if (query.includes(SEP)) {
    for (let j = 0; j < order.length; j++) if (recs[order[j]].hay.includes(query)) hits[k++] = order[j];
  } else {
    if (haystack === null) buildHaystack();
    let j = 0;
    let p = haystack.indexOf(query);
    while (p !== -1) {
      while (starts[j + 1] <= p) j += 1;
      hits[k++] = order[j];
      p = haystack.indexOf(query, starts[j + 1]);
    }
  }
  hitCount = k;
}

/** Sets the filter text (trimmed, lowercased): the hits are computed once, here. */
export function setFilter(text) {
  const q = text.trim().toLowerCase();
  if (q === query) return false;
  query = q;
  refilter();
  return true;
}

export function filtering() {
  return query !== "";
}

/** How many records the view shows (filtered, sorted). */
export function viewLength() {
  return query ? hitCount : order.length;
}

/** The record index at view position `k`. */
export function viewIndex(k) {
  return query ? hits[k] : order[k];
}

/** The record at view position `k`. */
export function viewRecord(k) {
  return model.records[query ? hits[k] : order[k]];
}

/** The view position of record index `index`, or -1 when it is filtered out. */
export function positionOf(index) {
  if (index < 0) return -1;
  const n = viewLength();
  const list = query ? hits : order;
  for (let k = 0; k < n; k++) if (list[k] === index) return k;
  return -1;
}

/** The index of the record with this id, or -1 (remembered until the records change). */
export function indexOfId(id) {
  if (idCache.version !== model.version) idCache = { version: model.version, found: new Map() };
  const known = idCache.found.get(id);
  if (known !== undefined) return known;
  const recs = model.records;
  let index = -1;
  for (let i = recs.length - 1; i >= 0; i--) {
    if (recs[i].id === id) {
      index = i;
      break;
    }
  }
  if (idCache.found.size > 64) idCache.found.clear();
  idCache.found.set(id, index);
  return index;
}

export function recordById(id) {
  const i = indexOfId(id);
  return i === -1 ? null : model.records[i];
}

// Shadowing by name: of the records named exactly `name`, the last written
// is in effect and the others are shadowed.
function reshadow(name) {
  const recs = model.records;
  let seen = false;
  for (let i = recs.length - 1; i >= 0; i--) {
    const r = recs[i];
    if (r.name !== name) continue;
    if (r.shadowed !== seen) {
      model.shadowed += seen ? 1 : -1;
      r.shadowed = seen;
    }
    seen = true;
  }
}

// Removes record `p`; the indices after it shift down by one.
function removeAt(p) {
  const [gone] = model.records.splice(p, 1);
  if (gone.shadowed) model.shadowed -= 1;
  let w = 0;
  for (let j = 0; j < order.length; j++) {
    const v = order[j];
    if (v !== p) order[w++] = v > p ? v - 1 : v;
  }
  order.length = w;
  return gone;
}

// Appends a record (the newest) and puts it in its place in the sort order.
function append(rec) {
  const i = model.records.push(rec) - 1;
  if (rec.shadowed) model.shadowed += 1;
  const cmp = comparator();
  let lo = 0;
  let hi = order.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (cmp(order[mid], i) < 0) lo = mid + 1;
    else hi = mid;
  }
  order.splice(lo, 0, i);
}

/**
 * A created or updated secret (the SecretInfo the command returned): an
 * update moves the record to the end (it is now the newest of its name),
 * unless `keepPlace` (only its enabled flag changed).
 * Shadowing is recomputed for its name, and its old name on a rename.
 * Returns the new record.
 */
export function applyInfo(info, { keepPlace = false } = {}) {
  const rec = fromInfo(info);
  const p = indexOfId(info.id);
  if (keepPlace && p !== -1) {
    // Enabling or disabling alone keeps a secret's place in the write order
    // (Rust does not make it the newest), so shadowing stays as it is.
    const old = model.records[p];
    old.enabled = rec.enabled;
    old.updated = rec.updated;
    model.version += 1;
    if (model.sort.key === "updated") resort();
    else refilter();
    return old;
  }
  let oldName = null;
  if (p !== -1) oldName = removeAt(p).name;
  append(rec);
  haystack = null;
  reshadow(rec.name);
  if (oldName !== null && oldName !== rec.name) reshadow(oldName);
  model.version += 1;
  refilter();
  return rec;
}

/** A deleted secret (by id); returns its record, or null if it was not here. */
export function removeId(id) {
  const p = indexOfId(id);
  if (p === -1) return null;
  const gone = removeAt(p);
  haystack = null;
  reshadow(gone.name);
  model.revealed.delete(id);
  model.version += 1;
  refilter();
  return gone;
}

/** Forgets every record, the filter and every revealed value (the sort order stays). */
export function reset() {
  model.records = [];
  model.revealed.clear();
  model.shadowed = 0;
  model.version += 1;
  order = [];
  hits = new Int32Array(0);
  hitCount = 0;
  query = "";
  haystack = null;
  starts = new Int32Array(1);
  idCache = { version: -1, found: new Map() };
}
