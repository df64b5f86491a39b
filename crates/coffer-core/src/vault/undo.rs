//! Undoing the last deletion, clear or import. What was removed is kept
//! sealed, exactly as stored (no value is decrypted to be kept), and goes back
//! at its old place in the write order, so shadowing is as it was; what an
//! import added is removed again, unless it changed since.

use std::fmt;

use serde::Serialize;

use super::records::Sealed;
use super::Vault;
use crate::error::{Error, Result};

/// What an [`Undo`] takes back.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum UndoKind {
    Delete,
    Clear,
    Import,
}

/// How to take back one deletion, clear or import. Holds sealed records only;
/// drop it to forget (the app does on lock).
pub struct Undo {
    kind: UndoKind,
    /// The key epoch it belongs to: after a reset or key change it cannot apply.
    epoch: Vec<u8>,
    removed: Vec<Sealed>,
    /// Records the change added: id and write order.
    added: Vec<([u8; 16], i64)>,
}

impl fmt::Debug for Undo {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Undo")
            .field("kind", &self.kind)
            .field("removed", &self.removed.len())
            .field("added", &self.added.len())
            .finish_non_exhaustive()
    }
}

impl Undo {
    pub(super) fn new(
        kind: UndoKind,
        epoch: Vec<u8>,
        removed: Vec<Sealed>,
        added: Vec<([u8; 16], i64)>,
    ) -> Self {
        Undo {
            kind,
            epoch,
            removed,
            added,
        }
    }

    /// What it takes back.
    pub fn kind(&self) -> UndoKind {
        self.kind
    }

    /// How many secrets it brings back.
    pub fn restores(&self) -> usize {
        self.removed.len()
    }
}

impl Vault {
    /// Takes back a deletion, clear or import in one transaction: what it
    /// added is deleted, what it removed is put back as it was. Refused with
    /// `stale_record`, changing nothing, when a record it added was changed
    /// since, or one it removed is back already.
    pub fn undo(&mut self, undo: &Undo) -> Result<usize> {
        let epoch = self.epoch()?;
        if epoch != undo.epoch {
            return Err(Error::UndoStale { what: "vault key" });
        }
        self.write(0, |w| {
            for (id, seq) in &undo.added {
                match w.sealed(id)? {
                    Some(row) if row.seq == *seq => w.delete(id)?,
                    _ => return Err(Error::UndoStale { what: "vault" }),
                }
            }
            for row in &undo.removed {
                if w.sealed(&row.id)?.is_some() {
                    return Err(Error::UndoStale { what: "vault" });
                }
                w.restore(row)?;
            }
            Ok(undo.removed.len())
        })
    }
}
