//! Allowed domains: the patterns a secret carries, where a request goes, and
//! whether that destination is one the secret is meant for.
//!
//! A pattern is a host name (`api.example.com`), `*.` and a host name (any
//! subdomain, not the name itself), an IPv4 address or an IPv6 address in
//! brackets; it may end in `:PORT` (then only that port), and may start with
//! `http://` (then plain HTTP is allowed to it as well). Host names are
//! compared in their ASCII form: lowercase, punycode for international names,
//! no trailing dot. A destination is parsed as a browser parses a URL, so
//! `https://api.example.com@evil.test/` goes to `evil.test`, and a
//! percent-encoded host is decoded before it is compared.

use std::fmt;
use std::net::IpAddr;

use url::{Host, Url};

/// A parsed allowed-domain pattern.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pattern {
    plain_http: bool,
    host: PatternHost,
    port: Option<u16>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum PatternHost {
    /// Exactly this host name.
    Name(String),
    /// Any subdomain of this host name, not the name itself.
    Subdomains(String),
    /// Exactly this address.
    Ip(IpAddr),
}

impl Pattern {
    /// Parses a pattern as a person writes it; the error says what is wrong.
    pub fn parse(raw: &str) -> Result<Pattern, String> {
        let mut rest = raw.trim();
        let mut plain_http = false;
        if let Some((scheme, after)) = rest.split_once("://") {
            match scheme.to_ascii_lowercase().as_str() {
                "http" => plain_http = true,
                "https" => {}
                _ => {
                    return Err(
                        "give the host only, e.g. api.example.com (`http://` in front allows plain HTTP to it)"
                            .into(),
                    )
                }
            }
            rest = after;
        }
        if rest.contains('/') || rest.contains('?') || rest.contains('#') || rest.contains('@') {
            return Err("give the host only, e.g. api.example.com, without a path".into());
        }
        let (host, port) = split_port(rest)?;
        let host = host.strip_suffix('.').unwrap_or(host);
        if host.is_empty() {
            return Err("it is empty".into());
        }
        let host = match host.strip_prefix("*.") {
            Some(name) => PatternHost::Subdomains(host_name(name)?),
            None if host.starts_with('[') => {
                let inner = host
                    .strip_prefix('[')
                    .and_then(|h| h.strip_suffix(']'))
                    .ok_or("an IPv6 address goes in brackets, as in [::1]")?;
                PatternHost::Ip(IpAddr::V6(
                    inner
                        .parse()
                        .map_err(|_| "that is not an IPv6 address".to_owned())?,
                ))
            }
            None => match host.parse::<std::net::Ipv4Addr>() {
                Ok(ip) => PatternHost::Ip(IpAddr::V4(ip)),
                Err(_) => PatternHost::Name(host_name(host)?),
            },
        };
        Ok(Pattern {
            plain_http,
            host,
            port,
        })
    }

    fn matches(&self, to: &Destination) -> bool {
        let host = match (&self.host, &to.host) {
            (PatternHost::Name(p), Host::Domain(h)) => p == h,
            (PatternHost::Subdomains(p), Host::Domain(h)) => h
                .strip_suffix(p.as_str())
                .is_some_and(|head| head.len() > 1 && head.ends_with('.')),
            (PatternHost::Ip(IpAddr::V4(p)), Host::Ipv4(h)) => p == h,
            (PatternHost::Ip(IpAddr::V6(p)), Host::Ipv6(h)) => p == h,
            _ => false,
        };
        host && self.port.is_none_or(|p| p == to.port)
    }
}

impl fmt::Display for Pattern {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.plain_http {
            f.write_str("http://")?;
        }
        match &self.host {
            PatternHost::Name(h) => f.write_str(h)?,
            PatternHost::Subdomains(h) => write!(f, "*.{h}")?,
            PatternHost::Ip(IpAddr::V4(ip)) => write!(f, "{ip}")?,
            PatternHost::Ip(IpAddr::V6(ip)) => write!(f, "[{ip}]")?,
        }
        if let Some(port) = self.port {
            write!(f, ":{port}")?;
        }
        Ok(())
    }
}

/// `host[:port]` apart; an IPv6 address must be bracketed.
fn split_port(text: &str) -> Result<(&str, Option<u16>), String> {
    let (host, port) = if text.starts_with('[') {
        match text.find(']') {
            Some(end) if end + 1 == text.len() => (text, None),
            Some(end) => match text[end + 1..].strip_prefix(':') {
                Some(port) => (&text[..=end], Some(port)),
                None => return Err("after the ] of an IPv6 address only :PORT may follow".into()),
            },
            None => return Err("an IPv6 address goes in brackets, as in [::1]".into()),
        }
    } else {
        match text.rsplit_once(':') {
            Some((host, _)) if host.contains(':') => {
                return Err("an IPv6 address goes in brackets, as in [::1]".into())
            }
            Some((host, port)) => (host, Some(port)),
            None => (text, None),
        }
    };
    let port = match port {
        None => None,
        Some(p) => match p.parse::<u16>() {
            Ok(n) if n > 0 => Some(n),
            _ => return Err(format!("{p:?} is not a port (1 to 65535)")),
        },
    };
    Ok((host, port))
}

/// A host name in its ASCII form, checked label by label.
fn host_name(name: &str) -> Result<String, String> {
    if name.contains('*') {
        return Err("`*` is allowed only as the whole first part, as in *.example.com".into());
    }
    let ascii = match Host::parse(name) {
        Ok(Host::Domain(d)) => d,
        Ok(_) => return Err("`*.` goes before a host name, not an address".into()),
        Err(_) => return Err("that is not a host name".into()),
    };
    if ascii.len() > 253 {
        return Err("a host name is at most 253 characters".into());
    }
    for label in ascii.split('.') {
        if label.is_empty() || label.len() > 63 {
            return Err("each dot-separated part must be 1 to 63 characters".into());
        }
        if !label
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
            || label.starts_with('-')
            || label.ends_with('-')
        {
            return Err("use letters, digits and inner hyphens only".into());
        }
    }
    Ok(ascii)
}

/// Where a request goes: scheme, host and port of a URL.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Destination {
    plain_http: bool,
    host: Host<String>,
    port: u16,
}

impl Destination {
    /// The destination of an `http://` or `https://` URL.
    pub fn parse(url: &str) -> Result<Destination, String> {
        let parsed = Url::parse(url).map_err(|e| format!("it is not a URL ({e})"))?;
        let plain_http = match parsed.scheme() {
            "https" => false,
            "http" => true,
            other => {
                return Err(format!(
                    "only http and https URLs are supported, not {other}:"
                ))
            }
        };
        let host = match parsed.host() {
            Some(Host::Domain(d)) => Host::Domain(d.strip_suffix('.').unwrap_or(d).to_owned()),
            Some(Host::Ipv4(ip)) => Host::Ipv4(ip),
            Some(Host::Ipv6(ip)) => Host::Ipv6(ip),
            None => return Err("it has no host".into()),
        };
        let port = parsed
            .port_or_known_default()
            .unwrap_or(if plain_http { 80 } else { 443 });
        Ok(Destination {
            plain_http,
            host,
            port,
        })
    }

    /// The host as a refusal names it.
    pub fn host(&self) -> String {
        match &self.host {
            Host::Ipv6(ip) => format!("[{ip}]"),
            h => h.to_string(),
        }
    }

    fn is_loopback(&self) -> bool {
        match &self.host {
            Host::Domain(d) => d == "localhost" || d.ends_with(".localhost"),
            Host::Ipv4(ip) => ip.is_loopback(),
            Host::Ipv6(ip) => ip.is_loopback(),
        }
    }
}

/// Why a destination is not one a secret is meant for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    /// No pattern matches the host (and port).
    NotAllowed,
    /// A pattern matches, but the request is plain HTTP to another machine
    /// and no matching pattern says `http://`.
    PlainHttp,
}

/// Whether a secret with these stored patterns may go to `to`. No patterns:
/// anywhere. A stored pattern that no longer parses matches nothing.
pub fn check(patterns: &[String], to: &Destination) -> Result<(), Refusal> {
    if patterns.is_empty() {
        return Ok(());
    }
    let matching: Vec<Pattern> = patterns
        .iter()
        .filter_map(|p| Pattern::parse(p).ok())
        .filter(|p| p.matches(to))
        .collect();
    if matching.is_empty() {
        return Err(Refusal::NotAllowed);
    }
    if to.plain_http && !to.is_loopback() && !matching.iter().any(|p| p.plain_http) {
        return Err(Refusal::PlainHttp);
    }
    Ok(())
}

#[cfg(test)]
mod tests;
