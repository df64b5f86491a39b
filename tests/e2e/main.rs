//! End-to-end scenarios on the real app: the debug build of `coffer-desktop`
//! in WebKitGTK, driven through tauri-driver and WebKitWebDriver. They need
//! an X display, a Secret Service and tauri-driver, so a plain `cargo test`
//! skips them; `make test` runs them under Xvfb inside `scripts/with-keyring`.

mod at_scale;
mod formats;
mod linked;
mod no_damage;
mod no_lockouts;
mod references;
mod scenarios;
