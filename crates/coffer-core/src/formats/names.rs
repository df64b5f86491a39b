//! Telling apart entries of a password manager that share a name.
//!
//! Bitwarden, KeePass and the others let two logins be called alike when
//! they sit in different folders (or in none); Coffer names secrets after
//! their entry, so two `GitHub` logins would shadow each other. An entry
//! whose name is shared takes its folder as a prefix (`Work/GitHub`); the
//! folder of a Bitwarden organization export is its first collection. Names
//! still equal after that get the start of the entry's id (`GitHub
//! [4f2a91]`), stable across exports of the same vault, or a number when
//! the file has no ids.

use std::collections::{HashMap, HashSet};

/// What naming needs of one item.
pub(crate) struct Named<'a> {
    pub(crate) name: &'a str,
    pub(crate) id: Option<&'a str>,
    /// The folder's (or first collection's) name, when the item has one.
    pub(crate) folder: Option<&'a str>,
}

/// One name per item, all distinct, and a sentence for every item renamed.
pub(crate) fn distinct(items: &[Named<'_>]) -> (Vec<String>, Vec<String>) {
    let mut counts: HashMap<&str, usize> = HashMap::new();
    for item in items {
        *counts.entry(item.name).or_default() += 1;
    }
    let mut names: Vec<String> = items
        .iter()
        .map(|item| match item.folder {
            Some(folder) if counts[item.name] > 1 && !folder.trim().is_empty() => {
                format!("{}/{}", folder.trim(), item.name)
            }
            _ => item.name.to_owned(),
        })
        .collect();
    // Whatever is still shared (same folder, no folder, or a folder prefix
    // that meets another item's own name): every occurrence after the first
    // gets a suffix, the id's start if that is free, else a number.
    let mut taken: HashSet<String> = HashSet::new();
    for (i, item) in items.iter().enumerate() {
        if taken.contains(&names[i]) {
            let id_tag = item
                .id
                .filter(|id| id.chars().count() >= 6)
                .map(|id| id.chars().take(6).collect::<String>());
            let base = std::mem::take(&mut names[i]);
            names[i] = id_tag
                .into_iter()
                .chain((2..).map(|n: usize| n.to_string()))
                .map(|tag| format!("{base} [{tag}]"))
                .find(|name| !taken.contains(name))
                .unwrap_or_else(|| unreachable!("the numbers never run out"));
        }
        taken.insert(names[i].clone());
    }
    let renamed = items
        .iter()
        .zip(&names)
        .filter(|(item, name)| item.name != name.as_str())
        .map(|(item, name)| format!("{:?} as {:?}", item.name, name))
        .collect();
    (names, renamed)
}

/// The preview's sentence for the entries [`distinct`] renamed, if any.
pub(crate) fn renamed_note(renamed: &[String]) -> Vec<String> {
    if renamed.is_empty() {
        Vec::new()
    } else {
        vec![format!(
            "named apart, as they share a name: {}",
            renamed.join(", ")
        )]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn named<'a>(name: &'a str, id: Option<&'a str>, folder: Option<&'a str>) -> Named<'a> {
        Named { name, id, folder }
    }

    #[test]
    fn shared_names_take_their_folder_and_unique_ones_stay() {
        let items = [
            named("GitHub", Some("aaaaaa-1"), Some("Work")),
            named("GitHub", Some("bbbbbb-2"), Some("Personal")),
            named("GitHub", Some("cccccc-3"), None),
            named("Stripe", Some("dddddd-4"), Some("Work")),
        ];
        let (names, renamed) = distinct(&items);
        assert_eq!(
            names,
            ["Work/GitHub", "Personal/GitHub", "GitHub", "Stripe"]
        );
        assert_eq!(
            renamed,
            [
                r#""GitHub" as "Work/GitHub""#,
                r#""GitHub" as "Personal/GitHub""#
            ]
        );
    }

    #[test]
    fn names_still_equal_get_the_start_of_the_id_or_a_number() {
        let items = [
            named("DB", Some("4f2a91c0-aaaa"), Some("Ops")),
            named("DB", Some("77e0b3d1-bbbb"), Some("Ops")),
            named("DB", None, None),
            named("DB [2]", None, None),
            named("DB", None, None),
            // A prefixed name that meets an item's own name.
            named("Ops/DB", Some("0123456789"), None),
        ];
        let (names, renamed) = distinct(&items);
        assert_eq!(
            names,
            [
                "Ops/DB",
                "Ops/DB [77e0b3]",
                "DB",
                "DB [2]",
                "DB [3]",
                "Ops/DB [012345]"
            ]
        );
        assert_eq!(renamed.len(), 4, "{renamed:?}");
        let unique: std::collections::HashSet<&String> = names.iter().collect();
        assert_eq!(unique.len(), names.len());
    }
}
