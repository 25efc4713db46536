//! Scan settings ([`ScanConfig`]) and counters ([`Stats`]).

use std::collections::BTreeMap;

use serde::Serialize;

use crate::Kind;

/// How a scan runs. `Default` gives every kind, all cores, 16 MiB chunks.
#[derive(Debug, Clone)]
pub struct ScanConfig {
    /// The kinds to report (default: all). Decoders always run, whatever
    /// the kinds, since any kind may hide in a compressed object.
    pub kinds: Vec<Kind>,
    /// Worker threads for [`crate::scan_source`] (0 = available parallelism).
    pub threads: usize,
    /// Bytes per chunk (each worker holds one chunk plus margins).
    pub chunk: usize,
    /// Overlap read after each chunk (and, up to [`LEFT_MARGIN`] bytes,
    /// before it) so that features crossing a chunk boundary are seen
    /// whole. Must exceed the longest feature (URLs are cut at 2 KiB); values
    /// below 4 KiB are raised to 4 KiB.
    pub margin: usize,
    /// Maximum nesting of decoded objects (gzip in zip in base64 …); 0
    /// disables decoding. Capped at 32.
    pub max_depth: usize,
    /// Maximum bytes decoded from one object; a bigger object is cut off and
    /// noted.
    pub max_decoded: u64,
    /// Maximum decoded/encoded size ratio for one object (bomb guard),
    /// applied once the output passes 1 MiB.
    pub max_ratio: u64,
    /// Regions (ISO 3166 alpha-2, e.g. "TH") whose national phone formats
    /// are recognised, tried in this order; a number is reported for the
    /// first region in which it is a valid number *of that region* (a parse
    /// that yields another country code does not count). National numbers
    /// are written with the trunk prefix `0…`, or, as in Singapore, which
    /// has none, as two groups of four digits (`9123 4567`, `9123-4567`).
    /// International forms (`+CC…`, `00CC…`) are recognised for every
    /// country regardless.
    pub phone_regions: Vec<String>,
}

/// Bytes read before each chunk (besides [`ScanConfig::margin`] after it),
/// so that decisions that look back (an e-mail's local part, a scheme before
/// `://`, "is this quad part of a longer dotted run") and contexts come out
/// the same whichever chunk sees the bytes.
pub const LEFT_MARGIN: usize = 4096;

/// Smallest accepted [`ScanConfig::margin`].
pub const MIN_MARGIN: usize = 4096;

/// Deepest accepted [`ScanConfig::max_depth`].
pub const MAX_DEPTH: usize = 32;

impl Default for ScanConfig {
    fn default() -> Self {
        ScanConfig {
            kinds: Kind::ALL.to_vec(),
            threads: 0,
            chunk: 16 << 20,
            margin: 4096,
            max_depth: 5,
            max_decoded: 64 << 20,
            max_ratio: 1000,
            phone_regions: ["TH", "VN", "ID", "MY", "PH", "SG", "KH", "LA", "MM"]
                .iter()
                .map(|s| s.to_string())
                .collect(),
        }
    }
}

impl ScanConfig {
    pub(crate) fn effective_threads(&self) -> usize {
        if self.threads > 0 {
            self.threads
        } else {
            std::thread::available_parallelism()
                .map(|n| n.get())
                .unwrap_or(1)
        }
    }

    pub(crate) fn effective_margin(&self) -> usize {
        self.margin.max(MIN_MARGIN)
    }

    pub(crate) fn effective_chunk(&self) -> usize {
        self.chunk.max(1)
    }

    pub(crate) fn effective_depth(&self) -> usize {
        self.max_depth.min(MAX_DEPTH)
    }
}

/// What a scan did.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Stats {
    /// Bytes of the source scanned (each byte counted once).
    pub bytes: u64,
    /// Chunks scanned.
    pub chunks: u64,
    /// Features reported to the sink.
    pub features: u64,
    /// Features per kind name.
    pub by_kind: BTreeMap<String, u64>,
    /// Objects (gzip, zlib, zip members, base64 blocks, PDF streams) decoded
    /// and rescanned.
    pub objects: u64,
    /// Bytes produced by decoding.
    pub decoded_bytes: u64,
    /// Notes sent to the sink (cut-off objects).
    pub notes: u64,
}

impl Stats {
    pub(crate) fn merge(&mut self, other: &Stats) {
        self.bytes += other.bytes;
        self.chunks += other.chunks;
        self.features += other.features;
        for (k, v) in &other.by_kind {
            *self.by_kind.entry(k.clone()).or_default() += v;
        }
        self.objects += other.objects;
        self.decoded_bytes += other.decoded_bytes;
        self.notes += other.notes;
    }
}
