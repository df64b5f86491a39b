//! The import formats against checked-in files, one named test case each:
//!
//! - `vectors::…` — the test vectors of `docs/export-format.md`;
//! - `fixture::<file>` — every file of `tests/fixtures/import/`: a
//!   `fail_<code>__what` file must be refused with error code `<code>` and an
//!   error naming the file (a `kdf_limits` one even before a password is
//!   asked for); an `ok__what` file must import;
//! - `tools::<folder>::<file>` — files written by other tools read as
//!   their folder's `expected.json` says (`formats/tools.rs`);
//! - `fuzz::<file>` — the fuzz target never panics on the file or its
//!   truncations (the corpus and the tools' files);
//! - `folders::…` — folder sources.
//!
//! A new fixture file is a new test case without any list to update.

use std::fs;
use std::path::{Path, PathBuf};

use coffer_core::{
    fuzz_import, read_import, ExposeSecret, Format, ImportSet, ImportSource, Policy, SecretString,
};
use libtest_mimic::{Arguments, Failed, Trial};

#[path = "formats/tools.rs"]
mod tools;

const ENCRYPTED: &[u8] = include_bytes!("../../../docs/vectors/v1-encrypted.json");
const PLAINTEXT: &[u8] = include_bytes!("../../../docs/vectors/v1-plaintext.json");
const PASSWORD: &str = include_str!("../../../docs/vectors/v1-encrypted.password");
/// At least this many `fail_` fixtures must exist (the corpus must not vanish).
const MIN_FAIL_FIXTURES: usize = 30;

fn main() {
    let mut trials = vec![
        Trial::test(
            "vectors::encrypted_decrypts_to_the_plaintext_vector",
            encrypted_decrypts_to_the_plaintext_vector,
        ),
        Trial::test(
            "vectors::encrypted_refuses_a_wrong_password_and_any_change",
            encrypted_refuses_a_wrong_password_and_any_change,
        ),
        Trial::test(
            "folders::an_empty_folder_or_one_of_unknown_files_is_an_error",
            an_empty_folder_or_one_of_unknown_files_is_an_error,
        ),
        Trial::test("fixture::the_corpus_is_there", the_corpus_is_there),
        Trial::test(
            "caps::every_format_over_the_entry_cap_is_refused_naming_it",
            every_format_over_the_entry_cap_is_refused_naming_it,
        ),
        Trial::test(
            "caps::a_file_at_the_entry_cap_is_read",
            a_file_at_the_entry_cap_is_read,
        ),
        Trial::test(
            "dotenv::motdotla_files_read_as_its_tests_expect",
            motdotla_files_read_as_its_tests_expect,
        ),
        Trial::test(
            "dotenv::python_dotenv_parser_cases_read_as_python_dotenv_reads_them",
            python_dotenv_parser_cases_read_as_python_dotenv_reads_them,
        ),
    ];
    trials.extend(tools::trials());
    for file in tools::files() {
        let name = file_name(&file);
        trials.push(Trial::test(format!("fuzz::{name}"), move || {
            fuzz_never_panics(&file)
        }));
    }
    for file in corpus() {
        let name = file_name(&file);
        let f = file.clone();
        trials.push(Trial::test(format!("fixture::{name}"), move || {
            fixture_outcome(&f)
        }));
        trials.push(Trial::test(format!("fuzz::{name}"), move || {
            fuzz_never_panics(&file)
        }));
    }
    libtest_mimic::run(&Arguments::from_args(), trials).exit();
}

fn corpus() -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/import");
    let mut files: Vec<PathBuf> = fs::read_dir(dir)
        .expect("the fixture folder")
        .map(|e| e.expect("entry").path())
        .collect();
    files.sort();
    files
}

fn file_name(path: &Path) -> String {
    path.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default()
}

fn check(ok: bool, what: impl FnOnce() -> String) -> Result<(), Failed> {
    if ok {
        Ok(())
    } else {
        Err(what().into())
    }
}

fn read_text(bytes: &[u8], password: Option<&str>) -> coffer_core::Result<ImportSet> {
    let pw = password.map(|p| SecretString::from(p.to_owned()));
    read_import(
        ImportSource::Text {
            label: "vector",
            bytes,
        },
        pw.as_ref(),
        None,
        &Policy::default(),
    )
}

type Summary = Vec<(String, String, bool, Vec<String>, String)>;

fn summary(set: &ImportSet) -> Summary {
    set.secrets
        .iter()
        .map(|s| {
            (
                s.name.clone(),
                s.value.expose_secret().to_owned(),
                s.enabled.unwrap_or(true),
                s.allowed_domains.clone().unwrap_or_default(),
                s.note.clone().unwrap_or_default(),
            )
        })
        .collect()
}

fn encrypted_decrypts_to_the_plaintext_vector() -> Result<(), Failed> {
    let enc = read_text(ENCRYPTED, Some(PASSWORD))?;
    let plain = read_text(PLAINTEXT, None)?;
    check(enc.files[0].format == Some(Format::CofferEncrypted), || {
        format!("{:?}", enc.files[0].format)
    })?;
    check(
        plain.files[0].format == Some(Format::CofferPlaintext),
        || format!("{:?}", plain.files[0].format),
    )?;
    check(summary(&enc) == summary(&plain), || {
        "the two vectors hold different secrets".into()
    })?;
    let got = summary(&plain);
    check(got[0].0 == "stripe", || got[0].0.clone())?;
    check(got[0].1 == "coffer-test-vector-value-0001", || {
        got[0].1.clone()
    })?;
    check(got[0].3 == ["api.stripe.com", "*.stripe.network"], || {
        format!("{:?}", got[0].3)
    })?;
    check(
        got[2].1 == "line one\nline \"two\" — ünïcode 🔑\n",
        || got[2].1.clone(),
    )?;
    check(!got[2].2, || "the third secret should be disabled".into())
}

fn encrypted_refuses_a_wrong_password_and_any_change() -> Result<(), Failed> {
    let err = read_text(ENCRYPTED, Some("vector password: Coffer 2027!"))
        .err()
        .ok_or("a wrong password was accepted")?;
    check(err.code() == "wrong_password", || err.to_string())?;
    let text = std::str::from_utf8(ENCRYPTED)?;
    let mut file: serde_json::Value = serde_json::from_str(text)?;
    let ct = file["ciphertext"]
        .as_str()
        .ok_or("no ciphertext")?
        .to_owned();
    let flipped = format!(
        "{}{}",
        if ct.starts_with('A') { "B" } else { "A" },
        &ct[1..]
    );
    file["ciphertext"] = flipped.into();
    let err = read_text(file.to_string().as_bytes(), Some(PASSWORD))
        .err()
        .ok_or("a tampered file was accepted")?;
    check(err.code() == "wrong_password", || err.to_string())
}

fn an_empty_folder_or_one_of_unknown_files_is_an_error() -> Result<(), Failed> {
    let dir = tempfile::tempdir()?;
    let read = |p: &Path| read_import(ImportSource::Path(p), None, None, &Policy::default());
    let err = read(dir.path())
        .err()
        .ok_or("an empty folder was accepted")?;
    check(err.to_string().contains("no importable file"), || {
        err.to_string()
    })?;
    fs::write(dir.path().join("notes.txt"), "just prose\n")?;
    let err = read(dir.path())
        .err()
        .ok_or("a folder of prose was accepted")?;
    check(err.code() == "import_invalid", || err.to_string())
}

/// `n` entries in each format Coffer reads.
fn files_of(n: usize) -> Vec<(&'static str, String)> {
    let mut dotenv = String::new();
    let mut postman = Vec::new();
    let mut coffer = Vec::new();
    let mut bitwarden = Vec::new();
    let mut csv = String::from("name,password\n");
    let mut insomnia = Vec::new();
    let mut hoppscotch = Vec::new();
    let mut bruno = Vec::new();
    let mut bru = String::from("vars {\n");
    for i in 0..n {
        insomnia.push(format!(r#""K{i}":"v""#));
        hoppscotch.push(format!(r#"{{"key":"K{i}","value":"v"}}"#));
        bruno.push(format!(r#"{{"name":"K{i}","value":"v"}}"#));
        bru.push_str(&format!("  K{i}: v\n"));
        csv.push_str(&format!("K{i},v\n"));
        dotenv.push_str(&format!("K{i}=v\n"));
        postman.push(format!(r#"{{"key":"K{i}","value":"v"}}"#));
        coffer.push(format!(
            r#"{{"name":"K{i}","value":"v","enabled":true,"allowed_domains":[],"note":"","created_at":"2026-01-01T00:00:00Z","updated_at":"2026-01-01T00:00:00Z"}}"#
        ));
        bitwarden.push(format!(
            r#"{{"id":"{i}","type":2,"name":"K{i}","notes":"v","secureNote":{{"type":0}}}}"#
        ));
    }
    bru.push_str("}\n");
    vec![
        ("dotenv", dotenv),
        ("csv", csv),
        ("bru", bru),
        (
            "insomnia",
            format!(
                r#"{{"_type":"export","__export_format":4,"resources":[{{"_id":"env_1","_type":"environment","parentId":"wrk_1","name":"Base","data":{{{}}}}}]}}"#,
                insomnia.join(",")
            ),
        ),
        (
            "hoppscotch",
            format!(r#"{{"name":"e","variables":[{}]}}"#, hoppscotch.join(",")),
        ),
        (
            "bruno",
            format!(r#"{{"name":"e","variables":[{}]}}"#, bruno.join(",")),
        ),
        (
            "postman",
            format!(r#"{{"name":"e","values":[{}]}}"#, postman.join(",")),
        ),
        (
            "coffer",
            format!(
                r#"{{"format":"coffer-export","version":1,"encryption":"none","exported_at":"2026-01-01T00:00:00Z","secrets":[{}]}}"#,
                coffer.join(",")
            ),
        ),
        (
            "bitwarden",
            format!(
                r#"{{"encrypted":false,"folders":[],"items":[{}]}}"#,
                bitwarden.join(",")
            ),
        ),
    ]
}

fn every_format_over_the_entry_cap_is_refused_naming_it() -> Result<(), Failed> {
    for (format, text) in files_of(coffer_core::IMPORT_MAX_ENTRIES + 1) {
        let err = read_text(text.as_bytes(), None)
            .err()
            .ok_or(format!("{format}: accepted"))?;
        check(err.code() == "import_invalid", || {
            format!("{format}: {err}")
        })?;
        check(err.to_string().contains("more than 100000 entries"), || {
            format!("{format}: {err}")
        })?;
    }
    Ok(())
}

fn a_file_at_the_entry_cap_is_read() -> Result<(), Failed> {
    let (_, dotenv) = files_of(coffer_core::IMPORT_MAX_ENTRIES).swap_remove(0);
    let set = read_text(dotenv.as_bytes(), None)?;
    check(set.secrets.len() == coffer_core::IMPORT_MAX_ENTRIES, || {
        format!("{} secrets", set.secrets.len())
    })
}

fn the_corpus_is_there() -> Result<(), Failed> {
    let fails = corpus()
        .iter()
        .filter(|f| file_name(f).starts_with("fail_"))
        .count();
    check(fails >= MIN_FAIL_FIXTURES, || {
        format!("only {fails} fail_ fixtures")
    })
}

fn fixture_outcome(file: &Path) -> Result<(), Failed> {
    let name = file_name(file);
    let password = SecretString::from(PASSWORD.to_owned());
    let got = read_import(
        ImportSource::Path(file),
        Some(&password),
        None,
        &Policy::default(),
    );
    let Some(rest) = name.strip_prefix("fail_") else {
        return got.map(drop).map_err(|e| e.to_string().into());
    };
    let want = rest.split("__").next().unwrap_or_default();
    let err = got.err().ok_or("the file was accepted")?;
    check(err.code() == want, || format!("{}: {err}", err.code()))?;
    check(err.to_string().contains(&name), || {
        format!("the error does not name the file: {err}")
    })?;
    if want == "import_kdf_limits" {
        // Refused before any password is asked for.
        let err = read_import(ImportSource::Path(file), None, None, &Policy::default())
            .err()
            .ok_or("accepted without a password")?;
        check(err.code() == want, || {
            format!("without a password: {}: {err}", err.code())
        })?;
    }
    Ok(())
}

fn fuzz_never_panics(file: &Path) -> Result<(), Failed> {
    let bytes = fs::read(file)?;
    let _ = fuzz_import(&bytes);
    for cut in (0..bytes.len()).step_by(bytes.len() / 16 + 1) {
        let _ = fuzz_import(&bytes[..cut]);
    }
    Ok(())
}

fn dotenv_fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/dotenv")
        .join(name)
}

/// The names and values an import of `bytes` gives, in order.
fn dotenv_pairs(bytes: &[u8]) -> coffer_core::Result<Vec<(String, String)>> {
    Ok(read_text(bytes, None)?
        .secrets
        .iter()
        .map(|s| (s.name.clone(), s.value.expose_secret().to_owned()))
        .collect())
}

/// motdotla/dotenv's own test files, read as its tests expect (see
/// `tests/fixtures/dotenv/README.md` for the one place Coffer follows
/// python-dotenv instead).
fn motdotla_files_read_as_its_tests_expect() -> Result<(), Failed> {
    let expected: serde_json::Value = serde_json::from_slice(
        &fs::read(dotenv_fixture("expected.json")).map_err(|e| e.to_string())?,
    )
    .map_err(|e| e.to_string())?;
    for (file, want) in expected.as_object().ok_or("expected.json: not an object")? {
        let bytes = fs::read(dotenv_fixture(file)).map_err(|e| format!("{file}: {e}"))?;
        let got = dotenv_pairs(&bytes).map_err(|e| format!("{file}: {e}"))?;
        let want = want["expected"].as_object().ok_or("no expected map")?;
        check(got.len() == want.len(), || {
            format!(
                "{file}: {} secrets, {} expected: {got:?}",
                got.len(),
                want.len()
            )
        })?;
        for (name, value) in &got {
            check(
                want.get(name).and_then(|v| v.as_str()) == Some(value.as_str()),
                || format!("{file}: {name} = {value:?}, expected {:?}", want.get(name)),
            )?;
        }
    }
    Ok(())
}

/// Every case of python-dotenv's parser tests: where it reads bindings
/// without error, Coffer reads the same names and values; where it reports
/// an error, a name without a value, or nothing at all, Coffer refuses the
/// file with a message (an import never drops a line silently).
fn python_dotenv_parser_cases_read_as_python_dotenv_reads_them() -> Result<(), Failed> {
    let cases: Vec<serde_json::Value> = serde_json::from_slice(
        &fs::read(dotenv_fixture("python-dotenv-parser-cases.json")).map_err(|e| e.to_string())?,
    )
    .map_err(|e| e.to_string())?;
    check(cases.len() >= 40, || format!("only {} cases", cases.len()))?;
    for case in &cases {
        let input = case["input"].as_str().ok_or("no input")?;
        let bindings = case["bindings"].as_array().ok_or("no bindings")?;
        let refused = bindings
            .iter()
            .any(|b| b["error"] == true || (b["key"].is_string() && b["value"].is_null()));
        let want: Vec<(String, String)> = bindings
            .iter()
            .filter_map(|b| {
                Some((
                    b["key"].as_str()?.to_owned(),
                    b["value"].as_str()?.to_owned(),
                ))
            })
            .collect();
        let got = dotenv_pairs(input.as_bytes());
        if refused || want.is_empty() {
            check(got.is_err(), || {
                format!("{input:?}: read as {got:?}, python-dotenv reports a problem")
            })?;
        } else {
            let got = got.map_err(|e| format!("{input:?}: {e}"))?;
            check(got == want, || {
                format!("{input:?}: {got:?}, python-dotenv: {want:?}")
            })?;
        }
    }
    Ok(())
}
