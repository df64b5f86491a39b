//! Test seams live only in a build made for the tests: behind the cargo
//! feature `test-seams`, which `make test` turns on and `make run` does not.

use std::path::{Path, PathBuf};

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("read_dir").flatten() {
        let path = entry.path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

const GATE: &str = "#[cfg(feature = \"test-seams\")]";

#[test]
fn every_test_seam_is_behind_the_test_seams_feature() {
    let mut files = Vec::new();
    rust_files(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("src"),
        &mut files,
    );
    let mut seams = 0;
    for file in files {
        let text = std::fs::read_to_string(&file).expect("read");
        let lines: Vec<&str> = text.lines().collect();
        for (i, line) in lines.iter().enumerate() {
            if !line.contains("\"COFFER_TEST_") {
                continue;
            }
            seams += 1;
            // The gate is on the statement that reads the variable, or on
            // one of the two lines before it.
            let gated = lines[i.saturating_sub(2)..i]
                .iter()
                .any(|l| l.trim() == GATE);
            assert!(
                gated,
                "{}:{}: a test seam outside {GATE}",
                file.display(),
                i + 1
            );
        }
    }
    assert!(
        seams > 0,
        "no seam found: the scan looks in the wrong place"
    );
}

/// The recipe of `target` in the Makefile (its tab-indented lines).
fn recipe(makefile: &str, target: &str) -> String {
    let start = format!("{target}:");
    makefile
        .lines()
        .skip_while(|l| !l.starts_with(&start))
        .skip(1)
        .take_while(|l| l.starts_with('\t'))
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn the_build_a_person_runs_has_no_seams_and_the_tests_build_has_them() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let manifest = std::fs::read_to_string(root.join("Cargo.toml")).expect("Cargo.toml");
    assert!(
        manifest.contains("\ntest-seams = []"),
        "the feature is declared"
    );
    assert!(
        !manifest
            .lines()
            .any(|l| l.trim_start().starts_with("default") && l.contains("test-seams")),
        "test-seams is on by default"
    );
    assert!(
        !manifest.contains("devtools"),
        "the devtools feature would ship an inspector"
    );
    let makefile =
        std::fs::read_to_string(root.join("../Makefile")).expect("the workspace Makefile");
    let run = recipe(&makefile, "run");
    let test = recipe(&makefile, "test");
    assert!(
        run.contains("--release"),
        "make run builds a release: {run}"
    );
    assert!(
        !run.contains("TEST_FEATURES") && !run.contains("test-seams"),
        "make run builds seams in: {run}"
    );
    assert!(
        makefile.contains("TEST_FEATURES := --features coffer-desktop/test-seams"),
        "the tests' features"
    );
    assert_eq!(
        test.matches("$(TEST_FEATURES)").count(),
        2,
        "make test builds and runs with the seams: {test}"
    );
}
