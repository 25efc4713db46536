//! The case's store for the commands: wherever `exhibit_store::link` says
//! it is, or a clear error for the commands that read SQLite cases only.

use std::path::Path;

use anyhow::Context;
use exhibit_store::{CaseStore, SqliteStore};

/// Opens the store of a case, wherever it is.
pub fn open(case: &Path) -> anyhow::Result<Box<dyn CaseStore>> {
    exhibit_store::open_case_store(case).with_context(|| format!("case {}", case.display()))
}

/// The SQLite store of a case, for the commands that read only SQLite so
/// far; a PostgreSQL case gets a clear error instead of an empty store.
pub fn sqlite_only(case: &Path, command: &str) -> anyhow::Result<SqliteStore> {
    if let Some(l) = exhibit_store::link::link(case)? {
        anyhow::bail!(
            "{}: the case's rows are on PostgreSQL ({}); `exhibit {command}` reads SQLite cases only so far: `exhibit case migrate {} --to sqlite` first",
            case.display(),
            l.describe(),
            case.display()
        );
    }
    Ok(SqliteStore::open_case(case)?)
}
