//! Process hardening for binaries that hold vault keys.

/// Disables core dumps (and, on Linux, ptrace attach by same-user processes),
/// so key material in memory does not end up on disk. Both binaries call it
/// first thing, in every build profile; failures are ignored (hardening is
/// best effort).
#[allow(unsafe_code)]
pub fn disable_core_dumps() {
    #[cfg(unix)]
    {
        let zero = libc::rlimit {
            rlim_cur: 0,
            rlim_max: 0,
        };
        // SAFETY: setrlimit reads a valid, initialized rlimit struct.
        unsafe {
            libc::setrlimit(libc::RLIMIT_CORE, &zero);
        }
    }
    #[cfg(target_os = "linux")]
    // SAFETY: PR_SET_DUMPABLE takes one integer argument; no memory is passed.
    unsafe {
        libc::prctl(libc::PR_SET_DUMPABLE, 0);
    }
}
