//! VHD virtual disks (not yet read).

use std::path::Path;

use crate::virt::{unsupported, VirtualSource};
use crate::EvidenceError;

/// Opens a VHD image read-only.
pub(crate) fn open(path: &Path) -> Result<VirtualSource, EvidenceError> {
    Err(unsupported(path, "VHD is not read yet"))
}
