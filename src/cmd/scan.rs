//! `exhibit scan`: leads anywhere in the bytes of a source.

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, BufWriter, Write};
use std::path::Path;
use std::sync::Arc;

use anyhow::Context;
use exhibit_case::Case;
use exhibit_evidence::Source;
use exhibit_examine::{Area, FileMap};
use exhibit_scan::{DirSink, Kind, ScanConfig};

use crate::cli::ScanArgs;

pub fn run(args: &ScanArgs) -> anyhow::Result<()> {
    let case = args.case.as_deref().map(Case::open).transpose()?;
    let record = match &case {
        Some(c) => Some(c.evidence_by_path(&args.source)?.ok_or_else(|| {
            anyhow::anyhow!(
                "{} is not registered in the case: `exhibit evidence add` it first",
                args.source.display()
            )
        })?),
        None => None,
    };
    let evidence: Arc<dyn Source> = Arc::new(exhibit_evidence::open(&args.source)?);
    let mut cfg = ScanConfig::default();
    if !args.scanners.is_empty() {
        cfg.kinds = args
            .scanners
            .iter()
            .map(|n| Kind::from_name(n).ok_or_else(|| anyhow::anyhow!("unknown scanner `{n}`")))
            .collect::<anyhow::Result<_>>()?;
    }
    if let Some(t) = args.threads {
        cfg.threads = t;
    }
    let sink = DirSink::create(&args.out, evidence.name())
        .with_context(|| format!("creating {}", args.out.display()))?;
    let bar = crate::progress::bytes(
        evidence.len(),
        &format!("scanning {}", args.source.display()),
        args.quiet,
    );
    let started = std::time::Instant::now();
    let stats = exhibit_scan::scan_source(&*evidence, &cfg, &sink, &|d| bar.set_position(d))
        .with_context(|| format!("scanning {}", args.source.display()))?;
    bar.finish_and_clear();
    let summary = sink.finish()?;
    let secs = started.elapsed().as_secs_f64();
    println!(
        "{}: {} bytes in {:.2} s ({:.0} MB/s), {} features",
        args.source.display(),
        evidence.len(),
        secs,
        evidence.len() as f64 / secs.max(1e-9) / 1e6,
        summary.features
    );
    for (kind, n) in &summary.by_kind {
        println!("  {kind:<8} {n}");
    }
    let _ = stats;
    let map = FileMap::build(evidence.clone(), evidence.name()).ok();
    if let Some(map) = map.filter(|m| m.file_systems() > 0) {
        for w in map.warnings() {
            eprintln!("warning: {w}");
        }
        let counts = write_file_features(&map, &args.out)?;
        println!("  {counts}");
    }
    if let (Some(case), Some(record)) = (&case, &record) {
        let mut details: BTreeMap<String, String> = summary
            .by_kind
            .iter()
            .map(|(k, n)| (format!("found_{k}"), n.to_string()))
            .collect();
        details.insert("output".into(), args.out.display().to_string());
        details.insert(
            "command".into(),
            std::env::args().skip(1).collect::<Vec<_>>().join(" "),
        );
        let who = crate::output::examiner(&args.examiner, Some(case));
        case.record_action(
            &who,
            "examined",
            Some(&record.id),
            details,
            jiff::Timestamp::now(),
        )?;
    }
    Ok(())
}

/// Where the features of one scan lie.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct AreaCounts {
    pub allocated: u64,
    pub deleted: u64,
    pub unallocated: u64,
    pub unread: u64,
    pub outside: u64,
}

impl std::fmt::Display for AreaCounts {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "in files: {} in allocated files, {} in deleted files, {} in unallocated space",
            self.allocated, self.deleted, self.unallocated
        )?;
        if self.unread > 0 {
            write!(f, ", {} in unreadable file systems", self.unread)?;
        }
        if self.outside > 0 {
            write!(f, ", {} outside partitions", self.outside)?;
        }
        write!(f, " (features-files.jsonl)")
    }
}

/// The `offset` of a features.jsonl line; the rest is copied as is.
#[derive(serde::Deserialize)]
struct Offset {
    offset: u64,
}

/// What `features-files.jsonl` adds to a feature.
#[derive(serde::Serialize)]
struct Extra<'a> {
    file: Option<FileJson<'a>>,
    area: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    partition: Option<usize>,
}

#[derive(serde::Serialize)]
struct FileJson<'a> {
    partition: usize,
    path: &'a str,
    inode: &'a str,
    deleted: bool,
    recovery: exhibit_vfs::Recovery,
    offset_in_file: u64,
}

/// Writes `dir/features-files.jsonl`: every line of `dir/features.jsonl`
/// with the file (or area) its offset lies in.
pub fn write_file_features(map: &FileMap, dir: &Path) -> anyhow::Result<AreaCounts> {
    let input = dir.join("features.jsonl");
    let output = dir.join("features-files.jsonl");
    let reader = BufReader::new(
        std::fs::File::open(&input).with_context(|| format!("reading {}", input.display()))?,
    );
    let mut out = BufWriter::new(
        std::fs::File::create(&output).with_context(|| format!("creating {}", output.display()))?,
    );
    let mut counts = AreaCounts::default();
    for (n, line) in reader.lines().enumerate() {
        let line = line.with_context(|| format!("reading {}", input.display()))?;
        let body = line.trim_end();
        if body.is_empty() {
            continue;
        }
        let at: Offset = serde_json::from_str(body)
            .with_context(|| format!("{} line {}", input.display(), n + 1))?;
        let object = body
            .strip_suffix('}')
            .ok_or_else(|| anyhow::anyhow!("{} line {}: not an object", input.display(), n + 1))?;
        let area = map.area(at.offset);
        let extra = match area {
            Area::File(hit) => {
                if hit.file.deleted {
                    counts.deleted += 1;
                } else {
                    counts.allocated += 1;
                }
                Extra {
                    file: Some(FileJson {
                        partition: hit.file.partition,
                        path: &hit.file.path,
                        inode: &hit.file.inode,
                        deleted: hit.file.deleted,
                        recovery: hit.file.recovery,
                        offset_in_file: hit.offset_in_file,
                    }),
                    area: area.name(),
                    partition: None,
                }
            }
            Area::Unallocated { partition } | Area::UnreadPartition { partition } => {
                if matches!(area, Area::Unallocated { .. }) {
                    counts.unallocated += 1;
                } else {
                    counts.unread += 1;
                }
                Extra {
                    file: None,
                    area: area.name(),
                    partition: Some(partition),
                }
            }
            Area::OutsidePartitions => {
                counts.outside += 1;
                Extra {
                    file: None,
                    area: area.name(),
                    partition: None,
                }
            }
        };
        let extra = serde_json::to_string(&extra)?;
        // `{"file":…}` → `,"file":…}` after the original fields
        let fields = extra.strip_prefix('{').unwrap_or(&extra);
        let sep = if object.trim_end().ends_with('{') {
            ""
        } else {
            ","
        };
        writeln!(out, "{object}{sep}{fields}")
            .with_context(|| format!("writing {}", output.display()))?;
    }
    out.flush()
        .with_context(|| format!("writing {}", output.display()))?;
    Ok(counts)
}
