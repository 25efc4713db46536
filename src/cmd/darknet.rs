//! `exhibit darknet`: darknet artefacts in a disk image or a folder (Tor
//! Browser, torrc, onion services with the address derived from their key,
//! I2P routers and tunnels, crypto wallet files), each with what it proves.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::Context;
use exhibit_darknet::{interesting, Artefact, FileRef, Recogniser};
use exhibit_evidence::Source;
use exhibit_examine::{open_fs, partitions};
use exhibit_vfs::{EntryKind, FsOptions};
use serde::Serialize;

/// Flags of `exhibit darknet`.
#[derive(clap::Args, Debug)]
pub struct DarknetArgs {
    /// A disk or partition image (raw, split raw, E01), or a folder (an extraction, a mounted copy).
    pub evidence: PathBuf,
    /// One JSON object per artefact, one a line.
    #[arg(long)]
    pub json: bool,
}

/// An artefact and where it was found.
#[derive(Serialize)]
struct Found {
    /// The partition (`image → partition 2 @ sector 2048 → ext4`) or the folder.
    location: String,
    #[serde(flatten)]
    artefact: Artefact,
}

/// Runs `exhibit darknet`.
pub fn run(args: &DarknetArgs) -> anyhow::Result<()> {
    let mut found = Vec::new();
    let mut warnings = Vec::new();
    if args.evidence.is_dir() {
        folder(&args.evidence, &mut found, &mut warnings)?;
    } else {
        image(&args.evidence, &mut found, &mut warnings)?;
    }
    for w in &warnings {
        eprintln!("warning: {w}");
    }
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    let result = (|| -> std::io::Result<()> {
        for f in &found {
            if args.json {
                serde_json::to_writer(&mut out, f)?;
                writeln!(out)?;
            } else {
                text(&mut out, f)?;
            }
        }
        out.flush()
    })();
    crate::output::ended(result)?;
    if !args.json {
        eprintln!("{} darknet artefacts", found.len());
    }
    Ok(())
}

fn image(path: &Path, found: &mut Vec<Found>, warnings: &mut Vec<String>) -> anyhow::Result<()> {
    let evidence: Arc<dyn Source> = Arc::new(
        exhibit_evidence::open(path).with_context(|| format!("opening {}", path.display()))?,
    );
    let label = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let (_, parts) = partitions(evidence, &label)?;
    for part in &parts {
        let fs = match open_fs(part, &FsOptions::default()) {
            Ok(fs) => fs,
            Err(e) => {
                warnings.push(e.to_string());
                continue;
            }
        };
        let mut rec = Recogniser::new();
        let listed = fs.list_each(&mut |e| {
            let regular = e.name_kind == EntryKind::File && e.meta_kind == EntryKind::File;
            if !regular || !interesting(&e.path) {
                return;
            }
            match fs.open(&e.inode, None) {
                Ok(data) => rec.add(&FileRef {
                    path: &e.path,
                    size: e.size,
                    data: &*data.source,
                    modified: e.times.mtime,
                    deleted: e.deleted || !e.meta_allocated,
                }),
                Err(err) => warnings.push(format!("{}: {}: {err}", part.provenance, e.path)),
            }
        });
        match listed {
            Ok(ws) => warnings.extend(
                ws.into_iter()
                    .map(|w| format!("{}: offset {}: {}", part.provenance, w.offset, w.what)),
            ),
            Err(e) => warnings.push(format!("{}: {e}", part.provenance)),
        }
        let report = rec.finish();
        warnings.extend(report.warnings);
        found.extend(report.artefacts.into_iter().map(|a| Found {
            location: part.provenance.clone(),
            artefact: a,
        }));
    }
    Ok(())
}

/// Files under `root`, depth first in name order; symbolic links are not
/// followed (a folder given as evidence is read as it is, never through
/// links out of it).
fn walk(root: &Path, rel: &str, out: &mut Vec<(String, PathBuf)>, warnings: &mut Vec<String>) {
    let dir = if rel.is_empty() {
        root.to_path_buf()
    } else {
        root.join(rel)
    };
    let mut entries: Vec<_> = match std::fs::read_dir(&dir) {
        Ok(rd) => rd.filter_map(Result::ok).collect(),
        Err(e) => {
            warnings.push(format!("{}: {e}", dir.display()));
            return;
        }
    };
    entries.sort_by_key(|e| e.file_name());
    for e in entries {
        let name = e.file_name().to_string_lossy().into_owned();
        let r = if rel.is_empty() {
            name
        } else {
            format!("{rel}/{name}")
        };
        match e.file_type() {
            Ok(t) if t.is_dir() => walk(root, &r, out, warnings),
            Ok(t) if t.is_file() => out.push((r, e.path())),
            _ => {}
        }
    }
}

fn folder(root: &Path, found: &mut Vec<Found>, warnings: &mut Vec<String>) -> anyhow::Result<()> {
    let mut files = Vec::new();
    walk(root, "", &mut files, warnings);
    let mut rec = Recogniser::new();
    for (rel, full) in files {
        if !interesting(&rel) {
            continue;
        }
        match exhibit_evidence::RawSource::open(&full) {
            Ok(src) => {
                let modified = std::fs::metadata(&full)
                    .and_then(|m| m.modified())
                    .ok()
                    .and_then(|t| jiff::Timestamp::try_from(t).ok());
                rec.add(&FileRef {
                    path: &rel,
                    size: src.len(),
                    data: &src,
                    modified,
                    deleted: false,
                });
            }
            Err(e) => warnings.push(format!("{}: {e}", full.display())),
        }
    }
    let report = rec.finish();
    warnings.extend(report.warnings);
    found.extend(report.artefacts.into_iter().map(|a| Found {
        location: root.display().to_string(),
        artefact: a,
    }));
    Ok(())
}

fn text(out: &mut impl Write, f: &Found) -> std::io::Result<()> {
    let a = &f.artefact;
    writeln!(out, "{}: {}", a.kind.label(), a.path)?;
    writeln!(out, "  in: {}", f.location)?;
    if let Some(addr) = &a.address {
        writeln!(out, "  address: {addr}")?;
    }
    writeln!(out, "  proves: {}", a.proves)?;
    for (k, v) in &a.detail {
        writeln!(out, "  {k}: {v}")?;
    }
    for s in &a.settings {
        writeln!(out, "  line {}: {} {}", s.line, s.key, s.value)?;
    }
    for c in &a.concerns {
        writeln!(out, "  concern: {c}")?;
    }
    for p in &a.files {
        writeln!(out, "  file: {p}")?;
    }
    writeln!(out)
}
