//! The command line, as clap reads it.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

/// Coffer: a local-first vault for API keys, tokens and passwords.
#[derive(Debug, Parser)]
#[command(name = "coffer", version, about, max_term_width = 100)]
pub struct Cli {
    /// The vault file [default: the platform data dir, e.g. ~/.local/share/coffer/vault.db]
    #[arg(long, global = true, env = "COFFER_VAULT", value_name = "PATH")]
    pub vault: Option<PathBuf>,

    /// Read the vault key from this file (first in the unlock order, before
    /// COFFER_VAULT_KEY, the system keychain and a prompt).
    #[arg(long, global = true, value_name = "FILE")]
    pub key_file: Option<PathBuf>,

    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Create a vault; its key is printed once, alone on the last line of stdout.
    Init {
        /// Do not save the key in the system keychain; you keep it yourself.
        #[arg(long)]
        no_keychain: bool,
    },
    /// Show where the vault is, whether it can be unlocked, and its size.
    Status {
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Create or update a secret; the value is read from stdin (or a hidden prompt).
    Set(SetArgs),
    /// Print a secret's value.
    Get {
        /// Name of the secret (the newest of that name).
        name: String,
        /// Print the exact bytes, without a trailing newline.
        #[arg(long)]
        no_newline: bool,
    },
    /// List secrets (metadata only, never values).
    List {
        /// Print a JSON array.
        #[arg(long)]
        json: bool,
    },
    /// Rename a secret.
    Rename {
        /// Current name.
        old: String,
        /// New name.
        new: String,
    },
    /// Delete a secret (the newest of that name).
    Rm {
        /// Name of the secret.
        name: String,
    },
    /// Enable a secret so references resolve to it.
    Enable {
        /// Name of the secret.
        name: String,
    },
    /// Disable a secret: kept, but not used.
    Disable {
        /// Name of the secret.
        name: String,
    },
    /// Delete every secret; the vault key stays.
    Clear {
        /// Do not ask for confirmation.
        #[arg(long)]
        yes: bool,
    },
    /// Make a new vault key and delete every secret (for a lost key). Needs no key.
    Reset {
        /// Do not ask for confirmation.
        #[arg(long)]
        yes: bool,
    },
}

#[derive(Debug, Args)]
pub struct SetArgs {
    /// Name of the secret.
    pub name: String,
    /// Allowed domains, comma separated (`*.example.com` allowed); "" clears them.
    #[arg(long, value_name = "A,B")]
    pub domains: Option<String>,
    /// A note shown beside the secret.
    #[arg(long, value_name = "TEXT")]
    pub note: Option<String>,
    /// Store the secret disabled.
    #[arg(long, conflicts_with = "enabled")]
    pub disabled: bool,
    /// Store the secret enabled (the default for a new secret).
    #[arg(long)]
    pub enabled: bool,
}
