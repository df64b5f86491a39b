//! Files written by the tools people move from (their own test fixtures and
//! samples, origin and licence in each folder's README), read as the
//! folder's `expected.json` says: every secret `[name, value, enabled,
//! flagged secret]` in order, the format it is read as, the names said to
//! be left out, and for an
//! encrypted file its `password` and `key_file`, or the `error` code it
//! must be refused with.

use std::fs;
use std::path::{Path, PathBuf};

use coffer_core::{
    read_import_with, Credentials, ExposeSecret, ImportSource, Policy, SecretString,
};
use libtest_mimic::{Failed, Trial};

/// The folders of tool files, each with an `expected.json`.
const FOLDERS: &[&str] = &["apiclients", "kdbx", "managers"];

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
        // Each file, and the key files that open them.
        let described: Vec<String> = expected
            .as_object()
            .expect("an object")
            .iter()
            .flat_map(|(file, want)| {
                [
                    Some(file.clone()),
                    want["key_file"].as_str().map(str::to_owned),
                ]
            })
            .flatten()
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
            if !matches!(
                file.as_deref(),
                Some("README.md" | "expected.json" | ".gitattributes")
            ) {
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
    let password = want["password"]
        .as_str()
        .map(|p| SecretString::from(p.to_owned()));
    let key_file = match want["key_file"].as_str() {
        Some(name) => Some(fs::read(path.with_file_name(name))?),
        None => None,
    };
    let credentials = Credentials {
        password: password.as_ref(),
        key_file: key_file.as_deref(),
    };
    let read = read_import_with(
        ImportSource::Path(path),
        credentials,
        None,
        &Policy::default(),
    );
    if let Some(code) = want["error"].as_str() {
        return match read {
            Err(e) if e.code() == code => Ok(()),
            Err(e) => Err(format!("refused as {}, not {code}: {e}", e.code()).into()),
            Ok(_) => Err(format!("read; it must be refused as {code}").into()),
        };
    }
    let set = read.map_err(|e| format!("refused: {e}"))?;
    if let Some(format) = want.get("format") {
        let got = serde_json::to_value(set.files.first().and_then(|f| f.format))?;
        if &got != format {
            return Err(format!("read as {got}, not {format}").into());
        }
    }
    let got: Vec<serde_json::Value> = set
        .secrets
        .iter()
        .map(|s| serde_json::json!([s.name, s.value.expose_secret(), s.enabled, s.flagged_secret]))
        .collect();
    let want_secrets = want["secrets"]
        .as_array()
        .cloned()
        .ok_or("expected.json gives neither `secrets` nor `error` for this file")?;
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
