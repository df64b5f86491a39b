//! "Start Coffer when I log in": an XDG autostart entry
//! (`$XDG_CONFIG_HOME/autostart/coffer.desktop`, `~/.config` when unset) that
//! starts this program with `--minimized`, in the tray. The entry is the
//! setting: there is nothing else to keep in step with it. Other systems do
//! not have it yet; the settings dialog hides the box there.

use std::path::{Path, PathBuf};

use coffer_core::Error;

/// The file name of the entry (one per user, whichever vault is open).
const ENTRY: &str = "coffer.desktop";

/// Whether this system can start Coffer at log-in.
pub const SUPPORTED: bool = cfg!(target_os = "linux");

/// The autostart folder: `$XDG_CONFIG_HOME/autostart`, or `~/.config/autostart`
/// (a relative `XDG_CONFIG_HOME` is ignored, as the specification says).
pub fn folder() -> Option<PathBuf> {
    let config = std::env::var_os("XDG_CONFIG_HOME")
        .map(PathBuf::from)
        .filter(|p| p.is_absolute())
        .or_else(|| {
            std::env::var_os("HOME")
                .map(PathBuf::from)
                .filter(|p| p.is_absolute())
                .map(|home| home.join(".config"))
        })?;
    Some(config.join("autostart"))
}

/// Whether an entry of ours is there and not turned off (`Hidden=true`, or
/// GNOME's `X-GNOME-Autostart-enabled=false`, is how a desktop's own
/// settings switch an entry off).
pub fn enabled_in(folder: &Path) -> bool {
    std::fs::read_to_string(folder.join(ENTRY)).is_ok_and(|text| {
        !text.lines().any(|l| {
            let l = l.trim();
            l.eq_ignore_ascii_case("Hidden=true")
                || l.eq_ignore_ascii_case("X-GNOME-Autostart-enabled=false")
        })
    })
}

/// Writes (all or nothing: the old entry or the new one, never half) or
/// removes the entry that starts `program` minimized. An entry that is on
/// but starts another program (an older install) or was switched off by the
/// desktop is written again.
pub fn set_in(folder: &Path, enabled: bool, program: &Path) -> Result<(), Error> {
    let path = folder.join(ENTRY);
    let io = |action, source| Error::Io {
        action,
        path: path.clone(),
        source,
    };
    if !enabled {
        return match std::fs::remove_file(&path) {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(io("cannot remove", e)),
            _ => Ok(()),
        };
    }
    let text = entry_text(program)?;
    if std::fs::read_to_string(&path).is_ok_and(|old| old == text) {
        return Ok(());
    }
    std::fs::create_dir_all(folder).map_err(|e| io("cannot create the folder of", e))?;
    coffer_core::write_private_file(&path, text.as_bytes(), true)
}

/// The desktop entry: `Exec` quoted as the Desktop Entry specification asks,
/// `TryExec` so that a desktop skips it once the program is gone. A path
/// with a control character (a line break would end the line) is refused.
pub fn entry_text(program: &Path) -> Result<String, Error> {
    let program = program.to_string_lossy();
    if program.chars().any(char::is_control) {
        return Err(Error::InvalidArgument {
            what: "program path for starting at log-in (it has a line break or another control character; move Coffer to a plain folder)",
        });
    }
    Ok(format!(
        "[Desktop Entry]\n\
         Type=Application\n\
         Name=Coffer\n\
         Comment=Keeps Coffer in the tray from log-in\n\
         TryExec={}\n\
         Exec={} --minimized\n\
         Icon=coffer-desktop\n\
         Terminal=false\n\
         X-GNOME-Autostart-enabled=true\n",
        program.replace('\\', "\\\\"),
        exec_quoted(&program)
    ))
}

/// A program path as one `Exec` argument: quoted when it has a reserved
/// character, with `"`, `` ` ``, `$` and `\` escaped; `%` doubled (a field code otherwise).
fn exec_quoted(program: &str) -> String {
    let program = program.replace('%', "%%");
    let reserved = |c: char| " \t\n\"'\\><~|&;$*?#()`".contains(c);
    if !program.contains(reserved) {
        return program;
    }
    let mut out = String::from("\"");
    for c in program.chars() {
        if matches!(c, '"' | '`' | '$' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out.push('"');
    // The desktop file's own string escaping doubles every backslash again.
    out.replace('\\', "\\\\")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_entry_starts_this_program_minimized_and_goes_away() {
        let dir = tempfile::tempdir().expect("tempdir");
        let folder = dir.path().join("config/autostart");
        assert!(!enabled_in(&folder));
        // Removing what is not there is fine.
        set_in(&folder, false, Path::new("/usr/bin/coffer-desktop")).expect("off");
        set_in(&folder, true, Path::new("/usr/bin/coffer-desktop")).expect("on");
        assert!(enabled_in(&folder));
        let text = std::fs::read_to_string(folder.join(ENTRY)).expect("read");
        assert!(
            text.contains("\nExec=/usr/bin/coffer-desktop --minimized\n"),
            "{text}"
        );
        // Written twice: replaced, nothing left beside it.
        set_in(&folder, true, Path::new("/opt/coffer-desktop")).expect("again");
        let names: Vec<_> = std::fs::read_dir(&folder)
            .expect("list")
            .map(|e| e.expect("entry").file_name())
            .collect();
        assert_eq!(names, [ENTRY]);
        set_in(&folder, false, Path::new("/opt/coffer-desktop")).expect("off");
        assert!(!enabled_in(&folder));
    }

    #[test]
    fn an_entry_the_desktop_turned_off_is_off() {
        let dir = tempfile::tempdir().expect("tempdir");
        std::fs::write(
            dir.path().join(ENTRY),
            entry_text(Path::new("/usr/bin/coffer-desktop")).expect("text") + "Hidden=true\n",
        )
        .expect("write");
        assert!(!enabled_in(dir.path()));
        let gnome_off = entry_text(Path::new("/usr/bin/coffer-desktop"))
            .expect("text")
            .replace(
                "X-GNOME-Autostart-enabled=true",
                "X-GNOME-Autostart-enabled=false",
            );
        std::fs::write(dir.path().join(ENTRY), gnome_off).expect("write");
        assert!(!enabled_in(dir.path()));
        // Turned on again from Coffer: written over, on.
        set_in(dir.path(), true, Path::new("/usr/bin/coffer-desktop")).expect("on");
        assert!(enabled_in(dir.path()));
    }

    #[test]
    fn an_entry_for_another_program_is_rewritten_and_a_line_break_refused() {
        let dir = tempfile::tempdir().expect("tempdir");
        set_in(dir.path(), true, Path::new("/opt/old/coffer-desktop")).expect("old");
        set_in(dir.path(), true, Path::new("/usr/bin/coffer-desktop")).expect("new");
        let text = std::fs::read_to_string(dir.path().join(ENTRY)).expect("read");
        assert!(
            text.contains("\nTryExec=/usr/bin/coffer-desktop\n"),
            "{text}"
        );
        assert!(!text.contains("/opt/old"), "{text}");
        let err = set_in(
            dir.path(),
            true,
            Path::new("/tmp/a\nExec=evil/coffer-desktop"),
        )
        .expect_err("a line break");
        assert_eq!(err.code(), "invalid_argument");
        let kept = std::fs::read_to_string(dir.path().join(ENTRY)).expect("read");
        assert_eq!(kept, text, "the entry is left as it was");
    }

    #[test]
    fn a_path_with_spaces_or_quotes_is_one_argument() {
        assert_eq!(
            exec_quoted("/usr/bin/coffer-desktop"),
            "/usr/bin/coffer-desktop"
        );
        assert_eq!(
            exec_quoted("/home/a b/Coffer 100%/coffer-desktop"),
            "\"/home/a b/Coffer 100%%/coffer-desktop\""
        );
        assert_eq!(exec_quoted("/x/\"$y"), "\"/x/\\\\\"\\\\$y\"");
    }

    #[test]
    fn a_folder_that_cannot_be_written_is_an_error_naming_it() {
        let dir = tempfile::tempdir().expect("tempdir");
        // A file where the folder should be.
        let blocked = dir.path().join("autostart");
        std::fs::write(&blocked, "").expect("write");
        let err = set_in(&blocked, true, Path::new("/usr/bin/coffer-desktop")).expect_err("a file");
        assert_eq!(err.code(), "io");
        assert!(err.to_string().contains("autostart"), "{err}");
    }
}
