//! What the source is: path, size, and for a disk its model and serial.

use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::AcquireError;

/// The identity of an acquired source, as recorded in the acquisition log.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SourceIdentity {
    /// Path of the source (canonical when [`probe`](Self::probe)d).
    pub path: String,
    /// Size in bytes.
    pub size: u64,
    /// Whether the source is a block device (a disk) rather than a file.
    pub is_block_device: bool,
    /// The device model, when known.
    pub model: Option<String>,
    /// The device serial number, when known.
    pub serial: Option<String>,
}

impl SourceIdentity {
    /// Describes the file or block device at `path` without writing to it:
    /// canonical path, size (a block device is opened read-only and its end
    /// sought), whether it is a block device, and on Linux the model and
    /// serial from sysfs (best effort: left `None` when not readable).
    ///
    /// Fails only when the path cannot be examined at all.
    pub fn probe(path: &Path) -> Result<SourceIdentity, AcquireError> {
        let canonical = std::fs::canonicalize(path).map_err(|e| AcquireError::io(path, e))?;
        let meta = std::fs::metadata(&canonical).map_err(|e| AcquireError::io(&canonical, e))?;
        let is_block_device = is_block_device(&meta);
        let size = if meta.is_file() {
            meta.len()
        } else {
            device_size(&canonical)?
        };
        let (model, serial) = if is_block_device {
            sysfs_model_serial(&canonical)
        } else {
            (None, None)
        };
        Ok(SourceIdentity {
            path: canonical.display().to_string(),
            size,
            is_block_device,
            model,
            serial,
        })
    }
}

#[cfg(unix)]
fn is_block_device(meta: &std::fs::Metadata) -> bool {
    use std::os::unix::fs::FileTypeExt;
    meta.file_type().is_block_device()
}

#[cfg(not(unix))]
fn is_block_device(_meta: &std::fs::Metadata) -> bool {
    false
}

/// Size of a device: open read-only, seek to the end.
fn device_size(path: &Path) -> Result<u64, AcquireError> {
    use std::io::{Seek, SeekFrom};
    let mut f = std::fs::OpenOptions::new()
        .read(true)
        .open(path)
        .map_err(|e| AcquireError::io(path, e))?;
    f.seek(SeekFrom::End(0))
        .map_err(|e| AcquireError::io(path, e))
}

/// Model and serial of the disk holding `dev` (a disk or a partition) from
/// `/sys/class/block/<dev>/device/` or its parent disk's. Never fails.
#[cfg(target_os = "linux")]
fn sysfs_model_serial(dev: &Path) -> (Option<String>, Option<String>) {
    let Some(name) = dev.file_name() else {
        return (None, None);
    };
    let Ok(node) = std::fs::canonicalize(Path::new("/sys/class/block").join(name)) else {
        return (None, None);
    };
    // A partition's sysfs directory sits inside its disk's directory.
    let candidates = [Some(node.as_path()), node.parent()];
    for dir in candidates.into_iter().flatten() {
        let device = dir.join("device");
        if !device.is_dir() {
            continue;
        }
        let model = read_attr(&device.join("model"));
        let serial =
            read_attr(&device.join("serial")).or_else(|| read_vpd_serial(&device.join("vpd_pg80")));
        return (model, serial);
    }
    (None, None)
}

#[cfg(not(target_os = "linux"))]
fn sysfs_model_serial(_dev: &Path) -> (Option<String>, Option<String>) {
    (None, None)
}

/// A sysfs text attribute, trimmed; `None` if unreadable or blank.
#[cfg(target_os = "linux")]
fn read_attr(path: &Path) -> Option<String> {
    let raw = std::fs::read(path).ok()?;
    clean(&raw)
}

/// The unit serial number from a SCSI VPD page 0x80 (4-byte header, then
/// the serial in ASCII).
#[cfg(target_os = "linux")]
fn read_vpd_serial(path: &Path) -> Option<String> {
    let raw = std::fs::read(path).ok()?;
    let len = usize::from(*raw.get(3)?);
    clean(raw.get(4..4 + len).or_else(|| raw.get(4..))?)
}

/// Printable ASCII of `raw`, trimmed; `None` when nothing is left.
#[cfg_attr(not(target_os = "linux"), allow(dead_code))]
fn clean(raw: &[u8]) -> Option<String> {
    let s: String = raw
        .iter()
        .filter(|b| b.is_ascii_graphic() || **b == b' ')
        .map(|b| char::from(*b))
        .collect();
    let s = s.trim();
    (!s.is_empty()).then(|| s.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn probes_a_regular_file() {
        let d = tempfile::tempdir().unwrap();
        let p = d.path().join("x.bin");
        std::fs::write(&p, vec![7u8; 1234]).unwrap();
        let id = SourceIdentity::probe(&p).unwrap();
        assert_eq!(id.size, 1234);
        assert!(!id.is_block_device);
        assert_eq!(id.model, None);
        assert_eq!(id.serial, None);
        assert_eq!(
            Path::new(&id.path),
            std::fs::canonicalize(&p).unwrap().as_path()
        );
    }

    #[test]
    fn missing_path_is_an_error() {
        let d = tempfile::tempdir().unwrap();
        assert!(matches!(
            SourceIdentity::probe(&d.path().join("nope")),
            Err(AcquireError::Io { .. })
        ));
    }

    #[test]
    fn clean_trims_and_drops_control_bytes() {
        assert_eq!(clean(b"  WDC WD10\n"), Some("WDC WD10".to_string()));
        assert_eq!(clean(b" \n\0"), None);
    }
}
