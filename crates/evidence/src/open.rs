use std::path::{Path, PathBuf};

use crate::raw::{open_read_only, pread_full};
use crate::{EvidenceError, EwfSource, RawSource, Source, SplitRawSource, VirtualSource};

/// The container formats this crate reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum ContainerKind {
    /// A single raw (dd) image or device.
    Raw,
    /// A raw image split over numbered files.
    SplitRaw,
    /// Expert Witness Format (EnCase / FTK Imager / ewfacquire `.E01`).
    Ewf,
    /// Microsoft Virtual PC / Hyper-V VHD (fixed, dynamic or differencing).
    Vhd,
    /// Microsoft Hyper-V VHDX.
    Vhdx,
    /// VMware VMDK (sparse, stream-optimized, flat; one file or split; snapshots).
    Vmdk,
    /// QEMU copy-on-write version 2 or 3 (with or without a backing file).
    Qcow2,
}

impl ContainerKind {
    /// Lower-case name used in output and case records.
    pub fn name(self) -> &'static str {
        match self {
            ContainerKind::Raw => "raw",
            ContainerKind::SplitRaw => "split-raw",
            ContainerKind::Ewf => "ewf",
            ContainerKind::Vhd => "vhd",
            ContainerKind::Vhdx => "vhdx",
            ContainerKind::Vmdk => "vmdk",
            ContainerKind::Qcow2 => "qcow2",
        }
    }

    /// Decides the container kind from the file's first bytes and name.
    pub fn detect(path: &Path) -> Result<ContainerKind, EvidenceError> {
        let file = open_read_only(path)?;
        let mut magic = [0u8; 8];
        let n = pread_full(&file, path, 0, &mut magic)?;
        if n == 8 && crate::ewf::is_ewf_signature(&magic) {
            return Ok(ContainerKind::Ewf);
        }
        if n == 8 {
            if let Some(kind) = virtual_kind(&file, path, &magic)? {
                return Ok(kind);
            }
        }
        if crate::ewf::has_ewf_extension(path) {
            // Silently reading a damaged `.E01` as raw bytes would hash and
            // examine the container, not the media.
            return Err(EvidenceError::Corrupt {
                path: path.to_path_buf(),
                offset: 0,
                what: "named as an EWF segment but has no EWF signature (truncated or not EWF); open it explicitly as raw if it is one".into(),
            });
        }
        if crate::split::looks_split(path) {
            return Ok(ContainerKind::SplitRaw);
        }
        Ok(ContainerKind::Raw)
    }
}

/// An opened evidence item of any supported container kind.
pub enum Evidence {
    /// A raw image or device.
    Raw(RawSource),
    /// A split raw image.
    SplitRaw(SplitRawSource),
    /// An EWF image.
    Ewf(EwfSource),
    /// A virtual disk (VHD, VHDX, VMDK, QCOW2).
    Virtual(VirtualSource),
}

impl Evidence {
    /// Which container this is.
    pub fn kind(&self) -> ContainerKind {
        match self {
            Evidence::Raw(_) => ContainerKind::Raw,
            Evidence::SplitRaw(_) => ContainerKind::SplitRaw,
            Evidence::Ewf(_) => ContainerKind::Ewf,
            Evidence::Virtual(v) => v.kind(),
        }
    }

    /// The EWF reader, for stored hashes and case metadata.
    pub fn ewf(&self) -> Option<&EwfSource> {
        match self {
            Evidence::Ewf(e) => Some(e),
            _ => None,
        }
    }

    /// Every file the container consists of, in order.
    pub fn files(&self) -> Vec<PathBuf> {
        match self {
            Evidence::Raw(r) => vec![r.path().to_path_buf()],
            Evidence::SplitRaw(s) => s
                .segment_paths()
                .into_iter()
                .map(Path::to_path_buf)
                .collect(),
            Evidence::Ewf(e) => e
                .segment_paths()
                .into_iter()
                .map(Path::to_path_buf)
                .collect(),
            Evidence::Virtual(v) => v.paths(),
        }
    }

    /// The virtual-disk reader, for its format's description.
    pub fn virtual_disk(&self) -> Option<&VirtualSource> {
        match self {
            Evidence::Virtual(v) => Some(v),
            _ => None,
        }
    }

    fn inner(&self) -> &dyn Source {
        match self {
            Evidence::Raw(r) => r,
            Evidence::SplitRaw(s) => s,
            Evidence::Ewf(e) => e,
            Evidence::Virtual(v) => v,
        }
    }
}

impl Source for Evidence {
    fn read_at(&self, offset: u64, buf: &mut [u8]) -> Result<usize, EvidenceError> {
        self.inner().read_at(offset, buf)
    }
    fn len(&self) -> u64 {
        self.inner().len()
    }
    fn name(&self) -> &str {
        self.inner().name()
    }
}

/// Opens evidence of any supported kind, detected from its content and name.
pub fn open(path: impl AsRef<Path>) -> Result<Evidence, EvidenceError> {
    let path = path.as_ref();
    open_as(path, ContainerKind::detect(path)?)
}

/// Opens evidence as the given kind.
pub fn open_as(path: impl AsRef<Path>, kind: ContainerKind) -> Result<Evidence, EvidenceError> {
    let path = path.as_ref();
    Ok(match kind {
        ContainerKind::Raw => Evidence::Raw(RawSource::open(path)?),
        ContainerKind::SplitRaw => Evidence::SplitRaw(SplitRawSource::open(path)?),
        ContainerKind::Ewf => Evidence::Ewf(EwfSource::open(path)?),
        kind @ (ContainerKind::Vhd
        | ContainerKind::Vhdx
        | ContainerKind::Vmdk
        | ContainerKind::Qcow2) => Evidence::Virtual(VirtualSource::open(path, kind)?),
    })
}

/// A virtual disk's kind from its signature: at the start (VHDX, QCOW2,
/// sparse VMDK, a VMDK descriptor, a dynamic VHD's footer copy) or, for a
/// fixed VHD, in the footer of its last 512 bytes.
fn virtual_kind(
    file: &std::fs::File,
    path: &Path,
    magic: &[u8; 8],
) -> Result<Option<ContainerKind>, EvidenceError> {
    if magic == b"vhdxfile" {
        return Ok(Some(ContainerKind::Vhdx));
    }
    if magic[..4] == *b"QFI\xfb" {
        return Ok(Some(ContainerKind::Qcow2));
    }
    if magic[..4] == *b"KDMV" || magic[..4] == *b"COWD" {
        return Ok(Some(ContainerKind::Vmdk));
    }
    if magic == b"conectix" {
        return Ok(Some(ContainerKind::Vhd));
    }
    if magic[0] == b'#' || magic[..4] == *b"vers" {
        // A text descriptor (monolithicFlat, twoGbMaxExtent…): small, and
        // names its extents.
        let mut head = [0u8; 512];
        let n = pread_full(file, path, 0, &mut head)?;
        let text = String::from_utf8_lossy(&head[..n]);
        if text.contains("# Disk DescriptorFile") || text.contains("createType=") {
            return Ok(Some(ContainerKind::Vmdk));
        }
    }
    let len = crate::raw::file_len(file, path)?;
    if len >= 512 {
        let mut footer = [0u8; 8];
        if pread_full(file, path, len - 512, &mut footer)? == 8 && &footer == b"conectix" {
            return Ok(Some(ContainerKind::Vhd));
        }
    }
    Ok(None)
}
