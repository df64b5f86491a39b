//! Integration tests of the `coffer` binary: real processes on real vault files.

mod bad_input;
mod commands;
mod crash;
mod http;
mod https;
mod keychain;
mod linked;
mod policy;
mod refs;
mod transfer;
mod util;
