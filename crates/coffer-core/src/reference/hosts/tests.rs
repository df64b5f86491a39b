use super::*;

fn canonical(raw: &str) -> String {
    Pattern::parse(raw)
        .unwrap_or_else(|e| panic!("{raw:?}: {e}"))
        .to_string()
}

#[test]
fn patterns_are_read_as_written_and_kept_in_one_form() {
    for (raw, want) in [
        ("API.Example.com.", "api.example.com"),
        (" *.Example.COM ", "*.example.com"),
        ("localhost:8443", "localhost:8443"),
        ("HTTP://Intranet.example", "http://intranet.example"),
        ("https://api.example.com", "api.example.com"),
        ("http://10.0.0.1:8080", "http://10.0.0.1:8080"),
        ("[::1]", "[::1]"),
        ("[0:0:0:0:0:0:0:1]:8443", "[::1]:8443"),
        ("bücher.example", "xn--bcher-kva.example"),
        ("*.BÜCHER.example", "*.xn--bcher-kva.example"),
        ("xn--bcher-kva.example", "xn--bcher-kva.example"),
        ("my_host.internal", "my_host.internal"),
    ] {
        assert_eq!(canonical(raw), want, "{raw:?}");
        // The stored form reads back as itself.
        assert_eq!(canonical(want), want, "{want:?}");
    }
}

#[test]
fn bad_patterns_say_what_is_wrong() {
    for (raw, says) in [
        ("", "empty"),
        ("ftp://files.example", "host only"),
        ("api.example.com/v1", "without a path"),
        ("user@api.example.com", "without a path"),
        ("a*.example.com", "whole first part"),
        ("*.10.0.0.1", "not an address"),
        ("::1", "brackets"),
        ("[::1", "brackets"),
        ("[::1]8443", "only :PORT"),
        ("[zz::1]", "not an IPv6"),
        ("example.com:0", "not a port"),
        ("example.com:65536", "not a port"),
        ("example.com:https", "not a port"),
        ("-bad.example", "inner hyphens"),
        ("a..b", "1 to 63"),
        (&format!("{}.example", "a".repeat(64)), "1 to 63"),
    ] {
        let err = Pattern::parse(raw).expect_err(raw);
        assert!(err.contains(says), "{raw:?}: {err}");
    }
}

fn verdict(patterns: &[&str], url: &str) -> Result<(), Refusal> {
    let patterns: Vec<String> = patterns.iter().map(|p| canonical(p)).collect();
    check(&patterns, &Destination::parse(url).expect(url))
}

const OK: Result<(), Refusal> = Ok(());
const NO: Result<(), Refusal> = Err(Refusal::NotAllowed);
const HTTP: Result<(), Refusal> = Err(Refusal::PlainHttp);

#[test]
fn an_exact_host_matches_itself_in_any_spelling_and_nothing_else() {
    let p = &["api.stripe.com"];
    for (url, want) in [
        ("https://api.stripe.com/v1/charges", OK),
        ("https://API.Stripe.COM./v1", OK),
        ("https://api.stripe.com:8443/", OK),
        ("https://api%2Estripe%2Ecom/", OK),
        // Userinfo is not the host.
        ("https://api.stripe.com@evil.test/", NO),
        ("https://api.stripe.com:pw@evil.test/", NO),
        ("https://api.stripe.com.evil.test/", NO),
        ("https://evil.test/api.stripe.com", NO),
        ("https://evil.test/?to=https://api.stripe.com", NO),
        ("https://stripe.com/", NO),
        ("https://xapi.stripe.com/", NO),
        // Plain HTTP to another machine is refused unless the pattern says so.
        ("http://api.stripe.com/", HTTP),
    ] {
        assert_eq!(verdict(p, url), want, "{url}");
    }
}

#[test]
fn a_wildcard_matches_subdomains_but_not_the_name_itself() {
    let p = &["*.example.com"];
    for (url, want) in [
        ("https://a.example.com/", OK),
        ("https://a.b.example.com/", OK),
        ("https://example.com/", NO),
        ("https://badexample.com/", NO),
        ("https://example.com.evil.test/", NO),
        ("https://.example.com/", NO),
    ] {
        assert_eq!(verdict(p, url), want, "{url}");
    }
}

#[test]
fn ports_addresses_and_plain_http() {
    for (patterns, url, want) in [
        (&["localhost:8443"][..], "http://localhost:8443/", OK),
        (&["localhost:8443"], "https://localhost:8443/", OK),
        (&["localhost:8443"], "https://localhost:9000/", NO),
        (&["localhost:8443"], "https://localhost/", NO),
        (&["example.com:443"], "https://example.com/", OK),
        (&["10.0.0.1"], "https://10.0.0.1/", OK),
        (&["10.0.0.1"], "https://0x0a.0.0.1/", OK),
        (&["10.0.0.1"], "https://10.0.0.2/", NO),
        (&["10.0.0.1"], "https://10.0.0.1.nip.io/", NO),
        (&["[::1]"], "https://[::1]:8443/", OK),
        (&["[::1]"], "https://[0:0::1]/", OK),
        (&["[::1]"], "https://[::2]/", NO),
        (&["127.0.0.1"], "http://127.0.0.1:3000/", OK),
        (&["[::1]"], "http://[::1]/", OK),
        (
            &["http://intranet.example"],
            "http://intranet.example/x",
            OK,
        ),
        (
            &["http://intranet.example"],
            "https://intranet.example/x",
            OK,
        ),
        (
            &["intranet.example", "http://intranet.example:8080"],
            "http://intranet.example:8080/",
            OK,
        ),
        (
            &["intranet.example", "http://intranet.example:8080"],
            "http://intranet.example/",
            HTTP,
        ),
        (&["bücher.example"], "https://BÜCHER.example/", OK),
        (&["bücher.example"], "https://xn--bcher-kva.example/", OK),
        (&[], "http://anywhere.example/", OK),
        (&["a.example", "b.example"], "https://b.example/", OK),
    ] {
        assert_eq!(verdict(patterns, url), want, "{patterns:?} {url}");
    }
}

#[test]
fn a_stored_pattern_that_no_longer_parses_matches_nothing() {
    let to = Destination::parse("https://anything.example/").expect("url");
    assert_eq!(check(&["not a pattern!".into()], &to), NO);
}

#[test]
fn only_http_and_https_urls_are_destinations() {
    for (url, says) in [
        ("ftp://files.example/", "only http and https"),
        ("file:///etc/passwd", "only http and https"),
        ("api.example.com/v1", "not a URL"),
        ("https://", "not a URL"),
    ] {
        let err = Destination::parse(url).expect_err(url);
        assert!(err.contains(says), "{url}: {err}");
    }
    let to = Destination::parse("https://[::1]:8443/").expect("v6");
    assert_eq!(to.host(), "[::1]");
}
