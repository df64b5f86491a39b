//! AWS Secrets Manager links against moto's server, and the two failures
//! moto cannot produce (throttling, an expired session token) against a
//! one-request stub that answers as AWS documents them.

use std::io::{Read, Write};
use std::net::TcpListener;

use coffer_core::linked::{ProviderConfig, ProviderCredentials, ProviderKind};
use coffer_core::{LinkTarget, SecretString, Target, Vault};

use crate::servers::{Moto, TestCa};
use crate::{get, request, vault};

fn provider(name: &str, endpoint: &str, profile: Option<&str>, ca: Option<&str>) -> ProviderConfig {
    ProviderConfig {
        name: name.into(),
        kind: ProviderKind::Aws {
            region: "us-east-1".into(),
            endpoint: Some(endpoint.into()),
            profile: profile.map(str::to_owned),
            ca_pem: ca.map(str::to_owned),
        },
    }
}

fn keys(id: &str, secret: &str, token: Option<&str>) -> ProviderCredentials {
    ProviderCredentials::AwsKeys {
        access_key_id: id.into(),
        secret_access_key: SecretString::from(secret.to_owned()),
        session_token: token.map(|t| SecretString::from(t.to_owned())),
    }
}

fn target(secret_id: &str) -> LinkTarget {
    LinkTarget::Aws {
        secret_id: secret_id.into(),
        region: None,
        json_key: None,
        version_stage: None,
        version_id: None,
    }
}

fn with(secret_id: &str, f: impl FnOnce(&mut LinkTarget)) -> LinkTarget {
    let mut t = target(secret_id);
    f(&mut t);
    t
}

fn json_key(t: &mut LinkTarget, key: &str) {
    if let LinkTarget::Aws { json_key, .. } = t {
        *json_key = Some(key.into());
    }
}

fn link_code(vault: &mut Vault, provider: &str, target: LinkTarget) -> String {
    vault
        .link(request("probe", provider, target))
        .expect_err("refused")
        .code()
        .as_str()
        .to_owned()
}

#[test]
#[ignore = "needs OpenBao and moto: `make deps-linked` (make test runs it)"]
fn secrets_by_name_arn_stage_version_and_json_key() {
    let moto = Moto::start();
    let region = "us-east-1";
    let arn = moto.create_secret(region, "app/db", r#"{"password":"first","port":5432}"#);
    let second = moto.put_value(region, "app/db", r#"{"password":"second","port":5432}"#);
    moto.create_secret(region, "plain", "just-a-string");
    moto.create_binary_secret(region, "bin", "AAEC/w==");
    moto.create_secret(region, "doomed", "x");
    moto.delete_secret(region, "doomed");
    let dir = tempfile::tempdir().expect("tempdir");
    let mut vault = vault(dir.path());
    vault
        .add_provider(
            provider("aws", &moto.endpoint, None, None),
            keys("AKIDTEST", "secret", None),
        )
        .expect("add");

    vault
        .link(request("plain", "aws", target("plain")))
        .expect("whole string");
    assert_eq!(get(&mut vault, "plain"), "just-a-string");
    vault
        .link(request(
            "db",
            "aws",
            with("app/db", |t| json_key(t, "password")),
        ))
        .expect("json key");
    assert_eq!(get(&mut vault, "db"), "second");
    let previous = with("app/db", |t| {
        json_key(t, "password");
        if let LinkTarget::Aws { version_stage, .. } = t {
            *version_stage = Some("AWSPREVIOUS".into());
        }
    });
    let info = vault
        .link(request("db/previous", "aws", previous))
        .expect("stage");
    assert_eq!(
        info.linked.expect("linked").location,
        "app/db#password (AWSPREVIOUS)"
    );
    assert_eq!(get(&mut vault, "db/previous"), "first");
    let by_version = with("app/db", |t| {
        json_key(t, "password");
        if let LinkTarget::Aws { version_id, .. } = t {
            *version_id = Some(second.clone());
        }
    });
    vault
        .link(request("db/v2", "aws", by_version))
        .expect("version id");
    assert_eq!(get(&mut vault, "db/v2"), "second");
    vault
        .link(request(
            "db/arn",
            "aws",
            with(&arn, |t| json_key(t, "password")),
        ))
        .expect("arn");
    assert_eq!(get(&mut vault, "db/arn"), "second");
    let partial = arn
        .rsplit_once('-')
        .map(|(p, _)| p)
        .expect("suffix")
        .to_owned();
    vault
        .link(request(
            "db/partial",
            "aws",
            with(&partial, |t| json_key(t, "password")),
        ))
        .expect("partial arn");
    assert_eq!(get(&mut vault, "db/partial"), "second");

    assert_eq!(
        link_code(&mut vault, "aws", with("app/db", |t| json_key(t, "port"))),
        "link_not_a_string"
    );
    assert_eq!(
        link_code(&mut vault, "aws", target("bin")),
        "link_not_a_string"
    );
    assert_eq!(
        link_code(&mut vault, "aws", with("plain", |t| json_key(t, "k"))),
        "link_not_a_string"
    );
    assert_eq!(
        link_code(&mut vault, "aws", with("app/db", |t| json_key(t, "user"))),
        "link_key_missing"
    );
    assert_eq!(
        link_code(&mut vault, "aws", target("app/missing")),
        "link_path_missing"
    );
    let elsewhere = with("app/db", |t| {
        if let LinkTarget::Aws { region, .. } = t {
            *region = Some("eu-west-1".into());
        }
    });
    assert_eq!(link_code(&mut vault, "aws", elsewhere), "link_path_missing");
    let no_such_version = with("app/db", |t| {
        if let LinkTarget::Aws { version_id, .. } = t {
            *version_id = Some("99999999-9999-9999-9999-999999999999".into());
        }
    });
    assert_eq!(
        link_code(&mut vault, "aws", no_such_version),
        "link_version_missing"
    );
    let pending = with("app/db", |t| {
        if let LinkTarget::Aws { version_stage, .. } = t {
            *version_stage = Some("AWSPENDING".into());
        }
    });
    assert_eq!(
        link_code(&mut vault, "aws", pending),
        "link_version_missing"
    );
    let err = vault
        .link(request("doomed", "aws", target("doomed")))
        .expect_err("deleted");
    assert_eq!(err.code(), "link_path_missing");
    assert!(err.to_string().contains("scheduled for deletion"), "{err}");
    // Linking to a provider of the other kind is refused before any request.
    assert_eq!(
        link_code(
            &mut vault,
            "aws",
            LinkTarget::Vault {
                path: "secret/x".into(),
                key: "k".into(),
                version: None,
                kv_version: None
            }
        ),
        "invalid_link"
    );
}

#[test]
#[ignore = "needs OpenBao and moto: `make deps-linked` (make test runs it)"]
fn signed_requests_are_checked_and_refusals_tell_why() {
    let moto = Moto::start();
    moto.create_secret("us-east-1", "app/key", "k-value");
    let ids = moto.enable_auth();
    let dir = tempfile::tempdir().expect("tempdir");
    let mut vault = vault(dir.path());
    let (id, secret) = &ids.reader;
    vault
        .add_provider(
            provider("reader", &moto.endpoint, None, None),
            keys(id, secret, None),
        )
        .expect("add");
    vault
        .link(request("key", "reader", target("app/key")))
        .expect("signed");
    assert_eq!(get(&mut vault, "key"), "k-value");
    let (sid, ssecret, stoken) = &ids.session;
    vault
        .add_provider(
            provider("session", &moto.endpoint, None, None),
            keys(sid, ssecret, Some(stoken)),
        )
        .expect("add");
    vault
        .link(request("key2", "session", target("app/key")))
        .expect("session token");

    let cases = [
        (
            "wrong-secret",
            keys(id, "not-the-secret", None),
            "SignatureDoesNotMatch",
        ),
        (
            "unknown-id",
            keys("AKIAUNKNOWNKEY000000", secret, None),
            "InvalidClientTokenId",
        ),
        (
            "nobody",
            keys(&ids.nobody.0, &ids.nobody.1, None),
            "AccessDenied",
        ),
        (
            "bad-token",
            keys(sid, ssecret, Some("not-the-token")),
            "InvalidClientTokenId",
        ),
    ];
    for (name, credentials, aws_code) in cases {
        vault
            .add_provider(provider(name, &moto.endpoint, None, None), credentials)
            .expect("added: AWS has no cheap check of keys");
        let err = vault
            .link(request(name, name, target("app/key")))
            .expect_err(name);
        assert_eq!(err.code(), "provider_auth_refused", "{name}: {err}");
        assert!(err.to_string().contains(aws_code), "{name}: {err}");
        assert!(!err.to_string().contains("not-the-secret"), "{err}");
    }
}

#[test]
#[ignore = "needs OpenBao and moto: `make deps-linked` (make test runs it)"]
fn tls_an_arn_region_and_a_stopped_server() {
    let ca = TestCa::new();
    let mut moto = Moto::start_tls(&ca);
    moto.create_secret("us-east-1", "app/key", "over-tls");
    let dir = tempfile::tempdir().expect("tempdir");
    let mut vault = vault(dir.path());
    vault
        .add_provider(
            provider("tls", &moto.endpoint, None, Some(&ca.ca_pem)),
            keys("AKIDTEST", "secret", None),
        )
        .expect("add");
    vault
        .link(request("key", "tls", target("app/key")))
        .expect("over TLS");
    assert_eq!(get(&mut vault, "key"), "over-tls");

    vault
        .add_provider(
            provider("no-ca", &moto.endpoint, None, None),
            keys("AKIDTEST", "secret", None),
        )
        .expect("add");
    let err = vault
        .link(request("k3", "no-ca", target("app/key")))
        .expect_err("tls");
    assert_eq!(err.code(), "provider_tls", "{err}");

    // An ARN's region picks the host: one that is not a region is refused
    // before anything is signed or sent.
    let err = vault
        .link(request(
            "arn",
            "tls",
            target("arn:aws:secretsmanager:evil.example/:123456789012:secret:x"),
        ))
        .expect_err("bad region");
    assert_eq!(err.code(), "invalid_link", "{err}");

    // A profile that is not there is found out when the provider is added
    // (profiles are read from files through the CLI's tests, which set the
    // AWS_* variables for one process: a test thread must not).
    let err = vault
        .add_provider(
            provider(
                "missing",
                &moto.endpoint,
                Some("coffer-test-no-such-profile"),
                Some(&ca.ca_pem),
            ),
            ProviderCredentials::AwsProfile,
        )
        .expect_err("no profile");
    assert_eq!(err.code(), "provider_auth_refused", "{err}");
    assert!(
        err.to_string().contains("coffer-test-no-such-profile"),
        "{err}"
    );

    vault.set_link_cache_ttl(std::time::Duration::ZERO);
    moto.stop();
    assert_eq!(
        vault.get("key").expect_err("stopped").code(),
        "provider_unreachable"
    );
}

/// Serves one answer to every request on a local port (a test double:
/// moto simulates neither throttling nor an expired session token).
fn stub(status: &'static str, body: &'static str) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let addr = listener.local_addr().expect("addr");
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { continue };
            let mut buf = [0u8; 65536];
            let mut seen = Vec::new();
            // Headers, then the body its Content-Length announces.
            while let Ok(n) = stream.read(&mut buf) {
                if n == 0 {
                    break;
                }
                seen.extend_from_slice(&buf[..n]);
                let text = String::from_utf8_lossy(&seen).to_lowercase();
                if let Some(end) = text.find("\r\n\r\n") {
                    let length = text
                        .lines()
                        .find_map(|l| l.strip_prefix("content-length:"))
                        .and_then(|v| v.trim().parse::<usize>().ok())
                        .unwrap_or(0);
                    if seen.len() >= end + 4 + length {
                        break;
                    }
                }
            }
            let answer = format!(
                "HTTP/1.1 {status}\r\nContent-Type: application/x-amz-json-1.1\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                body.len()
            );
            let _ = stream.write_all(answer.as_bytes());
        }
    });
    format!("http://{addr}")
}

#[test]
#[ignore = "needs OpenBao and moto: `make deps-linked` (make test runs it)"]
fn throttling_and_an_expired_session_token_as_aws_answers_them() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut vault = vault(dir.path());
    let cases = [
        (
            "throttled",
            "400 Bad Request",
            r#"{"__type":"ThrottlingException","message":"Rate exceeded"}"#,
            "provider_rate_limited",
        ),
        (
            "expired",
            "400 Bad Request",
            r#"{"__type":"com.amazonaws.secretsmanager#ExpiredTokenException","message":"The security token included in the request is expired"}"#,
            "provider_auth_expired",
        ),
        (
            "broken",
            "500 Internal Server Error",
            "<html>oops</html>",
            "provider_unavailable",
        ),
    ];
    for (name, status, body, code) in cases {
        let endpoint = stub(status, body);
        vault
            .add_provider(
                provider(name, &endpoint, None, None),
                keys("ASIATEST", "s", Some("t")),
            )
            .expect("add");
        let err = vault
            .link(request(name, name, target("app/key")))
            .expect_err(name);
        assert_eq!(err.code(), code, "{name}: {err}");
    }
}

#[test]
#[ignore = "needs OpenBao and moto: `make deps-linked` (make test runs it)"]
fn a_local_secret_is_published_to_secrets_manager_and_linked_there() {
    let moto = Moto::start();
    moto.create_secret(
        "us-east-1",
        "team/stripe",
        r#"{"account":"acct_1","live":true}"#,
    );
    let dir = tempfile::tempdir().expect("tempdir");
    let mut vault = vault(dir.path());
    vault
        .add_provider(
            provider("aws", &moto.endpoint, None, None),
            keys("AKIDTEST", "secret", None),
        )
        .expect("add");
    for (name, value) in [("stripe", "sk_test_published"), ("plain", "whole-value")] {
        vault
            .set(
                name,
                SecretString::from(value.to_owned()),
                coffer_core::SecretPatch::default(),
            )
            .expect("set");
    }
    // One key of an existing JSON secret: the other keys stay, types too.
    let info = vault
        .publish(
            Target::Name("stripe"),
            "aws",
            with("team/stripe", |t| json_key(t, "api_key")),
        )
        .expect("publish");
    assert_eq!(info.linked.expect("linked").location, "team/stripe#api_key");
    let (_, read) = moto.call(
        "us-east-1",
        "GetSecretValue",
        serde_json::json!({"SecretId": "team/stripe"}),
    );
    let stored: serde_json::Value =
        serde_json::from_str(read["SecretString"].as_str().expect("string")).expect("json");
    assert_eq!(
        stored,
        serde_json::json!({"account": "acct_1", "live": true, "api_key": "sk_test_published"})
    );
    assert_eq!(get(&mut vault, "stripe"), "sk_test_published");
    // A secret that is not there is made, as a whole string.
    vault
        .publish(Target::Name("plain"), "aws", target("team/plain"))
        .expect("publish new");
    let (_, read) = moto.call(
        "us-east-1",
        "GetSecretValue",
        serde_json::json!({"SecretId": "team/plain"}),
    );
    assert_eq!(read["SecretString"], "whole-value");
    assert_eq!(get(&mut vault, "plain"), "whole-value");
}
