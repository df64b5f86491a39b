use super::*;

fn names(text: &str) -> Vec<String> {
    find(text).into_iter().map(|r| r.name).collect()
}

#[test]
fn references_are_found_with_or_without_spaces_and_others_left_alone() {
    assert_eq!(
        names("Bearer {{vault:STRIPE_KEY}} and {{ vault:GitHub token }}{{\tvault:x\t}}"),
        ["STRIPE_KEY", "GitHub token", "x"]
    );
    assert_eq!(
        names("{{baseUrl}}/v1 {{ vault }} {{vaultx:a}} {vault:a} {{vault:a}"),
        Vec::<String>::new()
    );
    assert_eq!(names("{{vault:a {{vault:b}}"), ["b"]);
    assert_eq!(names("{{{vault:x}}}"), ["x"]);
    assert_eq!(names("{{vault:}}"), [""]);
    assert_eq!(names("ключ={{vault:ключ 🔑}};"), ["ключ 🔑"]);
    let text = "x{{vault:a}}y";
    let found = find(text);
    assert_eq!(&text[found[0].span.clone()], "{{vault:a}}");
}

#[test]
fn values_go_in_place_as_they_are_or_escaped_for_json() {
    let text = "A={{vault:a}} B={{ vault:b }}";
    let refs = find(text);
    let value = |name: &str| if name == "a" { "1\n2" } else { "q\"\\" };
    assert_eq!(*render(text, &refs, Escape::None, value), "A=1\n2 B=q\"\\");
    let json = r#"{"a": "{{vault:a}}", "b": "pre {{vault:b}} post"}"#;
    let refs = find(json);
    check_json(json, &refs).expect("inside strings");
    let out = render(json, &refs, Escape::JsonString, value);
    let parsed: serde_json::Value = serde_json::from_str(&out).expect("still JSON");
    assert_eq!(parsed["a"], "1\n2");
    assert_eq!(parsed["b"], "pre q\"\\ post");
}

#[test]
fn json_escaping_keeps_every_value_exact() {
    let json = r#"{"v":"{{vault:v}}"}"#;
    let refs = find(json);
    for value in [
        "plain",
        "quote \" backslash \\ slash /",
        "line\nbreak\r\ttab",
        "control \u{1} \u{1f} \u{7f}",
        "non-ASCII é ключ 🔑 \u{2028}",
        "",
    ] {
        let out = render(json, &refs, Escape::JsonString, |_| value);
        let parsed: serde_json::Value = serde_json::from_str(&out).expect("JSON");
        assert_eq!(parsed["v"], value, "{value:?}");
    }
}

#[test]
fn a_reference_outside_a_json_string_or_a_template_that_is_not_json_is_refused() {
    let outside = "{\"a\": 1,\n \"b\": {{vault:b}}}";
    let err = check_json(outside, &find(outside)).expect_err("outside");
    assert!(
        err.contains("\"b\" on line 2 is outside a JSON string"),
        "{err}"
    );
    let key = r#"{"{{vault:k}}": 1}"#;
    check_json(key, &find(key)).expect("a key is a string too");
    let escaped = r#"{"a": "x\"{{vault:a}}\"y"}"#;
    check_json(escaped, &find(escaped)).expect("after an escaped quote, still inside");
    let broken = r#"{"a": "{{vault:a}}""#;
    let err = check_json(broken, &find(broken)).expect_err("not JSON");
    assert!(err.contains("not valid JSON"), "{err}");
}

#[test]
fn a_value_in_a_url_is_percent_encoded_so_it_cannot_reshape_it() {
    let text = "https://h/x?key={{vault:k}}&b=1";
    let refs = find(text);
    let out = render(text, &refs, Escape::Url, |_| "a b&c=d#e/f?g+é");
    assert_eq!(
        *out,
        "https://h/x?key=a%20b%26c%3Dd%23e%2Ff%3Fg%2B%C3%A9&b=1"
    );
}
