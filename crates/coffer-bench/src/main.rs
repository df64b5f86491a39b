//! `coffer-bench`: times the `coffer` CLI and `keepassxc-cli` side by side on
//! the same generated secrets, in one run, and prints a Markdown table.
//!
//! Usage: `coffer-bench [--reps N] [--skip-keepassxc-100k]` (run by `make bench`,
//! which builds both binaries in release mode first); `--linked-only` runs
//! only the linked-secret part (an OpenBao dev server, `make deps-linked`).
//!
//! Each figure is the median wall time of N runs of a whole process (spawn to
//! exit), with the peak RSS of the slowest-memory run from `wait4`.

mod data;
mod linked;
mod measure;

use std::path::{Path, PathBuf};
use std::process::Command;

use measure::{run, Sample};

struct Options {
    reps: usize,
    keepassxc_100k: bool,
}

fn main() {
    let mut opts = Options {
        reps: 15,
        keepassxc_100k: true,
    };
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--make-coffer" => {
                let path = args.next().map(PathBuf::from).unwrap_or_default();
                let n = args.next().and_then(|n| n.parse().ok()).unwrap_or(0);
                match data::make_coffer(&path, n) {
                    Ok(key) => println!("{key}"),
                    Err(e) => {
                        eprintln!("error: {e}");
                        std::process::exit(1);
                    }
                }
                return;
            }
            "--reps" => opts.reps = args.next().and_then(|n| n.parse().ok()).unwrap_or(15),
            "--skip-keepassxc-100k" => opts.keepassxc_100k = false,
            "--raw-floor" => {
                let path = args.next().map(PathBuf::from).unwrap_or_default();
                if let Err(e) = data::raw_floor(&path) {
                    eprintln!("error: {e}");
                    std::process::exit(1);
                }
                return;
            }
            "--argon2-only" => {
                data::argon2_once();
                return;
            }
            "--linked-only" => {
                match linked::bench(&coffer_bin(), opts.reps) {
                    Ok(lines) => lines.iter().for_each(|l| println!("{l}")),
                    Err(e) => {
                        eprintln!("error: {e}");
                        std::process::exit(1);
                    }
                }
                return;
            }
            other => {
                eprintln!("error: unknown argument {other}; use --reps N or --skip-keepassxc-100k");
                std::process::exit(2);
            }
        }
    }
    if let Err(e) = bench(&opts) {
        eprintln!("error: {e}");
        std::process::exit(1);
    }
}

fn coffer_bin() -> PathBuf {
    let me = std::env::current_exe().unwrap_or_default();
    me.with_file_name("coffer")
}

fn bench(opts: &Options) -> Result<(), String> {
    let coffer = coffer_bin();
    if !coffer.exists() {
        return Err(format!(
            "{} not found; build it with `cargo build --release -p coffer-cli`",
            coffer.display()
        ));
    }
    let kpx = which("keepassxc-cli")
        .ok_or("keepassxc-cli not found; install the keepassxc package (make bench does)")?;
    let dir = tempfile::tempdir().map_err(|e| e.to_string())?;
    let reps = opts.reps;
    let mut rows: Vec<(String, Sample, Option<Sample>, String)> = Vec::new();

    eprintln!("building 10k and 100k coffer vaults and the 10k keepassxc database…");
    let (v10k, key10k) = data::coffer_vault(dir.path(), "v10k.db", 10_000)?;
    let (v100k, key100k) = data::coffer_vault(dir.path(), "v100k.db", 100_000)?;
    let kdb10k = data::keepassxc_db(&kpx, dir.path(), "k10k.kdbx", 10_000)?;

    let coffer_cmd = |vault: &Path, key: &str| {
        let mut c = Command::new(&coffer);
        c.env("COFFER_VAULT", vault).env("COFFER_VAULT_KEY", key);
        c
    };
    let kpx_cmd = |args: &[&str]| {
        let mut c = Command::new(&kpx);
        c.args(args);
        c
    };

    eprintln!("process start…");
    let version = run(reps, |_| {
        let mut c = Command::new(&coffer);
        c.arg("--version");
        (c, Vec::new())
    })?;

    eprintln!("get on 10k…");
    let get = run(reps, |i| {
        let mut c = coffer_cmd(&v10k, &key10k);
        c.args(["get", &data::name(i * 613 % 10_000)]);
        (c, Vec::new())
    })?;
    let db = kdb10k.to_string_lossy().into_owned();
    let show = run(reps.min(5), |i| {
        (
            kpx_cmd(&[
                "show",
                "-q",
                "-s",
                "-a",
                "Password",
                &db,
                &data::name(i * 613 % 10_000),
            ]),
            data::KPX_STDIN.to_vec(),
        )
    })?;
    rows.push((
        "`get` one secret, 10k vault".into(),
        get.clone(),
        Some(show),
        "keepassxc-cli show -s".into(),
    ));
    rows.push((
        "`--version` (process start)".into(),
        version.clone(),
        None,
        String::new(),
    ));

    eprintln!("set on 10k…");
    let set = run(reps, |i| {
        let mut c = coffer_cmd(&v10k, &key10k);
        c.args(["set", &format!("bench-new-{i}")]);
        (c, b"sk_bench_value_0123456789abcdef".to_vec())
    })?;
    let add = run(reps.min(5), |i| {
        let mut stdin = data::KPX_STDIN.to_vec();
        stdin.extend_from_slice(b"entry-password\n");
        (
            kpx_cmd(&["add", "-q", "-p", &db, &format!("bench-new-{i}")]),
            stdin,
        )
    })?;
    rows.push((
        "`set` one secret (durable), 10k vault".into(),
        set,
        Some(add),
        "keepassxc-cli add".into(),
    ));

    // Before the 100k and import rows, while this process is small: a
    // child's peak RSS from wait4 counts this process's pages until exec.
    eprintln!("coffer run: start-up and masking…");
    let plain_true = run(reps, |_| (Command::new("true"), Vec::new()))?;
    let run_true = run(reps, |_| {
        let mut c = Command::new(&coffer);
        c.args(["run", "--", "true"]);
        (c, Vec::new())
    })?;
    let run_one = run(reps, |_| {
        let mut c = coffer_cmd(&v10k, &key10k);
        c.env("API_KEY", format!("{{{{vault:{}}}}}", data::name(42)))
            .args(["run", "--", "true"]);
        (c, Vec::new())
    })?;
    rows.push((
        "`run -- true` (no reference in the environment)".into(),
        run_true.clone(),
        None,
        String::new(),
    ));
    rows.push((
        "`run -- true` with one reference, 10k vault".into(),
        run_one,
        None,
        String::new(),
    ));
    let masking = data::masking_setup(&coffer, dir.path())?;
    let mask_file = masking.file.to_string_lossy().into_owned();
    let masked = run(reps.min(5), |_| {
        let mut c = coffer_cmd(&masking.vault, &masking.key);
        c.envs(masking.vars.iter().map(|(k, v)| (k, v)))
            .args(["run", "--", "cat", &mask_file]);
        (c, Vec::new())
    })?;
    let unmasked = run(reps.min(5), |_| {
        let mut c = Command::new("cat");
        c.arg(&mask_file);
        (c, Vec::new())
    })?;
    rows.push((
        "`run -- cat` of 256 MiB, 100 values of 20–60 bytes masked".into(),
        masked.clone(),
        None,
        String::new(),
    ));

    // An interactive program's prompt (no newline) through the masker: time
    // from start until the prompt is read, against the program alone.
    let prompt_at = |through_coffer: bool| -> Result<f64, String> {
        let script = "printf 'Password: '; sleep 0.3";
        let mut c = if through_coffer {
            let mut c = coffer_cmd(&v10k, &key10k);
            c.env("API_KEY", format!("{{{{vault:{}}}}}", data::name(7)))
                .args(["run", "--", "sh", "-c", script]);
            c
        } else {
            let mut c = Command::new("sh");
            c.args(["-c", script]);
            c
        };
        let start = std::time::Instant::now();
        let mut child = c
            .stdout(std::process::Stdio::piped())
            .spawn()
            .map_err(|e| e.to_string())?;
        let mut out = child.stdout.take().ok_or("no stdout")?;
        let mut seen = Vec::new();
        let mut byte = [0u8; 1];
        while !seen.ends_with(b"Password: ") {
            if std::io::Read::read(&mut out, &mut byte).map_err(|e| e.to_string())? == 0 {
                return Err("the prompt never came".into());
            }
            seen.push(byte[0]);
        }
        let took = start.elapsed().as_secs_f64();
        child.wait().map_err(|e| e.to_string())?;
        Ok(took)
    };
    let mut direct = Vec::new();
    let mut masked_prompt = Vec::new();
    for _ in 0..reps.min(9) {
        direct.push(prompt_at(false)?);
        masked_prompt.push(prompt_at(true)?);
    }
    direct.sort_by(f64::total_cmp);
    masked_prompt.sort_by(f64::total_cmp);
    let prompt_line = format!(
        "a prompt without a newline through `coffer run` (masking on, one reference): shown {:.1} ms after start, {:.1} ms later than without Coffer (median of {}; aim: ≤ 50 ms)",
        masked_prompt[masked_prompt.len() / 2] * 1000.0,
        (masked_prompt[masked_prompt.len() / 2] - direct[direct.len() / 2]) * 1000.0,
        direct.len()
    );

    eprintln!("unlock + list 100k…");
    let list = run(reps.min(7), |_| {
        let mut c = coffer_cmd(&v100k, &key100k);
        c.args(["list", "--json"]);
        (c, Vec::new())
    })?;
    let ls = if opts.keepassxc_100k {
        eprintln!("building the 100k keepassxc database (slow)…");
        let kdb100k = data::keepassxc_db(&kpx, dir.path(), "k100k.kdbx", 100_000)?;
        let db100 = kdb100k.to_string_lossy().into_owned();
        Some(run(1, |_| {
            (
                kpx_cmd(&["ls", "-q", "-R", &db100]),
                data::KPX_STDIN.to_vec(),
            )
        })?)
    } else {
        None
    };
    rows.push((
        "unlock + `list --json`, 100k vault".into(),
        list,
        ls,
        "keepassxc-cli ls -R".into(),
    ));

    eprintln!("export / import…");
    let transfer_reps = reps.min(5);
    let password_file = dir.path().join("export-password");
    std::fs::write(&password_file, data::EXPORT_PASSWORD).map_err(|e| e.to_string())?;
    let pw = password_file.to_string_lossy().into_owned();
    let plain10k = dir
        .path()
        .join("plain10k.json")
        .to_string_lossy()
        .into_owned();
    let plain100k = dir
        .path()
        .join("plain100k.json")
        .to_string_lossy()
        .into_owned();
    let enc10k = dir
        .path()
        .join("enc10k.json")
        .to_string_lossy()
        .into_owned();
    let export_enc = run(transfer_reps, |_| {
        let mut c = coffer_cmd(&v10k, &key10k);
        c.args([
            "export",
            "--format",
            "encrypted",
            "--force",
            "-o",
            &enc10k,
            "--password-file",
            &pw,
        ]);
        (c, Vec::new())
    })?;
    let kpx_export = run(transfer_reps, |_| {
        (
            kpx_cmd(&["export", "-q", "-f", "xml", &db]),
            data::KPX_STDIN.to_vec(),
        )
    })?;
    rows.push((
        "`export --format encrypted`, 10k (incl. Argon2id)".into(),
        export_enc,
        Some(kpx_export),
        "keepassxc-cli export -f xml".into(),
    ));
    for (file, vault) in [(&plain10k, &v10k), (&plain100k, &v100k)] {
        let key = if vault == &v10k { &key10k } else { &key100k };
        let status = coffer_cmd(vault, key)
            .args([
                "export",
                "--format",
                "plaintext",
                "--yes",
                "--force",
                "-o",
                file,
            ])
            .status()
            .map_err(|e| e.to_string())?;
        if !status.success() {
            return Err("plaintext export failed".into());
        }
    }
    // The same 10k as a dotenv file, written by `coffer export`.
    let dotenv10k = dir.path().join("d10k.env").to_string_lossy().into_owned();
    let status = coffer_cmd(&v10k, &key10k)
        .args([
            "export", "--format", "dotenv", "--yes", "--force", "-o", &dotenv10k,
        ])
        .status()
        .map_err(|e| e.to_string())?;
    if !status.success() {
        return Err("dotenv export failed".into());
    }
    let kpx_pw = dir.path().join("kpx-pw.txt");
    std::fs::write(&kpx_pw, data::KPX_PASSWORD).map_err(|e| e.to_string())?;
    let kpx_pw = kpx_pw.to_string_lossy().into_owned();
    let fresh =
        |tag: &str, i: usize| data::empty_vault(&coffer, dir.path(), &format!("{tag}-{i}.db"));
    let mut targets = Vec::new();
    for i in 0..transfer_reps {
        targets.push((
            fresh("imp10k", i)?,
            fresh("imp100k", i)?,
            fresh("impenc", i)?,
            fresh("impenv", i)?,
            fresh("impkdbx", i)?,
        ));
    }
    let import10k = run(transfer_reps, |i| {
        let (v, k) = &targets[i].0;
        let mut c = coffer_cmd(v, k);
        c.args(["import", &plain10k]);
        (c, Vec::new())
    })?;
    let kpx_import = run(transfer_reps.min(3), |i| {
        let out = dir.path().join(format!("kpx-import-{i}.kdbx"));
        let mut c = Command::new(&kpx);
        c.args(["import", "-q", "-p"])
            .arg(dir.path().join("k10k.kdbx.xml"))
            .arg(out);
        (c, format!("{0}\n{0}\n", data::KPX_PASSWORD).into_bytes())
    })?;
    rows.push((
        "`import` plaintext, 10k into an empty vault".into(),
        import10k,
        Some(kpx_import),
        "keepassxc-cli import (XML)".into(),
    ));
    let import100k = run(transfer_reps, |i| {
        let (v, k) = &targets[i].1;
        let mut c = coffer_cmd(v, k);
        c.args(["import", &plain100k]);
        (c, Vec::new())
    })?;
    rows.push((
        "`import` plaintext, 100k into an empty vault".into(),
        import100k,
        None,
        String::new(),
    ));
    let import_enc = run(transfer_reps, |i| {
        let (v, k) = &targets[i].2;
        let mut c = coffer_cmd(v, k);
        c.args(["import", &enc10k, "--password-file", &pw]);
        (c, Vec::new())
    })?;
    rows.push((
        "`import` encrypted, 10k (incl. Argon2id)".into(),
        import_enc,
        None,
        String::new(),
    ));
    let import_env = run(transfer_reps, |i| {
        let (v, k) = &targets[i].3;
        let mut c = coffer_cmd(v, k);
        c.args(["import", &dotenv10k]);
        (c, Vec::new())
    })?;
    rows.push((
        "`import` dotenv, 10k into an empty vault".into(),
        import_env,
        None,
        String::new(),
    ));
    let import_kdbx = run(transfer_reps, |i| {
        let (v, k) = &targets[i].4;
        let mut c = coffer_cmd(v, k);
        c.args(["import", &db, "--password-file", &kpx_pw]);
        (c, Vec::new())
    })?;
    let kpx_open = run(transfer_reps, |_| {
        (
            kpx_cmd(&["export", "-q", "-f", "csv", &db]),
            data::KPX_STDIN.to_vec(),
        )
    })?;
    rows.push((
        "`import` KeePassXC .kdbx, 10k (incl. its KDF)".into(),
        import_kdbx,
        Some(kpx_open),
        "keepassxc-cli export -f csv (open + read)".into(),
    ));
    // Import bombs at the caps: 64 MiB files past the 100,000-entry cap,
    // refused while being parsed (exit 1), with the vault untouched.
    for (what, file) in data::import_bombs(dir.path())? {
        let (v, k) = &targets[0].0;
        let refused = measure::run_expecting(transfer_reps, 1, |_| {
            let mut c = coffer_cmd(v, k);
            c.args(["import", "--dry-run", &file]);
            (c, Vec::new())
        })?;
        rows.push((
            format!("`import --dry-run` refused: {what}"),
            refused,
            None,
            String::new(),
        ));
    }
    let kdf = run(transfer_reps, |_| {
        let mut c = Command::new(std::env::current_exe().unwrap_or_default());
        c.arg("--argon2-only");
        (c, Vec::new())
    })?;
    rows.push((
        "Argon2id alone (64 MiB, t=3, p=4), process included".into(),
        kdf,
        None,
        String::new(),
    ));
    let floor = run(transfer_reps, |_| {
        let mut c = Command::new(std::env::current_exe().unwrap_or_default());
        c.args(["--raw-floor", &plain10k]);
        (c, Vec::new())
    })?;
    rows.push((
        "raw floor, 10k: serde_json parse + write, AES-GCM seal + open, process included".into(),
        floor,
        None,
        String::new(),
    ));

    println!("{}", measure::table(&rows, &version, &get));
    println!(
        "`run -- true` − `true` = {:.1} ms (aim: ≤ 5 ms; `true` alone {:.1} ms)",
        (run_true.median() - plain_true.median()) * 1000.0,
        plain_true.median() * 1000.0
    );
    println!("{prompt_line}");
    eprintln!("linked secrets against OpenBao…");
    for line in linked::bench(&coffer, reps)? {
        println!("{line}");
    }
    println!(
        "masking throughput: {:.0} MB/s (256 MiB through `coffer run` in {:.0} ms, `cat` alone {:.0} ms; aim: ≥ 500 MB/s)",
        256.0 * 1024.0 * 1024.0 / 1e6 / masked.median(),
        masked.median() * 1000.0,
        unmasked.median() * 1000.0
    );
    Ok(())
}

fn which(name: &str) -> Option<PathBuf> {
    std::env::var_os("PATH")?
        .to_string_lossy()
        .split(':')
        .map(|d| Path::new(d).join(name))
        .find(|p| p.is_file())
}
