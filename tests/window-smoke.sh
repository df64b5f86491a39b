#!/usr/bin/env bash
# Starts the real desktop app on the X display that xvfb-run provides, checks
# that its window appears and renders something, and keeps a screenshot in
# target/screenshots/ ($SMOKE_SHOT.png, default start.png). Run by `make test` as
#   xvfb-run -a scripts/with-keyring tests/window-smoke.sh
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
app="$root/target/debug/coffer-desktop"
out="$root/target/screenshots"
shot="${SMOKE_SHOT:-start}"
mkdir -p "$out"
fail() { echo "window-smoke: $*" >&2; echo "--- app log"; cat "$out/app.log" >&2 || true; echo "window-smoke: 0 passed, 1 failed"; exit 1; }

[ -x "$app" ] || fail "no app binary at $app (run cargo build --workspace first)"
[ -n "${DISPLAY:-}" ] || fail "no DISPLAY; run under xvfb-run"
"$app" >"$out/app.log" 2>&1 </dev/null &
pid=$!
trap 'kill $pid 2>/dev/null || true; wait $pid 2>/dev/null || true' EXIT

win=""
for _ in $(seq 1 150); do
  win=$(xdotool search --name '^Coffer$' 2>/dev/null | head -n 1 || true)
  [ -n "$win" ] && break
  kill -0 "$pid" 2>/dev/null || fail "the app exited before opening its window"
  sleep 0.2
done
[ -n "$win" ] || fail "no window titled Coffer within 30 s"
sleep 3 # let WebKit paint the page
kill -0 "$pid" 2>/dev/null || fail "the app exited after opening its window"
import -window "$win" "$out/$shot.png"
colors=$(convert "$out/$shot.png" -format %k info:)
[ "$colors" -gt 50 ] || fail "the window looks blank ($colors colours)"
echo "window-smoke: window $win rendered with $colors colours; screenshot in $out/$shot.png"
echo "window-smoke: 1 passed, 0 failed"
