#!/usr/bin/env bash
# Tests the packages as an installer would. The .deb: its metadata, contents,
# desktop entry and declared dependencies; installed with dpkg (as root;
# otherwise extracted into a temporary root), the installed coffer CLI does a
# round trip through the real keychain, the installed app opens its window
# (screenshot: target/screenshots/installed.png), starts --minimized with only
# its tray icon, and removing the package leaves the user's vault and key as
# they were. The .rpm: its metadata, contents and requirements, and the same
# programs as the .deb. Run by `make package-test` (which `make test` runs) as
#   xvfb-run -a scripts/with-keyring tests/package-test.sh
# after `make package`; HOME and the keychain are throwaway ones. Not as root,
# nothing is installed: the programs run from the extracted .deb instead.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
shots="$root/target/screenshots"
work=$(mktemp -d)
mkdir -p "$shots"
passed=0
app_pid=""

fail() {
  echo "package-test: FAILED: $*" >&2
  [ -f "$work/app.log" ] && { echo "--- app log" >&2; cat "$work/app.log" >&2; }
  echo "package-test: $passed passed, 1 failed"
  exit 1
}
ok() { passed=$((passed + 1)); echo "package-test: ok: $*"; }
cleanup() {
  stop_app
  # Whatever state a failed install left (unpacked, half-configured): purged.
  if [ -n "${installed:-}" ] && dpkg-query -W coffer >/dev/null 2>&1; then
    dpkg --purge coffer >/dev/null 2>&1 || true
  fi
  rm -rf "$work"
}
trap cleanup EXIT

stop_app() {
  [ -n "$app_pid" ] || return 0
  kill "$app_pid" 2>/dev/null || true
  wait "$app_pid" 2>/dev/null || true
  app_pid=""
}

# The one package of each kind that `make package` just built.
version=$(sed -n 's/^version = "\(.*\)"/\1/p' "$root/Cargo.toml" | head -n 1)
deb="$root/target/release/bundle/deb/Coffer_${version}_amd64.deb"
rpm="$root/target/release/bundle/rpm/Coffer-${version}-1.x86_64.rpm"
[ -f "$deb" ] || fail "no package at $deb (run make package)"
[ -f "$rpm" ] || fail "no package at $rpm (run make package)"
[ -n "${DISPLAY:-}" ] || fail "no DISPLAY; run under xvfb-run"
echo "package-test: $(du -h "$deb" | cut -f1) $(basename "$deb"), $(du -h "$rpm" | cut -f1) $(basename "$rpm")"

# --- The .deb's metadata ---------------------------------------------------
field() { dpkg-deb --field "$deb" "$1"; }
[ "$(field Package)" = coffer ] || fail "package name: $(field Package)"
[ "$(field Version)" = "$version" ] || fail "version $(field Version), the workspace says $version"
[ "$(field Architecture)" = amd64 ] || fail "architecture: $(field Architecture)"
depends=$(field Depends)
for dep in libwebkit2gtk-4.1-0 libgtk-3-0 libayatana-appindicator3-1 libdbus-1-3; do
  grep -qw -- "$dep" <<<"$depends" || fail "Depends lacks $dep: $depends"
done
grep -qw gnome-keyring <<<"$(field Recommends)" || fail "Recommends lacks gnome-keyring"
ok "metadata: coffer $version amd64, Depends: $depends"

# --- Its contents ----------------------------------------------------------
contents=$(dpkg-deb --contents "$deb" | awk '{print $NF}' | sed 's|^\./||')
for path in usr/bin/coffer usr/bin/coffer-desktop usr/share/applications/Coffer.desktop; do
  grep -qx -- "$path" <<<"$contents" || fail "the package lacks $path"
done
for size in 32x32 64x64 128x128 256x256 512x512; do
  grep -qx -- "usr/share/icons/hicolor/$size/apps/coffer-desktop.png" <<<"$contents" ||
    fail "no $size icon in the package"
done
dpkg-deb -x "$deb" "$work/root"
for size in 32x32 64x64 128x128 256x256 512x512; do
  real=$(identify -format %wx%h "$work/root/usr/share/icons/hicolor/$size/apps/coffer-desktop.png")
  [ "$real" = "$size" ] || fail "the $size icon is $real"
done
for exe in coffer coffer-desktop; do
  [ -x "$work/root/usr/bin/$exe" ] || fail "/usr/bin/$exe is not executable"
  # Release builds only: no debug sections, no test seams.
  # (Read whole, not through `| grep -q`: under pipefail an early match would
  # kill the writer with SIGPIPE and the check would pass on what it looks for.)
  sections=$(readelf -S "$work/root/usr/bin/$exe")
  if grep -q '\.debug_info' <<<"$sections"; then fail "$exe carries debug info"; fi
done
if grep -qa 'COFFER_TEST_' "$work/root/usr/bin/coffer-desktop"; then
  fail "the packaged app carries a test seam"
fi
ok "contents: both programs (release, no test seams), the desktop entry, icons"

# --- The desktop entry -----------------------------------------------------
desktop="$work/root/usr/share/applications/Coffer.desktop"
problems=$(desktop-file-validate "$desktop" 2>&1 || true)
[ -z "$problems" ] || fail "desktop-file-validate: $problems"
keywords=$(sed -n 's/^Keywords=//p' "$desktop")
for word in secrets "API keys" vault; do
  grep -q "\(^\|;\)$word;" <<<"$keywords" || fail "Keywords lack \"$word\": $keywords"
done
grep -qx 'Exec=coffer-desktop' "$desktop" || fail "Exec is not coffer-desktop: $(grep ^Exec "$desktop")"
grep -qx 'Icon=coffer-desktop' "$desktop" || fail "Icon is not coffer-desktop"
grep -q '^Comment=.' "$desktop" || fail "no Comment"
ok "desktop entry valid, Keywords=$keywords"

# --- Every library the programs load comes from a declared dependency ------
# (or a package those depend on, as apt would install them).
deps=$(sed 's/([^)]*)//g; s/|/,/g; s/,/ /g' <<<"$depends")
# shellcheck disable=SC2086
closure=$(apt-cache depends --recurse --no-recommends --no-suggests --no-conflicts \
  --no-breaks --no-replaces --no-enhances $deps 2>/dev/null | grep -v '^ ' | sed 's/:amd64$//' | sort -u)
needed=$(for exe in coffer coffer-desktop; do
  readelf -d "$work/root/usr/bin/$exe" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p'
done | sort -u)
# The package that owns a library file (dpkg knows the /lib or /usr/lib
# spelling of a merged /usr, so it is looked up by file name).
owner_of() {
  local base
  base=$(basename "$(readlink -f "$1")")
  { dpkg -S "$base" 2>/dev/null || true; } |
    awk -v b="/$base" '!found && substr($NF, length($NF) - length(b) + 1) == b {sub(/:.*/, "", $1); print $1; found = 1}'
}
libraries=$(/sbin/ldconfig -p)
for lib in $needed; do
  path=$(awk -v l="$lib" '!found && $1 == l && /x86-64/ {print $NF; found = 1}' <<<"$libraries")
  [ -n "$path" ] || fail "$lib is not on this system"
  owner=$(owner_of "$path" || true)
  [ -n "$owner" ] || fail "no package owns $path"
  grep -qx -- "$owner" <<<"$closure" || fail "$lib comes from $owner, which the Depends do not bring"
done
ok "every needed library ($(wc -w <<<"$needed")) comes with the declared dependencies"

# --- Installed -------------------------------------------------------------
if [ "$(id -u)" -eq 0 ]; then
  # Never over a Coffer someone installed: this test removes what it installs.
  if dpkg-query -W coffer >/dev/null 2>&1; then
    fail "a coffer package is installed on this machine already; remove it (dpkg -r coffer) to run this test"
  fi
  installed=1
  dpkg -i "$deb" >"$work/dpkg.log" 2>&1 || fail "dpkg -i: $(cat "$work/dpkg.log")"
  bin=/usr/bin
  [ "$(command -v coffer)" = /usr/bin/coffer ] || fail "coffer on PATH is $(command -v coffer)"
  ok "installed with dpkg -i"
else
  bin="$work/root/usr/bin"
  echo "package-test: not root: the programs run from the extracted package"
fi
[ "$("$bin/coffer" --version)" = "coffer $version" ] || fail "coffer --version: $("$bin/coffer" --version)"
[ "$("$bin/coffer-desktop" --version)" = "coffer-desktop $version" ] ||
  fail "coffer-desktop --version: $("$bin/coffer-desktop" --version)"
ok "coffer and coffer-desktop say $version"

# A vault in the default place, its key in the (throwaway) keychain.
unset COFFER_VAULT COFFER_VAULT_KEY
"$bin/coffer" init >"$work/init.out" 2>"$work/init.err" || fail "coffer init: $(cat "$work/init.err")"
printf 'sk_live_packaged' | "$bin/coffer" set stripe --domains api.stripe.com >/dev/null 2>"$work/set.err" ||
  fail "coffer set: $(cat "$work/set.err")"
[ "$("$bin/coffer" get stripe)" = sk_live_packaged ] || fail "coffer get did not give the value back"
vault=$("$bin/coffer" status | sed -n 's/^vault: *//p' | head -n 1)
[ -f "$vault" ] || vault="${XDG_DATA_HOME:-$HOME/.local/share}/coffer/vault.db"
[ -f "$vault" ] || fail "no vault file found after init"
ok "CLI round trip through the keychain (vault at $vault)"

wait_for() { # seconds, description, command...
  local seconds=$1 what=$2
  shift 2
  for _ in $(seq 1 $((seconds * 5))); do
    if "$@"; then return 0; fi
    [ -z "$app_pid" ] || kill -0 "$app_pid" 2>/dev/null || fail "the app exited while waiting for $what"
    sleep 0.2
  done
  fail "no $what within $seconds s"
}
visible_window() { xdotool search --onlyvisible --name '^Coffer$' 2>/dev/null | head -n 1; }
has_window() { [ -n "$(visible_window)" ]; }

# --- The installed app opens its window (unlocked from the keychain, as the
# screenshot shows; the page itself is checked by the end-to-end tests) ------
"$bin/coffer-desktop" >"$work/app.log" 2>&1 </dev/null &
app_pid=$!
wait_for 30 "Coffer window" has_window
sleep 3 # let WebKit paint the list
import -window "$(visible_window)" "$shots/installed.png"
colors=$(convert "$shots/installed.png" -format %k info:)
[ "$colors" -gt 50 ] || fail "the window looks blank ($colors colours)"
stop_app
ok "the installed app opened its window ($colors colours, target/screenshots/installed.png)"

# --- --minimized: the tray icon, no window; a second launch shows it -------
# The tray icon is a StatusNotifierItem on the session bus (what a desktop's
# tray shows); this finds the app's item and reads its status.
tray_status() {
  local name pid path
  for name in $(gdbus call --session --dest org.freedesktop.DBus --object-path /org/freedesktop/DBus \
    --method org.freedesktop.DBus.ListNames | grep -o "':1\.[0-9]*'" | tr -d "'"); do
    pid=$(gdbus call --session --dest org.freedesktop.DBus --object-path /org/freedesktop/DBus \
      --method org.freedesktop.DBus.GetConnectionUnixProcessID "$name" 2>/dev/null | sed -n 's/.*uint32 \([0-9]*\).*/\1/p')
    [ "$pid" = "$app_pid" ] || continue
    path=$(gdbus introspect --session --dest "$name" --object-path /org/ayatana/NotificationItem \
      --recurse 2>/dev/null | sed -n 's/^ *node \(\/org\/ayatana\/NotificationItem\/[^/ ]*\) {/\1/p' | head -n 1)
    [ -n "$path" ] || continue
    gdbus call --session --dest "$name" --object-path "$path" \
      --method org.freedesktop.DBus.Properties.Get org.kde.StatusNotifierItem Status 2>/dev/null
    return 0
  done
  return 1
}
tray_active() { [[ "$(tray_status)" == *"'Active'"* ]]; }
"$bin/coffer-desktop" --minimized >"$work/app.log" 2>&1 </dev/null &
app_pid=$!
wait_for 30 "tray icon" tray_active
sleep 3 # time enough for a window to show, if one were going to
[ -z "$(visible_window)" ] || fail "--minimized showed a window"
ok "--minimized: the tray icon is active, no window is shown"
# The second process hands over to the running one and exits (or is stopped here).
timeout 30 "$bin/coffer-desktop" >"$work/second.log" 2>&1 </dev/null ||
  fail "the second launch did not hand over and exit: $(cat "$work/second.log")"
wait_for 15 "window shown by a second launch" has_window
stop_app
ok "a second launch shows the running app's window and exits"

# --- Removed: the programs go, the vault and its key stay ------------------
if [ -n "${installed:-}" ]; then
  before=$(sha256sum "$vault" | cut -d' ' -f1)
  dpkg -r coffer >"$work/dpkg.log" 2>&1 || fail "dpkg -r: $(cat "$work/dpkg.log")"
  installed=""
  for path in /usr/bin/coffer /usr/bin/coffer-desktop /usr/share/applications/Coffer.desktop; do
    [ ! -e "$path" ] || fail "$path is left after removal"
  done
  [ "$(sha256sum "$vault" | cut -d' ' -f1)" = "$before" ] || fail "removing the package changed the vault"
  [ "$("$work/root/usr/bin/coffer" get stripe)" = sk_live_packaged ] ||
    fail "the vault does not open from the keychain after removal"
  ok "removed: the programs are gone; the vault and its key in the keychain are untouched"
fi

# --- The .rpm --------------------------------------------------------------
[ "$(rpm -qp --queryformat '%{NAME} %{VERSION}' "$rpm" 2>/dev/null)" = "coffer $version" ] ||
  fail "rpm name/version: $(rpm -qp --queryformat '%{NAME} %{VERSION}' "$rpm" 2>&1)"
files=$(rpm -qpl "$rpm" 2>/dev/null)
for path in /usr/bin/coffer /usr/bin/coffer-desktop /usr/share/applications/Coffer.desktop \
  /usr/share/icons/hicolor/128x128/apps/coffer-desktop.png; do
  grep -qx -- "$path" <<<"$files" || fail "the rpm lacks $path"
done
requires=$(rpm -qp --requires "$rpm" 2>/dev/null)
for req in 'libwebkit2gtk-4.1.so.0()(64bit)' 'libgtk-3.so.0()(64bit)' \
  'libayatana-appindicator3.so.1()(64bit)' 'libdbus-1.so.3()(64bit)'; do
  grep -qxF -- "$req" <<<"$requires" || fail "the rpm does not require $req"
done
rpm -K --nosignature "$rpm" >"$work/rpmk.log" 2>&1 || fail "rpm digests: $(cat "$work/rpmk.log")"
mkdir -p "$work/rpmroot"
# Debian's rpm2cpio (rpm 4.18) exits 1 after writing the whole archive; what
# it wrote is checked file by file below instead.
rpm2cpio "$rpm" >"$work/rpm.cpio" 2>/dev/null || true
(cd "$work/rpmroot" && cpio -idm --quiet <"$work/rpm.cpio") || fail "the rpm's payload does not unpack"
# The app differs only by the bundle type the Tauri CLI patches into it.
cmp -s "$work/rpmroot/usr/bin/coffer" "$work/root/usr/bin/coffer" || fail "the rpm's coffer differs from the deb's"
[ "$("$work/rpmroot/usr/bin/coffer-desktop" --version)" = "coffer-desktop $version" ] ||
  fail "the rpm's coffer-desktop does not run"
ok "rpm: coffer $version, digests, its files and requirements, the same CLI as the deb, an app that runs"

echo "package-test: $passed passed, 0 failed"
