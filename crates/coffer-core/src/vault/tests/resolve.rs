//! Resolving references against a vault: all or nothing, every problem at
//! once, and each secret only where it is meant to go.

use super::*;
use crate::reference::Destination;

fn restricted(name: &str, value: &str, domains: &[&str]) -> NewSecret {
    NewSecret {
        allowed_domains: domains.iter().map(|d| (*d).to_owned()).collect(),
        ..secret(name, value)
    }
}

fn value<'v>(values: &'v Values, name: &str) -> &'v str {
    values.get(name).expect(name).expose_secret()
}

#[test]
fn every_unresolved_reference_is_reported_at_once_and_nothing_is_returned() {
    let (_dir, _path, mut vault, _key) = temp_vault();
    set(&mut vault, "ok", "value-ok");
    vault
        .create_secret(NewSecret {
            enabled: false,
            ..secret("off", "value-off")
        })
        .expect("disabled");
    let err = vault
        .resolve(["ok", "missing", "off", "bad}}name", "ok"], Usage::Anywhere)
        .expect_err("some fail");
    let Error::ReferencesUnresolved { problems } = &err else {
        panic!("{err}");
    };
    let reasons: Vec<(&str, &Why)> = problems
        .iter()
        .map(|p| (p.name.as_str(), &p.reason))
        .collect();
    assert_eq!(reasons.len(), 3, "{reasons:?}");
    assert_eq!(reasons[0], ("missing", &Why::NotFound));
    assert_eq!(reasons[1], ("off", &Why::Disabled));
    assert!(matches!(reasons[2], ("bad}}name", Why::InvalidName(_))));
    let text = err.to_string();
    assert!(
        text.starts_with("3 references cannot be resolved, so none was used"),
        "{text}"
    );
    assert!(
        text.contains("\"off\": it is disabled; enable it to use it"),
        "{text}"
    );
    assert!(!text.contains("value-"), "a value in the message: {text}");
    assert_eq!(err.code(), "reference_unresolved");
}

#[test]
fn the_secret_in_effect_resolves_and_names_are_compared_normalized() {
    let (_dir, _path, mut vault, _key) = temp_vault();
    set(&mut vault, "caf\u{e9}", "older");
    vault
        .add(secret("cafe\u{301}", "newer"), Some(IfExists::Keep))
        .expect("keep both");
    let values = vault
        .resolve(["cafe\u{301}", "caf\u{e9}"], Usage::Anywhere)
        .expect("resolve");
    assert_eq!(value(&values, "cafe\u{301}"), "newer");
    assert_eq!(value(&values, "caf\u{e9}"), "newer");
    assert!(values.unchecked().is_empty());
}

#[test]
fn a_restricted_secret_resolves_only_where_it_is_meant_to_go() {
    let (_dir, _path, mut vault, _key) = temp_vault();
    vault
        .create_secrets(vec![
            restricted("stripe", "sk_test_1", &["api.stripe.com"]),
            restricted("local", "l", &["localhost:8443"]),
            secret("free", "f"),
        ])
        .expect("create");
    let stripe = Destination::parse("https://api.stripe.com/v1").expect("url");
    let values = vault
        .resolve(["stripe", "free"], Usage::At(&stripe))
        .expect("allowed");
    assert_eq!(value(&values, "stripe"), "sk_test_1");
    assert!(values.unchecked().is_empty());

    let evil = Destination::parse("https://api.stripe.com@evil.test/").expect("url");
    let err = vault
        .resolve(["stripe", "free", "local"], Usage::At(&evil))
        .expect_err("refused");
    let Error::ReferencesUnresolved { problems } = &err else {
        panic!("{err}");
    };
    assert_eq!(problems.len(), 2, "{problems:?}");
    assert_eq!(
        problems[0].reason,
        Why::NotAllowed {
            host: "evil.test".into(),
            allowed: vec!["api.stripe.com".into()]
        }
    );
    assert!(
        err.to_string()
            .contains("\"stripe\": it is allowed only on api.stripe.com, not on evil.test"),
        "{err}"
    );

    let plain = Destination::parse("http://api.stripe.com/").expect("url");
    let err = vault
        .resolve(["stripe"], Usage::At(&plain))
        .expect_err("plain http");
    assert!(err.to_string().contains("over HTTPS only"), "{err}");

    // Where it goes cannot be checked: it resolves and is named, or, strict, is refused.
    let values = vault
        .resolve(["stripe", "free"], Usage::Anywhere)
        .expect("anywhere");
    assert_eq!(
        values.unchecked(),
        [("stripe".to_owned(), vec!["api.stripe.com".to_owned()])]
    );
    let err = vault
        .resolve(["stripe", "free"], Usage::Strict)
        .expect_err("strict");
    assert!(err.to_string().contains("cannot be checked here"), "{err}");
    assert!(vault.resolve(["free"], Usage::Strict).is_ok());
}

#[test]
fn a_locked_vault_resolves_nothing() {
    let (_dir, _path, mut vault, _key) = temp_vault();
    set(&mut vault, "a", "1");
    vault.lock();
    assert!(matches!(
        vault.resolve(["a"], Usage::Anywhere),
        Err(Error::Locked)
    ));
}
