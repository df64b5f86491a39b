//! Sleep and screen lock lock the app: the real D-Bus matching of
//! `screen_lock`, on a private session bus (make test runs the tests inside
//! one). logind itself is not there, so its signals are sent on that bus by
//! this test, with logind's interface and path.

use std::time::{Duration, Instant};

use dbus::blocking::Connection;
use dbus::channel::Sender;
use dbus::Message;
use serde_json::json;
use tauri::Manager;

use crate::common::{invoke, mock_app};

fn send(conn: &Connection, path: &str, interface: &str, member: &str, starting: Option<bool>) {
    let msg = Message::new_signal(path, interface, member).expect("signal");
    let msg = match starting {
        Some(b) => msg.append1(b),
        None => msg,
    };
    conn.send(msg).expect("send");
}

#[test]
#[ignore = "needs a D-Bus session bus: run by make test"]
fn going_to_sleep_or_locking_the_screen_locks_the_vault() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (_app, window) = mock_app(dir.path().join("vault.db"));
    let key = invoke(&window, "vault_create", json!({})).expect("create")["key"]
        .as_str()
        .expect("key")
        .to_owned();
    invoke(&window, "vault_key_saved", json!({"keychain": false})).expect("saved");
    let unlocked =
        || invoke(&window, "vault_status", json!({})).expect("status")["unlocked"] == json!(true);
    let watcher = Connection::new_session().expect("a session bus (run under make test)");
    let handle = window.app_handle().clone();
    coffer_desktop::screen_lock::listen(
        &watcher,
        coffer_desktop::screen_lock::SYSTEM_SIGNALS,
        &handle,
    )
    .expect("listen");
    coffer_desktop::screen_lock::listen(
        &watcher,
        coffer_desktop::screen_lock::SESSION_SIGNALS,
        &handle,
    )
    .expect("listen");
    let sender = Connection::new_session().expect("bus");
    let signals = [
        (
            "/org/freedesktop/login1",
            "org.freedesktop.login1.Manager",
            "PrepareForSleep",
            Some(true),
        ),
        (
            "/org/freedesktop/login1/session/_31",
            "org.freedesktop.login1.Session",
            "Lock",
            None,
        ),
        (
            "/org/freedesktop/ScreenSaver",
            "org.freedesktop.ScreenSaver",
            "ActiveChanged",
            Some(true),
        ),
        (
            "/org/gnome/ScreenSaver",
            "org.gnome.ScreenSaver",
            "ActiveChanged",
            Some(true),
        ),
    ];
    for (path, interface, member, arg) in signals {
        // Waking up (false) is not a reason to lock.
        if arg.is_some() {
            send(&sender, path, interface, member, Some(false));
            let until = Instant::now() + Duration::from_millis(300);
            while Instant::now() < until {
                watcher.process(Duration::from_millis(50)).expect("process");
            }
            assert!(unlocked(), "{interface}.{member}(false) locked");
        }
        send(&sender, path, interface, member, arg);
        let until = Instant::now() + Duration::from_secs(5);
        while unlocked() {
            assert!(Instant::now() < until, "{interface}.{member} did not lock");
            watcher.process(Duration::from_millis(50)).expect("process");
        }
        invoke(&window, "vault_unlock", json!({"key": key})).expect("unlock");
    }
}
