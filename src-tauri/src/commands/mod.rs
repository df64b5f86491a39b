//! The IPC commands, one module per screen: each command takes state, calls
//! the core, and returns its error as `{code, message}` ([`reply::Reply`]).
//! The list of commands is written once, in `list.rs`.

pub mod export;
pub mod import;
pub mod linked;
pub mod references;
pub mod reply;
pub mod secrets;
pub mod settings;
pub mod vault;
