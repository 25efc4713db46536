//! Ed25519 examiner keys: generation, key files, fingerprints.
//!
//! Key files are one line of lowercase hex and a `\n`: the secret file holds
//! the 32-byte Ed25519 seed (mode 0600), the public file the 32-byte public
//! key.

use std::fs::OpenOptions;
use std::io::Write;
use std::path::Path;

pub use ed25519_dalek::{SigningKey, VerifyingKey};
use sha2::{Digest, Sha256};
use zeroize::Zeroize;

use crate::error::{CustodyError, Result};

/// Generates a key pair from a fresh 32-byte seed (OS random source) and
/// writes `secret_path` (seed hex, mode 0600) and `public_path` (public key
/// hex). Both files are created with `create_new`: an existing key is never
/// overwritten ([`CustodyError::Exists`]).
pub fn generate_key(secret_path: &Path, public_path: &Path) -> Result<SigningKey> {
    for p in [secret_path, public_path] {
        if p.exists() {
            return Err(CustodyError::Exists { path: p.into() });
        }
    }
    let mut seed = [0u8; 32];
    getrandom::fill(&mut seed).map_err(|e| CustodyError::Key {
        path: secret_path.into(),
        what: format!("no random seed from the operating system: {e}"),
    })?;
    let key = SigningKey::from_bytes(&seed);
    let mut secret_hex = format!("{}\n", hex::encode(seed));
    seed.zeroize();
    let written = write_new(secret_path, secret_hex.as_bytes(), true);
    secret_hex.zeroize();
    written?;
    let public_hex = format!("{}\n", hex::encode(key.verifying_key().to_bytes()));
    if let Err(e) = write_new(public_path, public_hex.as_bytes(), false) {
        // The secret we just created has no public half: remove it.
        let _ = std::fs::remove_file(secret_path);
        return Err(e);
    }
    Ok(key)
}

fn write_new(path: &Path, bytes: &[u8], secret: bool) -> Result<()> {
    let mut opts = OpenOptions::new();
    opts.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        opts.mode(if secret { 0o600 } else { 0o644 });
    }
    #[cfg(not(unix))]
    let _ = secret;
    let mut f = opts.open(path).map_err(|e| match e.kind() {
        std::io::ErrorKind::AlreadyExists => CustodyError::Exists { path: path.into() },
        _ => CustodyError::io(path, e),
    })?;
    f.write_all(bytes)
        .and_then(|()| f.sync_all())
        .map_err(|e| CustodyError::io(path, e))?;
    crate::fsutil::sync_parent(path)
}

fn read_key_hex(path: &Path) -> Result<[u8; 32]> {
    let mut text = std::fs::read_to_string(path).map_err(|e| CustodyError::io(path, e))?;
    let parsed = parse_key_hex(text.trim_end_matches(['\n', '\r']));
    text.zeroize();
    parsed.map_err(|what| CustodyError::Key {
        path: path.into(),
        what,
    })
}

fn parse_key_hex(text: &str) -> std::result::Result<[u8; 32], String> {
    if text.len() != 64 {
        return Err(format!(
            "expected 64 hex digits, found {} characters",
            text.len()
        ));
    }
    let mut out = [0u8; 32];
    hex::decode_to_slice(text, &mut out).map_err(|e| format!("not hex: {e}"))?;
    Ok(out)
}

/// Loads a signing key from a secret key file (64 hex digits of seed).
pub fn load_signing_key(path: &Path) -> Result<SigningKey> {
    let mut seed = read_key_hex(path)?;
    let key = SigningKey::from_bytes(&seed);
    seed.zeroize();
    Ok(key)
}

/// Loads a verifying key from a public key file (64 hex digits).
pub fn load_verifying_key(path: &Path) -> Result<VerifyingKey> {
    let bytes = read_key_hex(path)?;
    VerifyingKey::from_bytes(&bytes).map_err(|e| CustodyError::Key {
        path: path.into(),
        what: format!("not a valid Ed25519 public key: {e}"),
    })
}

/// Parses a public key from its 64-digit hex form (as stored in key files
/// and checkpoints).
pub fn verifying_key_from_hex(text: &str) -> std::result::Result<VerifyingKey, String> {
    let bytes = parse_key_hex(text)?;
    VerifyingKey::from_bytes(&bytes).map_err(|e| format!("not a valid Ed25519 public key: {e}"))
}

/// A short fingerprint of a public key for humans: the first 16 hex digits
/// of SHA-256 of the 32 public key bytes.
pub fn fingerprint(key: &VerifyingKey) -> String {
    let digest = Sha256::digest(key.to_bytes());
    hex::encode(&digest[..8])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generate_load_and_never_overwrite() {
        let dir = tempfile::tempdir().unwrap();
        let (s, p) = (dir.path().join("k.secret"), dir.path().join("k.pub"));
        let key = generate_key(&s, &p).unwrap();
        let secret_text = std::fs::read_to_string(&s).unwrap();
        assert_eq!(secret_text.len(), 65);
        assert!(secret_text.ends_with('\n'));
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&s).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        assert_eq!(load_signing_key(&s).unwrap().to_bytes(), key.to_bytes());
        let vk = load_verifying_key(&p).unwrap();
        assert_eq!(vk, key.verifying_key());
        assert_eq!(fingerprint(&vk).len(), 16);

        let before = std::fs::read(&s).unwrap();
        assert!(matches!(
            generate_key(&s, &dir.path().join("other.pub")),
            Err(CustodyError::Exists { .. })
        ));
        assert!(matches!(
            generate_key(&dir.path().join("o.secret"), &p),
            Err(CustodyError::Exists { .. })
        ));
        assert!(!dir.path().join("o.secret").exists());
        assert_eq!(std::fs::read(&s).unwrap(), before);
    }

    #[test]
    fn two_keys_differ_and_bad_files_are_key_errors() {
        let dir = tempfile::tempdir().unwrap();
        let a = generate_key(&dir.path().join("a"), &dir.path().join("a.pub")).unwrap();
        let b = generate_key(&dir.path().join("b"), &dir.path().join("b.pub")).unwrap();
        assert_ne!(a.to_bytes(), b.to_bytes());
        let bad = dir.path().join("bad");
        std::fs::write(&bad, "xyz\n").unwrap();
        assert!(matches!(
            load_signing_key(&bad),
            Err(CustodyError::Key { .. })
        ));
        assert!(matches!(
            load_verifying_key(&bad),
            Err(CustodyError::Key { .. })
        ));
        std::fs::write(&bad, format!("{}\n", "g".repeat(64))).unwrap();
        assert!(matches!(
            load_verifying_key(&bad),
            Err(CustodyError::Key { .. })
        ));
        assert!(matches!(
            load_verifying_key(&dir.path().join("missing")),
            Err(CustodyError::Io { .. })
        ));
    }

    #[test]
    fn fingerprint_is_sha256_prefix() {
        let key = SigningKey::from_bytes(&[7u8; 32]).verifying_key();
        let full = hex::encode(Sha256::digest(key.to_bytes()));
        assert_eq!(fingerprint(&key), full[..16]);
    }
}
