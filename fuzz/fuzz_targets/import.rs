//! Any bytes pasted into an import: the reader may refuse them, never panic.
//! The same function runs over the fixture corpus in `make test`.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = coffer_core::fuzz_import(data);
});
