//! The SQLite file: creating it, opening it without ever rewriting a bad one,
//! the schema and its migrations.

use std::fs;
use std::path::Path;

use rusqlite::{Connection, ErrorCode, OpenFlags, OptionalExtension};

use crate::crypto::random_id;
use crate::error::{Error, Result};
use crate::private_file::{parent_dir, stage, Staged};

/// `PRAGMA application_id` of every Coffer vault ("CofR").
pub const APPLICATION_ID: i32 = 0x436F_6652;
/// The vault format version this build writes. 1 → 2 changed no table: the
/// record blobs became bound to their write and a record list was added,
/// which needs the vault's keys, so it happens at unlock
/// (`Vault::unlock`), not here.
pub const FORMAT_VERSION: i64 = 2;
/// How long a writer waits for another process's transaction.
pub const BUSY_TIMEOUT_MS: u64 = 10_000;

/// Schema migrations run at open; entry `i` upgrades version `i` to `i + 1`.
const MIGRATIONS: &[&str] = &[
    // 0 → 1: the first format.
    "CREATE TABLE meta (
         key   TEXT PRIMARY KEY NOT NULL,
         value BLOB NOT NULL
     ) WITHOUT ROWID;
     CREATE TABLE data_keys (
         generation  INTEGER PRIMARY KEY AUTOINCREMENT,
         wrapped     BLOB NOT NULL,
         encryptions INTEGER NOT NULL,
         created_at  INTEGER NOT NULL
     );
     -- seq (write order; the newest of a name is in effect) is the rowid, so
     -- writes append to the table instead of landing at random record ids.
     CREATE TABLE secrets (
         seq            INTEGER PRIMARY KEY,
         id             BLOB NOT NULL UNIQUE,
         name_index     BLOB NOT NULL,
         key_generation INTEGER NOT NULL,
         meta           BLOB NOT NULL,
         value          BLOB NOT NULL
     );
     CREATE INDEX secrets_by_name ON secrets (name_index, seq);",
];

/// The last format version reached by [`MIGRATIONS`] alone.
const SCHEMA_VERSION: i64 = MIGRATIONS.len() as i64;

/// The format version of an open vault.
pub(crate) fn format_version(conn: &Connection, path: &Path) -> Result<i64> {
    conn.pragma_query_value(None, "user_version", |r| r.get(0))
        .at(path)
}

/// Opens an existing vault file. Reads only: a file that is not a vault, is
/// damaged, or is too new is reported and left exactly as it was.
pub(crate) fn open_existing(path: &Path) -> Result<Connection> {
    match fs::metadata(path) {
        Ok(m) if m.is_dir() => {
            return Err(Error::VaultCorrupt {
                path: path.to_owned(),
                detail: "it is a directory".into(),
            })
        }
        Ok(_) => {}
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return Err(Error::VaultNotFound {
                path: path.to_owned(),
            })
        }
        Err(e) => return Err(Error::io("cannot read", path, e)),
    }
    check_header(path)?;
    let conn = Connection::open_with_flags(
        path,
        OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )
    .at(path)?;
    // Until the file is known to be a vault this build can use, closing must
    // not fold a leftover WAL into it.
    conn.set_db_config(
        rusqlite::config::DbConfig::SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE,
        true,
    )
    .at(path)?;
    configure(&conn, path)?;
    let app_id: i32 = conn
        .pragma_query_value(None, "application_id", |r| r.get(0))
        .at(path)?;
    if app_id != APPLICATION_ID {
        return Err(Error::VaultCorrupt {
            path: path.to_owned(),
            detail: "it is not a Coffer vault".into(),
        });
    }
    let version: i64 = conn
        .pragma_query_value(None, "user_version", |r| r.get(0))
        .at(path)?;
    if version > FORMAT_VERSION {
        return Err(Error::VaultTooNew {
            path: path.to_owned(),
            found: version,
            supported: FORMAT_VERSION,
        });
    }
    if version < 1 {
        return Err(Error::VaultCorrupt {
            path: path.to_owned(),
            detail: format!("unknown format version {version}"),
        });
    }
    if version < SCHEMA_VERSION {
        migrate(&conn, path, version)?;
    }
    conn.set_db_config(
        rusqlite::config::DbConfig::SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE,
        false,
    )
    .at(path)?;
    Ok(conn)
}

/// Reads the SQLite header straight from the file, so a file that is not a
/// Coffer vault, or one from a newer Coffer, is refused before SQLite opens
/// it (opening read-write can replay a journal into the file).
fn check_header(path: &Path) -> Result<()> {
    use std::io::Read;
    let mut header = [0u8; 100];
    let read = fs::File::open(path)
        .and_then(|f| f.take(100).read(&mut header))
        .map_err(|e| Error::io("cannot read", path, e))?;
    let corrupt = |detail: &str| Error::VaultCorrupt {
        path: path.to_owned(),
        detail: detail.to_owned(),
    };
    if read == 0 {
        return Err(corrupt("it is empty"));
    }
    if read < 100 || &header[..16] != b"SQLite format 3\0" {
        return Err(corrupt("it is not an SQLite database"));
    }
    let be = |at: usize| {
        i32::from_be_bytes([header[at], header[at + 1], header[at + 2], header[at + 3]])
    };
    if be(68) != APPLICATION_ID {
        return Err(corrupt("it is not a Coffer vault"));
    }
    let version = i64::from(be(60));
    if version > FORMAT_VERSION {
        return Err(Error::VaultTooNew {
            path: path.to_owned(),
            found: version,
            supported: FORMAT_VERSION,
        });
    }
    Ok(())
}

/// Creates a new vault file at `path` and fills its `meta` through `init`, all
/// or nothing: the file is built under a temporary name and linked into place
/// only if nothing exists there.
#[cfg(test)]
pub(crate) fn create_new(
    path: &Path,
    init: impl FnOnce(&rusqlite::Transaction<'_>) -> Result<()>,
) -> Result<Connection> {
    publish_new(stage_new(path, init)?, path)
}

/// Builds a new vault for `path` under a temporary name in its folder, not in
/// place yet; dropping the result removes it.
pub(crate) fn stage_new(
    path: &Path,
    init: impl FnOnce(&rusqlite::Transaction<'_>) -> Result<()>,
) -> Result<Staged> {
    if fs::symlink_metadata(path).is_ok() {
        return Err(vault_exists(path));
    }
    create_private_dir(&parent_dir(path))?;
    remove_stale_stages(path);
    stage(path, |tmp, file| {
        drop(file);
        build_at(tmp, init)
    })
}

/// Moves a staged vault into place at `path` (never over an existing file) and opens it.
pub(crate) fn publish_new(staged: Staged, path: &Path) -> Result<Connection> {
    staged.publish(false, || vault_exists(path))?;
    open_existing(path)
}

/// How old a vault left half-made next to `path` must be before a new first
/// run removes it (a first run killed before its key was saved).
const STALE_STAGE_SECS: u64 = 10 * 60;

/// Removes temporary vaults of `path` that a killed first run left behind
/// (best effort: a file that cannot be removed stays).
fn remove_stale_stages(path: &Path) {
    let Some(name) = path.file_name().map(|n| n.to_string_lossy().into_owned()) else {
        return;
    };
    let prefix = format!(".{name}.tmp-");
    let Ok(entries) = fs::read_dir(parent_dir(path)) else {
        return;
    };
    for entry in entries.flatten() {
        let stale = entry.file_name().to_string_lossy().starts_with(&prefix)
            && entry
                .metadata()
                .and_then(|m| m.modified())
                .ok()
                .and_then(|t| t.elapsed().ok())
                .is_some_and(|age| age.as_secs() >= STALE_STAGE_SECS);
        if stale {
            let _ = fs::remove_file(entry.path());
        }
    }
}

fn vault_exists(path: &Path) -> Error {
    Error::VaultExists {
        path: path.to_owned(),
    }
}

/// Builds a vault in the empty file `tmp`.
fn build_at(tmp: &Path, init: impl FnOnce(&rusqlite::Transaction<'_>) -> Result<()>) -> Result<()> {
    let mut conn = Connection::open_with_flags(
        tmp,
        OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )
    .at(tmp)?;
    conn.pragma_update(None, "journal_mode", "WAL").at(tmp)?;
    configure(&conn, tmp)?;
    let tx = conn
        .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)
        .at(tmp)?;
    tx.pragma_update(None, "application_id", APPLICATION_ID)
        .at(tmp)?;
    for step in MIGRATIONS {
        tx.execute_batch(step).at(tmp)?;
    }
    tx.pragma_update(None, "user_version", FORMAT_VERSION)
        .at(tmp)?;
    init(&tx)?;
    tx.commit().at(tmp)?;
    // Closing checkpoints the WAL into the main file and removes it.
    conn.close().map_err(|(_, e)| sqlite_error(tmp, e))?;
    Ok(())
}

fn migrate(conn: &Connection, path: &Path, from: i64) -> Result<()> {
    conn.execute_batch("BEGIN IMMEDIATE").at(path)?;
    let result = (|| {
        // Re-read under the write lock: another process may have migrated.
        let current: i64 = conn
            .pragma_query_value(None, "user_version", |r| r.get(0))
            .at(path)?;
        if current >= SCHEMA_VERSION {
            return Ok(());
        }
        for step in MIGRATIONS.iter().skip(current.max(from) as usize) {
            conn.execute_batch(step).at(path)?;
        }
        conn.pragma_update(None, "user_version", SCHEMA_VERSION)
            .at(path)
    })();
    let end = if result.is_ok() { "COMMIT" } else { "ROLLBACK" };
    conn.execute_batch(end).at(path)?;
    result
}

/// Per-connection settings. None of them writes to the file.
fn configure(conn: &Connection, path: &Path) -> Result<()> {
    conn.busy_timeout(std::time::Duration::from_millis(BUSY_TIMEOUT_MS))
        .at(path)?;
    conn.execute_batch(
        "PRAGMA synchronous = FULL;
         PRAGMA cache_size = -32768;
         PRAGMA secure_delete = ON;
         PRAGMA foreign_keys = ON;
         PRAGMA trusted_schema = OFF;",
    )
    .at(path)
}

/// Maps an SQLite error to the core error, naming the vault file.
fn sqlite_error(path: &Path, e: rusqlite::Error) -> Error {
    match e.sqlite_error_code() {
        Some(ErrorCode::NotADatabase) => Error::VaultCorrupt {
            path: path.to_owned(),
            detail: "it is not an SQLite database".into(),
        },
        Some(ErrorCode::DatabaseCorrupt) => Error::VaultCorrupt {
            path: path.to_owned(),
            detail: "the database structure is damaged".into(),
        },
        Some(ErrorCode::DatabaseBusy | ErrorCode::DatabaseLocked) => Error::Busy {
            path: path.to_owned(),
        },
        _ => Error::Database {
            path: path.to_owned(),
            source: e,
        },
    }
}

/// Attaches the vault file to an SQLite error: `.at(path)?` is the one way a
/// database error becomes a core [`Error`].
pub(crate) trait SqlResult<T> {
    fn at(self, path: &Path) -> Result<T>;
}

impl<T> SqlResult<T> for rusqlite::Result<T> {
    fn at(self, path: &Path) -> Result<T> {
        self.map_err(|e| sqlite_error(path, e))
    }
}

/// The value of `key` in the `meta` table; a missing entry means a damaged vault.
pub(crate) fn read_meta<T: rusqlite::types::FromSql>(
    conn: &Connection,
    path: &Path,
    key: &str,
) -> Result<T> {
    conn.prepare_cached("SELECT value FROM meta WHERE key = ?1")
        .and_then(|mut s| s.query_row([key], |r| r.get(0)).optional())
        .at(path)?
        .ok_or_else(|| Error::VaultCorrupt {
            path: path.to_owned(),
            detail: format!("the `{key}` entry is missing"),
        })
}

/// A fresh random vault id.
pub(crate) fn new_vault_id() -> [u8; 16] {
    random_id()
}

fn create_private_dir(dir: &Path) -> Result<()> {
    let mut builder = fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
    builder
        .create(dir)
        .map_err(|e| Error::io("cannot create the folder", dir, e))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn noop(_: &rusqlite::Transaction<'_>) -> Result<()> {
        Ok(())
    }

    #[test]
    fn created_file_is_private_and_in_wal_mode() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("sub/vault.db");
        let conn = create_new(&path, noop).expect("created");
        let mode: String = conn
            .pragma_query_value(None, "journal_mode", |r| r.get(0))
            .expect("pragma");
        assert_eq!(mode, "wal");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let perm = fs::metadata(&path).expect("meta").permissions().mode();
            assert_eq!(perm & 0o777, 0o600);
        }
        // No temporary file is left behind.
        let names: Vec<_> = fs::read_dir(path.parent().expect("parent"))
            .expect("read_dir")
            .map(|e| e.expect("entry").file_name())
            .collect();
        assert!(
            names.iter().all(|n| !n.to_string_lossy().contains(".tmp-")),
            "{names:?}"
        );
    }

    #[test]
    fn a_first_run_removes_what_a_killed_one_left_but_not_a_fresh_one() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("vault.db");
        let old = dir.path().join(".vault.db.tmp-killed");
        let fresh = dir.path().join(".vault.db.tmp-running");
        let other = dir.path().join(".notes.txt.tmp-x");
        for f in [&old, &fresh, &other] {
            fs::write(f, b"half a vault").expect("write");
        }
        let long_ago =
            std::time::SystemTime::now() - std::time::Duration::from_secs(STALE_STAGE_SECS + 60);
        for f in [&old, &other] {
            fs::File::options()
                .write(true)
                .open(f)
                .and_then(|f| f.set_modified(long_ago))
                .expect("age it");
        }
        drop(stage_new(&path, noop).expect("staged"));
        assert!(!old.exists(), "a stale stage stayed");
        assert!(fresh.exists(), "a first run in progress lost its file");
        assert!(other.exists(), "another file's stage was removed");
    }

    #[test]
    fn create_refuses_an_existing_file() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("vault.db");
        fs::write(&path, b"precious").expect("write");
        let err = create_new(&path, noop).expect_err("exists");
        assert_eq!(err.code(), "vault_exists");
        assert_eq!(fs::read(&path).expect("read"), b"precious");
    }

    #[test]
    fn failed_init_leaves_nothing_behind() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("vault.db");
        let err = create_new(&path, |_| Err(Error::Locked)).expect_err("init fails");
        assert_eq!(err.code(), "locked");
        assert_eq!(fs::read_dir(dir.path()).expect("read_dir").count(), 0);
    }

    #[test]
    fn open_rejects_garbage_without_touching_it() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("vault.db");
        let garbage: Vec<u8> = (0..8192u32).map(|i| (i * 7 % 251) as u8).collect();
        fs::write(&path, &garbage).expect("write");
        let err = open_existing(&path).expect_err("garbage");
        assert_eq!(err.code(), "vault_corrupt");
        assert_eq!(fs::read(&path).expect("read"), garbage);
    }

    #[test]
    fn open_rejects_empty_file_and_other_sqlite_files() {
        let dir = tempfile::tempdir().expect("tempdir");
        let empty = dir.path().join("empty.db");
        fs::write(&empty, b"").expect("write");
        assert_eq!(
            open_existing(&empty).expect_err("empty").code(),
            "vault_corrupt"
        );
        assert_eq!(fs::read(&empty).expect("read").len(), 0);

        let other = dir.path().join("other.db");
        Connection::open(&other)
            .expect("open")
            .execute_batch("CREATE TABLE t(x)")
            .expect("create");
        assert_eq!(
            open_existing(&other).expect_err("other").code(),
            "vault_corrupt"
        );
    }

    #[test]
    fn open_reports_missing_file_and_directory() {
        let dir = tempfile::tempdir().expect("tempdir");
        let missing = dir.path().join("nope.db");
        assert_eq!(
            open_existing(&missing).expect_err("missing").code(),
            "vault_not_found"
        );
        assert!(!missing.exists(), "open must not create a file");
        assert_eq!(
            open_existing(dir.path()).expect_err("dir").code(),
            "vault_corrupt"
        );
    }

    #[test]
    fn a_newer_version_waiting_in_the_wal_is_refused_without_touching_the_file() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("vault.db");
        drop(create_new(&path, noop).expect("created"));
        // A newer Coffer bumped the version; its WAL was never checkpointed.
        let writer = Connection::open(&path).expect("open");
        writer
            .pragma_update(None, "wal_autocheckpoint", 0)
            .expect("no autocheckpoint");
        writer
            .pragma_update(None, "user_version", FORMAT_VERSION + 1)
            .expect("bump");
        let copy = dir.path().join("copy.db");
        fs::copy(&path, &copy).expect("copy db");
        fs::copy(
            dir.path().join("vault.db-wal"),
            dir.path().join("copy.db-wal"),
        )
        .expect("copy wal");
        drop(writer);
        let before = fs::read(&copy).expect("read");
        let err = open_existing(&copy).expect_err("too new");
        assert_eq!(err.code(), "vault_too_new");
        assert_eq!(
            fs::read(&copy).expect("read"),
            before,
            "the WAL was folded into a refused file"
        );
    }

    #[test]
    fn a_short_or_foreign_header_is_refused_before_sqlite_opens_it() {
        let dir = tempfile::tempdir().expect("tempdir");
        let short = dir.path().join("short.db");
        fs::write(&short, b"SQLite format 3\0 but short").expect("write");
        assert_eq!(
            open_existing(&short).expect_err("short").code(),
            "vault_corrupt"
        );
        assert!(
            !dir.path().join("short.db-wal").exists() && !dir.path().join("short.db-shm").exists()
        );
    }

    #[test]
    fn newer_format_is_refused_and_left_alone() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("vault.db");
        let conn = create_new(&path, noop).expect("created");
        conn.pragma_update(None, "user_version", FORMAT_VERSION + 1)
            .expect("bump");
        drop(conn);
        let before = fs::read(&path).expect("read");
        let err = open_existing(&path).expect_err("too new");
        assert_eq!(err.code(), "vault_too_new");
        assert_eq!(fs::read(&path).expect("read"), before);
    }
}
