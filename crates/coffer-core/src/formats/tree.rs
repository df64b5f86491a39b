//! A JSON value from an API client's file as the text of a secret.

use serde_json::Value;

/// Text as written, numbers and booleans as JSON writes them, `null` as
/// empty, and an object or a list as its compact JSON (as Insomnia's table
/// view and Bruno's export show them).
pub(crate) fn json_text(value: Value) -> String {
    match value {
        Value::String(s) => s,
        Value::Null => String::new(),
        Value::Bool(b) => b.to_string(),
        Value::Number(n) => n.to_string(),
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scalars_read_as_written_and_structures_as_compact_json() {
        let cases = [
            (serde_json::json!("text"), "text"),
            (serde_json::json!(1001), "1001"),
            (serde_json::json!(true), "true"),
            (serde_json::json!(null), ""),
            (
                serde_json::json!({"a": 1, "b": [true]}),
                r#"{"a":1,"b":[true]}"#,
            ),
            (serde_json::json!(["x", 2]), r#"["x",2]"#),
        ];
        for (value, want) in cases {
            assert_eq!(json_text(value), want);
        }
    }
}
