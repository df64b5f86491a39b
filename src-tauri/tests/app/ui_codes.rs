//! The page switches on error codes and raises a few of its own; every one
//! of them must be in the closed set of `coffer_core::Code`.

use std::path::{Path, PathBuf};

use coffer_core::Code;

fn scripts(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("ui folder") {
        let path = entry.expect("entry").path();
        if path.is_dir() {
            scripts(&path, out);
        } else if path.extension().is_some_and(|e| e == "js") {
            out.push(path);
        }
    }
}

/// The quoted words after each `marker` in `text`.
fn quoted_after<'t>(text: &'t str, marker: &str) -> Vec<&'t str> {
    text.match_indices(marker)
        .filter_map(|(at, _)| {
            let rest = &text[at + marker.len()..];
            let end = rest.find('"')?;
            Some(&rest[..end])
        })
        .collect()
}

#[test]
fn every_code_the_page_raises_or_tests_is_a_core_code() {
    let ui = Path::new(env!("CARGO_MANIFEST_DIR")).join("../ui");
    let mut files = Vec::new();
    scripts(&ui, &mut files);
    assert!(files.len() > 1, "no scripts under {}", ui.display());
    let known: Vec<&str> = Code::ALL.iter().map(|c| c.as_str()).collect();
    let mut seen = 0;
    for file in files {
        let text = std::fs::read_to_string(&file).expect("read");
        for marker in ["code: \"", "code === \"", "code !== \""] {
            for code in quoted_after(&text, marker) {
                seen += 1;
                assert!(
                    known.contains(&code),
                    "{}: code {code:?} is not a coffer_core::Code",
                    file.display()
                );
            }
        }
    }
    assert!(seen >= 4, "the scan found only {seen} codes");
}
