//! `coffer http` against real local HTTPS servers: exactly what reached the
//! server — the right secret to an allowed host, nothing to any other, and
//! nothing after a redirect to another host.

use crate::https::{Answer, Seen, Server};
use crate::util::{assert_error, stderr, stdout, Env};

const MASK: &str = "<concealed by coffer>";
const TOKEN: &str = "sk_test_http_51Hx9";

/// A vault with `tok` allowed on 127.0.0.1 (any port) and `stripe` on api.stripe.com only.
fn vault() -> Env {
    let env = Env::new();
    for (name, domains, value) in [
        ("tok", "127.0.0.1", TOKEN),
        ("stripe", "api.stripe.com", "sk_live_stripe_only"),
    ] {
        let out = env.run(&["set", name, "--domains", domains], value.as_bytes());
        assert!(out.status.success(), "{}", stderr(&out));
    }
    env
}

fn echo(request: &Seen, port: u16) -> Answer {
    match request.target.as_str() {
        "/to-localhost" => (
            302,
            vec![(
                "Location".into(),
                format!("https://localhost:{port}/landed"),
            )],
            Vec::new(),
        ),
        "/same-host" => (307, vec![("Location".into(), "/landed".into())], Vec::new()),
        "/missing" => (404, Vec::new(), b"not here".to_vec()),
        _ => {
            let auth = request.header("authorization").unwrap_or_default();
            (
                200,
                vec![("X-Echo".into(), auth.to_owned())],
                format!("you sent {auth}\n").into_bytes(),
            )
        }
    }
}

fn http(env: &Env, server: &Server, args: &[&str]) -> std::process::Output {
    let mut all = vec!["http", "--cacert", server.ca.to_str().expect("utf8")];
    all.extend_from_slice(args);
    env.run(&all, b"")
}

#[test]
fn the_right_secret_reaches_an_allowed_host_and_the_response_is_masked() {
    let env = vault();
    let server = Server::start(echo);
    let url = server.url("127.0.0.1", "/v1/charges?key={{vault:tok}}");
    let out = http(
        &env,
        &server,
        &[
            "-i",
            "POST",
            &url,
            "-H",
            "Authorization: Bearer {{vault:tok}}",
            "--json",
            r#"{"token": "{{vault:tok}}", "n": 1}"#,
        ],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let seen = server.seen();
    assert_eq!(seen.len(), 1);
    assert_eq!(seen[0].method, "POST");
    assert_eq!(seen[0].target, format!("/v1/charges?key={TOKEN}"));
    assert_eq!(
        seen[0].header("authorization"),
        Some(format!("Bearer {TOKEN}").as_str())
    );
    assert_eq!(seen[0].header("content-type"), Some("application/json"));
    let body: serde_json::Value = serde_json::from_slice(&seen[0].body).expect("JSON body");
    assert_eq!(body, serde_json::json!({"token": TOKEN, "n": 1}));
    // What it printed: the status line, the headers and the body, values masked.
    let shown = stdout(&out);
    assert!(shown.starts_with("HTTP/1.1 200 Test\r\n"), "{shown}");
    assert!(
        shown.contains(&format!("x-echo: Bearer {MASK}\r\n"))
            || shown.contains(&format!("X-Echo: Bearer {MASK}\r\n")),
        "{shown}"
    );
    assert!(
        shown.ends_with(&format!("you sent Bearer {MASK}\n")),
        "{shown}"
    );
    assert!(!shown.contains(TOKEN) && !stderr(&out).contains(TOKEN));
}

#[test]
fn nothing_is_sent_to_a_host_a_secret_is_not_meant_for() {
    let env = vault();
    let server = Server::start(echo);
    let url = server.url("127.0.0.1", "/v1");
    let out = http(
        &env,
        &server,
        &[&url, "-H", "Authorization: Bearer {{vault:stripe}}"],
    );
    assert_error(
        &out,
        1,
        "\"stripe\": it is allowed only on api.stripe.com, not on 127.0.0.1",
    );
    assert!(server.seen().is_empty(), "a request reached the server");
    // Plain HTTP to another machine, for a secret meant for it: refused before connecting.
    let out = env.run(
        &[
            "http",
            "http://api.stripe.com/v1",
            "-H",
            "X: {{vault:stripe}}",
        ],
        b"",
    );
    assert_error(&out, 1, "over HTTPS only");
    // A reference in the host itself is refused.
    let out = env.run(&["http", "https://{{vault:tok}}/"], b"");
    assert_error(&out, 2, "cannot be in the URL's host");
}

#[test]
fn a_redirect_is_followed_only_while_the_host_stays_allowed() {
    let env = vault();
    let server = Server::start(echo);
    let out = http(
        &env,
        &server,
        &[
            &server.url("127.0.0.1", "/same-host"),
            "-H",
            "Authorization: {{vault:tok}}",
        ],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let seen = server.seen();
    assert_eq!(
        seen.iter().map(|s| s.target.as_str()).collect::<Vec<_>>(),
        ["/same-host", "/landed"]
    );
    assert_eq!(seen[1].header("authorization"), Some(TOKEN));

    let server = Server::start(echo);
    let out = http(
        &env,
        &server,
        &[
            &server.url("127.0.0.1", "/to-localhost"),
            "-H",
            "Authorization: {{vault:tok}}",
        ],
    );
    assert_error(&out, 1, "redirected to localhost, where \"tok\" is not allowed (only 127.0.0.1); the redirect was not followed");
    assert_eq!(
        server.seen().len(),
        1,
        "the secret went on to the other host"
    );
}

#[test]
fn exit_codes_and_tls_verification() {
    let env = vault();
    let server = Server::start(echo);
    let out = http(&env, &server, &[&server.url("127.0.0.1", "/missing")]);
    assert_eq!(out.status.code(), Some(22), "{}", stderr(&out));
    assert_eq!(stdout(&out), "not here");
    assert!(
        stderr(&out).contains("127.0.0.1 answered 404"),
        "{}",
        stderr(&out)
    );
    // Without the test CA the certificate is not trusted: nothing is sent.
    let out = env.run(
        &[
            "http",
            &server.url("127.0.0.1", "/v1"),
            "-H",
            "Authorization: {{vault:tok}}",
        ],
        b"",
    );
    assert_error(&out, 1, "did not complete");
    assert!(!stderr(&out).contains(TOKEN));
    assert_eq!(server.seen().len(), 1, "{:?}", server.seen());
}

#[test]
fn credentials_in_the_url_and_a_host_made_of_a_value_are_refused_before_anything_is_sent() {
    let env = vault();
    let server = Server::start(echo);
    for url in [
        format!("https:{{{{vault:tok}}}}@127.0.0.1:{}/", server.port),
        format!("https://{{{{vault:tok}}}}@127.0.0.1:{}/", server.port),
        format!("https://user:{{{{vault:tok}}}}@127.0.0.1:{}/", server.port),
    ] {
        let out = http(&env, &server, &[&url]);
        assert_eq!(out.status.code(), Some(2), "{url}: {}", stderr(&out));
        assert!(!stderr(&out).contains(TOKEN));
    }
    assert!(server.seen().is_empty(), "{:?}", server.seen());
    let out = http(
        &env,
        &server,
        &["--timeout", "0", &server.url("127.0.0.1", "/")],
    );
    assert_error(&out, 2, "--timeout takes seconds");
}

#[test]
fn a_value_in_the_url_is_percent_encoded_and_a_secret_without_domains_does_not_follow_elsewhere() {
    let env = vault();
    let out = env.run(&["set", "free"], b"v#1&x y/z");
    assert!(out.status.success(), "{}", stderr(&out));
    let server = Server::start(echo);
    let out = http(
        &env,
        &server,
        &[&server.url("127.0.0.1", "/q?key={{vault:free}}&n=1")],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(server.seen()[0].target, "/q?key=v%231%26x%20y%2Fz&n=1");
    // To another host: a secret without allowed domains stays with the host it was named for.
    let out = http(
        &env,
        &server,
        &[
            &server.url("127.0.0.1", "/to-localhost"),
            "-H",
            "X-Key: {{vault:free}}",
        ],
    );
    assert_error(
        &out,
        1,
        "it has no allowed domains, so it goes only to 127.0.0.1",
    );
    assert_eq!(server.seen().len(), 2);
}
