//! Locking when the computer goes to sleep or the screen locks, where the
//! desktop announces it over D-Bus: logind's `PrepareForSleep(true)` and a
//! session's `Lock` on the system bus, and the screensaver's
//! `ActiveChanged(true)` (freedesktop and GNOME names) on the session bus.
//! Each goes through the app's one lock path.

use std::time::Duration;

use dbus::blocking::Connection;
use dbus::channel::MatchingReceiver;
use dbus::message::MatchRule;
use tauri::{AppHandle, Runtime};

/// The signals that mean "lock now", on the bus each is sent on.
pub const SYSTEM_SIGNALS: &[(&str, &str)] = &[
    ("org.freedesktop.login1.Manager", "PrepareForSleep"),
    ("org.freedesktop.login1.Session", "Lock"),
];
pub const SESSION_SIGNALS: &[(&str, &str)] = &[
    ("org.freedesktop.ScreenSaver", "ActiveChanged"),
    ("org.gnome.ScreenSaver", "ActiveChanged"),
];

/// Watches both buses in background threads; a bus that is not there (no
/// logind, no session bus) is left out with a warning.
pub fn watch<R: Runtime>(app: &AppHandle<R>) {
    for (system, signals) in [(true, SYSTEM_SIGNALS), (false, SESSION_SIGNALS)] {
        let app = app.clone();
        std::thread::spawn(move || {
            let conn = if system {
                Connection::new_system()
            } else {
                Connection::new_session()
            };
            let result = conn.and_then(|conn| listen(&conn, signals, &app).map(|()| serve(&conn)));
            if let Err(e) = result {
                let bus = if system { "system" } else { "session" };
                eprintln!("warning: Coffer cannot lock on sleep or screen lock through the {bus} bus: {e}");
            }
        });
    }
}

/// Subscribes `conn` to `signals`; each one that means "starting" locks the app.
pub fn listen<R: Runtime>(
    conn: &Connection,
    signals: &[(&str, &str)],
    app: &AppHandle<R>,
) -> Result<(), dbus::Error> {
    for (interface, member) in signals {
        let rule = MatchRule::new_signal(interface.to_string(), member.to_string());
        let app = app.clone();
        conn.add_match_no_cb(&rule.match_str())?;
        conn.start_receive(
            rule,
            Box::new(move |msg, _| {
                // PrepareForSleep and ActiveChanged carry a bool: true = going
                // to sleep / screen locked; false (waking up) is not a lock.
                // Lock carries nothing.
                let starting = msg.read1::<bool>().unwrap_or(true);
                if starting {
                    crate::session::lock_for(&app, crate::session::LockReason::Screen);
                }
                true
            }),
        );
    }
    Ok(())
}

/// Handles incoming signals for as long as the connection lives.
pub fn serve(conn: &Connection) {
    while conn.process(Duration::from_secs(3600)).is_ok() {}
}
