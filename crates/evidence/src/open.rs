use std::path::{Path, PathBuf};

use crate::raw::{open_read_only, pread_full};
use crate::{EvidenceError, EwfSource, RawSource, Source, SplitRawSource};

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
}

impl ContainerKind {
    /// Lower-case name used in output and case records.
    pub fn name(self) -> &'static str {
        match self {
            ContainerKind::Raw => "raw",
            ContainerKind::SplitRaw => "split-raw",
            ContainerKind::Ewf => "ewf",
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
}

impl Evidence {
    /// Which container this is.
    pub fn kind(&self) -> ContainerKind {
        match self {
            Evidence::Raw(_) => ContainerKind::Raw,
            Evidence::SplitRaw(_) => ContainerKind::SplitRaw,
            Evidence::Ewf(_) => ContainerKind::Ewf,
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
        }
    }

    fn inner(&self) -> &dyn Source {
        match self {
            Evidence::Raw(r) => r,
            Evidence::SplitRaw(s) => s,
            Evidence::Ewf(e) => e,
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
    })
}
