//! The same generated secrets, written into a Coffer vault and a KeePassXC database.

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use coffer_core::{ExposeSecret, NewSecret, SecretString, Vault};

/// Password of the KeePassXC databases, fed on stdin.
pub const KPX_PASSWORD: &str = "bench-password-123";
/// Password of the encrypted exports.
pub const EXPORT_PASSWORD: &str = "bench export password 2026!";

/// An empty vault made with `coffer init --no-keychain`; returns its path and key.
pub fn empty_vault(coffer: &Path, dir: &Path, file: &str) -> Result<(PathBuf, String), String> {
    let path = dir.join(file);
    let out = Command::new(coffer)
        .args(["init", "--no-keychain"])
        .env("COFFER_VAULT", &path)
        .output()
        .map_err(|e| e.to_string())?;
    if !out.status.success() {
        return Err(format!(
            "coffer init failed: {}",
            String::from_utf8_lossy(&out.stderr)
        ));
    }
    Ok((path, String::from_utf8_lossy(&out.stdout).trim().to_owned()))
}

/// One Argon2id derivation with the export defaults (the KDF share of an encrypted export).
pub fn argon2_once() {
    let params = argon2::Params::new(64 * 1024, 3, 4, Some(32))
        .unwrap_or_else(|e| panic!("argon2 params: {e}"));
    let argon = argon2::Argon2::new(argon2::Algorithm::Argon2id, argon2::Version::V0x13, params);
    let mut out = [0u8; 32];
    if let Err(e) = argon.hash_password_into(EXPORT_PASSWORD.as_bytes(), &[7u8; 16], &mut out) {
        eprintln!("error: argon2: {e}");
        std::process::exit(1);
    }
}

/// What keepassxc-cli reads on stdin to open a database.
pub const KPX_STDIN: &[u8] = b"bench-password-123\n";

/// The name of secret `i`.
pub fn name(i: usize) -> String {
    format!("service-{i:06}-api-key")
}

/// A secret-shaped value: 40 characters, different for every `i`.
pub fn value(i: usize) -> String {
    let mut x = (i as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    let mut s = String::from("sk_live_");
    for _ in 0..32 {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        s.push(char::from(
            b"abcdefghijklmnopqrstuvwxyz0123456789"[(x % 36) as usize],
        ));
    }
    s
}

/// A Coffer vault with `n` secrets; returns its path and key. Built by a child
/// process (`coffer-bench --make-coffer PATH N`) so this process stays small and
/// the peak RSS that `wait4` reports for later children is theirs alone (a
/// forked child's peak counts the parent's pages until it calls exec).
pub fn coffer_vault(dir: &Path, file: &str, n: usize) -> Result<(PathBuf, String), String> {
    let path = dir.join(file);
    let me = std::env::current_exe().map_err(|e| e.to_string())?;
    let out = Command::new(me)
        .arg("--make-coffer")
        .arg(&path)
        .arg(n.to_string())
        .output()
        .map_err(|e| e.to_string())?;
    if !out.status.success() {
        return Err(format!(
            "building the vault failed: {}",
            String::from_utf8_lossy(&out.stderr)
        ));
    }
    let key = String::from_utf8_lossy(&out.stdout).trim().to_owned();
    Ok((path, key))
}

/// The child side of [`coffer_vault`]: writes the vault and prints its key.
pub fn make_coffer(path: &Path, n: usize) -> Result<String, String> {
    let (mut vault, key) = Vault::create(path, false).map_err(|e| e.to_string())?;
    let batch = (0..n)
        .map(|i| NewSecret {
            name: name(i),
            value: SecretString::from(value(i)),
            enabled: true,
            allowed_domains: vec![format!("api{}.example.com", i % 97)],
            note: String::new(),
        })
        .collect();
    vault.create_secrets(batch).map_err(|e| e.to_string())?;
    Ok(key.to_text().expose_secret().to_owned())
}

/// A KeePassXC database with the same `n` entries, made with one `keepassxc-cli import`.
pub fn keepassxc_db(kpx: &Path, dir: &Path, file: &str, n: usize) -> Result<PathBuf, String> {
    let xml_path = dir.join(format!("{file}.xml"));
    write_keepass_xml(&xml_path, n)
        .map_err(|e| format!("cannot write {}: {e}", xml_path.display()))?;
    let db = dir.join(file);
    let mut child = Command::new(kpx)
        .args(["import", "-q", "-p"])
        .arg(&xml_path)
        .arg(&db)
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| format!("cannot run keepassxc-cli: {e}"))?;
    if let Some(mut stdin) = child.stdin.take() {
        let _ = write!(stdin, "{KPX_PASSWORD}\n{KPX_PASSWORD}\n");
    }
    let out = child.wait_with_output().map_err(|e| e.to_string())?;
    if !out.status.success() {
        return Err(format!(
            "keepassxc-cli import failed: {}",
            String::from_utf8_lossy(&out.stderr)
        ));
    }
    Ok(db)
}

/// Streams KeePass XML for `n` entries to `path` (no big string in memory).
fn write_keepass_xml(path: &Path, n: usize) -> std::io::Result<()> {
    let mut xml = std::io::BufWriter::new(std::fs::File::create(path)?);
    writeln!(
        xml,
        "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n<KeePassFile>"
    )?;
    writeln!(
        xml,
        "<Meta><Generator>coffer-bench</Generator><DatabaseName>bench</DatabaseName></Meta>"
    )?;
    writeln!(
        xml,
        "<Root><Group><UUID>{}</UUID><Name>Root</Name>",
        uuid(u64::MAX)
    )?;
    for i in 0..n {
        writeln!(
            xml,
            "<Entry><UUID>{}</UUID>\
             <String><Key>Title</Key><Value>{}</Value></String>\
             <String><Key>UserName</Key><Value></Value></String>\
             <String><Key>Password</Key><Value ProtectInMemory=\"True\">{}</Value></String>\
             <String><Key>URL</Key><Value>https://api{}.example.com</Value></String>\
             <String><Key>Notes</Key><Value></Value></String></Entry>",
            uuid(i as u64),
            name(i),
            value(i),
            i % 97
        )?;
    }
    writeln!(xml, "</Group></Root>\n</KeePassFile>")?;
    xml.into_inner().map_err(|e| e.into_error())?.sync_all()
}

/// Base64 of 16 bytes derived from `i` (KeePass XML UUIDs).
fn uuid(i: u64) -> String {
    let mut bytes = [0u8; 16];
    bytes[..8].copy_from_slice(&i.to_be_bytes());
    bytes[8..].copy_from_slice(&i.wrapping_mul(0x9E37_79B9_7F4A_7C15).to_be_bytes());
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(24);
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let v = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for k in 0..4 {
            if k <= chunk.len() {
                out.push(char::from(ALPHABET[((v >> (18 - 6 * k)) & 63) as usize]));
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// The raw floor of a 10k import/export: parse the plaintext export with
/// serde_json and write it back, and seal and open the whole payload with
/// AES-256-GCM — the work no importer can skip, without any vault.
pub fn raw_floor(path: &Path) -> Result<(), String> {
    use aes_gcm::aead::{Aead, KeyInit};
    let bytes = std::fs::read(path).map_err(|e| e.to_string())?;
    let value: serde_json::Value = serde_json::from_slice(&bytes).map_err(|e| e.to_string())?;
    let payload = serde_json::to_vec(&value).map_err(|e| e.to_string())?;
    let cipher = aes_gcm::Aes256Gcm::new(&[7u8; 32].into());
    let nonce = [9u8; 12];
    let sealed = cipher
        .encrypt((&nonce).into(), payload.as_slice())
        .map_err(|e| e.to_string())?;
    let opened = cipher
        .decrypt((&nonce).into(), sealed.as_slice())
        .map_err(|e| e.to_string())?;
    if opened.len() != payload.len() {
        return Err("AES-GCM round trip changed the payload".into());
    }
    Ok(())
}

/// Files at the import caps: just under 64 MiB, with more entries than the
/// 100,000 one import takes, as dotenv and as a Postman JSON list.
pub fn import_bombs(dir: &Path) -> Result<Vec<(String, String)>, String> {
    let entries = coffer_core::IMPORT_MAX_ENTRIES + 100;
    let filler = "x".repeat(600);
    let mut dotenv = String::with_capacity(entries * 620);
    let mut postman = String::with_capacity(entries * 640);
    postman.push_str(r#"{"name":"bomb","values":["#);
    for i in 0..entries {
        dotenv.push_str(&format!("K{i}={filler}\n"));
        if i > 0 {
            postman.push(',');
        }
        postman.push_str(&format!(r#"{{"key":"K{i}","value":"{filler}"}}"#));
    }
    postman.push_str("]}");
    let mut out = Vec::new();
    for (name, what, text) in [
        ("bomb.env", "dotenv", dotenv),
        ("bomb.json", "Postman list", postman),
    ] {
        if text.len() as u64 > coffer_core::IMPORT_MAX_FILE_BYTES {
            return Err(format!("{name} is over the byte cap"));
        }
        let path = dir.join(name);
        std::fs::write(&path, &text).map_err(|e| e.to_string())?;
        out.push((
            format!(
                "{what} of {entries} entries, {:.0} MiB",
                text.len() as f64 / (1024.0 * 1024.0)
            ),
            path.to_string_lossy().into_owned(),
        ));
    }
    Ok(out)
}

/// What the masking benchmark runs on.
pub struct Masking {
    pub vault: PathBuf,
    pub key: String,
    /// Variables that reference the secrets.
    pub vars: Vec<(String, String)>,
    /// The output `coffer run` masks.
    pub file: PathBuf,
}

/// A vault of 100 secrets with values of 20 to 60 bytes, and a 256 MiB
/// output file that holds each value a few times among text of the same
/// alphabet (so the masker sees many near-misses): what `coffer run`
/// masks in the masking benchmark.
pub fn masking_setup(coffer: &Path, dir: &Path) -> Result<Masking, String> {
    let (vault, key) = empty_vault(coffer, dir, "mask.db")?;
    let mut vars = Vec::new();
    let mut values = Vec::new();
    for i in 0..100 {
        let mut v = value(i + 500_000);
        v.truncate(20 + i * 40 / 99);
        while v.len() < 20 + i * 40 / 99 {
            v.push('x');
        }
        let name = format!("mask-{i:03}");
        let mut child = Command::new(coffer)
            .args(["set", &name])
            .env("COFFER_VAULT", &vault)
            .env("COFFER_VAULT_KEY", &key)
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::null())
            .spawn()
            .map_err(|e| e.to_string())?;
        if let Some(mut stdin) = child.stdin.take() {
            std::io::Write::write_all(&mut stdin, v.as_bytes()).map_err(|e| e.to_string())?;
        }
        if !child.wait().map_err(|e| e.to_string())?.success() {
            return Err(format!("coffer set {name} failed"));
        }
        vars.push((format!("MASK_{i:03}"), format!("{{{{vault:{name}}}}}")));
        values.push(v);
    }
    let file = dir.join("output-256m.txt");
    let mut out = std::io::BufWriter::new(std::fs::File::create(&file).map_err(|e| e.to_string())?);
    let mut written = 0usize;
    let mut i = 0usize;
    while written < 256 * 1024 * 1024 {
        // A line of value-like text, and every 64th line a real value.
        let mut line = value(i);
        line.push_str(&value(i + 1));
        if i.is_multiple_of(64) {
            line.push(' ');
            line.push_str(&values[i / 64 % values.len()]);
        }
        line.push('\n');
        std::io::Write::write_all(&mut out, line.as_bytes()).map_err(|e| e.to_string())?;
        written += line.len();
        i += 1;
    }
    std::io::Write::flush(&mut out).map_err(|e| e.to_string())?;
    Ok(Masking {
        vault,
        key,
        vars,
        file,
    })
}
