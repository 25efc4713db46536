//! `exhibit triage`, `exhibit findings`, `exhibit files`: the searchable case.

use std::io::Write;
use std::path::Path;

use anyhow::Context;
use exhibit_case::Case;
use exhibit_examine::timeline::csv_field;
use exhibit_store::{CaseStore, FileFilter, SearchQuery, SqliteStore};
use exhibit_triage::{Progress, TriageOptions};

use crate::cli::{TimelineFormat, TriageArgs};

pub fn run(args: &TriageArgs) -> anyhow::Result<()> {
    let case = if args.case.join("case.json").exists() {
        Case::open(&args.case)?
    } else {
        let name = args.name.clone().unwrap_or_else(|| {
            args.case
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_else(|| "triage".into())
        });
        let number = args.number.clone().unwrap_or_else(|| "-".into());
        let examiner = crate::output::examiner(&args.examiner, None);
        Case::init(
            &args.case,
            &name,
            &number,
            &examiner,
            jiff::Timestamp::now(),
        )
        .with_context(|| format!("creating case {}", args.case.display()))?
    };
    let store = SqliteStore::open_case(case.dir())?;
    let opts = TriageOptions {
        examiner: crate::output::examiner(&args.examiner, Some(&case)),
        threads: args.threads.unwrap_or(0),
    };
    let bar = crate::progress::bytes(0, "triage", args.quiet);
    let report = |p: Progress<'_>| match p {
        Progress::Step {
            evidence,
            step,
            total,
        } => {
            bar.set_length(total);
            bar.set_position(0);
            bar.set_message(format!("{evidence} {step}"));
        }
        Progress::Bytes(n) => bar.set_position(n),
        Progress::Skipped { evidence, stage } => {
            if !args.quiet {
                bar.suspend(|| eprintln!("{evidence}: stage {stage} already done, skipped"));
            }
        }
        Progress::Warning(w) => bar.suspend(|| eprintln!("warning: {w}")),
    };
    let summary =
        exhibit_triage::triage(&case, &store, &args.evidence, &opts, &report).context("triage")?;
    bar.finish_and_clear();
    println!("case {} ({})", case.dir().display(), store.path().display());
    println!("  {:<16} {}", "evidence", summary.evidence);
    println!("  {:<16} {}", "files", summary.files);
    println!("  {:<16} {}", "deleted files", summary.deleted);
    println!("  {:<16} {}", "timeline events", summary.events);
    let total: u64 = summary.findings.values().sum();
    println!("  {:<16} {}", "findings", total);
    for (kind, n) in &summary.findings {
        println!("    {kind:<14} {n}");
    }
    if let Some((from, to)) = &summary.span {
        println!("  {:<16} {from} .. {to}", "time span");
    }
    for t in &summary.stages {
        let mbs = t.bytes as f64 / 1e6 / t.seconds.max(1e-9);
        println!(
            "  {:<16} {:.2} s ({mbs:.0} MB/s)",
            format!("{} {}", t.evidence, t.stage),
            t.seconds
        );
    }
    if summary.warnings > 0 {
        println!("  {:<16} {}", "warnings", summary.warnings);
    }
    Ok(())
}

fn open_store(case: &Path) -> anyhow::Result<SqliteStore> {
    let case = Case::open(case)?;
    Ok(SqliteStore::open_case(case.dir())?)
}

pub fn findings(
    case: &Path,
    kind: Option<&str>,
    top: Option<usize>,
    json: bool,
) -> anyhow::Result<()> {
    let store = open_store(case)?;
    let rows = store.histogram(kind, top)?;
    if json {
        return crate::output::json(&rows);
    }
    for r in rows {
        println!("{:>8}  {:<8} {}", r.count, r.kind, r.value);
    }
    Ok(())
}

pub fn files(case: &Path, deleted: bool, mime: Option<&str>, json: bool) -> anyhow::Result<()> {
    let store = open_store(case)?;
    let rows = store.files(&FileFilter {
        deleted_only: deleted,
        mime_prefix: mime.map(str::to_string),
        limit: None,
        evidence: None,
    })?;
    if json {
        return crate::output::json(&rows);
    }
    for r in rows {
        println!(
            "{}\t{}\t{}\t{}\t{}\t{}\t{}{}",
            r.evidence,
            r.key.inode,
            r.size,
            r.md5.as_deref().unwrap_or("-"),
            r.mime.as_deref().unwrap_or("-"),
            r.mtime.as_deref().unwrap_or("-"),
            r.key.path,
            if r.deleted { " (deleted)" } else { "" }
        );
    }
    Ok(())
}

/// A `--from`/`--to` bound as stored (UTC, nanoseconds), so text order is
/// time order.
fn bound(flag: &str, t: Option<&str>) -> anyhow::Result<Option<String>> {
    t.map(|t| {
        let ts = parse_time(t).with_context(|| {
            format!(
                "{flag} {t}: not a date (2021-07-22) or an RFC 3339 time (2021-07-22T14:00:00Z)"
            )
        })?;
        Ok(exhibit_triage::time_text(ts))
    })
    .transpose()
}

/// An RFC 3339 time, or a date meaning its midnight UTC.
fn parse_time(t: &str) -> Result<jiff::Timestamp, jiff::Error> {
    t.parse::<jiff::Timestamp>().or_else(|e| {
        t.parse::<jiff::civil::Date>()
            .and_then(|d| d.to_zoned(jiff::tz::TimeZone::UTC))
            .map(|z| z.timestamp())
            .map_err(|_| e)
    })
}

/// `exhibit timeline CASE`: the stored timeline of a triaged case.
pub fn timeline(
    case: &Path,
    format: TimelineFormat,
    from: Option<&str>,
    to: Option<&str>,
) -> anyhow::Result<()> {
    let (from, to) = (bound("--from", from)?, bound("--to", to)?);
    if format == TimelineFormat::Bodyfile {
        anyhow::bail!("a case timeline is written as csv or jsonl (--format csv|jsonl)");
    }
    let store = open_store(case)?;
    let rows = store.timeline(from.as_deref(), to.as_deref())?;
    let out = std::io::stdout();
    let mut out = std::io::BufWriter::new(out.lock());
    let result = (|| -> std::io::Result<()> {
        if format == TimelineFormat::Csv {
            writeln!(
                out,
                "time,macb,evidence,source,description,partition,inode,path"
            )?;
        }
        for r in &rows {
            if format == TimelineFormat::Csv {
                let (p, i, path) = match &r.file {
                    Some(k) => (k.partition.to_string(), k.inode.as_str(), k.path.as_str()),
                    None => (String::new(), "", ""),
                };
                writeln!(
                    out,
                    "{},{},{},{},{},{},{},{}",
                    r.time,
                    r.macb,
                    csv_field(&r.evidence),
                    csv_field(&r.source),
                    csv_field(&r.description),
                    p,
                    csv_field(i),
                    csv_field(path)
                )?;
            } else {
                let line = serde_json::to_string(r).map_err(std::io::Error::other)?;
                writeln!(out, "{line}")?;
            }
        }
        out.flush()
    })();
    match result {
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        other => Ok(other?),
    }
}

/// `exhibit search CASE QUERY`.
pub fn search(
    case: &Path,
    query: &str,
    kind: Option<&str>,
    limit: Option<usize>,
    json: bool,
) -> anyhow::Result<()> {
    if query.is_empty() {
        anyhow::bail!("the search text is empty");
    }
    let store = open_store(case)?;
    let hits = store.search(&SearchQuery {
        text: query.to_string(),
        kind: kind.map(str::to_string),
        limit,
    })?;
    if json {
        return crate::output::json(&hits);
    }
    for h in hits {
        let at = match (&h.time, &h.location) {
            (Some(t), _) => t.clone(),
            (_, Some(l)) => l.clone(),
            _ => "-".into(),
        };
        let file = match (&h.file, h.what.as_str()) {
            (Some(f), "finding") => format!("\t{f}"),
            _ => String::new(),
        };
        println!(
            "{}\t{}\t{}\t{}\t{}{}",
            h.what,
            h.evidence,
            h.kind.as_deref().unwrap_or("-"),
            at,
            h.text,
            file
        );
    }
    Ok(())
}

pub fn messages(case: &Path, json: bool) -> anyhow::Result<()> {
    let store = open_store(case)?;
    let rows = store.messages(None)?;
    if json {
        return crate::output::json(&rows);
    }
    let mut out = std::io::stdout().lock();
    for m in rows {
        writeln!(
            out,
            "{}\t{}\t{}\t{}\t{}\t{}",
            m.evidence,
            m.date.as_deref().unwrap_or("-"),
            m.date_zone.as_deref().unwrap_or("-"),
            m.sender.as_deref().unwrap_or("-"),
            m.subject.as_deref().unwrap_or("-"),
            m.location
        )?;
    }
    Ok(())
}
