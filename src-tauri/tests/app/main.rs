//! The command layer on tauri's mock runtime, as one test binary: each
//! command's success and error shape as the webview receives them, the
//! admin policy over IPC, and the command list against the capability file.

mod changes;
mod commands;
mod common;
mod manifest;
mod policy;
mod screen_lock;
mod seams;
mod ui_codes;
