//! Files only the user may read (mode 0600), written all or nothing: built
//! under a temporary name in the target's folder, synced, then moved into
//! place. The vault file, exports and a downloaded vault key are all written
//! this way.

use std::fs::{self, File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};

use crate::error::{Error, Result};

/// Writes `bytes` to a new private file at `path`. Without `overwrite` an
/// existing file is never replaced ([`Error::ExportExists`]).
pub fn write_private_file(path: &Path, bytes: &[u8], overwrite: bool) -> Result<()> {
    let exists = || Error::ExportExists {
        path: path.to_owned(),
    };
    publish(path, overwrite, exists, |tmp, mut file| {
        file.write_all(bytes)
            .and_then(|()| file.sync_all())
            .map_err(|e| Error::io("cannot write", tmp, e))
    })
}

/// Makes the private file `path`: `fill` gets an empty temporary file (mode
/// 0600, opened for writing) in the same folder and its path; once it
/// returns, the file is moved into place — over an existing one only with
/// `replace`; otherwise an existing file gives `exists()`. The temporary
/// file never outlives the call, and nothing is left at `path` on failure.
pub(crate) fn publish(
    path: &Path,
    replace: bool,
    exists: impl Fn() -> Error,
    fill: impl FnOnce(&Path, File) -> Result<()>,
) -> Result<()> {
    if !replace && fs::symlink_metadata(path).is_ok() {
        return Err(exists());
    }
    stage(path, fill)?.publish(replace, exists)
}

/// A private file built under a temporary name next to where it belongs, not
/// in place yet: [`Staged::publish`] moves it there; dropping it removes it.
#[derive(Debug)]
pub(crate) struct Staged {
    tmp: PathBuf,
    path: PathBuf,
}

/// Builds the file that will be `path` under a temporary name: `fill` gets
/// the empty temporary file (mode 0600, opened for writing) and its path.
pub(crate) fn stage(path: &Path, fill: impl FnOnce(&Path, File) -> Result<()>) -> Result<Staged> {
    let dir = parent_dir(path);
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let staged = Staged {
        tmp: dir.join(format!(
            ".{name}.tmp-{}",
            crate::secret::SecretId(crate::crypto::random_id())
        )),
        path: path.to_owned(),
    };
    let mut options = OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let file = options
        .open(&staged.tmp)
        .map_err(|e| Error::io("cannot create", &staged.tmp, e))?;
    // On failure `staged` is dropped, which removes the temporary file.
    fill(&staged.tmp, file)?;
    Ok(staged)
}

impl Staged {
    /// Moves the file into place — over an existing one only with `replace`;
    /// otherwise an existing file gives `exists()` and nothing changes.
    pub(crate) fn publish(self, replace: bool, exists: impl Fn() -> Error) -> Result<()> {
        let path = &self.path;
        if replace {
            fs::rename(&self.tmp, path).map_err(|e| Error::io("cannot write", path, e))?;
        } else {
            // `hard_link` fails if the target exists: never replace a file.
            fs::hard_link(&self.tmp, path).map_err(|e| {
                if e.kind() == std::io::ErrorKind::AlreadyExists {
                    exists()
                } else {
                    Error::io("cannot write", path, e)
                }
            })?;
        }
        sync_dir(&parent_dir(path));
        Ok(())
        // Dropping `self` removes the temporary name (a no-op after a rename).
    }
}

impl Drop for Staged {
    fn drop(&mut self) {
        let _ = fs::remove_file(&self.tmp);
    }
}

/// The folder a file is in (`.` for a bare file name).
pub(crate) fn parent_dir(path: &Path) -> PathBuf {
    match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_owned(),
        _ => PathBuf::from("."),
    }
}

/// Makes the new name durable on filesystems that need it (best effort).
fn sync_dir(dir: &Path) {
    if let Ok(d) = File::open(dir) {
        let _ = d.sync_all();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entries(dir: &Path) -> Vec<String> {
        let mut names: Vec<String> = fs::read_dir(dir)
            .expect("read_dir")
            .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        names
    }

    #[test]
    fn a_new_file_is_private_and_no_temporary_file_stays() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("out.json");
        write_private_file(&path, b"hello", false).expect("write");
        assert_eq!(fs::read(&path).expect("read"), b"hello");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = fs::metadata(&path).expect("meta").permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        assert_eq!(entries(dir.path()), ["out.json"]);
    }

    #[test]
    fn an_existing_file_is_kept_unless_replacing_was_asked_for() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("out.json");
        fs::write(&path, b"precious").expect("write");
        let err = write_private_file(&path, b"new", false).expect_err("exists");
        assert_eq!(err.code(), "export_exists");
        assert_eq!(fs::read(&path).expect("read"), b"precious");
        write_private_file(&path, b"new", true).expect("replace");
        assert_eq!(fs::read(&path).expect("read"), b"new");
        assert_eq!(entries(dir.path()), ["out.json"]);
    }

    #[test]
    fn a_failed_fill_leaves_nothing_behind() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("out.json");
        let err = publish(&path, false, || Error::Locked, |_, _| Err(Error::Locked))
            .expect_err("fill fails");
        assert_eq!(err.code(), "locked");
        assert!(entries(dir.path()).is_empty());
    }

    #[test]
    fn a_missing_folder_is_an_io_error_naming_it() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("no/such/folder/out.json");
        let err = write_private_file(&path, b"x", false).expect_err("no folder");
        assert_eq!(err.code(), "io");
        assert!(err.to_string().contains("no/such/folder"), "{err}");
    }
}
