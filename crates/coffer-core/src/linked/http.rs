//! HTTP for providers: one blocking agent per provider (the system's roots
//! plus the provider's own CA, no redirects), bounded answers, and transport
//! failures sorted into "unreachable" and "TLS".

use std::io::Read;
use std::sync::Arc;
use std::time::Duration;

use zeroize::Zeroizing;

use super::{Fetch, LinkFailure, CA_PEM_MAX_BYTES};
use crate::error::{Error, Result};

/// Time to connect (TCP and TLS).
const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);
/// Time for a whole request.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(20);
/// Largest answer read, in bytes (a secret is at most 1 MiB, plus its JSON).
const ANSWER_MAX_BYTES: u64 = 4 * 1024 * 1024;

/// Checks a provider's base URL: http or https, a host, nothing after the path.
pub(crate) fn check_base_url(text: &str, what: &str) -> Result<()> {
    let bad = |reason: &str| {
        Err(Error::ProviderInvalid {
            reason: format!("the {what} {text:?} {reason}"),
        })
    };
    let Ok(url) = url::Url::parse(text) else {
        return bad("is not a URL; write it as https://host:port");
    };
    if !matches!(url.scheme(), "http" | "https") {
        return bad("must start with https:// (or http:// for a server on this computer)");
    }
    if url.host_str().is_none_or(str::is_empty) {
        return bad("has no host");
    }
    if !url.username().is_empty() || url.password().is_some() {
        // Not echoed: the password is in it.
        return Err(Error::ProviderInvalid {
            reason: format!(
                "the {what} must not carry a user name or password; give credentials separately"
            ),
        });
    }
    if url.query().is_some() || url.fragment().is_some() {
        return bad("must not have a query or a fragment");
    }
    let loopback = match url.host() {
        Some(url::Host::Domain(d)) => d == "localhost" || d.ends_with(".localhost"),
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        None => false,
    };
    if url.scheme() == "http" && !loopback {
        return bad("must use https:// (credentials would cross the network in the clear); plain http:// is for a server on this computer only");
    }
    Ok(())
}

/// The base URL without a trailing slash.
pub(crate) fn base(url: &str) -> &str {
    url.trim_end_matches('/')
}

/// Reads a PEM bundle of CA certificates.
pub(crate) fn parse_ca(pem: &str) -> Result<Vec<rustls::pki_types::CertificateDer<'static>>> {
    let bad = |reason: String| Error::ProviderInvalid { reason };
    if pem.len() > CA_PEM_MAX_BYTES {
        return Err(bad(format!(
            "the CA file is larger than {} KiB; give only the certificates of the provider's CA",
            CA_PEM_MAX_BYTES / 1024
        )));
    }
    let certs: Vec<_> = rustls_pemfile::certs(&mut pem.as_bytes())
        .collect::<std::result::Result<_, _>>()
        .map_err(|e| bad(format!("the CA file is not a PEM certificate file ({e})")))?;
    if certs.is_empty() {
        return Err(bad(
            "the CA file holds no PEM certificate (-----BEGIN CERTIFICATE-----)".into(),
        ));
    }
    Ok(certs)
}

/// An agent for `base_url`, trusting the system's roots and `ca_pem`. A
/// plain `http://` address (loopback only, [`check_base_url`]) needs no TLS
/// set-up, which saves reading the system's certificates in every process.
pub(crate) fn agent(base_url: &str, ca_pem: Option<&str>) -> Result<ureq::Agent> {
    let builder = ureq::AgentBuilder::new()
        .redirects(0)
        .timeout_connect(CONNECT_TIMEOUT)
        .timeout(REQUEST_TIMEOUT);
    if base_url.starts_with("http://") {
        if let Some(pem) = ca_pem {
            parse_ca(pem)?;
        }
        return Ok(builder.build());
    }
    let mut roots = rustls::RootCertStore::empty();
    roots.add_parsable_certificates(rustls_native_certs::load_native_certs().certs);
    if let Some(pem) = ca_pem {
        for cert in parse_ca(pem)? {
            roots.add(cert).map_err(|e| Error::ProviderInvalid {
                reason: format!("a certificate of the CA file cannot be used: {e}"),
            })?;
        }
    }
    let config = rustls::ClientConfig::builder_with_provider(Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .map_err(|e| Error::ProviderInvalid {
        reason: format!("cannot set up TLS: {e}"),
    })?
    .with_root_certificates(roots)
    .with_no_client_auth();
    Ok(builder.tls_config(Arc::new(config)).build())
}

/// An answer of any status.
pub(crate) struct Answer {
    pub(crate) status: u16,
    /// The body (wiped when dropped: it may hold a secret).
    pub(crate) body: Zeroizing<String>,
    /// `Retry-After`, when the server sent one.
    pub(crate) retry_after: Option<String>,
}

/// Sends `request` with `body` and reads the answer, whatever its status.
pub(crate) fn send(
    request: ureq::Request,
    body: Option<&[u8]>,
) -> std::result::Result<Answer, Fetch> {
    let host = request
        .request_url()
        .ok()
        .and_then(|u| u.as_url().host_str().map(str::to_owned))
        .unwrap_or_default();
    let sent = match body {
        Some(b) => request.send_bytes(b),
        None => request.call(),
    };
    let response = match sent {
        Ok(r) => r,
        Err(ureq::Error::Status(_, r)) => r,
        Err(ureq::Error::Transport(t)) => return Err(transport(&t, &host)),
    };
    let status = response.status();
    let retry_after = response.header("retry-after").map(clean);
    let mut bytes = Zeroizing::new(Vec::new());
    response
        .into_reader()
        .take(ANSWER_MAX_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| {
            Fetch::new(
                LinkFailure::Unreachable,
                format!("the answer from {host} broke off ({e})"),
            )
        })?;
    if bytes.len() as u64 > ANSWER_MAX_BYTES {
        return Err(Fetch::new(
            LinkFailure::Unavailable,
            format!(
                "{host} answered with more than {} MiB",
                ANSWER_MAX_BYTES >> 20
            ),
        ));
    }
    let body = match String::from_utf8(std::mem::take(&mut *bytes)) {
        Ok(text) => Zeroizing::new(text),
        Err(e) => {
            let mut raw = e.into_bytes();
            zeroize::Zeroize::zeroize(&mut raw);
            return Err(Fetch::new(
                LinkFailure::Unavailable,
                format!("{host} answered with text that is not UTF-8"),
            ));
        }
    };
    if status == 400 && body.contains("HTTP request to an HTTPS server") {
        return Err(Fetch::new(
            LinkFailure::Tls,
            format!("{host} speaks HTTPS on that port; write the address with https://"),
        ));
    }
    Ok(Answer {
        status,
        body,
        retry_after,
    })
}

/// Sorts a transport failure: a TLS error anywhere in its causes is "TLS",
/// everything else "unreachable".
fn transport(t: &ureq::Transport, host: &str) -> Fetch {
    let mut cause: Option<&(dyn std::error::Error + 'static)> = std::error::Error::source(t);
    while let Some(e) = cause {
        if let Some(tls) = e.downcast_ref::<rustls::Error>() {
            return Fetch::new(
                LinkFailure::Tls,
                format!("TLS with {host} failed: {}", tls_words(tls)),
            );
        }
        if let Some(io) = e.downcast_ref::<std::io::Error>() {
            if let Some(tls) = io.get_ref().and_then(|i| i.downcast_ref::<rustls::Error>()) {
                return Fetch::new(
                    LinkFailure::Tls,
                    format!("TLS with {host} failed: {}", tls_words(tls)),
                );
            }
        }
        cause = e.source();
    }
    let what = match t.kind() {
        ureq::ErrorKind::Dns => format!("the name {host} does not resolve"),
        ureq::ErrorKind::ConnectionFailed => {
            format!("nothing answers at {host} (connection refused or no route)")
        }
        ureq::ErrorKind::Io => format!("the connection to {host} failed or timed out"),
        _ => format!("the request to {host} failed ({})", t.kind()),
    };
    Fetch::new(LinkFailure::Unreachable, what)
}

fn tls_words(e: &rustls::Error) -> String {
    use rustls::{CertificateError, Error as E};
    match e {
        E::InvalidCertificate(CertificateError::UnknownIssuer) => {
            "its certificate is not signed by a trusted CA (give the provider's CA certificate)".into()
        }
        E::InvalidCertificate(CertificateError::NotValidForName)
        | E::InvalidCertificate(CertificateError::NotValidForNameContext { .. }) => {
            "its certificate is for another name".into()
        }
        E::InvalidCertificate(CertificateError::Expired)
        | E::InvalidCertificate(CertificateError::ExpiredContext { .. }) => {
            "its certificate has expired".into()
        }
        E::InvalidMessage(_) | E::InappropriateMessage { .. } => {
            "it does not speak TLS on that port (write the address with http:// if it is a plain HTTP server)".into()
        }
        other => clean(&other.to_string()),
    }
}

/// Text from a server, fit for a one-line message: control characters
/// (terminal escapes, line breaks) become spaces, runs of spaces one, and
/// it is cut at 300 characters.
pub(crate) fn clean(text: &str) -> String {
    let spaced: String = text
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    let joined = spaced.split_whitespace().collect::<Vec<_>>().join(" ");
    let mut cut: String = joined.chars().take(300).collect();
    if cut.len() < joined.len() {
        cut.push('…');
    }
    cut
}

/// Percent-encodes one path segment.
pub(crate) fn segment(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for b in text.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// Percent-encodes a path of segments separated by `/`.
pub(crate) fn path(text: &str) -> String {
    text.split('/').map(segment).collect::<Vec<_>>().join("/")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base_urls_are_checked() {
        for good in [
            "https://vault.example.com:8200",
            "http://127.0.0.1:8200/",
            "http://localhost:1",
            "https://h/prefix",
        ] {
            check_base_url(good, "address").expect(good);
        }
        for bad in [
            "vault.example.com",
            "ftp://h",
            "https://user:pw@h",
            "https://h/?x=1",
            "https://h/#f",
            "http://vault.example.com:8200",
        ] {
            let err = check_base_url(bad, "address").expect_err(bad);
            assert_eq!(err.code(), "invalid_provider");
            assert!(!err.to_string().contains("pw@"), "{err}");
        }
    }

    #[test]
    fn a_ca_file_must_hold_a_certificate() {
        assert_eq!(
            parse_ca("hello").expect_err("no cert").code(),
            "invalid_provider"
        );
        let huge = "x".repeat(CA_PEM_MAX_BYTES + 1);
        assert_eq!(
            parse_ca(&huge).expect_err("too big").code(),
            "invalid_provider"
        );
    }

    #[test]
    fn server_text_is_one_clean_line() {
        assert_eq!(clean("denied\n\u{1b}[31mred\t x"), "denied [31mred x");
        assert_eq!(clean(&"a".repeat(400)).chars().count(), 301);
    }

    #[test]
    fn path_segments_are_encoded() {
        assert_eq!(path("app/na me/ü"), "app/na%20me/%C3%BC");
        assert_eq!(segment("a/b"), "a%2Fb");
    }
}
