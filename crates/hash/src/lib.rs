//! # exhibit-hash
//!
//! Multi-digest hashing of evidence for Exhibit: MD5, SHA-1, SHA-256 and
//! BLAKE3 of one input computed in **one read pass**, with the algorithms
//! spread over the cores.
//!
//! * [`hash_file`] / [`hash_reader`] read the input in large blocks (retrying
//!   on `Interrupted`), report progress, and return the [`Digests`] and the
//!   byte count.
//! * [`MultiHasher`] is the engine: blocks are handed to worker threads, each
//!   owning a group of algorithms. MD5 cannot be parallelised and is the
//!   slowest, so it gets a thread of its own (and a latency-tuned
//!   implementation, see `src/md5.rs`); SHA-1 and SHA-256 (RustCrypto, SHA-NI
//!   detected at run time) and BLAKE3 (AVX2/AVX-512) share the other core. Blocks are recycled, so
//!   a long hash allocates nothing after start-up. Small inputs and single
//!   algorithms are hashed on the calling thread.
//! * [`Digests`] holds the results in the fixed order md5, sha1, sha256,
//!   blake3 and serialises as `{"md5":"…","sha1":"…","sha256":"…"}`;
//!   [`sum_line`] gives the `md5sum`/`sha256sum` line format.
//!
//! ## What this crate must never do
//!
//! * **Never open a file for writing**, create, truncate or otherwise modify
//!   evidence: [`hash_file`] opens read-only (and, on Linux, with `O_NOATIME`
//!   where permitted, so that not even the access time changes).
//! * **Never touch the network**: everything is computed locally.
//! * Never panic on any input: the hash functions cannot fail, and I/O errors
//!   are returned as [`HashError`] with the offset at which they happened.
//!
//! ```
//! use exhibit_hash::{hash_reader, Algorithm};
//!
//! let (digests, len) = hash_reader(&b"abc"[..], &Algorithm::DEFAULT, &mut |_| {}).unwrap();
//! assert_eq!(len, 3);
//! assert_eq!(
//!     digests.hex(Algorithm::Md5).unwrap(),
//!     "900150983cd24fb0d6963f7d28e17f72"
//! );
//! ```
#![deny(missing_docs)]
#![forbid(unsafe_code)]

mod algorithm;
mod digests;
mod md5;
mod multi;

use std::fs::File;
use std::io::{self, Read};
use std::path::{Path, PathBuf};

pub use algorithm::{Algorithm, ParseAlgorithmError};
pub use digests::{sum_line, DigestLengthError, Digests};
pub use multi::MultiHasher;

/// An error while hashing.
#[derive(Debug, thiserror::Error)]
pub enum HashError {
    /// The file to hash could not be opened (read-only).
    #[error("cannot open {path} for reading: {source}")]
    Open {
        /// The path that was given.
        path: PathBuf,
        /// The underlying error.
        source: io::Error,
    },
    /// Reading the input failed; `offset` bytes had been read (and hashed)
    /// before the failing read.
    #[error("read error at byte offset {offset}: {source}")]
    Io {
        /// Bytes successfully read before the error.
        offset: u64,
        /// The underlying error.
        source: io::Error,
    },
    /// A hashing worker thread died. The hash functions cannot panic, so this
    /// is never expected; it exists so that such a failure is reported
    /// rather than producing incomplete digests.
    #[error("the hashing worker for {} failed", names(.algorithms))]
    Worker {
        /// The algorithms the failed worker was computing.
        algorithms: Vec<Algorithm>,
    },
}

fn names(algs: &[Algorithm]) -> String {
    algs.iter().map(|a| a.name()).collect::<Vec<_>>().join(", ")
}

/// Hashes everything `reader` yields with each of `algs`, in one pass.
///
/// Reads in blocks of up to 1 MiB, retrying reads that fail with
/// `Interrupted`, and calls `progress` after each read with the total number
/// of bytes read so far. Returns the digests and the total byte count.
///
/// `reader` needs no buffering of its own (a plain [`File`] is best): the
/// reads go straight into the hasher's blocks.
pub fn hash_reader<R: Read>(
    mut reader: R,
    algs: &[Algorithm],
    progress: &mut dyn FnMut(u64),
) -> Result<(Digests, u64), HashError> {
    let mut hasher = MultiHasher::new(algs);
    let mut total: u64 = 0;
    loop {
        match hasher.update_with(|buf| reader.read(buf)) {
            Ok(0) => break,
            Ok(n) => {
                total += n as u64;
                progress(total);
            }
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(source) => {
                return Err(HashError::Io {
                    offset: total,
                    source,
                })
            }
        }
    }
    Ok((hasher.try_finish()?, total))
}

/// Opens `path` read-only and hashes it with [`hash_reader`].
pub fn hash_file(
    path: impl AsRef<Path>,
    algs: &[Algorithm],
    progress: &mut dyn FnMut(u64),
) -> Result<(Digests, u64), HashError> {
    let path = path.as_ref();
    let file = open_read_only(path).map_err(|source| HashError::Open {
        path: path.to_path_buf(),
        source,
    })?;
    hash_reader(file, algs, progress)
}

/// Below this, an in-memory buffer is hashed on the calling thread: handing
/// it to worker threads costs more (a 1 MiB block to set up per call) than
/// hashing it.
const SMALL_BYTES: usize = 8 << 20;

/// Hashes an in-memory buffer (on the calling thread when it is small).
pub fn hash_bytes(data: &[u8], algs: &[Algorithm]) -> Digests {
    let mut h = if data.len() < SMALL_BYTES {
        MultiHasher::on_caller(algs)
    } else {
        MultiHasher::new(algs)
    };
    h.update(data);
    h.finish()
}

/// Opens read-only; on Linux first with `O_NOATIME` (allowed only to the
/// file's owner or a privileged user), falling back to a plain read-only open.
fn open_read_only(path: &Path) -> io::Result<File> {
    #[cfg(target_os = "linux")]
    {
        use std::os::unix::fs::OpenOptionsExt;
        if let Ok(f) = std::fs::OpenOptions::new()
            .read(true)
            .custom_flags(libc::O_NOATIME)
            .open(path)
        {
            return Ok(f);
        }
    }
    std::fs::OpenOptions::new().read(true).open(path)
}

#[cfg(test)]
mod tests;
