// Every command the webview may call, written once. `build.rs` includes this
// file to list them in the app manifest; `lib.rs` to register the handler;
// `capabilities/main.json` grants each to the main window, and a test checks
// that it grants exactly these.
//
// `coffer_commands!(m)` calls `m!` with `module::command, …`.
macro_rules! coffer_commands {
    ($then:ident) => {
        $then! {
            vault::vault_status,
            vault::vault_create,
            vault::vault_key_saved,
            vault::vault_unlock_keychain,
            vault::vault_unlock,
            vault::vault_lock,
            vault::vault_activity,
            vault::vault_reset,
            vault::vault_clear,
            vault::vault_key_copy,
            vault::vault_key_download,
            vault::vault_change_key,
            vault::vault_key_discard,
            vault::undo_last,
            secrets::secret_list,
            secrets::secret_create,
            secrets::secret_update,
            secrets::secret_delete,
            secrets::secret_reveal,
            secrets::secret_copy,
            secrets::secret_copy_reference,
            secrets::password_generate,
            settings::settings_get,
            settings::settings_set,
            settings::settings_keychain,
            export::export_options,
            export::password_score,
            export::export_to_file,
            import::import_pick,
            import::import_paste,
            import::import_unlock,
            import::import_key_file,
            import::import_apply,
            import::import_cancel,
            references::domains_check,
            references::reference_check,
            linked::providers_list,
            linked::provider_add,
            linked::provider_login,
            linked::provider_remove,
            linked::secret_link,
            linked::secret_unlink,
            linked::secret_publish,
            linked::link_test,
            linked::link_cache_reset,
            linked::link_state,
            linked::provider_ca_pick,
        }
    };
}

// The command names, as `&[&str]`.
macro_rules! command_names {
    ($($module:ident::$command:ident),* $(,)?) => {
        &[$(stringify!($command)),*]
    };
}
