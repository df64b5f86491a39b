// The secrets screen's model: the metadata from secret_list, the values the
// user has revealed, and the sort order. No DOM here: secret-table.js draws it.

export const model = {
  secrets: [],         // metadata from secret_list
  revealed: new Map(), // id -> value, only while shown
  sort: { key: "name", dir: 1 },
};

export function domainsText(s) {
  return s.allowed_domains.length ? s.allowed_domains.join(", ") : "any";
}

function sorted(list) {
  const { key, dir } = model.sort;
  const val = (s) => (key === "name" ? s.name.toLowerCase() : key === "domains" ? domainsText(s) : s.updated_at);
  return [...list].sort((a, b) => (val(a) < val(b) ? -dir : val(a) > val(b) ? dir : 0));
}

/** The secrets to show, sorted, that match the filter text (name, domains or note). */
export function visibleSecrets(filterText) {
  const filter = filterText.trim().toLowerCase();
  return sorted(model.secrets).filter(
    (s) => !filter || s.name.toLowerCase().includes(filter) || domainsText(s).includes(filter) || s.note.toLowerCase().includes(filter),
  );
}

/** Sorts by `key`; the same key again flips the direction. */
export function sortBy(key) {
  model.sort = { key, dir: model.sort.key === key ? -model.sort.dir : 1 };
}

export function shadowedCount() {
  return model.secrets.filter((s) => s.shadowed).length;
}

/** Forgets every secret and revealed value (the sort order stays). */
export function forget() {
  model.secrets = [];
  model.revealed.clear();
}
