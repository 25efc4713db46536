//! Verifying a package as the receiving agency does.

use std::collections::{BTreeMap, BTreeSet};
use std::io::Read;

use ed25519_dalek::Signature;
use exhibit_case::{CUSTODY_CHECKPOINTS, CUSTODY_LOG};
use exhibit_custody::{fingerprint, verifying_key_from_hex, VerifyReport, VerifyingKey};

use crate::tar::{read_archive, Member};
use crate::{
    sha256_hex, Manifest, PackageError, SignatureFile, FORMAT, MANIFEST, MAX_CUSTODY, SIGNATURE,
};

/// One reason a package does not verify, naming the member concerned.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Failure {
    /// The member (`MANIFEST.json`, `evidence/E1.json`, …).
    pub file: String,
    /// What is wrong with it.
    pub what: String,
}

impl std::fmt::Display for Failure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.file, self.what)
    }
}

/// The outcome of [`verify`].
#[derive(Debug, Clone)]
pub struct Verified {
    /// The manifest, when it could be read.
    pub manifest: Option<Manifest>,
    /// The signer's key fingerprint, when the signature file could be read.
    pub fingerprint: Option<String>,
    /// The signer's public key (hex), likewise.
    pub public_key: Option<String>,
    /// True when the signature verified over the manifest.
    pub signature_ok: bool,
    /// Whether the signing key is among the trusted keys (`None` when no
    /// trusted keys were given).
    pub signer_trusted: Option<bool>,
    /// Members checked against the manifest (besides the manifest and its
    /// signature).
    pub files_checked: usize,
    /// The custody log's verification, when it ran.
    pub custody: Option<VerifyReport>,
    /// Everything wrong, in the order checked: signature, manifest, members
    /// (by name), custody log.
    pub failures: Vec<Failure>,
}

impl Verified {
    /// True when nothing is wrong.
    pub fn is_ok(&self) -> bool {
        self.failures.is_empty()
    }
}

fn keep(name: &str) -> bool {
    name == MANIFEST || name == SIGNATURE || name == CUSTODY_LOG || name == CUSTODY_CHECKPOINTS
}

/// Verifies a package read from `input`.
///
/// Checks that `MANIFEST.sig` is an Ed25519 signature of `MANIFEST.json`
/// (by one of `trusted` when it is not empty), that the archive holds
/// exactly the manifest's members with their sizes and SHA-256s, and that
/// the custody log verifies against its checkpoints (trusting `trusted`
/// likewise). A package that does not verify is `Ok` with failures; an
/// archive that cannot be read at all is an error.
pub fn verify(input: &mut dyn Read, trusted: &[VerifyingKey]) -> Result<Verified, PackageError> {
    let members = read_archive(input, &keep, MAX_CUSTODY)?;
    let mut out = Verified {
        manifest: None,
        fingerprint: None,
        public_key: None,
        signature_ok: false,
        signer_trusted: None,
        files_checked: 0,
        custody: None,
        failures: Vec::new(),
    };
    let mut fail = |file: &str, what: String| {
        out.failures.push(Failure {
            file: file.to_string(),
            what,
        })
    };

    let mut by_name: BTreeMap<&str, &Member> = BTreeMap::new();
    for m in &members {
        if by_name.insert(m.name.as_str(), m).is_some() {
            fail(&m.name, "appears more than once in the archive".into());
        }
    }
    let data = |name: &str| by_name.get(name).and_then(|m| m.data.as_deref());
    let Some(manifest_bytes) = data(MANIFEST) else {
        fail(MANIFEST, "missing: this is not an Exhibit package".into());
        return Ok(out);
    };

    // The signature.
    match data(SIGNATURE) {
        None => fail(SIGNATURE, "missing: the package is not signed".into()),
        Some(raw) => match signature_file(raw) {
            Err(what) => fail(SIGNATURE, what),
            Ok((sig, key)) => {
                out.fingerprint = Some(sig.fingerprint.clone());
                out.public_key = Some(sig.public_key.clone());
                let signature = hex::decode(&sig.signature)
                    .ok()
                    .and_then(|b| <[u8; 64]>::try_from(b).ok())
                    .map(|b| Signature::from_bytes(&b));
                let good = signature.is_some_and(|s| key.verify_strict(manifest_bytes, &s).is_ok());
                let actual = sha256_hex(manifest_bytes);
                if !good {
                    if actual != sig.manifest_sha256 {
                        fail(
                            MANIFEST,
                            "altered: the signature in MANIFEST.sig does not verify and its SHA-256 differs from the one signed".into(),
                        );
                    } else {
                        fail(
                            SIGNATURE,
                            "altered: the signature does not verify over MANIFEST.json".into(),
                        );
                    }
                } else if actual != sig.manifest_sha256 {
                    fail(
                        SIGNATURE,
                        "altered: manifest_sha256 is not the manifest's SHA-256".into(),
                    );
                } else {
                    out.signature_ok = true;
                    out.signer_trusted = (!trusted.is_empty()).then(|| trusted.contains(&key));
                    if out.signer_trusted == Some(false) {
                        fail(
                            SIGNATURE,
                            format!(
                                "signed by key {}, which is not among the trusted keys",
                                sig.fingerprint
                            ),
                        );
                    }
                }
            }
        },
    }

    // The manifest.
    let manifest: Manifest = match serde_json::from_slice(manifest_bytes) {
        Ok(m) => m,
        Err(e) => {
            fail(MANIFEST, format!("not a valid manifest: {e}"));
            return Ok(out);
        }
    };
    if manifest.format != FORMAT {
        fail(
            MANIFEST,
            format!("format {:?}, expected {FORMAT:?}", manifest.format),
        );
    }

    // The members against the manifest.
    let mut listed: BTreeMap<&str, (u64, &str)> = BTreeMap::new();
    for f in &manifest.files {
        if f.path == MANIFEST
            || f.path == SIGNATURE
            || listed
                .insert(f.path.as_str(), (f.size, f.sha256.as_str()))
                .is_some()
        {
            fail(MANIFEST, format!("lists {} twice", f.path));
        }
    }
    let present: BTreeSet<&str> = by_name.keys().copied().collect();
    for (name, m) in &by_name {
        if *name == MANIFEST || *name == SIGNATURE {
            continue;
        }
        match listed.get(name) {
            None => fail(name, "in the archive but not in the manifest".into()),
            Some((size, sha)) => {
                out.files_checked += 1;
                if m.sha256 != *sha || m.size != *size {
                    fail(
                        name,
                        format!(
                            "content differs from the manifest: {} bytes, SHA-256 {} (manifest: {} bytes, {})",
                            m.size, m.sha256, size, sha
                        ),
                    );
                }
            }
        }
    }
    for name in listed.keys() {
        if !present.contains(name) {
            fail(
                name,
                "listed in the manifest but missing from the archive".into(),
            );
        }
    }

    // The custody log inside.
    if let (Some(log), Some(cps)) = (data(CUSTODY_LOG), data(CUSTODY_CHECKPOINTS)) {
        match custody(log, cps, trusted) {
            Ok((report, last)) => {
                for p in &report.problems {
                    fail(
                        CUSTODY_LOG,
                        format!("custody log does not verify: {}", p.message),
                    );
                }
                match last {
                    Some(cp)
                        if cp.tree_size == manifest.checkpoint.tree_size
                            && cp.root_hash == manifest.checkpoint.root_hash => {}
                    _ => fail(
                        CUSTODY_CHECKPOINTS,
                        "its latest checkpoint is not the one the manifest names".into(),
                    ),
                }
                out.custody = Some(report);
            }
            Err(e) => fail(CUSTODY_LOG, format!("cannot be verified: {e}")),
        }
    } else {
        fail(
            CUSTODY_LOG,
            "the package holds no custody log and checkpoints".into(),
        );
    }
    out.manifest = Some(manifest);
    Ok(out)
}

/// Parses `MANIFEST.sig`, insisting on the exact bytes Exhibit writes (so
/// any altered byte is noticed even where JSON would not care).
fn signature_file(raw: &[u8]) -> Result<(SignatureFile, VerifyingKey), String> {
    let bad = || "altered or damaged: not the signature file Exhibit writes".to_string();
    let sig: SignatureFile = serde_json::from_slice(raw).map_err(|_| bad())?;
    if sig.to_bytes().map_err(|_| bad())? != raw {
        return Err(bad());
    }
    if sig.algorithm != "ed25519" {
        return Err(format!(
            "algorithm {:?}, expected \"ed25519\"",
            sig.algorithm
        ));
    }
    let key =
        verifying_key_from_hex(&sig.public_key).map_err(|e| format!("public key unusable: {e}"))?;
    if fingerprint(&key) != sig.fingerprint {
        return Err("altered: the fingerprint is not its public key's".into());
    }
    Ok((sig, key))
}

/// Verifies custody bytes with exhibit-custody, from a private temporary
/// folder (the crate reads files).
pub(crate) fn custody(
    log: &[u8],
    checkpoints: &[u8],
    trusted: &[VerifyingKey],
) -> Result<(VerifyReport, Option<exhibit_custody::Checkpoint>), PackageError> {
    let dir = tempfile::tempdir()?;
    let log_path = dir.path().join("log.jsonl");
    let cp_path = dir.path().join("checkpoints.jsonl");
    std::fs::write(&log_path, log)?;
    std::fs::write(&cp_path, checkpoints)?;
    let report = exhibit_custody::verify(&log_path, Some(&cp_path), trusted)?;
    let last = exhibit_custody::read_checkpoints(&cp_path)
        .ok()
        .and_then(|mut v| v.pop());
    Ok((report, last))
}
