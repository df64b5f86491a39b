//! The file formats Coffer reads and writes, one file each: [`coffer`]
//! (Coffer exports, encrypted and plaintext; the only format written),
//! [`postman`] environments, [`bitwarden`] JSON (plain and
//! password-protected) and [`dotenv`]. The format of an import is detected
//! from its content ([`detect`]); [`source`] reads files, folders and pasted
//! text with the hostile-input limits.
//!
//! Reading an import ([`read_import`]) never touches the vault; the vault's
//! [`crate::Vault::import_preview`] and [`crate::Vault::import_apply`] compare
//! and commit (one transaction).

mod bitwarden;
mod bruno;
mod coffer;
mod csv;
mod detect;
mod dotenv;
mod entry;
mod hoppscotch;
mod incoming;
mod insomnia;
mod kdbx;
mod names;
mod onepux;
mod postman;
mod probe;
mod source;
mod tree;
mod variables;

pub(crate) use coffer::{write_encrypted, write_plaintext, SecretOut};
pub use coffer::{KdfParams, EXPORT_VERSION, EXPORT_VERSION_LINKS, FORMAT_NAME};
pub use detect::{Credentials, IMPORT_MAX_FILE_BYTES};
pub(crate) use dotenv::write_dotenv;
pub use incoming::{FileReport, Format, ImportSet, Incoming, IncomingLink, IMPORT_MAX_ENTRIES};
pub use kdbx::KDBX_KEY_FILE_MAX_BYTES;
pub(crate) use postman::write_postman;
pub use source::{
    fuzz_import, read_env_file, read_import, read_import_with, read_key_file, ImportSource,
};
