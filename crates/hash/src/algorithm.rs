//! The digest algorithms Exhibit computes, and the per-algorithm hashing state.

use std::fmt;
use std::str::FromStr;

use sha2::Digest as _;

use crate::md5::Md5;

/// A digest algorithm supported by Exhibit.
///
/// The derived order (`Md5 < Sha1 < Sha256 < Blake3`) is the fixed order in
/// which digests are stored, printed and serialised.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Algorithm {
    /// MD5 (RFC 1321), 16-byte digest. Broken for collision resistance but
    /// still the digest most courts and tools expect to see.
    Md5,
    /// SHA-1 (FIPS 180-4), 20-byte digest.
    Sha1,
    /// SHA-256 (FIPS 180-4), 32-byte digest.
    Sha256,
    /// BLAKE3, 32-byte (default length) digest.
    Blake3,
}

impl Algorithm {
    /// The digests computed when the user asks for none in particular.
    pub const DEFAULT: [Algorithm; 3] = [Algorithm::Md5, Algorithm::Sha1, Algorithm::Sha256];

    /// Every supported algorithm, in the fixed order.
    pub const ALL: [Algorithm; 4] = [
        Algorithm::Md5,
        Algorithm::Sha1,
        Algorithm::Sha256,
        Algorithm::Blake3,
    ];

    /// The lowercase name: `"md5"`, `"sha1"`, `"sha256"` or `"blake3"`.
    pub const fn name(self) -> &'static str {
        match self {
            Algorithm::Md5 => "md5",
            Algorithm::Sha1 => "sha1",
            Algorithm::Sha256 => "sha256",
            Algorithm::Blake3 => "blake3",
        }
    }

    /// Length of the digest in bytes.
    pub const fn digest_len(self) -> usize {
        match self {
            Algorithm::Md5 => 16,
            Algorithm::Sha1 => 20,
            Algorithm::Sha256 | Algorithm::Blake3 => 32,
        }
    }
}

impl fmt::Display for Algorithm {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// The error returned when a string names no supported [`Algorithm`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown hash algorithm {0:?} (expected one of md5, sha1, sha256, blake3)")]
pub struct ParseAlgorithmError(pub String);

impl FromStr for Algorithm {
    type Err = ParseAlgorithmError;

    /// Parses a name case-insensitively; `sha-1` and `sha-256` are accepted too.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().as_str() {
            "md5" => Ok(Algorithm::Md5),
            "sha1" | "sha-1" => Ok(Algorithm::Sha1),
            "sha256" | "sha-256" => Ok(Algorithm::Sha256),
            "blake3" => Ok(Algorithm::Blake3),
            _ => Err(ParseAlgorithmError(s.to_owned())),
        }
    }
}

impl serde::Serialize for Algorithm {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.name())
    }
}

impl<'de> serde::Deserialize<'de> for Algorithm {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let s = <std::borrow::Cow<'de, str>>::deserialize(deserializer)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

/// The running state of one algorithm.
pub(crate) enum State {
    Md5(Md5),
    Sha1(sha1::Sha1),
    Sha256(sha2::Sha256),
    Blake3(Box<blake3::Hasher>),
}

impl State {
    pub(crate) fn new(alg: Algorithm) -> Self {
        match alg {
            Algorithm::Md5 => State::Md5(Md5::new()),
            Algorithm::Sha1 => State::Sha1(sha1::Sha1::new()),
            Algorithm::Sha256 => State::Sha256(sha2::Sha256::new()),
            Algorithm::Blake3 => State::Blake3(Box::new(blake3::Hasher::new())),
        }
    }

    pub(crate) fn algorithm(&self) -> Algorithm {
        match self {
            State::Md5(_) => Algorithm::Md5,
            State::Sha1(_) => Algorithm::Sha1,
            State::Sha256(_) => Algorithm::Sha256,
            State::Blake3(_) => Algorithm::Blake3,
        }
    }

    pub(crate) fn update(&mut self, data: &[u8]) {
        match self {
            State::Md5(h) => h.update(data),
            State::Sha1(h) => h.update(data),
            State::Sha256(h) => h.update(data),
            State::Blake3(h) => {
                h.update(data);
            }
        }
    }

    pub(crate) fn finish(self) -> (Algorithm, Vec<u8>) {
        let alg = self.algorithm();
        let bytes = match self {
            State::Md5(h) => h.finalize().to_vec(),
            State::Sha1(h) => h.finalize().to_vec(),
            State::Sha256(h) => h.finalize().to_vec(),
            State::Blake3(h) => h.finalize().as_bytes().to_vec(),
        };
        (alg, bytes)
    }
}
