//! The case's store for the commands: wherever `exhibit_store::link` says
//! it is.

use std::path::Path;

use anyhow::Context;
use exhibit_store::CaseStore;

/// Opens the store of a case, wherever it is.
pub fn open(case: &Path) -> anyhow::Result<Box<dyn CaseStore>> {
    exhibit_store::open_case_store(case).with_context(|| format!("case {}", case.display()))
}
