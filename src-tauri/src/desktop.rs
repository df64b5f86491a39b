//! Desktop integration: tray icon, showing the window, close-to-tray, single
//! instance. Only the real app has these; the mock runtime does not.

use tauri::menu::{Menu, MenuItem};
use tauri::tray::TrayIconBuilder;
use tauri::{AppHandle, Emitter, Manager, Runtime};

/// Shows the main window, focused, with the filter box focused.
pub fn show_main<R: Runtime>(app: &AppHandle<R>) {
    if let Some(window) = app.get_webview_window("main") {
        let _ = window.unminimize();
        let _ = window.show();
        let _ = window.set_focus();
        let _ = window.emit("focus-filter", ());
    }
}

/// The tray icon and its menu: Open, Lock, Quit.
pub fn tray<R: Runtime>(app: &AppHandle<R>) -> tauri::Result<()> {
    let open = MenuItem::with_id(app, "open", "Open Coffer", true, None::<&str>)?;
    let lock_item = MenuItem::with_id(app, "lock", "Lock", true, None::<&str>)?;
    let quit = MenuItem::with_id(app, "quit", "Quit Coffer", true, None::<&str>)?;
    let menu = Menu::with_items(app, &[&open, &lock_item, &quit])?;
    let mut builder = TrayIconBuilder::with_id("coffer")
        .tooltip("Coffer")
        .menu(&menu)
        .on_menu_event(|app, event| on_menu(app, event.id().as_ref()));
    if let Some(icon) = app.default_window_icon() {
        builder = builder.icon(icon.clone());
    }
    builder.build(app)?;
    Ok(())
}

/// What the tray menu items do.
pub fn on_menu<R: Runtime>(app: &AppHandle<R>, id: &str) {
    match id {
        "open" => show_main(app),
        "lock" => crate::session::lock_for(app, crate::session::LockReason::Tray),
        "quit" => app.exit(0),
        _ => {}
    }
}
