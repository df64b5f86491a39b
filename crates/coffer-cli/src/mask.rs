//! Masking: every resolved value in a program's output replaced by
//! [`MASK`], as the output streams by.
//!
//! Bytes are passed on as soon as they cannot be the start of a value: only
//! an end of the stream that could still grow into a value (a value split
//! across two writes) waits for the next bytes. So a prompt appears at once,
//! a value is never shown in part, and binary output passes byte for byte
//! apart from the masked values.

use aho_corasick::{AhoCorasick, AhoCorasickKind, MatchKind};
use zeroize::Zeroizing;

/// What a masked value reads as.
pub const MASK: &[u8] = b"<concealed by coffer>";

/// A masker over one stream.
pub struct Masker {
    finder: AhoCorasick,
    values: Vec<Zeroizing<Vec<u8>>>,
    /// The end of the stream that may be the start of a value.
    held: Zeroizing<Vec<u8>>,
}

impl Masker {
    /// A masker for `values`; `Ok(None)` when there is nothing to mask.
    pub fn new<'v>(values: impl IntoIterator<Item = &'v [u8]>) -> Result<Option<Masker>, String> {
        let values: Vec<Zeroizing<Vec<u8>>> = values
            .into_iter()
            .filter(|v| !v.is_empty())
            .map(|v| Zeroizing::new(v.to_vec()))
            .collect();
        if values.is_empty() {
            return Ok(None);
        }
        // Standard match semantics, so every match, overlapping ones too, is
        // found and the union of overlapping values is masked as one.
        let build = |kind| {
            AhoCorasick::builder()
                .match_kind(MatchKind::Standard)
                .kind(kind)
                .build(values.iter().map(|v| v.as_slice()))
        };
        let finder = build(Some(AhoCorasickKind::DFA))
            // Too many or too long values for a DFA: the slower automaton.
            .or_else(|_| build(None))
            .map_err(|e| format!("cannot prepare masking of the values: {e}"))?;
        Ok(Some(Masker {
            finder,
            values,
            held: Zeroizing::new(Vec::new()),
        }))
    }

    /// Every stretch of `buf` covered by a value, overlapping values merged.
    fn spans(&self, buf: &[u8]) -> Vec<(usize, usize)> {
        let mut spans: Vec<(usize, usize)> = Vec::new();
        for m in self.finder.find_overlapping_iter(buf) {
            match spans.last_mut() {
                Some(last) if m.start() <= last.1 => last.1 = last.1.max(m.end()),
                _ => spans.push((m.start(), m.end())),
            }
        }
        spans
    }

    /// Takes the next bytes of the stream; appends to `out` what can be shown now.
    pub fn feed(&mut self, chunk: &[u8], out: &mut Vec<u8>) {
        let mut buf = Zeroizing::new(Vec::with_capacity(self.held.len() + chunk.len()));
        buf.extend_from_slice(&self.held);
        buf.extend_from_slice(chunk);
        let mut cut = buf.len() - self.partial_suffix(&buf);
        let matches = self.spans(&buf);
        if let Some(&(start, _)) = matches.iter().find(|&&(s, e)| s < cut && e > cut) {
            cut = start;
        }
        let mut at = 0;
        for &(start, end) in matches.iter().take_while(|&&(_, e)| e <= cut) {
            out.extend_from_slice(&buf[at..start]);
            out.extend_from_slice(MASK);
            at = end;
        }
        out.extend_from_slice(&buf[at..cut]);
        self.held = Zeroizing::new(buf[cut..].to_vec());
    }

    /// The stream ended: appends the rest.
    pub fn finish(&mut self, out: &mut Vec<u8>) {
        let held = Zeroizing::new(std::mem::take(&mut *self.held));
        let mut at = 0;
        for (start, end) in self.spans(&held) {
            out.extend_from_slice(&held[at..start]);
            out.extend_from_slice(MASK);
            at = end;
        }
        out.extend_from_slice(&held[at..]);
    }

    /// How many bytes at the end of `buf` could be the start of a value
    /// (or of a longer value than one that ends there).
    fn partial_suffix(&self, buf: &[u8]) -> usize {
        let longest = self.values.iter().map(|v| v.len()).max().unwrap_or(0);
        for k in (1..longest.min(buf.len() + 1)).rev() {
            let tail = &buf[buf.len() - k..];
            if self
                .values
                .iter()
                .any(|v| v.len() > k && v.starts_with(tail))
            {
                return k;
            }
        }
        0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn masked(values: &[&str], chunks: &[&[u8]]) -> Vec<u8> {
        let mut m = Masker::new(values.iter().map(|v| v.as_bytes()))
            .expect("built")
            .expect("values");
        let mut out = Vec::new();
        for c in chunks {
            m.feed(c, &mut out);
        }
        m.finish(&mut out);
        out
    }

    fn text(bytes: Vec<u8>) -> String {
        String::from_utf8(bytes).expect("utf-8")
    }

    #[test]
    fn a_value_is_masked_wherever_the_stream_splits_it() {
        let value = "sk_live_abcdef";
        let line = format!("key={value} and again {value}\n");
        let want = "key=<concealed by coffer> and again <concealed by coffer>\n";
        for split in 0..=line.len() {
            let (a, b) = line.as_bytes().split_at(split);
            assert_eq!(text(masked(&[value], &[a, b])), want, "split at {split}");
        }
        // One byte at a time.
        let bytes: Vec<&[u8]> = line.as_bytes().chunks(1).collect();
        assert_eq!(text(masked(&[value], &bytes)), want);
    }

    #[test]
    fn overlapping_and_nested_values_never_show_a_part() {
        assert_eq!(
            text(masked(&["abc", "abcdef"], &[b"xabc", b"def y abc z"])),
            "x<concealed by coffer> y <concealed by coffer> z"
        );
        assert_eq!(
            text(masked(&["bcd", "cdxy"], &[b"abcd", b"e"])),
            "a<concealed by coffer>e"
        );
        // Overlapping values are masked as one stretch: no part of either shows.
        for split in 0..=6 {
            let (a, b) = b"abcdxy".split_at(split);
            assert_eq!(
                text(masked(&["bcd", "cdxy"], &[a, b])),
                "a<concealed by coffer>",
                "split at {split}"
            );
        }
        let multi = "-----BEGIN KEY-----\nAAAA\nBBBB\n-----END KEY-----";
        let out = text(masked(
            &[multi],
            &[&multi.as_bytes()[..25], &multi.as_bytes()[25..], b"\n"],
        ));
        assert_eq!(out, "<concealed by coffer>\n");
    }

    #[test]
    fn output_that_cannot_start_a_value_is_passed_on_at_once() {
        let mut m = Masker::new([b"secret-value".as_slice()])
            .expect("built")
            .expect("values");
        let mut out = Vec::new();
        m.feed(b"Password: ", &mut out);
        assert_eq!(out, b"Password: ");
        out.clear();
        m.feed(b"my secr", &mut out);
        assert_eq!(out, b"my ", "a possible start of the value is held");
        out.clear();
        m.feed(b"ecy", &mut out);
        assert_eq!(out, b"secrecy", "no longer a value: shown");
    }

    #[test]
    fn binary_output_passes_byte_for_byte_apart_from_values() {
        let value = [0u8, 255, 7, 7, 0, 1];
        let mut stream: Vec<u8> = (0..=255u8).cycle().take(70_000).collect();
        stream.extend_from_slice(&value);
        stream.extend((0..=255u8).rev().cycle().take(10_000));
        let mut m = Masker::new([value.as_slice()])
            .expect("built")
            .expect("values");
        let mut out = Vec::new();
        for c in stream.chunks(4093) {
            m.feed(c, &mut out);
        }
        m.finish(&mut out);
        let mut want = stream[..70_000].to_vec();
        want.extend_from_slice(MASK);
        want.extend((0..=255u8).rev().cycle().take(10_000));
        assert_eq!(out, want);
    }

    #[test]
    fn nothing_to_mask_is_no_masker() {
        assert!(Masker::new([b"".as_slice()]).expect("built").is_none());
    }
}
