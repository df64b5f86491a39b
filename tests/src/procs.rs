//! The processes under a driver: which are the app's, and what the kernel
//! says of them (`/proc`, Linux).

/// A `Key:` line's value in a `/proc/PID/status`-like text.
pub fn field(status: &str, key: &str) -> Option<String> {
    status
        .lines()
        .find_map(|l| l.strip_prefix(key).map(|v| v.trim().to_owned()))
}

/// `root` and every process below it.
pub fn descendants(root: u32) -> Vec<u32> {
    let mut parents: Vec<(u32, u32)> = Vec::new();
    for entry in std::fs::read_dir("/proc").expect("/proc").flatten() {
        let Ok(pid) = entry.file_name().to_string_lossy().parse::<u32>() else {
            continue;
        };
        let status = std::fs::read_to_string(entry.path().join("status")).unwrap_or_default();
        if let Some(ppid) = field(&status, "PPid:").and_then(|p| p.parse().ok()) {
            parents.push((pid, ppid));
        }
    }
    let mut out = vec![root];
    let mut i = 0;
    while i < out.len() {
        let p = out[i];
        out.extend(parents.iter().filter(|(_, pp)| *pp == p).map(|(c, _)| *c));
        i += 1;
    }
    out
}

/// The `coffer-desktop` process below `root` (a driver), if it runs.
pub fn app_process(root: u32) -> Option<u32> {
    descendants(root).into_iter().find(|pid| {
        let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
        field(&status, "Name:").as_deref() == Some("coffer-desktop")
    })
}

/// The soft and hard core-file size limits of `pid`, as `/proc/PID/limits` writes them.
pub fn core_limits(pid: u32) -> Option<(String, String)> {
    let text = std::fs::read_to_string(format!("/proc/{pid}/limits")).ok()?;
    let line = text.lines().find(|l| l.starts_with("Max core file size"))?;
    let fields: Vec<&str> = line.split_whitespace().collect();
    Some((fields.get(4)?.to_string(), fields.get(5)?.to_string()))
}
