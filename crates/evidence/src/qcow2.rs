//! QCOW2 virtual disks (not yet read).

use std::path::Path;

use crate::virt::{unsupported, VirtualSource};
use crate::EvidenceError;

/// Opens a QCOW2 image read-only.
pub(crate) fn open(path: &Path) -> Result<VirtualSource, EvidenceError> {
    Err(unsupported(path, "QCOW2 is not read yet"))
}
