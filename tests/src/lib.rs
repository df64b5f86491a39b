//! Driving the real Coffer app in a real WebKit webview (tauri-driver +
//! WebKitWebDriver under Xvfb): shared by the end-to-end scenarios
//! (`e2e/`) and the app benchmark (`src/bin/app-bench.rs`).

pub mod driver;
pub mod procs;
