//! Tor's onion-service key files (`hs_ed25519_public_key`,
//! `hs_ed25519_secret_key`, `hostname`): reading them, deriving the address
//! they belong to, and writing them exactly as Tor does (for tests and the
//! demo case).
//!
//! Tor stores keys with a 32-byte header, `== ed25519v1-<kind>: type0 ==`
//! padded with NUL bytes, followed by the key. The secret key is the 64-byte
//! *expanded* ed25519 key: a scalar (the clamped first half of SHA-512 of the
//! seed) and the hash prefix used for signing. The seed itself is not kept,
//! so the public key is recomputed from the scalar.

use crate::address::onion_from_pubkey;
use curve25519_dalek::edwards::EdwardsPoint;
use curve25519_dalek::scalar::Scalar;
use sha2::{Digest, Sha512};

/// Header of `hs_ed25519_public_key` (before NUL padding to 32 bytes).
pub const PUBLIC_KEY_HEADER: &[u8] = b"== ed25519v1-public: type0 ==";
/// Header of `hs_ed25519_secret_key` (before NUL padding to 32 bytes).
pub const SECRET_KEY_HEADER: &[u8] = b"== ed25519v1-secret: type0 ==";
/// Length of a header with its padding.
const HEADER_LEN: usize = 32;

/// What is wrong with a key file, in words for a report.
pub(crate) type KeyProblem = String;

/// A secret key file read back: the public key Tor would derive from it
/// and whether the scalar is clamped as Tor's key generation leaves it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct SecretKey {
    pub public: [u8; 32],
    pub clamped: bool,
}

/// Checks the 32-byte header of a key file.
fn header_ok(data: &[u8], header: &[u8]) -> bool {
    data.len() >= HEADER_LEN
        && data.starts_with(header)
        && data[header.len()..HEADER_LEN].iter().all(|&b| b == 0)
}

/// Reads `hs_ed25519_public_key`: header, then the 32-byte key.
pub(crate) fn read_public_key(data: &[u8]) -> Result<[u8; 32], KeyProblem> {
    if !header_ok(data, PUBLIC_KEY_HEADER) {
        return Err("it does not start with Tor's public-key header".into());
    }
    match data.get(HEADER_LEN..HEADER_LEN + 32) {
        Some(k) if data.len() == HEADER_LEN + 32 => {
            let mut key = [0u8; 32];
            key.copy_from_slice(k);
            Ok(key)
        }
        _ => Err(format!("it holds {} bytes where Tor writes 64", data.len())),
    }
}

/// Reads `hs_ed25519_secret_key` and derives its public key as Tor does
/// (scalar reduced mod ℓ times the base point).
pub(crate) fn read_secret_key(data: &[u8]) -> Result<SecretKey, KeyProblem> {
    if !header_ok(data, SECRET_KEY_HEADER) {
        return Err("it does not start with Tor's secret-key header".into());
    }
    match data.get(HEADER_LEN..HEADER_LEN + 32) {
        Some(s) if data.len() == HEADER_LEN + 64 => {
            let mut scalar = [0u8; 32];
            scalar.copy_from_slice(s);
            let clamped = scalar[0] & 7 == 0 && scalar[31] & 0xc0 == 0x40;
            let point = EdwardsPoint::mul_base(&Scalar::from_bytes_mod_order(scalar));
            Ok(SecretKey {
                public: point.compress().to_bytes(),
                clamped,
            })
        }
        _ => Err(format!("it holds {} bytes where Tor writes 96", data.len())),
    }
}

/// The expanded ed25519 secret key of a 32-byte seed: SHA-512 of the seed
/// with its first half clamped (RFC 8032 §5.1.5).
fn expand(seed: &[u8; 32]) -> [u8; 64] {
    let h: [u8; 64] = Sha512::digest(seed).into();
    let mut key = h;
    key[0] &= 248;
    key[31] &= 127;
    key[31] |= 64;
    key
}

/// The files of a v3 onion-service directory for the ed25519 key made from
/// `seed`, byte for byte as Tor writes them: `hostname`,
/// `hs_ed25519_public_key`, `hs_ed25519_secret_key` (names relative to the
/// service directory, sorted). Used by tests and by the demo case to plant
/// a hosted onion service.
pub fn onion_service_files(seed: [u8; 32]) -> Vec<(String, Vec<u8>)> {
    let secret = expand(&seed);
    let mut scalar = [0u8; 32];
    scalar.copy_from_slice(&secret[..32]);
    let public = EdwardsPoint::mul_base_clamped(scalar).compress().to_bytes();
    let padded = |header: &[u8], body: &[u8]| {
        let mut v = header.to_vec();
        v.resize(HEADER_LEN, 0);
        v.extend_from_slice(body);
        v
    };
    vec![
        (
            "hostname".to_string(),
            format!("{}\n", onion_from_pubkey(&public)).into_bytes(),
        ),
        (
            "hs_ed25519_public_key".to_string(),
            padded(PUBLIC_KEY_HEADER, &public),
        ),
        (
            "hs_ed25519_secret_key".to_string(),
            padded(SECRET_KEY_HEADER, &secret),
        ),
    ]
}
