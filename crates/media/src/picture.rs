//! The hashes of one picture or video: MD5 and SHA-1 of its bytes, and for
//! pictures our decoders read, PDQ and its quality.

use serde::Serialize;

use crate::detect::{detect, MediaType};
use crate::pdq::{self, PdqHash, PdqResult};

/// Hashes of one object.
#[derive(Clone, Debug, Serialize)]
pub struct PictureHashes {
    /// Format by content.
    #[serde(rename = "type")]
    pub kind: MediaType,
    /// Length in bytes.
    pub size: u64,
    /// MD5, hex.
    pub md5: String,
    /// SHA-1, hex.
    pub sha1: String,
    /// SHA-256, hex (hash lists of partner agencies are often SHA-256).
    pub sha256: String,
    /// PDQ hash, when the picture could be decoded.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pdq: Option<PdqHash>,
    /// PDQ quality (0–100; ≤ 49 is too flat to match on).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub quality: Option<u8>,
    /// Why there is no PDQ hash for a picture.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// The full PDQ result (for the eight orientations).
    #[serde(skip)]
    pub pdq_full: Option<PdqResult>,
}

impl Serialize for PdqHash {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.to_hex())
    }
}

/// Hashes `bytes` if they are a picture or video (by content); `None` otherwise.
pub fn hash_picture(bytes: &[u8]) -> Option<PictureHashes> {
    let kind = detect(bytes)?;
    Some(hash_as(kind, bytes))
}

/// Hashes `bytes` known to be of type `kind`.
pub fn hash_as(kind: MediaType, bytes: &[u8]) -> PictureHashes {
    use exhibit_hash::Algorithm;
    let d = exhibit_hash::hash_bytes(bytes, &[Algorithm::Md5, Algorithm::Sha1, Algorithm::Sha256]);
    let mut out = PictureHashes {
        kind,
        size: bytes.len() as u64,
        md5: d.hex(Algorithm::Md5).unwrap_or_default(),
        sha1: d.hex(Algorithm::Sha1).unwrap_or_default(),
        sha256: d.hex(Algorithm::Sha256).unwrap_or_default(),
        pdq: None,
        quality: None,
        error: None,
        pdq_full: None,
    };
    if kind.decodable() {
        match pdq::hash_image(bytes) {
            Ok(r) => {
                out.pdq = Some(r.hash);
                out.quality = Some(r.quality);
                out.pdq_full = Some(r);
            }
            Err(e) => out.error = Some(e.to_string()),
        }
    }
    out
}

/// Maps `f` over `items` on up to `threads` threads, results in input order
/// (so output does not depend on scheduling); `None` only for items of a
/// worker that panicked.
pub fn par_map<T: Sync, R: Send>(
    items: &[T],
    threads: usize,
    f: impl Fn(&T) -> R + Sync,
) -> Vec<Option<R>> {
    let threads = threads.clamp(1, 64).min(items.len().max(1));
    if threads == 1 {
        return items.iter().map(|x| Some(f(x))).collect();
    }
    let next = std::sync::atomic::AtomicUsize::new(0);
    let mut parts: Vec<Vec<(usize, R)>> = Vec::new();
    std::thread::scope(|s| {
        let handles: Vec<_> = (0..threads)
            .map(|_| {
                s.spawn(|| {
                    let mut mine = Vec::new();
                    loop {
                        let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                        let Some(item) = items.get(i) else { break };
                        mine.push((i, f(item)));
                    }
                    mine
                })
            })
            .collect();
        for h in handles {
            if let Ok(p) = h.join() {
                parts.push(p);
            }
        }
    });
    let mut out: Vec<Option<R>> = (0..items.len()).map(|_| None).collect();
    for (i, r) in parts.into_iter().flatten() {
        out[i] = Some(r);
    }
    out
}
