//! Linked secrets against real servers: an OpenBao dev server (KV v1 and
//! v2, AppRole, tokens, a TLS listener with a test CA, quotas, sealing,
//! namespaces) and moto's AWS Secrets Manager — both installed by
//! `make deps-linked` into `target/linked-venv` (`COFFER_TEST_VENV`).
//!
//! Every test is `#[ignore]`d so a plain `cargo test` on a machine without
//! those servers passes; `make test` runs them with `--include-ignored`.
//! Each test starts the servers it needs (well under a second each), so
//! tests that seal, rate-limit or stop a server disturb no other.

#[path = "linked/servers.rs"]
mod servers;

#[path = "linked/aws.rs"]
mod aws;

use std::path::Path;
use std::time::Duration;

use coffer_core::linked::{
    CredentialStore, ProviderConfig, ProviderCredentials, ProviderKind, VaultAuth,
};
use coffer_core::{
    Error, ExposeSecret, LinkRequest, LinkTarget, Policy, SecretPatch, SecretString, Target, Usage,
    Vault, Why,
};
use serde_json::json;
use servers::Bao;

const SERVERS: &str = "needs OpenBao and moto: `make deps-linked` (make test runs it)";

/// A new vault (its key not in the keychain) obeying no policy file.
fn vault(dir: &Path) -> Vault {
    let (mut vault, _key) = Vault::create(&dir.join("vault.db"), false).expect("create");
    vault.set_link_policy(Policy::default());
    vault
}

fn vault_provider(name: &str, address: &str, ca: Option<&str>, auth: VaultAuth) -> ProviderConfig {
    ProviderConfig {
        name: name.into(),
        kind: ProviderKind::Vault {
            address: address.into(),
            namespace: None,
            ca_pem: ca.map(str::to_owned),
            auth,
            token_expires: None,
        },
    }
}

fn token(t: &str) -> ProviderCredentials {
    ProviderCredentials::VaultToken(SecretString::from(t.to_owned()))
}

/// Adds provider `name` for `bao` with its root token.
fn add_root(vault: &mut Vault, bao: &Bao, name: &str) {
    vault
        .add_provider(
            vault_provider(name, &bao.addr, None, VaultAuth::Token),
            token(&bao.root_token),
        )
        .expect("add provider");
}

fn kv(path: &str, key: &str) -> LinkTarget {
    LinkTarget::Vault {
        path: path.into(),
        key: key.into(),
        version: None,
        kv_version: None,
    }
}

fn request(name: &str, provider: &str, target: LinkTarget) -> LinkRequest {
    LinkRequest {
        name: name.into(),
        provider: provider.into(),
        target,
        allowed_domains: None,
        note: None,
        enabled: None,
        check: true,
    }
}

fn get(vault: &mut Vault, name: &str) -> String {
    vault.get(name).expect(name).1.expose_secret().to_owned()
}

fn code_of(result: coffer_core::Result<impl std::fmt::Debug>) -> String {
    result.expect_err("an error").code().as_str().to_owned()
}

#[test]
#[ignore = "needs OpenBao and moto: `make deps-linked` (make test runs it)"]
fn kv_v2_and_v1_latest_versions_and_keys() {
    let _ = SERVERS;
    let bao = Bao::start();
    bao.put_kv2("app/db", json!({"password": "first", "user": "alice"}));
    bao.put_kv2(
        "app/db",
        json!({"password": "second", "user": "alice", "port": 5432, "tls": true, "extra": {"a": 1}, "nil": null}),
    );
    bao.enable_kv1("kv1");
    bao.put_kv1("kv1", "app/db", json!({"password": "kv1-pass", "n": 7}));
    let dir = tempfile::tempdir().expect("tempdir");
    let mut vault = vault(dir.path());
    add_root(&mut vault, &bao, "bao");

    let latest = vault
        .link(request(
            "db/password",
            "bao",
            kv("secret/app/db", "password"),
        ))
        .expect("link");
    let linked = latest.linked.expect("linked");
    assert_eq!(linked.provider, "bao");
    assert_eq!(linked.location, "secret/app/db#password");
    assert_eq!(get(&mut vault, "db/password"), "second");

    let mut first = request("db/first", "bao", kv("secret/app/db", "password"));
    first.target = LinkTarget::Vault {
        path: "secret/app/db".into(),
        key: "password".into(),
        version: Some(1),
        kv_version: None,
    };
    vault.link(first).expect("link version 1");
    assert_eq!(get(&mut vault, "db/first"), "first");

    let v1 = vault
        .link(request("kv1/password", "bao", kv("kv1/app/db", "password")))
        .expect("kv1");
    assert_eq!(v1.linked.expect("linked").location, "kv1/app/db#password");
    assert_eq!(get(&mut vault, "kv1/password"), "kv1-pass");
    match vault
        .link_of(Target::Name("kv1/password"))
        .expect("link")
        .expect("linked")
        .location
    {
        coffer_core::linked::Location::Vault { kv_version, .. } => assert_eq!(kv_version, 1),
        other => panic!("{other:?}"),
    }

    // Every kind of value that is not a string is refused, naming its kind only.
    for (key, kind) in [
        ("port", "a number"),
        ("tls", "true or false"),
        ("extra", "an object"),
        ("nil", "null"),
    ] {
        let err = vault
            .link(request(
                &format!("db/{key}"),
                "bao",
                kv("secret/app/db", key),
            ))
            .expect_err(key);
        assert_eq!(err.code(), "link_not_a_string", "{err}");
        assert!(err.to_string().contains(kind), "{err}");
    }
    let err = vault
        .link(request("db/nope", "bao", kv("secret/app/db", "nope")))
        .expect_err("key");
    assert_eq!(err.code(), "link_key_missing");
    assert!(
        err.to_string().contains("\"password\""),
        "the keys are named: {err}"
    );
    assert!(!err.to_string().contains("second"), "no value: {err}");

    let mut nine = request("db/nine", "bao", kv("secret/app/db", "password"));
    nine.target = LinkTarget::Vault {
        path: "secret/app/db".into(),
        key: "password".into(),
        version: Some(9),
        kv_version: None,
    };
    assert_eq!(code_of(vault.link(nine)), "link_version_missing");
    assert_eq!(
        code_of(vault.link(request("x", "bao", kv("secret/app/missing", "password")))),
        "link_path_missing"
    );
    assert_eq!(
        code_of(vault.link(request("x", "bao", kv("nomount/app/db", "password")))),
        "link_path_missing"
    );
    // A link reads KV secrets only: not the server's own endpoints.
    for path in [
        "auth/token/lookup-self",
        "sys/mounts/x",
        "secret/../sys/x",
        "kv1/./db",
    ] {
        let mut unchecked = request(
            "x",
            "bao",
            LinkTarget::Vault {
                path: path.into(),
                key: "id".into(),
                version: None,
                kv_version: Some(1),
            },
        );
        unchecked.check = false;
        assert_eq!(code_of(vault.link(unchecked)), "invalid_link", "{path}");
    }
    let mut kv1_version = request("x", "bao", kv("kv1/app/db", "password"));
    kv1_version.target = LinkTarget::Vault {
        path: "kv1/app/db".into(),
        key: "password".into(),
        version: Some(2),
        kv_version: None,
    };
    assert_eq!(code_of(vault.link(kv1_version)), "invalid_link");

    // A deleted version is told apart from a missing one.
    bao.api(
        "POST",
        "secret/delete/app/db",
        Some(json!({"versions": [1]})),
    );
    vault.reset_link_cache();
    let err = vault.get("db/first").expect_err("deleted");
    assert_eq!(err.code(), "link_version_missing");
    assert!(err.to_string().contains("deleted"), "{err}");

    // The list shows links (never credentials); nothing failed was written.
    let names: Vec<String> = vault
        .list()
        .expect("list")
        .into_iter()
        .map(|s| s.name)
        .collect();
    assert_eq!(names, ["db/password", "db/first", "kv1/password"]);
}

#[test]
#[ignore = "needs OpenBao and moto: `make deps-linked` (make test runs it)"]
fn the_cache_hits_expires_resets_and_goes_with_the_lock() {
    let bao = Bao::start();
    bao.put_kv2("app/api", json!({"token": "one", "other": "x"}));
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("vault.db");
    let (mut vault, key) = Vault::create(&path, false).expect("create");
    vault.set_link_policy(Policy::default());
    add_root(&mut vault, &bao, "bao");
    vault
        .link(request("api", "bao", kv("secret/app/api", "token")))
        .expect("link");
    vault
        .link(request("other", "bao", kv("secret/app/api", "other")))
        .expect("link");
    assert_eq!(get(&mut vault, "api"), "one");
    let listed = vault.list().expect("list");
    assert!(
        listed[0]
            .linked
            .as_ref()
            .expect("linked")
            .fetched_at
            .is_some(),
        "the list tells when it was fetched"
    );

    bao.put_kv2("app/api", json!({"token": "two", "other": "y"}));
    assert_eq!(get(&mut vault, "api"), "one", "a cache hit: no request");
    assert_eq!(get(&mut vault, "other"), "x", "both keys came in one fetch");

    assert_eq!(vault.reset_link_cache(), 1, "one secret was cached");
    assert_eq!(get(&mut vault, "api"), "two");

    vault.set_link_cache_ttl(Duration::from_secs(4));
    bao.put_kv2("app/api", json!({"token": "three"}));
    assert_eq!(get(&mut vault, "api"), "two", "still fresh");
    std::thread::sleep(Duration::from_millis(4200));
    assert_eq!(get(&mut vault, "api"), "three", "expired, so fetched again");

    vault.set_link_cache_ttl(Duration::from_secs(3600));
    assert_eq!(get(&mut vault, "api"), "three");
    bao.put_kv2("app/api", json!({"token": "four"}));
    vault.lock();
    assert_eq!(code_of(vault.get("api")), "locked");
    vault.unlock(&key).expect("unlock");
    vault.set_link_policy(Policy::default());
    assert_eq!(get(&mut vault, "api"), "four", "locking dropped the cache");
    assert!(vault.list().expect("list")[0]
        .linked
        .as_ref()
        .expect("linked")
        .fetched_at
        .is_some());

    // The cache time is a setting of the vault, kept over a lock: 0 keeps nothing.
    vault
        .set_settings(&coffer_core::Settings {
            link_cache_minutes: 0,
            ..coffer_core::Settings::default()
        })
        .expect("settings");
    vault.lock();
    vault.unlock(&key).expect("unlock");
    vault.set_link_policy(Policy::default());
    assert_eq!(vault.link_cache_ttl(), Duration::ZERO);
    bao.put_kv2("app/api", json!({"token": "five"}));
    assert_eq!(get(&mut vault, "api"), "five");
    bao.put_kv2("app/api", json!({"token": "six"}));
    assert_eq!(get(&mut vault, "api"), "six");
}

#[test]
#[ignore = "needs OpenBao and moto: `make deps-linked` (make test runs it)"]
fn approle_logs_in_again_and_tokens_renew_or_expire() {
    let bao = Bao::start();
    bao.put_kv2("app/db", json!({"password": "p"}));
    bao.read_policy(
        "coffer-read",
        "path \"secret/data/app/*\" { capabilities = [\"read\"] }",
    );
    let (role_id, secret_id) = bao.approle("coffer", &["coffer-read"], "3s", "5s");
    let dir = tempfile::tempdir().expect("tempdir");
    let mut vault = vault(dir.path());

    // A wrong secret id is refused at add.
    let wrong = vault.add_provider(
        vault_provider(
            "ar",
            &bao.addr,
            None,
            VaultAuth::AppRole {
                role_id: role_id.clone(),
                mount: "approle".into(),
            },
        ),
        ProviderCredentials::AppRoleSecretId(SecretString::from("not-the-secret-id".to_owned())),
    );
    assert_eq!(code_of(wrong), "provider_auth_refused");
    assert!(
        vault.providers().expect("providers").is_empty(),
        "nothing kept"
    );

    vault
        .add_provider(
            vault_provider(
                "ar",
                &bao.addr,
                None,
                VaultAuth::AppRole {
                    role_id,
                    mount: "approle".into(),
                },
            ),
            ProviderCredentials::AppRoleSecretId(SecretString::from(secret_id)),
        )
        .expect("approle");
    vault
        .link(request("db", "ar", kv("secret/app/db", "password")))
        .expect("link");
    vault.set_link_cache_ttl(Duration::ZERO);
    assert_eq!(get(&mut vault, "db"), "p");
    // Past the token's maximum TTL: a new login, unseen by the user.
    std::thread::sleep(Duration::from_secs(6));
    assert_eq!(get(&mut vault, "db"), "p");

    // A path outside the role's policy: the token is fine, the path is not.
    bao.put_kv2("other/db", json!({"password": "q"}));
    let err = vault
        .link(request("other", "ar", kv("secret/other/db", "password")))
        .expect_err("denied");
    assert_eq!(err.code(), "provider_auth_refused", "{err}");
    assert!(
        err.to_string()
            .contains("policies do not allow reading secret/other/db"),
        "{err}"
    );
    let mut unchecked = request(
        "other",
        "ar",
        LinkTarget::Vault {
            path: "secret/other/db".into(),
            key: "password".into(),
            version: None,
            kv_version: Some(2),
        },
    );
    unchecked.check = false;
    vault.link(unchecked).expect("linked without a check");
    let err = vault.get("other").expect_err("denied");
    assert_eq!(err.code(), "provider_auth_refused", "{err}");
    assert!(err.to_string().contains("policies do not allow"), "{err}");

    // A renewable token is renewed once two thirds of its time are gone,
    // and lives past its first TTL; one that cannot be renewed expires. The
    // waits are measured from the tokens' creation, so a slow machine only
    // makes the margins larger.
    let created = std::time::Instant::now();
    let renewable = bao.token(&["coffer-read"], "12s", true, None);
    let short = bao.token(&["coffer-read"], "4s", false, None);
    for (name, t) in [("renew", &renewable), ("short", &short)] {
        vault
            .add_provider(
                vault_provider(name, &bao.addr, None, VaultAuth::Token),
                token(t),
            )
            .expect("token");
    }
    vault
        .link(request("db2", "renew", kv("secret/app/db", "password")))
        .expect("link");
    vault
        .link(request("db3", "short", kv("secret/app/db", "password")))
        .expect("link");
    let wait_until = |secs: f64| {
        let at = created + Duration::from_secs_f64(secs);
        std::thread::sleep(at.saturating_duration_since(std::time::Instant::now()));
    };
    wait_until(8.5);
    assert_eq!(get(&mut vault, "db2"), "p", "renewed at two thirds");
    wait_until(13.0);
    assert_eq!(get(&mut vault, "db2"), "p", "alive past its first 12 s");
    let err = vault.get("db3").expect_err("expired");
    assert_eq!(err.code(), "provider_auth_expired", "{err}");
    assert!(
        !err.to_string().contains(&short),
        "no token in the message: {err}"
    );
    let listed = vault.providers().expect("providers");
    let short_info = listed.iter().find(|p| p.name == "short").expect("short");
    assert_eq!(
        short_info.last_error.as_ref().map(|e| e.code.as_str()),
        Some("provider_auth_expired"),
        "the provider shows its last error"
    );
    // Logging in again with a new token mends it.
    let fresh = bao.token(&["coffer-read"], "1h", true, None);
    vault.login_provider("short", token(&fresh)).expect("login");
    assert_eq!(get(&mut vault, "db3"), "p");

    // A bogus token is refused at add.
    let err = vault
        .add_provider(
            vault_provider("bogus", &bao.addr, None, VaultAuth::Token),
            token("s.bogus"),
        )
        .expect_err("bogus");
    assert_eq!(err.code(), "provider_auth_refused");
    assert!(!err.to_string().contains("s.bogus"), "{err}");
}

#[test]
#[ignore = "needs OpenBao and moto: `make deps-linked` (make test runs it)"]
fn tls_rate_limits_sealing_and_a_stopped_server() {
    let mut bao = Bao::start();
    bao.put_kv2("app/db", json!({"password": "over-tls"}));
    bao.enable_kv1("kv1");
    bao.put_kv1("kv1", "app/db", json!({"password": "limited"}));
    let dir = tempfile::tempdir().expect("tempdir");
    let mut vault = vault(dir.path());

    // TLS with the test CA works; without it, or with another CA, it fails as TLS.
    vault
        .add_provider(
            vault_provider("tls", &bao.tls_addr, Some(&bao.ca.ca_pem), VaultAuth::Token),
            token(&bao.root_token),
        )
        .expect("tls");
    vault
        .link(request("tls", "tls", kv("secret/app/db", "password")))
        .expect("link");
    assert_eq!(get(&mut vault, "tls"), "over-tls");
    let other = servers::TestCa::new();
    for (name, ca) in [("no-ca", None), ("other-ca", Some(other.ca_pem.as_str()))] {
        let err = vault
            .add_provider(
                vault_provider(name, &bao.tls_addr, ca, VaultAuth::Token),
                token(&bao.root_token),
            )
            .expect_err(name);
        assert_eq!(err.code(), "provider_tls", "{err}");
    }
    let plain_to_tls = bao.tls_addr.replace("https://", "http://");
    let err = vault
        .add_provider(
            vault_provider("plain", &plain_to_tls, None, VaultAuth::Token),
            token(&bao.root_token),
        )
        .expect_err("http to https");
    assert_eq!(err.code(), "provider_tls", "{err}");
    let tls_to_plain = bao.addr.replace("http://127.0.0.1", "https://localhost");
    let err = vault
        .add_provider(
            vault_provider(
                "tls-plain",
                &tls_to_plain,
                Some(&bao.ca.ca_pem),
                VaultAuth::Token,
            ),
            token(&bao.root_token),
        )
        .expect_err("https to http");
    assert_eq!(err.code(), "provider_tls", "{err}");

    add_root(&mut vault, &bao, "bao");
    vault
        .link(request("limited", "bao", kv("kv1/app/db", "password")))
        .expect("link");
    vault.set_link_cache_ttl(Duration::ZERO);
    bao.rate_limit("kv1-limit", "kv1/", 1.0, "30s");
    let first = vault.get("limited");
    let second = vault.get("limited");
    let limited = [first, second]
        .into_iter()
        .filter_map(Result::err)
        .find(|e| e.code() == "provider_rate_limited")
        .expect("the second read within the quota is rate limited");
    assert!(limited.to_string().contains("try again"), "{limited}");
    bao.remove_rate_limit("kv1-limit");

    bao.seal();
    let err = vault.get("limited").expect_err("sealed");
    assert_eq!(err.code(), "provider_unavailable", "{err}");
    assert!(err.to_string().contains("sealed"), "{err}");
    bao.unseal();
    assert_eq!(get(&mut vault, "limited"), "limited");

    bao.stop();
    let err = vault.get("limited").expect_err("stopped");
    assert_eq!(err.code(), "provider_unreachable", "{err}");
}

#[test]
#[ignore = "needs OpenBao and moto: `make deps-linked` (make test runs it)"]
fn a_namespace_is_sent_with_every_request() {
    let bao = Bao::start();
    bao.api("POST", "sys/namespaces/team1", None);
    bao.api_ns(
        "team1",
        "POST",
        "sys/mounts/kv",
        Some(json!({"type": "kv", "options": {"version": "2"}})),
    );
    bao.api_ns(
        "team1",
        "POST",
        "kv/data/app",
        Some(json!({"data": {"key": "in-namespace"}})),
    );
    let dir = tempfile::tempdir().expect("tempdir");
    let mut vault = vault(dir.path());
    let mut config = vault_provider("team1", &bao.addr, None, VaultAuth::Token);
    if let ProviderKind::Vault { namespace, .. } = &mut config.kind {
        *namespace = Some("team1".into());
    }
    vault
        .add_provider(config, token(&bao.root_token))
        .expect("namespace");
    vault
        .link(request("ns", "team1", kv("kv/app", "key")))
        .expect("link");
    assert_eq!(get(&mut vault, "ns"), "in-namespace");
    add_root(&mut vault, &bao, "root-ns");
    assert_eq!(
        code_of(vault.link(request("outside", "root-ns", kv("kv/app", "key")))),
        "link_path_missing"
    );
}

#[test]
#[ignore = "needs OpenBao and moto: `make deps-linked` (make test runs it)"]
fn linked_values_are_not_edited_locally_and_unlink_keeps_the_value() {
    let bao = Bao::start();
    bao.put_kv2("app/db", json!({"password": "remote", "user": "u"}));
    let dir = tempfile::tempdir().expect("tempdir");
    let mut vault = vault(dir.path());
    add_root(&mut vault, &bao, "bao");
    // An existing local secret becomes linked, keeping its domains and note.
    vault
        .set(
            "db",
            SecretString::from("local".to_owned()),
            SecretPatch {
                allowed_domains: Some(vec!["api.example.com".into()]),
                note: Some("the db".into()),
                ..SecretPatch::default()
            },
        )
        .expect("set");
    let info = vault
        .link(request("db", "bao", kv("secret/app/db", "password")))
        .expect("link");
    assert_eq!(info.allowed_domains, ["api.example.com"]);
    assert_eq!(info.note, "the db");
    assert_eq!(
        vault.list().expect("list").len(),
        1,
        "the secret itself was linked"
    );
    assert_eq!(get(&mut vault, "db"), "remote");

    let err = vault
        .set(
            "db",
            SecretString::from("edited".to_owned()),
            SecretPatch::default(),
        )
        .expect_err("edit");
    assert_eq!(err.code(), "linked_value");
    // Everything but the value can change.
    vault
        .update(
            Target::Name("db"),
            SecretPatch {
                name: Some("db/main".into()),
                ..SecretPatch::default()
            },
        )
        .expect("rename");
    assert_eq!(get(&mut vault, "db/main"), "remote");

    assert_eq!(code_of(vault.remove_provider("bao")), "provider_in_use");
    let local = vault.unlink(Target::Name("db/main")).expect("unlink");
    assert!(local.linked.is_none());
    bao.put_kv2("app/db", json!({"password": "changed-remotely"}));
    assert_eq!(
        get(&mut vault, "db/main"),
        "remote",
        "a local copy of the value at unlinking"
    );
    assert_eq!(
        code_of(vault.unlink(Target::Name("db/main"))),
        "invalid_link"
    );
    vault.remove_provider("bao").expect("remove");
    assert!(vault.providers().expect("providers").is_empty());
    assert_eq!(code_of(vault.remove_provider("bao")), "provider_not_found");
}

#[test]
#[ignore = "needs OpenBao and moto: `make deps-linked` (make test runs it)"]
fn references_report_link_failures_with_the_others_and_disabled_links_are_not_fetched() {
    let mut bao = Bao::start();
    bao.put_kv2("app/db", json!({"password": "remote", "user": "u"}));
    let dir = tempfile::tempdir().expect("tempdir");
    let mut vault = vault(dir.path());
    add_root(&mut vault, &bao, "bao");
    vault
        .link(request("ok", "bao", kv("secret/app/db", "password")))
        .expect("link");
    let mut gone = request("gone", "bao", kv("secret/app/db", "user"));
    gone.enabled = Some(true);
    vault.link(gone).expect("link");
    bao.put_kv2("app/db", json!({"password": "remote"}));
    vault.reset_link_cache();
    let err = vault
        .resolve(["ok", "gone", "nothing"], Usage::Anywhere)
        .expect_err("unresolved");
    let Error::ReferencesUnresolved { problems } = err else {
        panic!("{err}")
    };
    assert_eq!(problems.len(), 2, "{problems:?}");
    assert!(
        matches!(&problems[0].reason, Why::Link { code, .. } if code.as_str() == "link_key_missing")
    );
    assert_eq!(problems[1].reason, Why::NotFound);

    // Disabled, or not allowed where it goes: refused without a request.
    vault
        .update(
            Target::Name("ok"),
            SecretPatch {
                enabled: Some(false),
                ..SecretPatch::default()
            },
        )
        .expect("disable");
    bao.stop();
    let err = vault
        .resolve(["ok"], Usage::Anywhere)
        .expect_err("disabled");
    let Error::ReferencesUnresolved { problems } = err else {
        panic!("{err}")
    };
    assert_eq!(problems[0].reason, Why::Disabled);
    assert_eq!(code_of(vault.get("ok")), "secret_disabled");
}

#[test]
#[ignore = "needs OpenBao and moto: `make deps-linked` (make test runs it)"]
fn the_policy_limits_provider_kinds_and_addresses() {
    let bao = Bao::start();
    bao.put_kv2("app/db", json!({"password": "p"}));
    let dir = tempfile::tempdir().expect("tempdir");
    let policy_file = dir.path().join("policy.json");
    let load = |rules: serde_json::Value| {
        std::fs::write(
            &policy_file,
            json!({"version": 1, "links": rules}).to_string(),
        )
        .expect("write");
        Policy::load(&dir.path().join("no-system-file"), Some(&policy_file))
    };
    let mut vault = vault(dir.path());

    vault.set_link_policy(load(json!({"allowed_providers": ["aws"]})));
    let err = vault
        .add_provider(
            vault_provider("bao", &bao.addr, None, VaultAuth::Token),
            token(&bao.root_token),
        )
        .expect_err("kind");
    assert_eq!(err.code(), "policy_denied");
    assert!(err.to_string().contains("links.allowed_providers"), "{err}");

    vault.set_link_policy(load(json!({"allowed_addresses": ["vault.example.com"]})));
    let err = vault
        .add_provider(
            vault_provider("bao", &bao.addr, None, VaultAuth::Token),
            token(&bao.root_token),
        )
        .expect_err("address");
    assert_eq!(err.code(), "policy_denied");
    assert!(err.to_string().contains("127.0.0.1"), "{err}");

    vault.set_link_policy(load(
        json!({"allowed_addresses": ["127.0.0.1"], "allowed_providers": ["vault"]}),
    ));
    add_root(&mut vault, &bao, "bao");
    vault
        .link(request("db", "bao", kv("secret/app/db", "password")))
        .expect("link");
    assert_eq!(get(&mut vault, "db"), "p");

    // Tightened later: the link stays, its use is refused and reported —
    // the value cached a moment ago included.
    vault.set_link_policy(load(json!({"allowed_providers": []})));
    let err = vault.get("db").expect_err("forbidden");
    assert_eq!(err.code(), "policy_denied");
    assert!(
        err.to_string().contains("linked secrets are not allowed"),
        "{err}"
    );
    let err = vault
        .resolve(["db"], Usage::Anywhere)
        .expect_err("forbidden");
    let Error::ReferencesUnresolved { problems } = err else {
        panic!("{err}")
    };
    assert!(
        matches!(&problems[0].reason, Why::Link { code, .. } if code.as_str() == "policy_denied")
    );
}

#[test]
#[ignore = "needs OpenBao and moto: `make deps-linked` (make test runs it)"]
fn credentials_live_in_the_keychain_or_sealed_in_the_vault() {
    let bao = Bao::start();
    bao.put_kv2("app/db", json!({"password": "p"}));
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("vault.db");
    let (mut vault, key) = Vault::create(&path, false).expect("create");
    vault.set_link_policy(Policy::default());
    let kept = vault
        .add_provider(
            vault_provider("bao", &bao.addr, None, VaultAuth::Token),
            token(&bao.root_token),
        )
        .expect("add");
    assert_eq!(
        kept.credentials,
        CredentialStore::Keychain,
        "make test runs with a real Secret Service"
    );

    // The policy forbids the keychain: sealed in the vault instead.
    let policy_file = dir.path().join("policy.json");
    std::fs::write(
        &policy_file,
        r#"{"version": 1, "keychain": {"allowed": false}}"#,
    )
    .expect("write");
    let no_keychain = Policy::load(&dir.path().join("none"), Some(&policy_file));
    vault.set_link_policy(no_keychain.clone());
    let sealed = vault
        .add_provider(
            vault_provider("sealed", &bao.addr, None, VaultAuth::Token),
            token(&bao.root_token),
        )
        .expect("add");
    assert_eq!(sealed.credentials, CredentialStore::Vault);
    vault
        .link(request("db", "sealed", kv("secret/app/db", "password")))
        .expect("link");

    // Another process opens the vault: the sealed credentials work there.
    let mut again = Vault::open(&path).expect("open");
    again.unlock(&key).expect("unlock");
    again.set_link_policy(no_keychain);
    assert_eq!(get(&mut again, "db"), "p");
    let listed = serde_json::to_string(&again.providers().expect("providers")).expect("json");
    assert!(
        !listed.contains(&bao.root_token),
        "no credentials listed: {listed}"
    );

    // Nothing of the token is in the vault file or its write-ahead log in the clear.
    for file in [path.clone(), path.with_extension("db-wal")] {
        let bytes = std::fs::read(&file).unwrap_or_default();
        assert!(
            !bytes
                .windows(bao.root_token.len())
                .any(|w| w == bao.root_token.as_bytes()),
            "the token is sealed in {}",
            file.display()
        );
    }
    assert!(
        std::fs::metadata(path.with_extension("db-wal")).is_ok_and(|m| m.len() > 0),
        "the write-ahead log was looked at with the sealed write in it"
    );
    // The keychain entry is under a random account listed in the clear, so a
    // reset of the vault key — which cannot open the providers — removes it.
    let listed_accounts = || -> Vec<String> {
        let accounts: String = rusqlite::Connection::open(&path)
            .expect("open")
            .query_row(
                "SELECT value FROM meta WHERE key = 'keychain_accounts'",
                [],
                |r| r.get(0),
            )
            .expect("listed");
        serde_json::from_str(&accounts).expect("json")
    };
    let vault_id = vault.id();
    let keychain_entry = |account: &str| {
        keyring::Entry::new("coffer", &format!("provider/{vault_id}/{account}")).expect("entry")
    };
    let accounts = listed_accounts();
    assert_eq!(accounts.len(), 1, "one provider in the keychain");
    assert!(!accounts[0].contains("bao"), "the account names nothing");
    let first = keychain_entry(&accounts[0]);
    assert!(first.get_password().is_ok(), "kept in the keychain");

    // A refused login leaves the kept credentials as they were; new ones go
    // to a new account, and the old entry is removed once the book names it.
    assert_eq!(
        code_of(vault.login_provider("bao", token("not-a-token"))),
        "provider_auth_refused"
    );
    assert_eq!(listed_accounts(), accounts);
    assert!(
        first.get_password().is_ok(),
        "still kept after a refused login"
    );
    vault.set_link_policy(Policy::default());
    vault
        .login_provider("bao", token(&bao.root_token))
        .expect("login");
    let moved = listed_accounts();
    assert_eq!(moved.len(), 1);
    assert_ne!(moved[0], accounts[0], "a login moves to a new account");
    assert!(
        matches!(first.get_password(), Err(keyring::Error::NoEntry)),
        "the replaced entry is removed"
    );
    let entry = keychain_entry(&moved[0]);
    assert!(entry.get_password().is_ok(), "kept in the keychain");
    vault.reset().expect("reset");
    assert!(
        matches!(entry.get_password(), Err(keyring::Error::NoEntry)),
        "a reset removes the keychain entry"
    );
    assert!(vault.providers().expect("providers").is_empty());
}

#[test]
#[ignore = "needs OpenBao and moto: `make deps-linked` (make test runs it)"]
fn another_processes_login_or_removal_is_seen_without_a_lock() {
    let bao = Bao::start();
    bao.put_kv2("app/db", json!({"password": "p"}));
    bao.read_policy(
        "coffer-read",
        "path \"secret/data/app/*\" { capabilities = [\"read\"] }",
    );
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("vault.db");
    let (mut app, key) = Vault::create(&path, false).expect("create");
    app.set_link_policy(Policy::default());
    let first = bao.token(&["coffer-read"], "1h", false, None);
    app.add_provider(
        vault_provider("bao", &bao.addr, None, VaultAuth::Token),
        token(&first),
    )
    .expect("add");
    app.link(request("db", "bao", kv("secret/app/db", "password")))
        .expect("link");
    assert_eq!(get(&mut app, "db"), "p");

    // The token is revoked; another process (the CLI) logs in with a new one.
    bao.api("POST", "auth/token/revoke", Some(json!({ "token": first })));
    let mut cli = Vault::open(&path).expect("open");
    cli.unlock(&key).expect("unlock");
    cli.set_link_policy(Policy::default());
    let second = bao.token(&["coffer-read"], "1h", false, None);
    cli.login_provider("bao", token(&second)).expect("login");
    // The app, still unlocked, uses the new credentials at its next fetch.
    app.reset_link_cache();
    assert_eq!(get(&mut app, "db"), "p", "the app sees the new login");

    // The other process unlinks and removes the provider: the app no longer
    // uses its client, and says the provider is gone.
    cli.unlink(Target::Name("db")).expect("unlink");
    cli.remove_provider("bao").expect("remove");
    assert_eq!(
        code_of(app.provider_keys("bao", "secret/app/db", None)),
        "provider_not_found"
    );
}

#[test]
#[ignore = "needs OpenBao and moto: `make deps-linked` (make test runs it)"]
fn every_key_of_one_secret_links_at_once_all_or_nothing() {
    let bao = Bao::start();
    bao.put_kv2("app/db", json!({"password": "p", "user": "u", "host": "h"}));
    let dir = tempfile::tempdir().expect("tempdir");
    let mut vault = vault(dir.path());
    add_root(&mut vault, &bao, "bao");
    let mut keys = vault
        .provider_keys("bao", "secret/app/db", None)
        .expect("keys");
    keys.sort();
    assert_eq!(keys, ["host", "password", "user"]);
    let requests = keys
        .iter()
        .map(|k| request(&format!("db/{k}"), "bao", kv("secret/app/db", k)))
        .collect();
    // Three keys of one secret cost one read of it: a quota of one read on the
    // mount would refuse a second.
    bao.rate_limit("one-read", "secret/", 1.0, "60s");
    assert_eq!(vault.link_many(requests).expect("link all").len(), 3);
    assert_eq!(get(&mut vault, "db/user"), "u");
    bao.remove_rate_limit("one-read");

    // One bad line: nothing is linked.
    let requests = vec![
        request("x/password", "bao", kv("secret/app/db", "password")),
        request("x/missing", "bao", kv("secret/app/db", "missing")),
    ];
    assert_eq!(code_of(vault.link_many(requests)), "link_key_missing");
    assert!(
        vault.info(Target::Name("x/password")).is_err(),
        "all or nothing"
    );
    let twice = vec![
        request("y", "bao", kv("secret/app/db", "password")),
        request("y", "bao", kv("secret/app/db", "user")),
    ];
    assert_eq!(code_of(vault.link_many(twice)), "invalid_link");
}

/// Reads an export's bytes as an import.
fn read_export(bytes: &[u8], password: Option<&str>) -> coffer_core::ImportSet {
    let password = password.map(|p| SecretString::from(p.to_owned()));
    coffer_core::read_import(
        coffer_core::ImportSource::Text {
            label: "export",
            bytes,
        },
        password.as_ref(),
        None,
        &Policy::default(),
    )
    .expect("reads")
}

#[test]
#[ignore = "needs OpenBao and moto: `make deps-linked` (make test runs it)"]
fn exports_keep_links_and_imports_ask_for_credentials_again() {
    let bao = Bao::start();
    bao.put_kv2("app/db", json!({"password": "remote", "user": "u"}));
    let dir = tempfile::tempdir().expect("tempdir");
    let mut mine = vault(dir.path());
    add_root(&mut mine, &bao, "bao");
    mine.set(
        "local",
        SecretString::from("here".to_owned()),
        SecretPatch::default(),
    )
    .expect("set");
    let mut db = request("db", "bao", kv("secret/app/db", "password"));
    db.allowed_domains = Some(vec!["db.example.com".into()]);
    mine.link(db).expect("link");

    // Plaintext: version 2, the link and the provider's settings, no value, no token.
    let plain = mine
        .export(&Policy::default(), coffer_core::ExportRequest::Plaintext)
        .expect("export");
    let text = std::str::from_utf8(&plain).expect("utf-8");
    let file: serde_json::Value = serde_json::from_str(text).expect("json");
    assert_eq!(file["version"], 2);
    assert_eq!(file["providers"][0]["name"], "bao");
    assert_eq!(file["providers"][0]["address"], bao.addr.as_str());
    assert_eq!(file["secrets"][1]["value"], "");
    assert_eq!(file["secrets"][1]["link"]["location"]["path"], "app/db");
    assert!(!text.contains("remote"), "no fetched value in the file");
    assert!(
        !text.contains(&bao.root_token),
        "no credentials in the file"
    );

    // dotenv cannot hold a link: left out, and counted.
    let prepared = mine
        .prepare_export(&Policy::default(), coffer_core::ExportRequest::Dotenv)
        .expect("dotenv");
    assert_eq!((prepared.secrets(), prepared.linked_left_out()), (1, 1));

    // Re-importing the export into its own vault changes nothing.
    let preview = mine
        .import_preview(&read_export(&plain, None))
        .expect("preview");
    assert_eq!(
        (preview.new, preview.unchanged, preview.conflicts.len()),
        (0, 2, 0)
    );
    assert!(preview.providers_added.is_empty());

    // On another computer: the provider comes without credentials.
    let encrypted = mine
        .export(
            &Policy::default(),
            coffer_core::ExportRequest::Encrypted(SecretString::from(
                "correct horse battery staple".to_owned(),
            )),
        )
        .expect("encrypted");
    assert!(
        !String::from_utf8_lossy(&encrypted).contains("bao"),
        "the providers are sealed too"
    );
    let other_dir = tempfile::tempdir().expect("tempdir");
    let mut other = vault(other_dir.path());
    let set = read_export(&encrypted, Some("correct horse battery staple"));
    let preview = other.import_preview(&set).expect("preview");
    assert_eq!((preview.new, preview.linked), (2, 1));
    assert_eq!(preview.providers_added.len(), 1);
    assert_eq!(preview.providers_added[0].name, "bao");
    assert_eq!(
        preview.providers_added[0].credentials,
        CredentialStore::None
    );
    assert_eq!(preview.providers_added[0].linked_secrets, 1);
    other
        .import_apply(set, None, &Default::default())
        .expect("import");
    let db = other.info(Target::Name("db")).expect("db");
    assert_eq!(db.allowed_domains, ["db.example.com"]);
    assert_eq!(
        db.linked.expect("linked").location,
        "secret/app/db#password"
    );
    let err = other.get("db").expect_err("no credentials yet");
    assert_eq!(err.code(), "provider_login_required", "{err}");
    other
        .login_provider("bao", token(&bao.root_token))
        .expect("login");
    assert_eq!(get(&mut other, "db"), "remote");
    assert_eq!(get(&mut other, "local"), "here");
}

#[test]
#[ignore = "needs OpenBao and moto: `make deps-linked` (make test runs it)"]
fn a_local_secret_is_published_to_vault_kv_and_linked_there() {
    let bao = Bao::start();
    bao.put_kv2("team/db", json!({"user": "alice", "port": 5432}));
    bao.enable_kv1("kv1");
    bao.put_kv1("kv1", "team/db", json!({"user": "bob"}));
    let dir = tempfile::tempdir().expect("tempdir");
    let mut vault = vault(dir.path());
    add_root(&mut vault, &bao, "bao");
    let local = |vault: &mut Vault, name: &str, value: &str| {
        vault
            .set(
                name,
                SecretString::from(value.to_owned()),
                SecretPatch::default(),
            )
            .expect("set");
    };
    let to = |path: &str, key: &str| LinkTarget::Vault {
        path: path.into(),
        key: key.into(),
        version: None,
        kv_version: None,
    };

    // Into an existing KV 2 secret: the other keys (of any type) stay.
    local(&mut vault, "db/password", "s3cret-published");
    let info = vault
        .publish(
            Target::Name("db/password"),
            "bao",
            to("secret/team/db", "password"),
        )
        .expect("publish");
    assert_eq!(
        info.linked.expect("linked").location,
        "secret/team/db#password"
    );
    let (_, read) = bao.api("GET", "secret/data/team/db", None);
    assert_eq!(
        read["data"]["data"],
        json!({"user": "alice", "port": 5432, "password": "s3cret-published"})
    );
    assert_eq!(get(&mut vault, "db/password"), "s3cret-published");
    // Already linked: nothing local to publish.
    assert_eq!(
        code_of(vault.publish(
            Target::Name("db/password"),
            "bao",
            to("secret/team/db", "x")
        )),
        "invalid_link"
    );

    // A shadowed secret: its link would go to the one in effect, so it is
    // refused, and nothing is written.
    local(&mut vault, "dup", "older");
    let older = vault.info(Target::Name("dup")).expect("info").id;
    vault
        .add(
            coffer_core::NewSecret {
                name: "dup".into(),
                value: SecretString::from("newer".to_owned()),
                enabled: true,
                allowed_domains: Vec::new(),
                note: String::new(),
            },
            Some(coffer_core::IfExists::Keep),
        )
        .expect("keep both");
    let err = vault
        .publish(Target::Id(older), "bao", to("secret/team/dup", "v"))
        .expect_err("shadowed");
    assert_eq!(err.code(), "invalid_link");
    assert!(err.to_string().contains("shadowed"), "{err}");
    let (status, _) = bao.api("GET", "secret/data/team/dup", None);
    assert_eq!(status, 404, "nothing written");

    // A new KV 2 secret is made.
    local(&mut vault, "api", "new-value");
    vault
        .publish(Target::Name("api"), "bao", to("secret/team/api", "token"))
        .expect("publish new");
    let (_, read) = bao.api("GET", "secret/data/team/api", None);
    assert_eq!(read["data"]["data"], json!({"token": "new-value"}));

    // KV 1 is written whole: string keys kept, a number refused untouched.
    local(&mut vault, "kv1/password", "v1-pass");
    vault
        .publish(
            Target::Name("kv1/password"),
            "bao",
            to("kv1/team/db", "password"),
        )
        .expect("publish kv1");
    let (_, read) = bao.api("GET", "kv1/team/db", None);
    assert_eq!(read["data"], json!({"user": "bob", "password": "v1-pass"}));
    bao.put_kv1("kv1", "team/n", json!({"n": 7}));
    local(&mut vault, "n", "x");
    assert_eq!(
        code_of(vault.publish(Target::Name("n"), "bao", to("kv1/team/n", "k"))),
        "link_not_a_string"
    );
    let (_, read) = bao.api("GET", "kv1/team/n", None);
    assert_eq!(read["data"], json!({"n": 7}), "left as it was");
    assert_eq!(get(&mut vault, "n"), "x", "still local");

    // A token that may read but not write is refused, and nothing changes.
    bao.read_policy("read-only", "path \"secret/data/team/*\" { capabilities = [\"read\"] }\npath \"sys/internal/ui/mounts/*\" { capabilities = [\"read\"] }");
    let reader = bao.token(&["read-only"], "1h", true, None);
    vault
        .add_provider(
            vault_provider("reader", &bao.addr, None, VaultAuth::Token),
            token(&reader),
        )
        .expect("reader");
    local(&mut vault, "ro", "x");
    let err = vault
        .publish(Target::Name("ro"), "reader", to("secret/team/db", "ro"))
        .expect_err("read only");
    assert_eq!(err.code(), "provider_auth_refused", "{err}");
    assert!(err.to_string().contains("may not write"), "{err}");
    assert_eq!(get(&mut vault, "ro"), "x");
}
