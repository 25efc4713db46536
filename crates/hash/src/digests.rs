//! The finished digests of one input, and the text formats they are shown in.

use std::collections::BTreeMap;
use std::fmt;

use serde::ser::SerializeMap;

use crate::Algorithm;

/// The digests of one input, one per selected [`Algorithm`], kept in the
/// fixed algorithm order (md5, sha1, sha256, blake3).
///
/// Serialises (serde) as a map from algorithm name to lowercase hex, in that
/// order: `{"md5":"…","sha1":"…","sha256":"…"}`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct Digests {
    map: BTreeMap<Algorithm, Vec<u8>>,
}

impl Digests {
    /// An empty set of digests.
    pub fn new() -> Self {
        Self::default()
    }

    /// Records `bytes` as the digest for `alg`, replacing any earlier value.
    ///
    /// Returns an error (and records nothing) when the length does not match
    /// [`Algorithm::digest_len`].
    pub fn insert(&mut self, alg: Algorithm, bytes: Vec<u8>) -> Result<(), DigestLengthError> {
        if bytes.len() != alg.digest_len() {
            return Err(DigestLengthError {
                algorithm: alg,
                len: bytes.len(),
            });
        }
        self.map.insert(alg, bytes);
        Ok(())
    }

    /// Records a digest whose length is known to be right (from a hasher).
    pub(crate) fn insert_trusted(&mut self, alg: Algorithm, bytes: Vec<u8>) {
        self.map.insert(alg, bytes);
    }

    /// The raw digest for `alg`, if it was computed.
    pub fn get(&self, alg: Algorithm) -> Option<&[u8]> {
        self.map.get(&alg).map(Vec::as_slice)
    }

    /// The lowercase hex digest for `alg`, if it was computed.
    pub fn hex(&self, alg: Algorithm) -> Option<String> {
        self.get(alg).map(hex::encode)
    }

    /// The algorithms present, in the fixed order.
    pub fn algorithms(&self) -> impl Iterator<Item = Algorithm> + '_ {
        self.map.keys().copied()
    }

    /// `(algorithm, raw digest)` pairs in the fixed order.
    pub fn iter(&self) -> impl Iterator<Item = (Algorithm, &[u8])> + '_ {
        self.map.iter().map(|(a, d)| (*a, d.as_slice()))
    }

    /// Number of digests held.
    pub fn len(&self) -> usize {
        self.map.len()
    }

    /// Whether no digest is held.
    pub fn is_empty(&self) -> bool {
        self.map.is_empty()
    }

    /// Algorithm → lowercase hex, in the fixed order. ([`Algorithm`]
    /// serialises as its name, so this map serialises like `Digests`.)
    pub fn to_hex_map(&self) -> BTreeMap<Algorithm, String> {
        self.map.iter().map(|(a, d)| (*a, hex::encode(d))).collect()
    }
}

/// A digest of the wrong length was given to [`Digests::insert`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("a {algorithm} digest is {} bytes, got {len}", algorithm.digest_len())]
pub struct DigestLengthError {
    /// The algorithm the digest was meant for.
    pub algorithm: Algorithm,
    /// The length that was given.
    pub len: usize,
}

impl fmt::Display for Digests {
    /// One `name:hex` per line, in the fixed order.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, (alg, d)) in self.map.iter().enumerate() {
            if i > 0 {
                f.write_str("\n")?;
            }
            write!(f, "{}:{}", alg, hex::encode(d))?;
        }
        Ok(())
    }
}

impl serde::Serialize for Digests {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut m = serializer.serialize_map(Some(self.map.len()))?;
        for (alg, d) in &self.map {
            m.serialize_entry(alg.name(), &hex::encode(d))?;
        }
        m.end()
    }
}

impl<'de> serde::Deserialize<'de> for Digests {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        use serde::de::Error;
        let raw = BTreeMap::<Algorithm, String>::deserialize(deserializer)?;
        let mut out = Digests::new();
        for (alg, h) in raw {
            let bytes = hex::decode(&h).map_err(D::Error::custom)?;
            out.insert(alg, bytes).map_err(D::Error::custom)?;
        }
        Ok(out)
    }
}

/// One line in the `md5sum`/`sha1sum`/`sha256sum` format: `"{hex}  {path}"`
/// (two spaces, text mode), without a trailing newline.
///
/// Like coreutils, a path containing a newline or backslash is escaped
/// (`\n`, `\\`) and the line is prefixed with a backslash, so that the output
/// can still be checked with `md5sum -c`.
pub fn sum_line(hex: &str, path: &str) -> String {
    if path.contains(['\n', '\\', '\r']) {
        let escaped = path
            .replace('\\', "\\\\")
            .replace('\n', "\\n")
            .replace('\r', "\\r");
        format!("\\{hex}  {escaped}")
    } else {
        format!("{hex}  {path}")
    }
}
