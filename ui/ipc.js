// The page talks to Rust only through here. Errors from Rust arrive as
// {code, message}. Every lock bumps an epoch; a reply to a request made
// before the current epoch is stale and is dropped, so nothing about a
// secret comes back into the page after a lock.

import { clearError, showError } from "./notice.js";

const invoke = window.__TAURI__?.core?.invoke;

let lockEpoch = 0; // bumped at every lock (and reset); replies from before it are dropped

/** The raw command call; rejects with the command's {code, message}. */
export async function call(command, args) {
  if (!invoke) {
    throw { code: "no_ipc", message: "This page must run inside the Coffer app." };
  }
  return invoke(command, args);
}

/** Called by the lock path: every reply still in flight becomes stale. */
export function bumpEpoch() {
  lockEpoch += 1;
}

/** The current epoch, to hand to isStale() after an await. */
export function currentEpoch() {
  return lockEpoch;
}

/** Whether a lock happened since `epoch` was read. */
export function isStale(epoch) {
  return epoch !== lockEpoch;
}

/**
 * Calls a command the way a user action does: clears the error banner
 * (unless `keepError`), calls, and resolves to the reply. On failure the
 * error goes to the banner and it resolves to `undefined`. If a lock
 * happened while the call was in flight, the reply or error is dropped and
 * it resolves to `undefined` without showing anything.
 *
 * Replies are JSON (a command returning nothing replies `null`), so
 * `undefined` always means "failed or dropped": compare with `=== undefined`
 * where the reply can be null, 0 or "".
 */
export async function attempt(command, args, { keepError = false } = {}) {
  if (!keepError) clearError();
  const epoch = lockEpoch;
  try {
    const reply = await call(command, args);
    if (isStale(epoch)) return undefined;
    return reply === undefined ? null : reply;
  } catch (err) {
    if (!isStale(epoch)) showError(err);
    return undefined;
  }
}

/** Listens to an event from Rust (nothing happens outside the app). */
export function onEvent(name, handler) {
  window.__TAURI__?.event?.listen(name, handler);
}
