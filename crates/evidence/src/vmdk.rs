//! VMDK virtual disks (not yet read).

use std::path::Path;

use crate::virt::{unsupported, VirtualSource};
use crate::EvidenceError;

/// Opens a VMDK image read-only.
pub(crate) fn open(path: &Path) -> Result<VirtualSource, EvidenceError> {
    Err(unsupported(path, "VMDK is not read yet"))
}
