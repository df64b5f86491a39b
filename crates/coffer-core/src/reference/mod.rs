//! References: `{{vault:NAME}}` in any text — found, resolved all or nothing
//! by [`crate::Vault::resolve`], and put in place, escaped for a JSON string
//! where the text is JSON.
//!
//! Spaces inside the braces are allowed (`{{ vault:NAME }}`); NAME is the
//! secret's name (compared after NFC normalization, as names are stored).
//! Other `{{…}}` (a Postman variable, a template placeholder) are left alone.

mod hosts;

use std::ops::Range;

use zeroize::Zeroizing;

pub use hosts::{check as check_destination, Destination, Pattern, Refusal};

/// One reference in a text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reference {
    /// Where it is, braces included.
    pub span: Range<usize>,
    /// The name as written (spaces around it dropped).
    pub name: String,
}

/// Every reference in `text`, in order.
pub fn find(text: &str) -> Vec<Reference> {
    let mut out = Vec::new();
    let mut at = 0;
    while let Some(open) = text[at..].find("{{").map(|i| at + i) {
        let inner = &text[open + 2..];
        let lead = inner.len() - inner.trim_start_matches([' ', '\t']).len();
        let Some(after) = inner[lead..].strip_prefix("vault:") else {
            // `{{{vault:x}}`: the reference may open one brace later.
            at = open + 1;
            continue;
        };
        let name_start = open + 2 + lead + "vault:".len();
        let Some(close) = after.find("}}").map(|i| name_start + i) else {
            break;
        };
        let raw = &text[name_start..close];
        if let Some(inner_open) = raw.find("{{") {
            // `{{vault:a {{vault:b}}`: only the inner one is a reference.
            at = name_start + inner_open;
            continue;
        }
        out.push(Reference {
            span: open..close + 2,
            name: raw.trim_matches([' ', '\t']).to_owned(),
        });
        at = close + 2;
    }
    out
}

/// How a value is written in place of its reference.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Escape {
    /// As it is.
    None,
    /// As the contents of a JSON string (quotes, backslashes and control
    /// characters escaped), so the text stays valid JSON holding exactly
    /// the value.
    JsonString,
    /// Percent-encoded (every byte but `A-Z a-z 0-9 - . _ ~`), so a value in
    /// a URL's path or query cannot end or reshape it.
    Url,
}

/// `value` percent-encoded as [`Escape::Url`] writes it.
pub fn percent_encode(value: &str) -> Zeroizing<String> {
    let mut out = Zeroizing::new(String::with_capacity(value.len() * 3));
    for b in value.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(char::from(b));
        } else {
            out.push('%');
            out.push(char::from(b"0123456789ABCDEF"[usize::from(b >> 4)]));
            out.push(char::from(b"0123456789ABCDEF"[usize::from(b & 15)]));
        }
    }
    out
}

/// `text` with each reference replaced by `value(name)`.
pub fn render<'v>(
    text: &str,
    references: &[Reference],
    escape: Escape,
    mut value: impl FnMut(&str) -> &'v str,
) -> Zeroizing<String> {
    let mut out = Zeroizing::new(String::with_capacity(text.len()));
    let mut at = 0;
    for r in references {
        out.push_str(&text[at..r.span.start]);
        let v = value(&r.name);
        match escape {
            Escape::None => out.push_str(v),
            Escape::JsonString => {
                let quoted = Zeroizing::new(
                    serde_json::to_string(v).unwrap_or_else(|_| unreachable!("a str serializes")),
                );
                out.push_str(&quoted[1..quoted.len() - 1]);
            }
            Escape::Url => out.push_str(&percent_encode(v)),
        }
        at = r.span.end;
    }
    out.push_str(&text[at..]);
    out
}

/// Checks that `text` is JSON and that every reference is inside one of its
/// strings; the error says where the first one outside is.
pub fn check_json(text: &str, references: &[Reference]) -> Result<(), String> {
    let strings = json_strings(text);
    for r in references {
        let inside = strings
            .iter()
            .any(|s| s.start <= r.span.start && r.span.end <= s.end);
        if !inside {
            let line = text[..r.span.start].matches('\n').count() + 1;
            return Err(format!(
                "the reference to {:?} on line {line} is outside a JSON string; put it inside quotes",
                r.name
            ));
        }
    }
    serde_json::from_str::<serde::de::IgnoredAny>(text)
        .map_err(|e| format!("the template is not valid JSON ({e})"))?;
    Ok(())
}

/// The contents (quotes excluded) of every string of a JSON text (read
/// leniently: the text is checked for validity after).
fn json_strings(text: &str) -> Vec<Range<usize>> {
    let bytes = text.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'"' {
            let start = i + 1;
            let mut j = start;
            while j < bytes.len() && bytes[j] != b'"' {
                j += if bytes[j] == b'\\' { 2 } else { 1 };
            }
            out.push(start..j.min(bytes.len()));
            i = j + 1;
        } else {
            i += 1;
        }
    }
    out
}

#[cfg(test)]
mod tests;
