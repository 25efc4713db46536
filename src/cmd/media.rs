//! `exhibit media` (hash pictures, match them against hash sets) and
//! `exhibit carve` (carve pictures and videos out of raw bytes).
//!
//! Nothing here shows a picture: output is hashes, paths, offsets and
//! categories.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::Context;
use exhibit_evidence::Source;
use exhibit_media::find::{find_in_image, FindOptions, Found};
use exhibit_media::{
    carve as carve_source, hash_as, CarveOptions, HashSet, MediaType, PictureHashes,
};
use serde::Serialize;

/// Subcommands of `exhibit media`.
#[derive(clap::Subcommand, Debug)]
pub enum MediaCommand {
    /// MD5, SHA-1, PDQ hash and PDQ quality of every picture and video in a file, a folder
    /// (recognised by content, whatever the name) or a disk image (files, deleted files, archive
    /// members, embedded and carved objects). One line per object, sorted by path.
    Hash(HashArgs),
    /// Match pictures against hash sets (plain MD5/SHA-1/PDQ lists, NSRL RDS CSV, Project
    /// VIC-style JSON): exact digests, and PDQ within a distance in all 8 rotations/flips. For a
    /// case folder every evidence image is searched, the result is written to
    /// `media-matches.json` in the case and the run is recorded in the custody log.
    Match(MatchArgs),
    /// Export the categorised hashes of a case's matches (`media-matches.json`) as Project
    /// VIC-style JSON for sharing with other agencies: hashes and categories only, never
    /// pictures. Recorded in the custody log.
    Export(ExportArgs),
    /// The pictures of a triaged case (files whose type by content is `image/…`) with the
    /// examiner's category (from the workbench), and the best hash-set match of `media match`
    /// (by what, distance, the list's category). Names and hashes only, never content.
    List(ListArgs),
}

/// Flags of `exhibit media list`.
#[derive(clap::Args, Debug)]
pub struct ListArgs {
    /// The case folder.
    pub case: PathBuf,
    /// One JSON object per picture, one a line.
    #[arg(long)]
    pub json: bool,
}

/// Flags of `exhibit media export`.
#[derive(clap::Args, Debug)]
pub struct ExportArgs {
    /// The case folder.
    pub case: PathBuf,
    /// The JSON file to write (must not exist).
    #[arg(long)]
    pub out: PathBuf,
    /// Examiner recorded in the custody log (default: the case's lead examiner).
    #[arg(long)]
    pub examiner: Option<String>,
}

/// Flags of `exhibit media hash`.
#[derive(clap::Args, Debug)]
pub struct HashArgs {
    /// A picture, a folder, or a disk image.
    pub path: PathBuf,
    /// JSON instead of tab-separated lines.
    #[arg(long)]
    pub json: bool,
}

/// Flags of `exhibit media match`.
#[derive(clap::Args, Debug)]
pub struct MatchArgs {
    /// A case folder, a folder of files, a picture or a disk image.
    pub target: PathBuf,
    /// Hash-set files (format recognised from the content). Repeatable.
    #[arg(long = "hashset", required = true, num_args = 1..)]
    pub hashsets: Vec<PathBuf>,
    /// Largest PDQ Hamming distance that counts as a match (Meta recommends 31).
    #[arg(long, default_value_t = 31)]
    pub distance: u32,
    /// JSON instead of tab-separated lines.
    #[arg(long)]
    pub json: bool,
    /// Examiner recorded in the custody log (default: the case's lead examiner).
    #[arg(long)]
    pub examiner: Option<String>,
}

/// Flags of `exhibit carve`.
#[derive(clap::Args, Debug)]
pub struct CarveArgs {
    /// Image (raw, split, E01) or any file to carve from. Only read.
    pub source: PathBuf,
    /// Folder for the carved files and `manifest.json`; must not exist or be empty.
    #[arg(long)]
    pub out: PathBuf,
    /// Formats to carve, comma-separated (jpeg,png,gif,bmp,webp,heic,mp4,mov,3gp,avi,mkv).
    /// Default: all.
    #[arg(long, value_delimiter = ',')]
    pub types: Vec<String>,
}

/// Runs `exhibit media`.
pub fn run(c: MediaCommand) -> anyhow::Result<()> {
    match c {
        MediaCommand::Hash(a) => hash(&a),
        MediaCommand::Match(a) => matching(&a),
        MediaCommand::Export(a) => export(&a),
        MediaCommand::List(a) => list(&a),
    }
}

/// One picture with where it was found.
#[derive(Serialize)]
struct Item {
    path: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    found: Option<Found>,
    #[serde(flatten)]
    hashes: PictureHashes,
}

fn threads() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get())
}

/// Every picture and video under `path`, hashed, sorted by path.
fn collect(path: &Path, warnings: &mut Vec<String>) -> anyhow::Result<Vec<Item>> {
    let meta = std::fs::metadata(path).with_context(|| format!("reading {}", path.display()))?;
    let mut items = Vec::new();
    if meta.is_dir() {
        let mut files = Vec::new();
        walk(path, &mut files, warnings);
        files.sort();
        let hashed = exhibit_media::par_map(
            &files,
            threads(),
            |f| -> Result<Option<PictureHashes>, String> {
                // One open per file: the head says whether it is a picture,
                // and the rest is read from the same handle.
                let mut file = std::fs::File::open(f).map_err(|e| e.to_string())?;
                let mut head = [0u8; 16];
                let n = std::io::Read::read(&mut file, &mut head).map_err(|e| e.to_string())?;
                let Some(kind) = exhibit_media::detect(&head[..n]) else {
                    return Ok(None);
                };
                let len = file.metadata().map_err(|e| e.to_string())?.len();
                if len > exhibit_media::MAX_OBJECT {
                    return Err(format!(
                        "{} larger than {} bytes, not hashed",
                        kind.name(),
                        exhibit_media::MAX_OBJECT
                    ));
                }
                // `len` is capped above; a file growing meanwhile is cut there too.
                let mut bytes = Vec::with_capacity(len as usize + 1);
                bytes.extend_from_slice(&head[..n]);
                let rest = exhibit_media::MAX_OBJECT.saturating_sub(n as u64);
                std::io::Read::read_to_end(&mut std::io::Read::take(&mut file, rest), &mut bytes)
                    .map_err(|e| e.to_string())?;
                Ok(Some(hash_as(kind, &bytes)))
            },
        );
        for (f, h) in files.iter().zip(hashed) {
            match h {
                Some(Ok(Some(hashes))) => items.push(Item {
                    path: f.display().to_string(),
                    found: None,
                    hashes,
                }),
                Some(Ok(None)) => {}
                Some(Err(e)) => warnings.push(format!("{}: {e}", f.display())),
                None => warnings.push(format!("{}: hashing failed", f.display())),
            }
        }
        return Ok(items);
    }
    let mut head = [0u8; 16];
    let n = std::fs::File::open(path)
        .and_then(|mut h| std::io::Read::read(&mut h, &mut head))
        .with_context(|| format!("reading {}", path.display()))?;
    if let Some(kind) = exhibit_media::detect(&head[..n]) {
        anyhow::ensure!(
            meta.len() <= exhibit_media::MAX_OBJECT,
            "{}: larger than {} bytes",
            path.display(),
            exhibit_media::MAX_OBJECT
        );
        let bytes = std::fs::read(path).with_context(|| format!("reading {}", path.display()))?;
        items.push(Item {
            path: path.display().to_string(),
            found: None,
            hashes: hash_as(kind, &bytes),
        });
        return Ok(items);
    }
    // A disk image.
    image_items(path, warnings)
}

fn image_items(path: &Path, warnings: &mut Vec<String>) -> anyhow::Result<Vec<Item>> {
    let evidence: Arc<dyn Source> = Arc::new(
        exhibit_evidence::open(path).with_context(|| format!("opening {}", path.display()))?,
    );
    let label = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let mut items = Vec::new();
    let ws = find_in_image(evidence, &label, &FindOptions::default(), &mut |f, data| {
        items.push(Item {
            path: format!("{}: {}", f.volume, f.path),
            found: Some(f.clone()),
            hashes: hash_as(f.kind, data),
        });
    })?;
    warnings.extend(ws);
    items.sort_by(|a, b| a.path.cmp(&b.path));
    Ok(items)
}

/// Regular files under `dir`, symbolic links not followed.
fn walk(dir: &Path, out: &mut Vec<PathBuf>, warnings: &mut Vec<String>) {
    let rd = match std::fs::read_dir(dir) {
        Ok(rd) => rd,
        Err(e) => {
            warnings.push(format!("{}: {e}", dir.display()));
            return;
        }
    };
    for e in rd.filter_map(Result::ok) {
        let Ok(t) = e.file_type() else { continue };
        if t.is_dir() {
            walk(&e.path(), out, warnings);
        } else if t.is_file() {
            out.push(e.path());
        }
    }
}

fn dash<T: ToString>(v: Option<T>) -> String {
    v.map_or_else(|| "-".to_string(), |v| v.to_string())
}

fn hash(a: &HashArgs) -> anyhow::Result<()> {
    let mut warnings = Vec::new();
    let items = collect(&a.path, &mut warnings)?;
    for w in &warnings {
        eprintln!("warning: {w}");
    }
    if a.json {
        return crate::output::json(&items);
    }
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    let result = (|| -> std::io::Result<()> {
        for i in &items {
            writeln!(
                out,
                "{}\t{}\t{}\t{}\t{}\t{}",
                i.hashes.md5,
                i.hashes.sha1,
                dash(i.hashes.pdq),
                dash(i.hashes.quality),
                i.hashes.kind.name(),
                i.path
            )?;
        }
        out.flush()
    })();
    crate::output::ended(result)
}

/// One matched picture.
#[derive(Serialize)]
struct Matched {
    path: String,
    #[serde(flatten)]
    hashes: PictureHashes,
    matches: Vec<MatchOut>,
}

#[derive(Serialize)]
struct MatchOut {
    by: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    distance: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    orientation: Option<&'static str>,
    #[serde(flatten)]
    known: exhibit_media::Known,
}

fn matching(a: &MatchArgs) -> anyhow::Result<()> {
    let mut set = HashSet::new();
    for h in &a.hashsets {
        let r = set.load(h)?;
        eprintln!(
            "{}: {} hashes ({}), {} lines skipped",
            h.display(),
            r.added,
            r.format,
            r.skipped
        );
        if r.ambiguous > 0 {
            eprintln!(
                "warning: {}: {} bare 64-digit values are looked up both as SHA-256 and as PDQ \
                 (say which with \"pdq\" or \"sha256\" in the file name or a # comment line)",
                h.display(),
                r.ambiguous
            );
        }
    }
    set.build_index();
    let case = if a.target.join("case.json").is_file() {
        Some(exhibit_case::Case::open(&a.target)?)
    } else {
        None
    };
    let mut warnings = Vec::new();
    let mut items = Vec::new();
    match &case {
        Some(c) => {
            for r in c.evidence()? {
                let mut got = if r.path.is_dir() {
                    collect(&r.path, &mut warnings)
                } else {
                    image_items(&r.path, &mut warnings)
                }
                .with_context(|| format!("evidence {}", r.id))?;
                for i in &mut got {
                    i.path = format!("{}: {}", r.id, i.path);
                }
                items.extend(got);
            }
        }
        None => items = collect(&a.target, &mut warnings)?,
    }
    for w in &warnings {
        eprintln!("warning: {w}");
    }
    let total = items.len();
    let mut matched = Vec::new();
    for i in items {
        let md5 = hex::decode(&i.hashes.md5).ok();
        let sha1 = hex::decode(&i.hashes.sha1).ok();
        let sha256 = hex::decode(&i.hashes.sha256).ok();
        let pdq = i
            .hashes
            .pdq_full
            .as_ref()
            .filter(|p| p.quality >= exhibit_media::pdq::MIN_QUALITY);
        let ms = set.lookup(
            md5.as_deref(),
            sha1.as_deref(),
            sha256.as_deref(),
            pdq,
            a.distance,
        );
        if ms.is_empty() {
            continue;
        }
        let matches = ms
            .into_iter()
            .filter_map(|m| {
                Some(MatchOut {
                    by: m.by,
                    distance: m.distance,
                    orientation: m.orientation.map(|o| o.name()),
                    known: set.entries().get(m.entry)?.clone(),
                })
            })
            .collect();
        matched.push(Matched {
            path: i.path,
            hashes: i.hashes,
            matches,
        });
    }
    if let Some(c) = &case {
        let out = c.dir().join("media-matches.json");
        let doc = serde_json::json!({
            "hashsets": a.hashsets.iter().map(|h| h.display().to_string()).collect::<Vec<_>>(),
            "distance": a.distance,
            "pictures": total,
            "matched": matched,
        });
        let bytes = serde_json::to_vec_pretty(&doc)?;
        crate::output::write_bytes(&out, &bytes)?;
        let who = crate::output::examiner(&a.examiner, Some(c));
        let mut details = BTreeMap::new();
        details.insert("tool".to_string(), "media match".to_string());
        details.insert("hashsets".to_string(), doc["hashsets"].to_string());
        details.insert("pictures".to_string(), total.to_string());
        details.insert("matched".to_string(), matched.len().to_string());
        details.insert(
            "output".to_string(),
            format!("media-matches.json sha256 {}", sha256_hex(&bytes)),
        );
        c.record_action(&who, "examined", None, details, jiff::Timestamp::now())
            .context("recording the match in the custody log")?;
        eprintln!(
            "{} of {total} pictures matched; written to {}; recorded in the custody log",
            matched.len(),
            out.display()
        );
    } else {
        eprintln!("{} of {total} pictures matched", matched.len());
    }
    if a.json {
        return crate::output::json(&matched);
    }
    let stdout = std::io::stdout();
    let mut w = std::io::BufWriter::new(stdout.lock());
    let result = (|| -> std::io::Result<()> {
        for m in &matched {
            for x in &m.matches {
                writeln!(
                    w,
                    "{}\t{}\t{}\t{}\t{}\t{}",
                    x.by,
                    dash(x.distance),
                    x.orientation.unwrap_or("-"),
                    x.known.category.as_deref().unwrap_or("-"),
                    x.known.source,
                    m.path
                )?;
            }
        }
        w.flush()
    })();
    crate::output::ended(result)
}

fn export(a: &ExportArgs) -> anyhow::Result<()> {
    let case = exhibit_case::Case::open(&a.case)?;
    let text = |v: &serde_json::Value| v.as_str().map(str::to_string);
    let mut items: Vec<_> = categorised(&case)?.into_values().collect();
    let path = case.dir().join("media-matches.json");
    let raw = match std::fs::read(&path) {
        Ok(raw) => raw,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound && !items.is_empty() => b"{}".to_vec(),
        Err(e) => {
            return Err(e).with_context(|| {
                format!(
                    "reading {} (run `exhibit media match` or categorise pictures in the workbench first)",
                    path.display()
                )
            })
        }
    };
    let doc: serde_json::Value =
        serde_json::from_slice(&raw).with_context(|| format!("reading {}", path.display()))?;
    for m in doc["matched"].as_array().into_iter().flatten() {
        // The category of the first known-bad item it matched.
        let category = m["matches"]
            .as_array()
            .into_iter()
            .flatten()
            .filter(|x| x["known_good"] != serde_json::Value::Bool(true))
            .find_map(|x| text(&x["category"]));
        let Some(category) = category else { continue };
        items.push(exhibit_media::Categorised {
            md5: text(&m["md5"]),
            sha1: text(&m["sha1"]),
            pdq: text(&m["pdq"]),
            category,
        });
    }
    let out = crate::output::out_path(&case, &a.out, false)?;
    let bytes = serde_json::to_vec_pretty(&exhibit_media::export_vic(&items))?;
    crate::output::write_bytes(&out, &bytes)?;
    let who = crate::output::examiner(&a.examiner, Some(&case));
    let mut details = BTreeMap::new();
    details.insert("tool".to_string(), "media export".to_string());
    details.insert("file".to_string(), out.display().to_string());
    details.insert("sha256".to_string(), sha256_hex(&bytes));
    details.insert("hashes".to_string(), items.len().to_string());
    case.record_action(&who, "exported", None, details, jiff::Timestamp::now())
        .context("recording the export in the custody log")?;
    eprintln!(
        "{} categorised hashes exported to {}; recorded in the custody log",
        items.len(),
        out.display()
    );
    Ok(())
}

/// Pictures an examiner categorised in the workbench, from the custody
/// log: the latest category of each file (by file row id).
fn categorised(
    case: &exhibit_case::Case,
) -> anyhow::Result<BTreeMap<i64, exhibit_media::Categorised>> {
    let entries = exhibit_custody::CustodyLog::open(case.custody_log_path())?.entries()?;
    Ok(exhibit_media::hashset::examiner_categories(&entries)
        .into_iter()
        .map(|(id, c)| (id, c.item))
        .collect())
}

/// One picture of `exhibit media list`.
#[derive(Serialize)]
struct Listed {
    file_id: i64,
    evidence: String,
    path: String,
    deleted: bool,
    mime: String,
    md5: String,
    /// The examiner's category (workbench), if any.
    category: Option<String>,
    /// The closest hash-set match of `media match`, if any.
    matched: Option<serde_json::Value>,
}

fn list(a: &ListArgs) -> anyhow::Result<()> {
    let case = exhibit_case::Case::open(&a.case)?;
    let store = crate::store::open(case.dir())?;
    let cats = categorised(&case)?;
    // The best match (exact digests first, then the smallest PDQ distance)
    // of each MD5 `media match` saw.
    let mut best: BTreeMap<String, serde_json::Value> = BTreeMap::new();
    if let Ok(raw) = std::fs::read(case.dir().join("media-matches.json")) {
        let doc: serde_json::Value =
            serde_json::from_slice(&raw).context("reading media-matches.json")?;
        for m in doc["matched"].as_array().into_iter().flatten() {
            let Some(md5) = m["md5"].as_str() else {
                continue;
            };
            let rank = |x: &serde_json::Value| x["distance"].as_u64().unwrap_or(0);
            if let Some(x) = m["matches"]
                .as_array()
                .into_iter()
                .flatten()
                .min_by_key(|x| rank(x))
            {
                let keep = best.get(md5).is_none_or(|b| rank(x) < rank(b));
                if keep {
                    best.insert(md5.to_string(), x.clone());
                }
            }
        }
    }
    let rows = exhibit_store::CaseStore::files(
        &*store,
        &exhibit_store::FileFilter {
            mime_prefix: Some("image/".into()),
            ..Default::default()
        },
    )?;
    let listed: Vec<Listed> = rows
        .into_iter()
        .map(|f| {
            let md5 = f.md5.clone().unwrap_or_default();
            Listed {
                category: cats.get(&f.id).map(|c| c.category.clone()),
                matched: best.get(&md5).cloned(),
                file_id: f.id,
                evidence: f.evidence,
                path: f.key.path,
                deleted: f.deleted,
                mime: f.mime.unwrap_or_default(),
                md5,
            }
        })
        .collect();
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    let result = (|| -> std::io::Result<()> {
        for l in &listed {
            if a.json {
                serde_json::to_writer(&mut out, l)?;
                writeln!(out)?;
            } else {
                let m = l.matched.as_ref().map(|m| {
                    format!(
                        "{} {}{}",
                        m["by"].as_str().unwrap_or("?"),
                        m["distance"]
                            .as_u64()
                            .map(|d| format!("d={d} "))
                            .unwrap_or_default(),
                        m["category"]
                            .as_str()
                            .map(|c| format!("cat {c}"))
                            .unwrap_or_default()
                    )
                });
                writeln!(
                    out,
                    "{}\t{}\t{}\t{}\t{}\t{}\t{}",
                    l.file_id,
                    l.evidence,
                    l.md5,
                    l.category.as_deref().unwrap_or("-"),
                    m.as_deref().unwrap_or("-"),
                    l.mime,
                    if l.deleted {
                        format!("{} (deleted)", l.path)
                    } else {
                        l.path.clone()
                    }
                )?;
            }
        }
        out.flush()
    })();
    crate::output::ended(result)
}

fn sha256_hex(bytes: &[u8]) -> String {
    exhibit_hash::hash_bytes(bytes, &[exhibit_hash::Algorithm::Sha256])
        .hex(exhibit_hash::Algorithm::Sha256)
        .unwrap_or_default()
}

/// One entry of the carving manifest.
#[derive(Serialize)]
struct Manifested {
    file: String,
    offset: u64,
    length: u64,
    #[serde(rename = "type")]
    kind: MediaType,
    #[serde(skip_serializing_if = "Option::is_none")]
    inside: Option<u64>,
    md5: String,
    sha1: String,
}

/// Runs `exhibit carve`.
pub fn carve(a: &CarveArgs) -> anyhow::Result<()> {
    let types = if a.types.is_empty() {
        CarveOptions::default().types
    } else {
        a.types
            .iter()
            .map(|t| {
                MediaType::from_name(t).with_context(|| format!("--types: unknown type {t:?}"))
            })
            .collect::<anyhow::Result<Vec<_>>>()?
    };
    if a.out.exists() {
        let empty = std::fs::read_dir(&a.out)
            .with_context(|| format!("{}: not a folder", a.out.display()))?
            .next()
            .is_none();
        anyhow::ensure!(empty, "{}: exists and is not empty", a.out.display());
    }
    let src_abs = std::path::absolute(&a.source).unwrap_or_else(|_| a.source.clone());
    let out_abs = std::path::absolute(&a.out).unwrap_or_else(|_| a.out.clone());
    anyhow::ensure!(
        !out_abs.starts_with(&src_abs) && src_abs != out_abs,
        "--out must not be the source"
    );
    let src = exhibit_evidence::open(&a.source)
        .with_context(|| format!("opening {}", a.source.display()))?;
    let opts = CarveOptions {
        types,
        ..CarveOptions::default()
    };
    let found = carve_source(&src, &opts)?;
    std::fs::create_dir_all(&a.out).with_context(|| format!("creating {}", a.out.display()))?;
    let mut manifest = Vec::new();
    for c in &found {
        let mut buf = vec![0u8; c.length as usize];
        let n = src.read_at(c.offset, &mut buf)?;
        buf.truncate(n);
        let name = format!("{:012}.{}", c.offset, c.kind.name());
        crate::output::write_bytes(&a.out.join(&name), &buf)?;
        let d = exhibit_hash::hash_bytes(
            &buf,
            &[exhibit_hash::Algorithm::Md5, exhibit_hash::Algorithm::Sha1],
        );
        manifest.push(Manifested {
            file: name,
            offset: c.offset,
            length: buf.len() as u64,
            kind: c.kind,
            inside: c.inside,
            md5: d.hex(exhibit_hash::Algorithm::Md5).unwrap_or_default(),
            sha1: d.hex(exhibit_hash::Algorithm::Sha1).unwrap_or_default(),
        });
    }
    let doc = serde_json::json!({
        "source": a.source.display().to_string(),
        "source_length": src.len(),
        "types": opts.types.iter().map(|t| t.name()).collect::<Vec<_>>(),
        "carved": manifest,
    });
    crate::output::write_bytes(
        &a.out.join("manifest.json"),
        &serde_json::to_vec_pretty(&doc)?,
    )?;
    eprintln!("{} objects carved to {}", found.len(), a.out.display());
    Ok(())
}
