//! `exhibit triage`, `exhibit findings`, `exhibit files`: the searchable case.

use std::io::Write;
use std::path::Path;

use anyhow::Context;
use exhibit_case::Case;
use exhibit_examine::timeline::csv_field;
use exhibit_store::{CaseStore, FileFilter, SearchQuery};
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
    if let Some(url) = args.store.as_deref().filter(|u| !u.is_empty()) {
        exhibit_store::link::attach(case.dir(), url).context("--store")?;
    }
    let store = crate::store::open(case.dir())?;
    let store: &dyn CaseStore = &*store;
    let opts = TriageOptions {
        examiner: crate::output::examiner(&args.examiner, Some(&case)),
        threads: args.threads.unwrap_or(0),
        text_limit: args.text_limit,
        local_tz: args.tz.clone(),
    };
    if let Some(tz) = &args.tz {
        jiff::tz::TimeZone::get(tz).with_context(|| format!("unknown time zone `{tz}`"))?;
    }
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
    let summary = match (args.distributed, args.queue.as_deref()) {
        (true, Some(queue)) => crate::cmd::distributed::coordinate(
            &case,
            store,
            &args.evidence,
            (queue, args.scan_unit_mib),
            &opts,
            &report,
        )
        .context("distributed triage")?,
        _ => exhibit_triage::triage(&case, store, &args.evidence, &opts, &report)
            .context("triage")?,
    };
    bar.finish_and_clear();
    let started = std::time::Instant::now();
    let enricher = args.reference.enricher(&args.watchlist)?;
    let enriched = exhibit_triage::enrich::enrich_case(store, &enricher).context("enrichment")?;
    let enrich_s = started.elapsed().as_secs_f64();
    if args.json {
        let mut v = serde_json::to_value(&summary)?;
        if let Some(o) = v.as_object_mut() {
            o.insert(
                "enrichment".into(),
                serde_json::json!({"values": enriched.values, "enriched": enriched.enriched,
                    "flagged": enriched.flagged, "seconds": enrich_s}),
            );
        }
        return crate::output::json(&v);
    }
    let location = match exhibit_store::link::link(case.dir())? {
        Some(l) => l.describe(),
        None => case
            .dir()
            .join(exhibit_store::DB_FILE)
            .display()
            .to_string(),
    };
    println!("case {} ({location})", case.dir().display());
    println!("  {:<16} {}", "evidence", summary.evidence);
    println!("  {:<16} {}", "files", summary.files);
    println!("  {:<16} {}", "deleted files", summary.deleted);
    println!("  {:<16} {}", "timeline events", summary.events);
    println!("  {:<16} {}", "e-mail messages", summary.messages);
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
    println!(
        "  {:<16} {} of {} values, {} flagged",
        "enriched", enriched.enriched, enriched.values, enriched.flagged
    );
    if enriched.flagged > 0 {
        for r in store.enrichment(true)?.iter().take(20) {
            println!("    {:<14} {}: {}", r.kind, r.value, r.summary);
        }
    }
    if summary.warnings > 0 {
        println!("  {:<16} {}", "warnings", summary.warnings);
    }
    if !args.watchlist.is_empty() {
        let hits = watch_hits(store, &args.watchlist)?;
        println!("  {:<16} {}", "watchlist hits", hits.len());
        for (h, label) in &hits {
            println!(
                "    {:<14} {} ({}){}",
                h.kind,
                h.value,
                h.count,
                label
                    .as_deref()
                    .map(|l| format!(" {l}"))
                    .unwrap_or_default()
            );
        }
    }
    let c = case.dir().display();
    // The court report is written when the examiner asks (after tagging:
    // it holds what was tagged), not by every triage.
    let report = case.dir().join("report.html");
    if report.is_file() {
        println!(
            "  {:<16} {} (written before this triage: write it again)",
            "report",
            report.display()
        );
    } else {
        println!(
            "  {:<16} exhibit report {c} --out {}",
            "report",
            report.display()
        );
    }
    println!(
        "next: exhibit findings {c} | exhibit search {c} TEXT | exhibit timeline {c} | exhibit messages {c} | exhibit files {c} --deleted"
    );
    Ok(())
}

fn open_store(case: &Path) -> anyhow::Result<Box<dyn CaseStore>> {
    let case = Case::open(case)?;
    crate::store::open(case.dir())
}

/// Findings on the watchlists (the same lists and matching as the
/// enrichment: typed by a `# type:` line or each line's shape, a domain also
/// matching its subdomains), with the note of the first line that matched.
fn watch_hits(
    store: &dyn CaseStore,
    lists: &[std::path::PathBuf],
) -> anyhow::Result<Vec<(exhibit_store::HistogramRow, Option<String>)>> {
    use exhibit_osint::watchlist::{classify, ListKind, Watchlists};
    let lists = Watchlists::load(lists)?;
    Ok(store
        .histogram(None, None)?
        .into_iter()
        .filter_map(|h| {
            let kind = ListKind::for_lead(&h.kind).or_else(|| classify(&h.value))?;
            let hit = lists.matches(kind, &h.value).into_iter().next()?;
            Some((h, hit.note))
        })
        .collect())
}

pub fn findings(
    case: &Path,
    kind: Option<&str>,
    top: Option<usize>,
    watchlist: Option<&Path>,
    json: bool,
) -> anyhow::Result<()> {
    let store = open_store(case)?;
    if let Some(w) = watchlist {
        let hits = watch_hits(&*store, &[w.to_path_buf()])?;
        if json {
            let rows: Vec<serde_json::Value> = hits
                .iter()
                .map(|(h, label)| {
                    serde_json::json!({"kind": h.kind, "value": h.value, "count": h.count, "label": label})
                })
                .collect();
            return crate::output::json(&rows);
        }
        for (h, label) in hits {
            println!(
                "{:>8}  {:<8} {}\t{}",
                h.count,
                h.kind,
                h.value,
                label.unwrap_or_default()
            );
        }
        return Ok(());
    }
    let rows = store.histogram(kind, top)?;
    // What enrichment said of each value (flagged ones marked `!`).
    let notes: std::collections::BTreeMap<(String, String), exhibit_store::EnrichmentRow> = store
        .enrichment(false)?
        .into_iter()
        .map(|e| ((e.kind.clone(), e.value.clone()), e))
        .collect();
    let note = |r: &exhibit_store::HistogramRow| notes.get(&(r.kind.clone(), r.value.clone()));
    if json {
        let rows: Vec<serde_json::Value> = rows
            .iter()
            .map(|r| {
                let mut v = serde_json::json!({"kind": r.kind, "value": r.value, "count": r.count});
                if let Some(e) = note(r) {
                    v["flagged"] = e.flagged.into();
                    v["enrichment"] = serde_json::from_str(&e.json).unwrap_or_default();
                }
                v
            })
            .collect();
        return crate::output::json(&rows);
    }
    let mut out = std::io::stdout().lock();
    let result = (|| -> std::io::Result<()> {
        for r in &rows {
            match note(r) {
                Some(e) => writeln!(
                    out,
                    "{:>8} {} {:<8} {}  ({})",
                    r.count,
                    if e.flagged { '!' } else { ' ' },
                    r.kind,
                    r.value,
                    e.summary
                )?,
                None => writeln!(out, "{:>8}   {:<8} {}", r.count, r.kind, r.value)?,
            }
        }
        Ok(())
    })();
    crate::output::ended(result)
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
        // Evidence and partition first: the same path can exist in two
        // partitions of one image.
        println!(
            "{}\tp{}\t{}\t{}\t{}\t{}\t{}\t{}{}",
            r.evidence,
            r.key.partition,
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
    let store = open_store(case)?;
    if format == TimelineFormat::Bodyfile {
        return bodyfile(&*store, from.as_deref(), to.as_deref());
    }
    let rows = store.timeline(from.as_deref(), to.as_deref())?;
    let out = std::io::stdout();
    let mut out = std::io::BufWriter::new(out.lock());
    let result = (|| -> std::io::Result<()> {
        if format == TimelineFormat::Csv {
            writeln!(
                out,
                "time,macb,evidence,source,description,partition,inode,path,zone"
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
                    "{},{},{},{},{},{},{},{},{}",
                    r.time,
                    r.macb,
                    csv_field(&r.evidence),
                    csv_field(&r.source),
                    csv_field(&r.description),
                    p,
                    csv_field(i),
                    csv_field(path),
                    csv_field(r.zone.as_deref().unwrap_or(""))
                )?;
            } else {
                let line = serde_json::to_string(r).map_err(std::io::Error::other)?;
                writeln!(out, "{line}")?;
            }
        }
        out.flush()
    })();
    crate::output::ended(result)
}

/// The case's files as a TSK body file (for `mactime` and the tools that
/// read it), with the evidence id and partition in front of each path
/// (`E1/p1/home/…`); with `--from`/`--to`, files with a time in range.
fn bodyfile(store: &dyn CaseStore, from: Option<&str>, to: Option<&str>) -> anyhow::Result<()> {
    use exhibit_vfs::{Entry, EntryKind, Recovery, Times};
    let rows = store.files(&FileFilter::default())?;
    let out = std::io::stdout();
    let mut out = std::io::BufWriter::new(out.lock());
    let time = |t: &Option<String>| t.as_deref().and_then(|t| t.parse::<jiff::Timestamp>().ok());
    let in_range = |t: &Option<String>| {
        t.as_deref()
            .is_some_and(|t| from.is_none_or(|f| t >= f) && to.is_none_or(|to| t < to))
    };
    let result = (|| -> std::io::Result<()> {
        for r in &rows {
            let times = [&r.atime, &r.mtime, &r.ctime, &r.crtime];
            if (from.is_some() || to.is_some()) && !times.iter().any(|t| in_range(t)) {
                continue;
            }
            let kind = EntryKind::from_name(&r.name_kind);
            let e = Entry {
                path: r.key.path.clone(),
                inode: r.key.inode.clone(),
                name_kind: kind,
                meta_kind: if r.recovery == "lost" {
                    EntryKind::Unknown
                } else {
                    kind
                },
                mode: r.mode,
                uid: r.uid,
                gid: r.gid,
                size: r.size,
                times: Times {
                    atime: time(&r.atime),
                    mtime: time(&r.mtime),
                    ctime: time(&r.ctime),
                    crtime: time(&r.crtime),
                },
                deleted: r.deleted,
                meta_allocated: !r.deleted,
                recovery: Recovery::Certain,
            };
            let prefix = format!("{}/p{}", r.evidence, r.key.partition);
            exhibit_vfs::write_bodyfile_line(&mut out, &prefix, &e)?;
        }
        out.flush()
    })();
    crate::output::ended(result)
}

/// `exhibit search CASE QUERY`.
pub fn search(
    case: &Path,
    query: &str,
    kind: Option<&str>,
    limit: Option<usize>,
    json: bool,
) -> anyhow::Result<()> {
    if query.trim().is_empty() {
        anyhow::bail!("the search text is empty");
    }
    let case = Case::open(case)?;
    let store = crate::store::open(case.dir())?;
    let mut q = exhibit_index::parse_query(query).context("search query")?;
    q.limit = limit;
    // Free text: substring search of findings, file paths and timeline
    // events in the store; word search of e-mail messages and file text
    // in the full-text index.
    let free = q
        .value
        .clone()
        .or_else(|| q.text.as_ref().map(|t| t.trim_matches('"').to_string()));
    let (in_store, in_index) = match kind {
        Some("message" | "text") => (false, true),
        Some(_) => (true, false),
        None if !q.kinds.is_empty() => {
            use exhibit_index::DocKind;
            let store_kinds = [DocKind::Finding, DocKind::File, DocKind::Event];
            (
                q.kinds.iter().any(|k| store_kinds.contains(k)),
                q.kinds
                    .iter()
                    .any(|k| matches!(k, DocKind::Message | DocKind::Text)),
            )
        }
        None => (true, true),
    };
    let mut hits = Vec::new();
    if let (true, Some(text)) = (in_store, &free) {
        let store_kind = match (kind, &q.tag) {
            (Some(k), _) => Some(k.to_string()),
            (None, Some(t)) => Some(t.clone()),
            (None, None) => None,
        };
        hits.extend(
            store
                .search(&SearchQuery {
                    text: text.clone(),
                    kind: store_kind,
                    limit,
                })?
                .into_iter()
                .filter(|h| q.evidence.as_ref().is_none_or(|e| *e == h.evidence)),
        );
    }
    if in_index {
        use exhibit_index::DocKind;
        if q.kinds.is_empty() {
            q.kinds = match kind {
                Some("message") => vec![DocKind::Message],
                Some("text") => vec![DocKind::Text],
                _ => vec![DocKind::Message, DocKind::Text],
            };
        } else {
            q.kinds
                .retain(|k| matches!(k, DocKind::Message | DocKind::Text));
        }
        let index = exhibit_triage::open_index(&case)?;
        for h in index.search(&q)? {
            hits.push(exhibit_store::SearchHit {
                what: h.kind.name().to_string(),
                evidence: h.evidence,
                kind: (!h.tag.is_empty()).then_some(h.tag),
                text: match h.kind {
                    DocKind::Message => h.value,
                    _ => h.path.clone(),
                },
                location: (h.kind == DocKind::Message).then(|| h.path.clone()),
                offset: None,
                time: h.time.map(exhibit_triage::time_text),
                file: Some(h.path),
            });
        }
    }
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
