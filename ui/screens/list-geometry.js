// Where the rows of the virtual list are. Every row is ROW_HEIGHT tall,
// except revealed ones: their value opens in a strip under the row, whose
// extra height is measured once (again when the width changes) and kept in
// a small map. So a row's offset is k * ROW_HEIGHT plus the extras of the
// few revealed rows above it, and the arithmetic stays trivial.

export const ROW_HEIGHT = 44; // px; the stylesheet gets it as --row-h

let extras = [];           // [{pos, id, extra}]: the revealed rows in the view, by position
const heights = new Map(); // id -> measured extra height of a revealed row

/** The revealed rows in the view: [{pos, id}] (any order). */
export function setRevealed(rows) {
  extras = rows.map(({ pos, id }) => ({ pos, id, extra: heights.get(id) ?? 0 }));
  extras.sort((a, b) => a.pos - b.pos);
}

/** A revealed value changed or went: its row is measured again. */
export function forgetHeight(id) {
  heights.delete(id);
}

/** The width changed: values wrap differently, every revealed row is measured again. */
export function forgetHeights() {
  heights.clear();
  for (const e of extras) e.extra = 0;
}

/** The revealed rows between positions first and last that were never measured. */
export function unmeasured(first, last) {
  return extras.filter((e) => e.pos >= first && e.pos <= last && !heights.has(e.id));
}

/** A measured row's extra height; true if the layout changed. */
export function measured(id, extra) {
  heights.set(id, extra);
  let changed = false;
  for (const e of extras) {
    if (e.id === id && e.extra !== extra) {
      e.extra = extra;
      changed = true;
    }
  }
  return changed;
}

export function topOf(k) {
  let y = k * ROW_HEIGHT;
  for (const e of extras) {
    if (e.pos >= k) break;
    y += e.extra;
  }
  return y;
}

export function heightOf(k) {
  for (const e of extras) if (e.pos === k) return ROW_HEIGHT + e.extra;
  return ROW_HEIGHT;
}

/** The height of `n` rows. */
export function totalHeight(n) {
  let y = n * ROW_HEIGHT;
  for (const e of extras) y += e.extra;
  return y;
}

/** The position of the row at height `y` (not clamped). */
export function positionAt(y) {
  let acc = 0;
  for (const e of extras) {
    const top = e.pos * ROW_HEIGHT + acc;
    if (y < top) break;
    if (y < top + ROW_HEIGHT + e.extra) return e.pos;
    acc += e.extra;
  }
  return Math.floor((y - acc) / ROW_HEIGHT);
}

/** Where to scroll for `request` ({top} or {pos} to bring into a view of `view` px from `top`). */
export function scrollTarget(request, top, view) {
  if (request.top !== undefined) return request.top;
  const y = topOf(request.pos);
  const h = heightOf(request.pos);
  if (y < top) return y;
  if (y + h > top + view) return Math.min(y, y + h - view);
  return top;
}

export function reset() {
  extras = [];
  heights.clear();
}
