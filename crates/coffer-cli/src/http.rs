//! `coffer http`: one HTTP request with its references resolved — only if
//! the URL's host is allowed for every secret referenced; a redirect is
//! followed only while that stays true. TLS is always verified.

use std::io::{Read, Write};
use std::sync::Arc;
use std::time::Duration;

use coffer_core::reference::{
    check_destination, check_json, find, percent_encode, render, Destination, Escape, Reference,
};
use coffer_core::{Error, ExposeSecret, Usage, Values};
use zeroize::Zeroizing;

use crate::cli::HttpArgs;
use crate::commands::{Context, Failure, Outcome};
use crate::mask::Masker;

/// Redirects followed at most.
const MAX_REDIRECTS: usize = 10;
/// The exit code of a response of 400 or more (as `curl --fail`).
pub const EXIT_HTTP_ERROR: u8 = 22;

/// One text of the request with its references.
struct Part {
    text: Zeroizing<String>,
    refs: Vec<Reference>,
    escape: Escape,
}

impl Part {
    fn new(text: String, escape: Escape) -> Part {
        let refs = find(&text);
        Part {
            text: Zeroizing::new(text),
            refs,
            escape,
        }
    }

    fn fill(&self, values: Option<&Values>) -> Zeroizing<String> {
        match values {
            Some(v) if !self.refs.is_empty() => render(&self.text, &self.refs, self.escape, |n| {
                v.get(n)
                    .map(|s| s.expose_secret())
                    .unwrap_or_else(|| unreachable!("every name was resolved"))
            }),
            _ => Zeroizing::new(self.text.to_string()),
        }
    }
}

fn usage(message: impl Into<String>) -> Failure {
    Failure::Usage(message.into())
}

pub fn http(ctx: &Context, args: HttpArgs) -> Outcome {
    let (method, url) = match args.target.as_slice() {
        [url] => (None, url.clone()),
        [method, url] => (Some(method.to_ascii_uppercase()), url.clone()),
        _ => {
            return Err(usage(
                "give a URL, or a method and a URL: coffer http [METHOD] URL",
            ))
        }
    };
    // The host is where the check happens: it cannot come from a secret,
    // and nothing may ride in the URL's user-info.
    let authority = url
        .split_once("://")
        .map(|(_, rest)| rest.split(['/', '?', '#']).next().unwrap_or(""))
        .unwrap_or("");
    if authority.contains("{{") {
        return Err(usage(
            "a reference cannot be in the URL's host, port or user-info: where a secret may go is checked against the host",
        ));
    }
    let template = url::Url::parse(&url).map_err(|e| Error::InvalidUrl {
        url: url.clone(),
        reason: format!("it is not a URL ({e})"),
    })?;
    if template
        .host_str()
        .is_some_and(|h| h.contains("{{") || h.contains("%7B%7B"))
    {
        return Err(usage(
            "a reference cannot be in the URL's host or port: where a secret may go is checked against them",
        ));
    }
    if !template.username().is_empty() || template.password().is_some() {
        return Err(usage(
            "a user name or password in the URL is not sent; put credentials in a header, e.g. -H 'Authorization: Basic …'",
        ));
    }
    let to = Destination::parse(&url).map_err(|reason| Error::InvalidUrl {
        url: url.clone(),
        reason,
    })?;
    let mut parts = vec![Part::new(url, Escape::Url)];
    let mut headers = Vec::new();
    for header in &args.header {
        let Some((name, value)) = header.split_once(':') else {
            // Not echoed: without its colon it may be a value typed alone.
            return Err(usage(
                "a header is written 'Name: value', with a colon after the name",
            ));
        };
        let name = name.trim();
        if name.is_empty() || name.contains("{{") || !name.bytes().all(|b| b.is_ascii_graphic()) {
            return Err(usage(format!("{name:?} is not a header name")));
        }
        headers.push(name.to_owned());
        parts.push(Part::new(value.trim().to_owned(), Escape::None));
    }
    let body = match (&args.data, &args.json) {
        (Some(_), Some(_)) => return Err(usage("give --data or --json, not both")),
        (Some(data), None) => Some(Part::new(read_data(data)?, Escape::None)),
        (None, Some(json)) => {
            let part = Part::new(read_data(json)?, Escape::JsonString);
            check_json(&part.text, &part.refs).map_err(|problem| Error::TemplateInvalid {
                file: "--json".into(),
                problem,
            })?;
            Some(part)
        }
        (None, None) => None,
    };
    let method = method.unwrap_or_else(|| if body.is_some() { "POST" } else { "GET" }.into());
    let names: Vec<&str> = parts
        .iter()
        .chain(body.iter())
        .flat_map(|p| p.refs.iter().map(|r| r.name.as_str()))
        .collect();
    let values = if names.is_empty() {
        None
    } else {
        Some(
            ctx.unlocked()?
                .resolve(names.iter().copied(), Usage::At(&to))?,
        )
    };
    let referenced: Vec<String> = names.iter().map(|n| (*n).to_owned()).collect();
    let mask = |text: &str| -> String { masked(values.as_ref(), text.as_bytes()) };

    let agent = agent(&args)?;
    let mut url = parts[0].fill(values.as_ref());
    // Filled in, the URL must still go where it was checked to go.
    let filled = url::Url::parse(&url).ok();
    let same = filled.as_ref().is_some_and(|u| {
        u.username().is_empty()
            && u.password().is_none()
            && Destination::parse(u.as_str()).ok().as_ref() == Some(&to)
    });
    if !same {
        return Err(Error::HttpFailed {
            host: to.host(),
            problem: "with the values in place the URL would go elsewhere; nothing was sent".into(),
        }
        .into());
    }
    let header_values: Vec<Zeroizing<String>> =
        parts[1..].iter().map(|p| p.fill(values.as_ref())).collect();
    let mut body_bytes = body.as_ref().map(|b| b.fill(values.as_ref()));
    let mut method = method;
    let mut hops = 0;
    let mut current = to.clone();
    // One deadline for the whole exchange, redirects included.
    let deadline = std::time::Instant::now() + timeout(args.timeout)?;
    let response = loop {
        let left = deadline.saturating_duration_since(std::time::Instant::now());
        if left.is_zero() {
            return Err(Error::HttpFailed {
                host: current.host(),
                problem: format!("no answer within {} s", args.timeout),
            }
            .into());
        }
        let mut request = agent.request(&method, &url).timeout(left);
        for (name, value) in headers.iter().zip(&header_values) {
            request = request.set(name, value);
        }
        if body_bytes.is_some()
            && args.json.is_some()
            && !headers
                .iter()
                .any(|h| h.eq_ignore_ascii_case("content-type"))
        {
            request = request.set("Content-Type", "application/json");
        }
        let sent = match &body_bytes {
            Some(b) => request.send_bytes(b.as_bytes()),
            None => request.call(),
        };
        let response = match sent {
            Ok(r) | Err(ureq::Error::Status(_, r)) => r,
            Err(ureq::Error::Transport(t)) => {
                let detail = t.message().map(|m| format!(": {m}")).unwrap_or_default();
                return Err(Error::HttpFailed {
                    host: current.host(),
                    problem: mask(&format!("{}{detail}", t.kind())),
                }
                .into());
            }
        };
        let redirect = matches!(response.status(), 301 | 302 | 303 | 307 | 308);
        if !redirect || response.header("location").is_none() {
            break response;
        }
        hops += 1;
        if hops > MAX_REDIRECTS {
            return Err(Error::HttpFailed {
                host: to.host(),
                problem: format!("more than {MAX_REDIRECTS} redirects"),
            }
            .into());
        }
        let location = response.header("location").unwrap_or_default().to_owned();
        let next = url::Url::parse(&url)
            .and_then(|base| base.join(&location))
            .map_err(|_| Error::HttpFailed {
                host: current.host(),
                problem: "the server redirected to an address that is not a URL".into(),
            })?;
        let next_to = Destination::parse(next.as_str()).map_err(|reason| Error::HttpFailed {
            host: current.host(),
            problem: format!(
                "the server redirected to an address Coffer does not follow ({reason})"
            ),
        })?;
        if let Some(values) = &values {
            for name in &referenced {
                let allowed = values.allowed(name);
                // A secret without allowed domains went where it was named
                // for; it does not follow the server anywhere else.
                let refused = if allowed.is_empty() {
                    next_to != current
                } else {
                    check_destination(allowed, &next_to).is_err()
                };
                if refused {
                    let only = if allowed.is_empty() {
                        format!(
                            "it has no allowed domains, so it goes only to {}",
                            to.host()
                        )
                    } else {
                        format!("only {}", allowed.join(", "))
                    };
                    return Err(Error::HttpFailed {
                        host: current.host(),
                        problem: format!(
                            "the server redirected to {}, where {name:?} is not allowed ({only}); the redirect was not followed",
                            next_to.host(),
                        ),
                    }
                    .into());
                }
            }
        }
        // As browsers do: 303 (and 301/302 after a POST) continue as a GET
        // without a body; a HEAD stays a HEAD.
        let to_get = response.status() == 303 && method != "HEAD"
            || (matches!(response.status(), 301 | 302) && method == "POST");
        if to_get {
            method = "GET".into();
            body_bytes = None;
        }
        current = next_to;
        url = Zeroizing::new(next.to_string());
    };
    let status = response.status();
    let mut out = std::io::stdout().lock();
    if args.include {
        let mut head = format!(
            "{} {} {}\r\n",
            response.http_version(),
            status,
            response.status_text()
        );
        for name in response.headers_names() {
            for value in response.all(&name) {
                head.push_str(&format!("{name}: {value}\r\n"));
            }
        }
        head.push_str("\r\n");
        write_out(&mut out, mask(&head).as_bytes())?;
    }
    let mut masker = match &values {
        Some(v) => Masker::new(v.all().map(|s| s.expose_secret().as_bytes())).map_err(usage)?,
        None => None,
    };
    let mut reader = response.into_reader();
    let mut chunk = Zeroizing::new(vec![0u8; 64 * 1024]);
    let mut shown = Zeroizing::new(Vec::new());
    loop {
        let n = reader.read(&mut chunk).map_err(|e| Error::HttpFailed {
            host: to.host(),
            problem: mask(&format!("the response broke off: {e}")),
        })?;
        shown.clear();
        if n == 0 {
            if let Some(m) = masker.as_mut() {
                m.finish(&mut shown);
                write_out(&mut out, &shown)?;
            }
            break;
        }
        match masker.as_mut() {
            Some(m) => m.feed(&chunk[..n], &mut shown),
            None => shown.extend_from_slice(&chunk[..n]),
        }
        write_out(&mut out, &shown)?;
    }
    if status >= 400 {
        eprintln!("error: {} answered {status}", to.host());
        return Err(Failure::Exit(EXIT_HTTP_ERROR));
    }
    Ok(())
}

fn write_out(out: &mut impl Write, bytes: &[u8]) -> Result<(), Failure> {
    out.write_all(bytes)
        .and_then(|()| out.flush())
        .map_err(|e| {
            Error::Io {
                action: "cannot write",
                path: "standard output".into(),
                source: e,
            }
            .into()
        })
}

/// A masker for every resolved value, as sent and as percent-encoded in the URL.
fn masker_of(values: &Values) -> Result<Option<Masker>, String> {
    let encoded: Vec<Zeroizing<String>> = values
        .all()
        .map(|v| percent_encode(v.expose_secret()))
        .collect();
    Masker::new(
        values
            .all()
            .map(|v| v.expose_secret().as_bytes())
            .chain(encoded.iter().map(|e| e.as_bytes())),
    )
}

/// `text` with every resolved value masked; if masking cannot be set up, a
/// fixed sentence instead of the text (never the text unmasked).
fn masked(values: Option<&Values>, text: &[u8]) -> String {
    let Some(values) = values else {
        return String::from_utf8_lossy(text).into_owned();
    };
    match masker_of(values) {
        Ok(Some(mut m)) => {
            let mut out = Vec::new();
            m.feed(text, &mut out);
            m.finish(&mut out);
            String::from_utf8_lossy(&out).into_owned()
        }
        Ok(None) => String::from_utf8_lossy(text).into_owned(),
        Err(_) => "(details withheld: they could hold a value)".into(),
    }
}

/// `--timeout` as a duration: more than 0, at most an hour.
fn timeout(seconds: f64) -> Result<Duration, Failure> {
    if !(seconds > 0.0 && seconds <= 3600.0) {
        return Err(usage(
            "--timeout takes seconds, more than 0 and at most 3600",
        ));
    }
    Duration::try_from_secs_f64(seconds).map_err(|_| usage("--timeout takes a number of seconds"))
}

/// `--data`/`--json`: the text itself, `@FILE`, or `@-` for standard input.
fn read_data(arg: &str) -> Result<String, Failure> {
    let Some(source) = arg.strip_prefix('@') else {
        return Ok(arg.to_owned());
    };
    let mut bytes = Vec::new();
    let read = if source == "-" {
        std::io::stdin()
            .lock()
            .take(coffer_core::IMPORT_MAX_FILE_BYTES)
            .read_to_end(&mut bytes)
    } else {
        std::fs::File::open(source).and_then(|f| {
            f.take(coffer_core::IMPORT_MAX_FILE_BYTES)
                .read_to_end(&mut bytes)
        })
    };
    read.map_err(|e| usage(format!("cannot read the request body from {source}: {e}")))?;
    String::from_utf8(bytes)
        .map_err(|_| usage(format!("the request body from {source} is not UTF-8 text")))
}

/// An agent that verifies TLS against the system's roots (and `--cacert`)
/// and follows no redirect by itself (each request gets what is left of
/// `--timeout`).
fn agent(args: &HttpArgs) -> Result<ureq::Agent, Failure> {
    let mut roots = rustls::RootCertStore::empty();
    let native = rustls_native_certs::load_native_certs();
    roots.add_parsable_certificates(native.certs);
    if let Some(file) = &args.cacert {
        let pem = std::fs::read(file)
            .map_err(|e| usage(format!("cannot read the CA file {}: {e}", file.display())))?;
        let certs: Vec<_> = rustls_pemfile::certs(&mut pem.as_slice())
            .collect::<Result<_, _>>()
            .map_err(|e| {
                usage(format!(
                    "{} is not a PEM certificate file: {e}",
                    file.display()
                ))
            })?;
        if certs.is_empty() {
            return Err(usage(format!(
                "{} holds no PEM certificate",
                file.display()
            )));
        }
        for cert in certs {
            roots
                .add(cert)
                .map_err(|e| usage(format!("{}: {e}", file.display())))?;
        }
    }
    let config = rustls::ClientConfig::builder_with_provider(Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .map_err(|e| usage(format!("cannot set up TLS: {e}")))?
    .with_root_certificates(roots)
    .with_no_client_auth();
    Ok(ureq::AgentBuilder::new()
        .tls_config(Arc::new(config))
        .redirects(0)
        .build())
}
