//! The command line, as clap reads it.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

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
    /// Write every secret to an export file (encrypted with a password, or plaintext).
    Export(ExportArgs),
    /// Import secrets from a file, a folder, or stdin (`-`): Coffer exports,
    /// Postman environments, Bitwarden JSON (plain or password-protected),
    /// dotenv. Shows a preview, then applies it.
    Import(ImportArgs),
    /// Show the admin policy in force and the file each rule comes from.
    Policy {
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Run a program with the {{vault:NAME}} references in its environment
    /// resolved (variables of this environment, and of env files); every
    /// resolved value in its output is masked.
    Run(RunArgs),
    /// Write a file with its {{vault:NAME}} references resolved (JSON-aware:
    /// a value inside a JSON string is escaped).
    Inject(InjectArgs),
    /// Send one HTTP request with its {{vault:NAME}} references resolved, only
    /// if the URL's host is allowed for every secret referenced. Exit 0 for
    /// 2xx/3xx, 22 for 400 and above.
    Http(HttpArgs),
    /// Check that every secret opens and none was rolled back, removed or
    /// added outside Coffer.
    Verify {
        /// After the check failed with "records_tampered" and you have
        /// checked the secrets: accept the records as they are now.
        #[arg(long)]
        accept_changes: bool,
        /// Do not ask for confirmation (with --accept-changes).
        #[arg(long)]
        yes: bool,
    },
    /// Delete every secret; the vault key stays.
    Clear {
        /// Do not ask for confirmation.
        #[arg(long)]
        yes: bool,
    },
    /// Manage the external vaults that linked secrets fetch their values
    /// from: OpenBao / HashiCorp Vault and AWS Secrets Manager.
    #[command(subcommand)]
    Providers(ProvidersCommand),
    /// Link a secret to a value kept by a provider (a new secret, or an
    /// existing one whose local value the link replaces).
    Link(LinkArgs),
    /// Publish a local secret to a provider (a key of a Vault KV secret, its
    /// other keys kept; or an AWS secret, made if missing) and link it there,
    /// so a team shares it through their vault.
    Publish(PublishArgs),
    /// Turn a linked secret into a local one holding its current value.
    Unlink {
        /// Name of the secret.
        name: String,
    },
    /// The in-memory cache of fetched linked values.
    #[command(subcommand)]
    Cache(CacheCommand),
    /// Make a new vault key and delete every secret (for a lost key). Needs no key.
    Reset {
        /// Do not ask for confirmation.
        #[arg(long)]
        yes: bool,
    },
}

#[derive(Debug, Args)]
pub struct RunArgs {
    /// Also set the variables of this env file (dotenv syntax; may be given
    /// more than once, a later file wins over an earlier one and over the
    /// environment).
    #[arg(long, value_name = "FILE")]
    pub env_file: Vec<PathBuf>,
    /// Show the program's output as it is, values included (also keeps it a terminal).
    #[arg(long)]
    pub no_masking: bool,
    /// Refuse secrets that are meant only for some hosts (where a program
    /// sends them cannot be checked).
    #[arg(long)]
    pub strict_domains: bool,
    /// The program and its arguments, after `--` (arguments are passed as
    /// they are: references are resolved in the environment only).
    #[arg(last = true, value_name = "COMMAND")]
    pub command: Vec<String>,
}

#[derive(Debug, Args)]
pub struct HttpArgs {
    /// [METHOD] URL (GET, or POST with a body).
    #[arg(required = true, num_args = 1..=2, value_name = "URL")]
    pub target: Vec<String>,
    /// A request header, 'Name: value' (may be given more than once).
    #[arg(short = 'H', long = "header", value_name = "NAME: VALUE")]
    pub header: Vec<String>,
    /// The request body: TEXT, @FILE, or @- for standard input.
    #[arg(long, value_name = "TEXT|@FILE|@-")]
    pub data: Option<String>,
    /// A JSON body (references inside its strings are escaped for JSON);
    /// sets Content-Type: application/json.
    #[arg(long, value_name = "TEXT|@FILE|@-")]
    pub json: Option<String>,
    /// Print the status line and the response headers first.
    #[arg(short = 'i', long)]
    pub include: bool,
    /// Also trust this CA (a PEM file); the system's roots are always trusted.
    #[arg(long, value_name = "FILE")]
    pub cacert: Option<PathBuf>,
    /// Give up after this many seconds.
    #[arg(long, value_name = "SECONDS", default_value_t = 30.0)]
    pub timeout: f64,
}

#[derive(Debug, Args)]
pub struct InjectArgs {
    /// The template: a file, or `-` for standard input.
    #[arg(short = 'i', long = "in", value_name = "TEMPLATE")]
    pub input: PathBuf,
    /// Write here (mode 0600, atomically) instead of to standard output.
    #[arg(short = 'o', long = "out", value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Replace the output file if it exists.
    #[arg(long)]
    pub force: bool,
    /// How to read the template [default: json for a .json file, else text].
    #[arg(long, value_enum)]
    pub format: Option<TemplateFormat>,
    /// Refuse secrets that are meant only for some hosts.
    #[arg(long)]
    pub strict_domains: bool,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum TemplateFormat {
    /// Values go in as they are.
    Text,
    /// Every reference must be inside a JSON string; values are escaped for it.
    Json,
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
    /// Anything after the name that is not an option: refused without being
    /// echoed (a value typed on the command line by mistake is a secret).
    #[arg(hide = true, num_args = 0.., allow_hyphen_values = false)]
    pub stray: Vec<String>,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum ExportFormat {
    /// Argon2id + AES-256-GCM under a password (recommended).
    Encrypted,
    /// Every value in the clear; needs confirmation.
    Plaintext,
    /// A dotenv file: names and values in the clear (no domains, notes or
    /// disabled flags); needs confirmation.
    Dotenv,
    /// A Postman environment (variables of type secret, enabled flags kept):
    /// in the clear; needs confirmation.
    Postman,
}

#[derive(Debug, Args)]
pub struct ExportArgs {
    /// The file format.
    #[arg(long, value_enum)]
    pub format: ExportFormat,
    /// The file to write (mode 0600, written atomically).
    #[arg(short = 'o', long, value_name = "FILE")]
    pub output: PathBuf,
    /// Read the export password from this file (else COFFER_EXPORT_PASSWORD, else a prompt).
    #[arg(long, value_name = "FILE")]
    pub password_file: Option<PathBuf>,
    /// Confirm a plaintext export without asking.
    #[arg(long)]
    pub yes: bool,
    /// Replace FILE if it exists.
    #[arg(long)]
    pub force: bool,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum OnConflict {
    /// The incoming secret replaces the existing one.
    Replace,
    /// Both stay; the incoming one is in effect, the existing one is shadowed.
    Keep,
    /// The incoming secret is not imported.
    Skip,
}

#[derive(Debug, Args)]
pub struct ImportArgs {
    /// A file, a folder (every importable file in it), or `-` for stdin.
    pub source: String,
    /// Read the password of an encrypted file from this file.
    #[arg(long, value_name = "FILE")]
    pub password_file: Option<PathBuf>,
    /// The key file of a KeePass database that has one (with its password,
    /// if it has one too).
    #[arg(long, value_name = "FILE")]
    pub keepass_key_file: Option<PathBuf>,
    /// What to do with every conflicting secret (otherwise asked on a tty, or an error).
    #[arg(long, value_enum)]
    pub on_conflict: Option<OnConflict>,
    /// Print the preview only; change nothing.
    #[arg(long)]
    pub dry_run: bool,
}

#[derive(Debug, Subcommand)]
pub enum ProvidersCommand {
    /// Add a provider; its credentials are checked once, then kept in the
    /// system keychain (or sealed in the vault when the keychain cannot be used).
    Add(ProviderAddArgs),
    /// List the providers (never their credentials).
    List {
        /// Print a JSON array.
        #[arg(long)]
        json: bool,
    },
    /// Remove a provider and its credentials (refused while secrets are linked to it).
    Remove {
        /// Name of the provider.
        name: String,
    },
    /// Give a provider new credentials (expired, or on a new computer after an import).
    Login(ProviderLoginArgs),
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum ProviderKindArg {
    /// OpenBao or HashiCorp Vault (KV secrets engine, version 1 or 2).
    Vault,
    /// AWS Secrets Manager.
    Aws,
}

#[derive(Debug, Args)]
pub struct ProviderAddArgs {
    /// A name for the provider (letters, digits, -, _ and .).
    pub name: String,
    #[arg(long, value_enum)]
    pub kind: ProviderKindArg,
    /// Vault: its address, e.g. https://vault.example.com:8200.
    #[arg(long, value_name = "URL")]
    pub address: Option<String>,
    /// Vault: a namespace (OpenBao, Vault Enterprise).
    #[arg(long, value_name = "NS")]
    pub namespace: Option<String>,
    /// Trust this CA too (a PEM file); the system's roots are always trusted.
    #[arg(long, value_name = "FILE")]
    pub ca_file: Option<PathBuf>,
    #[command(flatten)]
    pub login: LoginArgs,
    /// Vault: where AppRole is mounted.
    #[arg(long, value_name = "PATH", default_value = "approle")]
    pub approle_mount: String,
    /// AWS: the region of the secrets (an ARN's own region wins).
    #[arg(long, value_name = "REGION")]
    pub region: Option<String>,
    /// AWS: another endpoint than secretsmanager.REGION.amazonaws.com.
    #[arg(long, value_name = "URL")]
    pub endpoint: Option<String>,
    /// AWS: read the keys of this profile of ~/.aws/credentials at each
    /// use, instead of keeping the keys of AWS_ACCESS_KEY_ID and
    /// AWS_SECRET_ACCESS_KEY (and AWS_SESSION_TOKEN).
    #[arg(long, value_name = "NAME")]
    pub profile: Option<String>,
}

#[derive(Debug, Args)]
pub struct LoginArgs {
    /// Vault: read the token from this file (`-`: standard input).
    #[arg(long, value_name = "FILE", conflicts_with_all = ["role_id", "secret_id_file"])]
    pub token_file: Option<PathBuf>,
    /// Vault: log in with AppRole as this role id (with --secret-id-file).
    #[arg(long, value_name = "ID", requires = "secret_id_file")]
    pub role_id: Option<String>,
    /// Vault: the AppRole secret id, read from this file (`-`: standard input).
    #[arg(long, value_name = "FILE")]
    pub secret_id_file: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct ProviderLoginArgs {
    /// Name of the provider.
    pub name: String,
    #[command(flatten)]
    pub login: LoginArgs,
}

#[derive(Debug, Args)]
pub struct LinkArgs {
    /// Name of the secret (not with --bulk or --all-keys).
    #[arg(required_unless_present_any = ["bulk", "all_keys"])]
    pub name: Option<String>,
    /// The provider's name.
    #[arg(long, value_name = "NAME")]
    pub provider: String,
    /// Vault: MOUNT/PATH of the KV secret, e.g. secret/app/db (KV version 1 or 2 is found from the mount).
    #[arg(long, value_name = "MOUNT/PATH", conflicts_with_all = ["secret_id", "bulk"])]
    pub path: Option<String>,
    /// Vault: the key inside the secret.
    #[arg(long, value_name = "KEY", requires = "path")]
    pub key: Option<String>,
    /// Vault: link every key of the secret at --path, each as PREFIX + KEY.
    #[arg(long, requires = "path", conflicts_with_all = ["key", "name"])]
    pub all_keys: bool,
    /// With --all-keys: the names' prefix [default: the path after the mount, and /].
    #[arg(long, value_name = "PREFIX", requires = "all_keys")]
    pub prefix: Option<String>,
    /// Vault (KV version 2): a fixed version instead of the latest.
    #[arg(long, value_name = "N")]
    pub version: Option<u64>,
    /// Vault: the KV version, 1 or 2 (needed with --no-check; the mount is
    /// then the first segment of the path).
    #[arg(long, value_name = "1|2")]
    pub kv_version: Option<u8>,
    /// AWS: the secret's name or ARN.
    #[arg(long, value_name = "NAME_OR_ARN", conflicts_with = "bulk")]
    pub secret_id: Option<String>,
    /// AWS: a key of the JSON object in the secret string (else the whole string).
    #[arg(long, value_name = "KEY")]
    pub json_key: Option<String>,
    /// AWS: a version stage, e.g. AWSPREVIOUS [default: AWSCURRENT].
    #[arg(long, value_name = "STAGE", conflicts_with = "version_id")]
    pub version_stage: Option<String>,
    /// AWS: a version id.
    #[arg(long, value_name = "ID")]
    pub version_id: Option<String>,
    /// AWS: a region other than the provider's.
    #[arg(long, value_name = "REGION")]
    pub region: Option<String>,
    /// Link every line of FILE: `SECRET PATH KEY` (Vault) or `SECRET
    /// SECRET_ID [JSON_KEY]` (AWS); `#` starts a comment. All or nothing;
    /// each line is checked.
    #[arg(long, value_name = "FILE", conflicts_with_all = [
        "name", "path", "key", "all_keys", "version", "kv_version", "secret_id", "json_key",
        "version_stage", "version_id", "region", "no_check",
    ])]
    pub bulk: Option<PathBuf>,
    /// Allowed domains, comma separated (`*.example.com` allowed); "" clears them.
    #[arg(long, value_name = "A,B")]
    pub domains: Option<String>,
    /// A note shown beside the secret.
    #[arg(long, value_name = "TEXT")]
    pub note: Option<String>,
    /// Store the secret disabled.
    #[arg(long)]
    pub disabled: bool,
    /// Link without fetching the value once first (nor finding the KV
    /// version of the mount: give --kv-version).
    #[arg(long)]
    pub no_check: bool,
}

#[derive(Debug, Subcommand)]
pub enum CacheCommand {
    /// Forget every fetched value (this command's own process keeps values
    /// only while it runs; the app keeps them for the cache time).
    Reset,
}

#[derive(Debug, Args)]
pub struct PublishArgs {
    /// Name of the (local) secret.
    pub name: String,
    /// The provider's name.
    #[arg(long, value_name = "NAME")]
    pub provider: String,
    /// Vault: MOUNT/PATH of the KV secret to write into (made if missing).
    #[arg(
        long,
        value_name = "MOUNT/PATH",
        requires = "key",
        conflicts_with = "secret_id"
    )]
    pub path: Option<String>,
    /// Vault: the key to write.
    #[arg(long, value_name = "KEY", requires = "path")]
    pub key: Option<String>,
    /// AWS: the secret's name or ARN (made if missing).
    #[arg(long, value_name = "NAME_OR_ARN")]
    pub secret_id: Option<String>,
    /// AWS: write this key of the secret's JSON object (its other keys kept)
    /// instead of the whole string.
    #[arg(long, value_name = "KEY", requires = "secret_id")]
    pub json_key: Option<String>,
    /// AWS: a region other than the provider's.
    #[arg(long, value_name = "REGION", requires = "secret_id")]
    pub region: Option<String>,
}
