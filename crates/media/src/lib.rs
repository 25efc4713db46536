//! Pictures and videos in evidence: recognised by content, carved from raw
//! bytes, described by their EXIF metadata, and matched against hash sets of
//! known material — exact (MD5, SHA-1) and perceptual (Meta's PDQ, with all
//! eight rotations and flips) — without anyone having to look at them.
//!
//! - [`pdq`]: PDQ hashes and quality, Hamming distance, dihedral variants.
//! - [`PdqIndex`]: multi-index hashing over a million-entry PDQ list.
//! - [`HashSet`]: plain MD5/SHA-1/PDQ lists, NSRL RDS CSV, Project VIC-style
//!   JSON; [`export_vic`] writes categorised hashes back out.
//! - [`detect`] and [`carve`]: content types and structure-aware carving
//!   (JPEG segments, PNG chunks, ISO-BMFF boxes, RIFF sizes) with the byte
//!   offset of every object as provenance.
//! - [`exif`]: camera, serial, capture time with offset, GPS, software, and
//!   whether the embedded thumbnail still shows the main picture.
//! - [`picture`]: MD5, SHA-1, PDQ and quality of one object.
//! - [`find`]: every picture of a disk image — allocated, deleted, named
//!   streams, inside zip/gzip/tar, after other bytes, and carved.
//!
//! What this crate must never do:
//! - **Write to evidence** or export a picture's content as part of a hash
//!   set: exports hold hashes and categories only. Carving writes only where
//!   the caller says.
//! - **Trust sizes from the input.** Every length read from a file is checked
//!   against the bytes there and a fixed cap ([`MAX_OBJECT`],
//!   [`MAX_DECODE_ALLOC`]); decoders run with memory limits; nothing panics
//!   on hostile input.
//! - **Touch the network.** Hash sets are files the examiner imports.
//! - **Depend on iteration order** for output: results are sorted.
#![deny(missing_docs)]

pub mod carve;
pub mod detect;
pub mod exif;
pub mod find;
pub mod hashset;
pub mod index;
pub mod pdq;
pub mod picture;

pub use carve::{carve, CarveOptions, Carved};
pub use detect::{detect, MediaType};
pub use hashset::{export_vic, Categorised, HashSet, Known, Match};
pub use index::PdqIndex;
pub use pdq::{Dihedral, PdqHash, PdqResult};
pub use picture::{hash_as, hash_picture, par_map, PictureHashes};

/// Largest object carved or decoded (a picture or video segment).
pub const MAX_OBJECT: u64 = 256 << 20;
/// Most memory a picture decoder may allocate.
pub const MAX_DECODE_ALLOC: u64 = 512 << 20;

/// What can go wrong.
#[derive(Debug, thiserror::Error)]
pub enum MediaError {
    /// The picture could not be decoded.
    #[error("cannot decode picture: {0}")]
    Decode(String),
    /// A hash string is not what its list says it is.
    #[error("not a valid hash: {0:?}")]
    BadHash(String),
    /// A hash set could not be read.
    #[error("hash set {path}: {what}")]
    HashSet {
        /// The file.
        path: String,
        /// What is wrong.
        what: String,
    },
    /// Reading evidence failed.
    #[error(transparent)]
    Evidence(#[from] exhibit_evidence::EvidenceError),
    /// Opening a disk image's volumes or file systems failed.
    #[error(transparent)]
    Examine(#[from] exhibit_examine::ExamineError),
    /// Reading or writing a file failed.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: String,
        /// The error.
        source: std::io::Error,
    },
}

/// Decodes a picture with memory limits (a hostile header cannot make the
/// decoder allocate gigabytes).
pub fn decode(bytes: &[u8]) -> Result<image::DynamicImage, MediaError> {
    reader(bytes)?
        .decode()
        .map_err(|e| MediaError::Decode(e.to_string()))
}

/// A reader of `bytes` with the format guessed and [`decode`]'s limits.
fn reader(bytes: &[u8]) -> Result<image::ImageReader<std::io::Cursor<&[u8]>>, MediaError> {
    let mut reader = image::ImageReader::new(std::io::Cursor::new(bytes))
        .with_guessed_format()
        .map_err(|e| MediaError::Decode(e.to_string()))?;
    reader.limits(limits());
    Ok(reader)
}

/// The limits of [`decode`].
fn limits() -> image::Limits {
    let mut limits = image::Limits::default();
    limits.max_alloc = Some(MAX_DECODE_ALLOC);
    limits.max_image_width = Some(65_535);
    limits.max_image_height = Some(65_535);
    limits
}

/// The decoder [`decode`] would use, with the same limits and the same
/// up-front reservation of the output, for callers that decode into a
/// buffer of their own.
pub(crate) fn decoder(bytes: &[u8]) -> Result<impl image::ImageDecoder + '_, MediaError> {
    use image::ImageDecoder;
    let err = |e: image::ImageError| MediaError::Decode(e.to_string());
    let mut decoder = reader(bytes)?.into_decoder().map_err(err)?;
    let mut limits = limits();
    limits.reserve(decoder.total_bytes()).map_err(err)?;
    decoder.set_limits(limits).map_err(err)?;
    Ok(decoder)
}
