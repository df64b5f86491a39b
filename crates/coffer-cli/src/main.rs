//! `coffer`: the command-line face of a Coffer vault.
//!
//! Exit codes: 0 ok; 1 error; 2 usage; 3 wrong vault key or export password; 4 refused by
//! policy; 5 vault locked or key unavailable. Errors go to stderr as one
//! line starting with `error:`.

mod cli;
mod commands;
mod errors;
mod http;
mod input;
mod links;
mod mask;
mod refs;
mod status;
mod transfer;
mod unlock;

use std::process::ExitCode;

use clap::Parser;

use cli::{Cli, Command};
use commands::{Context, Failure};

fn main() -> ExitCode {
    // In every build: a debug build holds the same keys.
    coffer_core::disable_core_dumps();
    let cli = Cli::parse();
    let ctx = Context {
        vault_path: commands::vault_path(cli.vault.as_deref()),
        key_file: cli.key_file,
    };
    let outcome = match cli.command {
        Command::Init { no_keychain } => commands::init(&ctx, no_keychain),
        Command::Status { json } => status::status(&ctx, json),
        Command::Set(args) => commands::set(&ctx, args),
        Command::Get { name, no_newline } => commands::get(&ctx, &name, no_newline),
        Command::List { json } => commands::list(&ctx, json),
        Command::Rename { old, new } => commands::rename(&ctx, &old, &new),
        Command::Rm { name } => commands::remove(&ctx, &name),
        Command::Enable { name } => commands::set_enabled(&ctx, &name, true),
        Command::Disable { name } => commands::set_enabled(&ctx, &name, false),
        Command::Export(args) => transfer::export(&ctx, args),
        Command::Import(args) => transfer::import(&ctx, args),
        Command::Policy { json } => status::policy(json),
        Command::Run(args) => refs::run(&ctx, args),
        Command::Inject(args) => refs::inject(&ctx, args),
        Command::Http(args) => http::http(&ctx, args),
        Command::Verify {
            accept_changes,
            yes,
        } => commands::verify(&ctx, accept_changes, yes),
        Command::Clear { yes } => commands::clear(&ctx, yes),
        Command::Providers(command) => links::providers(&ctx, command),
        Command::Link(args) => links::link(&ctx, args),
        Command::Publish(args) => links::publish(&ctx, args),
        Command::Unlink { name } => links::unlink(&ctx, &name),
        Command::Cache(command) => links::cache(&ctx, command),
        Command::Reset { yes } => commands::reset(&ctx, yes),
    };
    match outcome {
        Ok(()) => ExitCode::SUCCESS,
        Err(Failure::Usage(message)) => {
            eprintln!("error: {message}");
            ExitCode::from(2)
        }
        Err(Failure::Exit(code)) => ExitCode::from(code),
        Err(Failure::Core(e)) => {
            eprintln!("error: {}", errors::line(&e));
            ExitCode::from(errors::exit_code(e.code()))
        }
    }
}
