//! The Coffer desktop app: a thin Tauri shell over `coffer-core`.
//!
//! Commands (in `commands/`, listed once in `commands/list.rs`) take the app
//! state, call the core and return its error as `{code, message}`; the UI
//! switches on `code`. Locking has one path ([`session::lock`]). Values cross to the
//! webview only when the user reveals one secret, and a new vault key once,
//! to be shown.

pub mod autolock;
pub mod autostart;
pub mod clipboard;
pub mod commands;
pub mod desktop;
pub mod dialog;
pub mod quick_open;
#[cfg(target_os = "linux")]
pub mod screen_lock;
pub mod session;
pub mod state;

use coffer_core::default_vault_path;
use state::AppState;

include!("commands/list.rs");

/// Every command the webview may call (the list in `commands/list.rs`).
pub const COMMANDS: &[&str] = coffer_commands!(command_names);

/// The invoke handler of every command in `commands/list.rs`.
macro_rules! handler {
    ($($module:ident::$command:ident),* $(,)?) => {
        tauri::generate_handler![$(crate::commands::$module::$command),*]
    };
}

/// Wraps the invoke handler: every command the page calls counts as
/// activity for auto-lock.
fn touching<R: tauri::Runtime>(
    handler: impl Fn(tauri::ipc::Invoke<R>) -> bool + Send + Sync + 'static,
) -> impl Fn(tauri::ipc::Invoke<R>) -> bool + Send + Sync + 'static {
    move |invoke| {
        use tauri::Manager;
        if let Some(state) = invoke.message.webview().try_state::<AppState>() {
            state.touch();
        }
        handler(invoke)
    }
}

/// Whether the webview may load `url`: only the app's own pages.
pub fn navigation_allowed(url: &tauri::Url) -> bool {
    match url.scheme() {
        "tauri" => url.host_str() == Some("localhost"),
        "http" | "https" => url.host_str() == Some("tauri.localhost"),
        _ => false,
    }
}

/// Blocks navigation to any other origin (a link or script can't take the window elsewhere).
fn navigation_guard<R: tauri::Runtime>() -> tauri::plugin::TauriPlugin<R> {
    tauri::plugin::Builder::new("navigation-guard")
        .on_navigation(|_webview, url| {
            let allowed = navigation_allowed(url);
            if !allowed {
                eprintln!("blocked navigation to another origin ({})", url.scheme());
            }
            allowed
        })
        .build()
}

/// Builds the app on any runtime (the mock runtime in tests).
pub fn app_builder<R: tauri::Runtime>(
    builder: tauri::Builder<R>,
    state: AppState,
) -> tauri::Builder<R> {
    builder
        .plugin(navigation_guard())
        .manage(state)
        .manage(clipboard::Clipboard::default())
        .plugin(tauri_plugin_dialog::init())
        .invoke_handler(touching(coffer_commands!(handler)))
}

/// Closing hides the window to the tray. Files and folders dropped on the
/// window go to the import preview: read in Rust, the result sent to the page
/// as the `import-dropped` event.
fn on_window_event<R: tauri::Runtime>(window: &tauri::Window<R>, event: &tauri::WindowEvent) {
    use tauri::{Emitter, Manager};
    // Closing the window keeps Coffer in the tray (Quit is in the tray menu).
    if let tauri::WindowEvent::CloseRequested { api, .. } = event {
        api.prevent_close();
        let _ = window.hide();
        return;
    }
    if let tauri::WindowEvent::DragDrop(tauri::DragDropEvent::Drop { paths, .. }) = event {
        // Reading (and a KDF) happens off the main thread so the window stays responsive.
        let app = window.app_handle().clone();
        let paths = paths.clone();
        std::thread::spawn(move || {
            let state = app.state::<AppState>();
            let payload = match commands::import::import_paths(&state, paths) {
                Ok(view) => serde_json::json!({ "preview": view }),
                Err(error) => serde_json::json!({ "error": error.body() }),
            };
            let _ = app.emit_to("main", "import-dropped", payload);
        });
    }
}

/// How the app was asked to start, from its command line.
#[derive(Debug, PartialEq, Eq)]
pub enum Launch {
    /// Start; in the tray only with `minimized` (`--minimized`, as the
    /// log-in entry starts it).
    Start { minimized: bool },
    /// Print this text and exit (`--help`, `--version`).
    Print(String),
}

const USAGE: &str = "Usage: coffer-desktop [--minimized]\n\n\
    Starts the Coffer desktop app; the vault is at COFFER_VAULT or in your data folder.\n\n\
    Options:\n  \
    --minimized  start in the tray, without showing the window\n  \
    --version    print the version and exit\n  \
    --help       print this help and exit\n\n\
    The coffer command is the same vault from a terminal: coffer --help.";

/// Reads the command line (without the program name). An option it does not
/// know is an error that says which, with the usage.
pub fn parse_args(args: impl IntoIterator<Item = std::ffi::OsString>) -> Result<Launch, String> {
    let mut minimized = false;
    for arg in args {
        match arg.to_str() {
            Some("--minimized") => minimized = true,
            Some("--version" | "-V") => {
                return Ok(Launch::Print(format!(
                    "coffer-desktop {}",
                    env!("CARGO_PKG_VERSION")
                )))
            }
            Some("--help" | "-h") => return Ok(Launch::Print(USAGE.to_owned())),
            _ => {
                return Err(format!(
                    "error: coffer-desktop does not take {:?}\n\n{USAGE}",
                    arg.to_string_lossy()
                ))
            }
        }
    }
    Ok(Launch::Start { minimized })
}

/// Starts the desktop app on the vault at `COFFER_VAULT` or the platform
/// data dir: the window shown, or only the tray icon with `--minimized`.
pub fn run() {
    // In every build: a debug build holds the same keys.
    coffer_core::disable_core_dumps();
    let minimized = match parse_args(std::env::args_os().skip(1)) {
        Ok(Launch::Start { minimized }) => minimized,
        Ok(Launch::Print(text)) => {
            println!("{text}");
            return;
        }
        Err(text) => {
            eprintln!("{text}");
            std::process::exit(2);
        }
    };
    let state = AppState::new(default_vault_path());
    // Single instance first: a second launch focuses the running one and
    // exits; a second `--minimized` one (the log-in entry) leaves it be.
    let builder = tauri::Builder::default()
        .plugin(tauri_plugin_single_instance::init(|app, argv, _cwd| {
            if !argv.iter().any(|a| a == "--minimized") {
                desktop::show_main(app)
            }
        }))
        .plugin(tauri_plugin_global_shortcut::Builder::new().build());
    let result = app_builder(builder, state)
        .setup(move |app| {
            desktop::tray(app.handle())?;
            // The window is made hidden (tauri.conf.json) so that a start in
            // the tray never flashes it.
            if !minimized {
                desktop::show_main(app.handle());
            }
            quick_open::apply_stored(app.handle());
            autolock::watch(app.handle());
            #[cfg(target_os = "linux")]
            screen_lock::watch(app.handle());
            Ok(())
        })
        .on_window_event(on_window_event)
        .build(tauri::generate_context!());
    match result {
        Ok(app) => app.run(|handle, event| {
            if let tauri::RunEvent::Exit = event {
                session::on_exit(handle);
            }
        }),
        Err(e) => {
            eprintln!("error: Coffer could not start: {e}");
            std::process::exit(1);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::{navigation_allowed, parse_args, Launch};

    #[test]
    fn the_command_line_starts_minimized_or_prints_or_is_refused() {
        let parse = |args: &[&str]| parse_args(args.iter().map(std::ffi::OsString::from));
        assert_eq!(parse(&[]), Ok(Launch::Start { minimized: false }));
        assert_eq!(
            parse(&["--minimized"]),
            Ok(Launch::Start { minimized: true })
        );
        assert!(
            matches!(parse(&["--version"]), Ok(Launch::Print(v)) if v.starts_with("coffer-desktop 0."))
        );
        assert!(matches!(parse(&["--help"]), Ok(Launch::Print(h)) if h.contains("--minimized")));
        let err = parse(&["--minimise"]).expect_err("unknown");
        assert!(
            err.contains("\"--minimise\"") && err.contains("Usage:"),
            "{err}"
        );
    }

    #[test]
    fn only_the_apps_own_origin_may_load() {
        for ok in [
            "tauri://localhost/index.html",
            "http://tauri.localhost/",
            "https://tauri.localhost/app.js",
        ] {
            assert!(navigation_allowed(&ok.parse().expect("url")), "{ok}");
        }
        for bad in [
            "https://example.com/",
            "http://localhost:8080/",
            "file:///etc/passwd",
            "tauri://evil/",
            "javascript:alert(1)",
            "data:text/html,hi",
        ] {
            assert!(!navigation_allowed(&bad.parse().expect("url")), "{bad}");
        }
    }
}
