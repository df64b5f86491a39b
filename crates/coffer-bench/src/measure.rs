//! Timing whole processes: wall time and peak RSS (from wait4).

use std::io::Write as _;
use std::process::{Command, Stdio};
use std::time::Instant;

/// The runs of one command.
#[derive(Clone, Debug)]
pub struct Sample {
    /// Wall times in seconds, sorted.
    pub secs: Vec<f64>,
    /// Highest peak RSS over the runs, in KiB.
    pub max_rss_kib: i64,
}

impl Sample {
    pub fn median(&self) -> f64 {
        self.secs[self.secs.len() / 2]
    }
}

/// Runs `make(i)` `reps` times; each must exit 0.
pub fn run(reps: usize, make: impl FnMut(usize) -> (Command, Vec<u8>)) -> Result<Sample, String> {
    run_expecting(reps, 0, make)
}

/// Runs `make(i)` `reps` times; each must exit with `code` (a refusal is 1).
pub fn run_expecting(
    reps: usize,
    code: i32,
    mut make: impl FnMut(usize) -> (Command, Vec<u8>),
) -> Result<Sample, String> {
    let mut secs = Vec::with_capacity(reps);
    let mut max_rss_kib = 0;
    for i in 0..reps.max(1) {
        let (mut cmd, stdin) = make(i);
        cmd.stdin(Stdio::piped())
            .stdout(Stdio::null())
            .stderr(Stdio::piped());
        let start = Instant::now();
        let mut child = cmd
            .spawn()
            .map_err(|e| format!("cannot run {:?}: {e}", cmd.get_program()))?;
        if let Some(mut pipe) = child.stdin.take() {
            let _ = pipe.write_all(&stdin);
        }
        let (status, rss) = wait4(child.id() as i32)?;
        secs.push(start.elapsed().as_secs_f64());
        max_rss_kib = max_rss_kib.max(rss);
        // The wait status word: the exit code in bits 8-15, no signal bits.
        if status != code << 8 {
            let mut err = String::new();
            if let Some(mut e) = child.stderr.take() {
                let _ = std::io::Read::read_to_string(&mut e, &mut err);
            }
            return Err(format!(
                "{:?} {:?} exited with {status}: {err}",
                cmd.get_program(),
                cmd.get_args().collect::<Vec<_>>()
            ));
        }
    }
    secs.sort_by(f64::total_cmp);
    Ok(Sample { secs, max_rss_kib })
}

/// Waits for `pid`; returns its exit status word and its peak RSS in KiB.
#[allow(unsafe_code)]
fn wait4(pid: i32) -> Result<(i32, i64), String> {
    let mut status = 0;
    // SAFETY: rusage is plain old data; wait4 fills it for our own child.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    // SAFETY: pid is a child we spawned and have not reaped; both pointers are valid.
    let r = unsafe { libc::wait4(pid, &mut status, 0, &mut usage) };
    if r < 0 {
        return Err(format!("wait4 failed: {}", std::io::Error::last_os_error()));
    }
    Ok((status, usage.ru_maxrss))
}

fn ms(s: f64) -> String {
    if s >= 1.0 {
        format!("{s:.2} s")
    } else {
        format!("{:.1} ms", s * 1000.0)
    }
}

/// The Markdown table of results.
pub fn table(
    rows: &[(String, Sample, Option<Sample>, String)],
    version: &Sample,
    get: &Sample,
) -> String {
    let mut out = String::new();
    out.push_str("| operation | coffer (median) | peak RSS | keepassxc-cli (median) | its peak RSS | speed-up |\n");
    out.push_str("|---|---:|---:|---:|---:|---:|\n");
    for (what, ours, theirs, their_cmd) in rows {
        let (t, r, x) = match theirs {
            Some(s) => (
                format!("{} (`{their_cmd}`, n={})", ms(s.median()), s.secs.len()),
                format!("{} MiB", s.max_rss_kib / 1024),
                format!("{:.0}×", s.median() / ours.median()),
            ),
            None => ("—".into(), "—".into(), "—".into()),
        };
        out.push_str(&format!(
            "| {what} | {} (n={}) | {} MiB | {t} | {r} | {x} |\n",
            ms(ours.median()),
            ours.secs.len(),
            ours.max_rss_kib / 1024,
        ));
    }
    out.push_str(&format!(
        "\n`get` / `--version` = {:.2} (aim: ≤ 3)\n",
        get.median() / version.median()
    ));
    out
}
