//! Building a package from a case.

use std::collections::BTreeMap;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};

use ed25519_dalek::Signer as _;
use exhibit_case::{Case, CUSTODY_CHECKPOINTS, CUSTODY_LOG};
use exhibit_custody::{fingerprint, read_checkpoints, SigningKey};
use exhibit_export::{ExportOptions, Format};
use sha2::{Digest, Sha256};

use crate::tar::{check_name, TarWriter};
use crate::{
    sha256_hex, CaseRef, CheckpointRef, FileEntry, Manifest, PackageError, SignatureFile, FORMAT,
    MANIFEST, SIGNATURE,
};

/// What to package and as whom.
pub struct BuildOptions<'a> {
    /// The examiner's signing key.
    pub key: &'a SigningKey,
    /// Who packages (named in the manifest).
    pub packaged_by: String,
    /// When (the caller's clock, so tests are reproducible).
    pub created: jiff::Timestamp,
    /// Tool name and version.
    pub tool: String,
    /// Folders of extracted files to include under `files/<folder name>/`.
    pub with_files: Vec<PathBuf>,
    /// Lead cap of the CASE export.
    pub max_findings: usize,
}

/// What [`build`] wrote.
#[derive(Debug, Clone)]
pub struct Built {
    /// The manifest.
    pub manifest: Manifest,
    /// SHA-256 of the manifest bytes.
    pub manifest_sha256: String,
    /// The signature file.
    pub signature: SignatureFile,
    /// Size of the archive written.
    pub archive_size: u64,
    /// SHA-256 of the archive written.
    pub archive_sha256: String,
}

/// Where a member's bytes come from.
enum Content {
    Bytes(Vec<u8>),
    File(PathBuf),
}

struct Planned {
    content: Content,
    size: u64,
    sha256: String,
}

/// Counts and hashes what passes through, so the custody entry can name
/// the archive's SHA-256 without reading it again.
struct HashingWriter<'a> {
    inner: &'a mut dyn Write,
    hasher: Sha256,
    size: u64,
}

impl Write for HashingWriter<'_> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let n = self.inner.write(buf)?;
        self.hasher.update(&buf[..n]);
        self.size += n as u64;
        Ok(n)
    }
    fn flush(&mut self) -> std::io::Result<()> {
        self.inner.flush()
    }
}

fn read(path: &Path) -> Result<Vec<u8>, PackageError> {
    std::fs::read(path).map_err(|source| PackageError::Read {
        path: path.to_path_buf(),
        source,
    })
}

fn list_dir(dir: &Path) -> Result<Vec<(String, PathBuf)>, PackageError> {
    let mut out = Vec::new();
    let entries = match std::fs::read_dir(dir) {
        Ok(e) => e,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(out),
        Err(source) => {
            return Err(PackageError::Read {
                path: dir.to_path_buf(),
                source,
            })
        }
    };
    for entry in entries {
        let entry = entry.map_err(|source| PackageError::Read {
            path: dir.to_path_buf(),
            source,
        })?;
        let path = entry.path();
        let is_file = std::fs::symlink_metadata(&path)
            .map(|m| m.file_type().is_file())
            .unwrap_or(false);
        if let (true, Some(name)) = (is_file, entry.file_name().to_str()) {
            out.push((name.to_string(), path));
        }
    }
    out.sort();
    Ok(out)
}

/// Builds the package of `case` into `out`: reads the case (never its
/// evidence), renders the CASE export, lists every member with its size
/// and SHA-256, signs the manifest and writes the archive. Extracted files
/// are hashed when listed and again when written; a difference fails.
pub fn build(
    case: &Case,
    opts: &BuildOptions<'_>,
    out: &mut dyn Write,
) -> Result<Built, PackageError> {
    let dir = case.dir();
    let mut plan: BTreeMap<String, Planned> = BTreeMap::new();
    let mut add = |name: String, planned: Planned| -> Result<(), PackageError> {
        check_name(&name)?;
        if name == MANIFEST || name == SIGNATURE {
            return Err(PackageError::Duplicate(name));
        }
        if plan.insert(name.clone(), planned).is_some() {
            return Err(PackageError::Duplicate(name));
        }
        Ok(())
    };
    let bytes = |b: Vec<u8>| Planned {
        size: b.len() as u64,
        sha256: sha256_hex(&b),
        content: Content::Bytes(b),
    };

    // The custody log and its checkpoints, read once: what is signed is
    // what was read, even if the log grows meanwhile.
    let cp_path = case.checkpoints_path();
    let checkpoints = if cp_path.exists() {
        read_checkpoints(&cp_path)?
    } else {
        Vec::new()
    };
    let cp_bytes = read(&cp_path).map_err(|e| match &e {
        PackageError::Read { source, .. } if source.kind() == std::io::ErrorKind::NotFound => {
            PackageError::NoCheckpoint
        }
        _ => e,
    })?;
    let latest = checkpoints.last().ok_or(PackageError::NoCheckpoint)?;
    let key_fp = exhibit_custody::verifying_key_from_hex(&latest.public_key)
        .map(|k| fingerprint(&k))
        .unwrap_or_else(|_| "invalid key".into());
    let checkpoint = CheckpointRef {
        tree_size: latest.tree_size,
        root_hash: latest.root_hash.clone(),
        examiner: latest.examiner.clone(),
        time: exhibit_custody::format_time(&latest.time),
        key_fingerprint: key_fp,
    };
    let log_bytes = read(&case.custody_log_path())?;
    // Never sign what the receiver could not verify: a log being written
    // meanwhile (a partial last line) or already damaged is refused here.
    let (report, _) = crate::verify::custody(&log_bytes, &cp_bytes, &[])?;
    if let Some(p) = report.first_problem() {
        return Err(PackageError::CustodyFails(p.message.clone()));
    }
    add("case.json".into(), bytes(read(&dir.join("case.json"))?))?;
    add(CUSTODY_LOG.to_string(), bytes(log_bytes))?;
    add(CUSTODY_CHECKPOINTS.to_string(), bytes(cp_bytes))?;
    for (name, path) in list_dir(&dir.join("evidence"))? {
        if name.ends_with(".json") {
            add(format!("evidence/{name}"), bytes(read(&path)?))?;
        }
    }
    for (name, path) in list_dir(dir)? {
        if name.starts_with("report") && name.ends_with(".html") {
            add(format!("report/{name}"), bytes(read(&path)?))?;
        }
    }

    let export_opts = ExportOptions {
        max_findings: opts.max_findings,
        tool_version: env!("CARGO_PKG_VERSION").to_string(),
        examiner: Some(opts.packaged_by.clone()),
    };
    let snap = exhibit_export::load(case, &export_opts)?;
    let export = exhibit_export::render(&snap, Format::Case, &export_opts)?;
    add("export/case.jsonld".into(), bytes(export))?;

    for folder in &opts.with_files {
        let label = folder
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or("files")
            .to_string();
        let listing = exhibit_case::folder::walk(folder)?;
        for e in listing.entries {
            add(
                format!("files/{label}/{}", e.relative),
                Planned {
                    content: Content::File(e.path),
                    size: e.size,
                    sha256: e.sha256,
                },
            )?;
        }
    }

    let info = case.info();
    let manifest = Manifest {
        format: FORMAT.to_string(),
        case: CaseRef {
            name: info.name.clone(),
            number: info.number.clone(),
            examiner: info.examiner.clone(),
        },
        packaged_by: opts.packaged_by.clone(),
        created: exhibit_custody::format_time(&opts.created),
        tool: opts.tool.clone(),
        checkpoint,
        files: plan
            .iter()
            .map(|(path, p)| FileEntry {
                path: path.clone(),
                size: p.size,
                sha256: p.sha256.clone(),
            })
            .collect(),
    };
    let mut manifest_bytes = serde_json::to_vec_pretty(&manifest)?;
    manifest_bytes.push(b'\n');
    let signature = SignatureFile {
        algorithm: "ed25519".into(),
        public_key: hex::encode(opts.key.verifying_key().as_bytes()),
        fingerprint: fingerprint(&opts.key.verifying_key()),
        manifest_sha256: sha256_hex(&manifest_bytes),
        signature: hex::encode(opts.key.sign(&manifest_bytes).to_bytes()),
    };
    let sig_bytes = signature.to_bytes()?;

    let mut sink = HashingWriter {
        inner: out,
        hasher: Sha256::new(),
        size: 0,
    };
    let mut tar = TarWriter::new(&mut sink);
    tar.append(
        MANIFEST,
        manifest_bytes.len() as u64,
        &mut &manifest_bytes[..],
    )?;
    tar.append(SIGNATURE, sig_bytes.len() as u64, &mut &sig_bytes[..])?;
    for (name, p) in &plan {
        let written = match &p.content {
            Content::Bytes(b) => tar.append(name, p.size, &mut &b[..])?,
            Content::File(path) => {
                let mut f = std::fs::File::open(path).map_err(|source| PackageError::Read {
                    path: path.clone(),
                    source,
                })?;
                tar.append(name, p.size, &mut f as &mut dyn Read)?
            }
        };
        if written != p.sha256 {
            return Err(PackageError::Changed { name: name.clone() });
        }
    }
    tar.finish()?;
    Ok(Built {
        manifest_sha256: signature.manifest_sha256.clone(),
        manifest,
        signature,
        archive_size: sink.size,
        archive_sha256: hex::encode(sink.hasher.finalize()),
    })
}
