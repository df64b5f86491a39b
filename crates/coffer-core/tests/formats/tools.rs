//! Files written by the tools people move from (their own test fixtures and
//! samples, origin and licence in each folder's README), read as the
//! folder's `expected.json` says: every secret `[name, value, enabled,
//! flagged secret]` in order, and the names said to be left out.

use std::fs;
use std::path::{Path, PathBuf};

use coffer_core::{read_import, ExposeSecret, ImportSource, Policy};
use libtest_mimic::{Failed, Trial};

/// The folders of tool files, each with an `expected.json`.
const FOLDERS: &[&str] = &["apiclients"];

fn folder(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
}

/// One test per file that `expected.json` describes, and one that every
/// file of the folder is described.
pub(crate) fn trials() -> Vec<Trial> {
    let mut trials = Vec::new();
    for name in FOLDERS {
        let dir = folder(name);
        let expected: serde_json::Value =
            serde_json::from_slice(&fs::read(dir.join("expected.json")).expect("expected.json"))
                .expect("expected.json is JSON");
        let described: Vec<String> = expected
            .as_object()
            .expect("an object")
            .keys()
            .cloned()
            .collect();
        let d = dir.clone();
        trials.push(Trial::test(
            format!("tools::{name}::every_file_is_described"),
            move || every_file_is_described(&d, &described),
        ));
        for (file, want) in expected.as_object().expect("an object").clone() {
            let path = dir.join(&file);
            trials.push(Trial::test(format!("tools::{name}::{file}"), move || {
                reads_as_expected(&path, &want)
            }));
        }
    }
    trials
}

/// Every file of the tool folders, for the fuzz trials.
pub(crate) fn files() -> Vec<PathBuf> {
    let mut out = Vec::new();
    for name in FOLDERS {
        for entry in fs::read_dir(folder(name)).expect("the folder") {
            let path = entry.expect("entry").path();
            let file = path.file_name().map(|n| n.to_string_lossy().into_owned());
            if !matches!(file.as_deref(), Some("README.md" | "expected.json")) {
                out.push(path);
            }
        }
    }
    out.sort();
    out
}

fn every_file_is_described(dir: &Path, described: &[String]) -> Result<(), Failed> {
    for path in files().into_iter().filter(|p| p.starts_with(dir)) {
        let file = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        if !described.contains(&file) {
            return Err(format!("{file} is not in expected.json").into());
        }
    }
    Ok(())
}

fn reads_as_expected(path: &Path, want: &serde_json::Value) -> Result<(), Failed> {
    let set = read_import(ImportSource::Path(path), None, None, &Policy::default())
        .map_err(|e| format!("refused: {e}"))?;
    let got: Vec<serde_json::Value> = set
        .secrets
        .iter()
        .map(|s| serde_json::json!([s.name, s.value.expose_secret(), s.enabled, s.flagged_secret]))
        .collect();
    let want_secrets = want["secrets"].as_array().cloned().unwrap_or_default();
    if got != want_secrets {
        return Err(format!(
            "secrets differ\n got: {}\nwant: {}",
            serde_json::to_string_pretty(&got).unwrap_or_default(),
            serde_json::to_string_pretty(&want_secrets).unwrap_or_default()
        )
        .into());
    }
    let said = set
        .files
        .iter()
        .flat_map(|f| f.left_out.iter())
        .cloned()
        .collect::<Vec<_>>()
        .join("\n");
    for name in want["left_out_names"].as_array().into_iter().flatten() {
        let quoted = format!("{:?}", name.as_str().unwrap_or_default());
        if !said.contains(&quoted) {
            return Err(format!("{quoted} is not said to be left out: {said}").into());
        }
    }
    Ok(())
}
