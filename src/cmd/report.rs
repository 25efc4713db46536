//! `exhibit report` and `exhibit tag`: the court report and what goes in it.
//!
//! The report is rendered from the case (never from evidence) by
//! `exhibit-report`; its date is `--date` or the last custody entry's time,
//! so the same case gives the same bytes. Tags are kept in the case store
//! by value (finding kind and value, event time, message SHA-256), so they
//! survive a re-triage.

use std::io::Write;
use std::path::PathBuf;

use anyhow::Context;
use exhibit_case::Case;
use exhibit_report::{Options, ReportError};
use exhibit_store::{CaseStore, TagRow};

use crate::output::examiner;

/// Flags of `exhibit report`.
#[derive(clap::Args, Debug)]
pub struct ReportArgs {
    /// Case folder
    pub case: PathBuf,
    /// Language of the report: en or th (missing sentences fall back to English)
    #[arg(long, default_value = "en")]
    pub lang: String,
    /// HTML file to write (default: standard output); an existing file is only replaced with
    /// --force
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Replace an existing --out file (never an evidence file)
    #[arg(long)]
    pub force: bool,
    /// Date printed on the report (default: the time of the last custody entry, so the same
    /// case always gives the same bytes)
    #[arg(long)]
    pub date: Option<String>,
}

/// Flags of `exhibit tag`.
#[derive(clap::Args, Debug)]
#[command(group(clap::ArgGroup::new("target").args(["finding", "event", "message", "list"]).required(true)))]
pub struct TagArgs {
    /// Case folder
    pub case: PathBuf,
    /// A finding, as KIND:VALUE with the normalised value `exhibit findings` prints
    /// (e.g. email:alice@example.com)
    #[arg(long, value_name = "KIND:VALUE")]
    pub finding: Option<String>,
    /// Timeline events at this time (RFC 3339, as `exhibit timeline CASE` prints it)
    #[arg(long, value_name = "TIME")]
    pub event: Option<String>,
    /// With --event: only events whose description contains this text
    #[arg(long = "match", value_name = "TEXT", requires = "event")]
    pub matching: Option<String>,
    /// An e-mail message by its SHA-256 (or a unique prefix of at least 8 digits), as
    /// `exhibit messages CASE --json` prints it
    #[arg(long, value_name = "SHA256")]
    pub message: Option<String>,
    /// The examiner's note shown in the report
    #[arg(long)]
    pub note: Option<String>,
    /// Remove the tag instead of adding it
    #[arg(long, conflicts_with = "note")]
    pub remove: bool,
    /// List the tags
    #[arg(long)]
    pub list: bool,
    /// With --list: output JSON
    #[arg(long, requires = "list")]
    pub json: bool,
    /// Examiner tagging (defaults to the case's examiner)
    #[arg(long)]
    pub examiner: Option<String>,
}

/// Case errors keep their own type so they map to the case exit code.
fn unwrap_case(e: ReportError) -> anyhow::Error {
    match e {
        ReportError::Case(c) => c.into(),
        other => other.into(),
    }
}

/// Runs `exhibit report`.
pub fn run(args: &ReportArgs) -> anyhow::Result<()> {
    let case = Case::open(&args.case)?;
    let opts = Options {
        lang: args.lang.clone(),
        date: args.date.clone(),
        ..Options::default()
    };
    let html = exhibit_report::report(case.dir(), &opts).map_err(unwrap_case)?;
    match &args.out {
        Some(out) => {
            let out = crate::output::out_path(&case, out, args.force)?;
            crate::output::write_bytes(&out, html.as_bytes())?;
            eprintln!("report written to {}", out.display());
        }
        None => {
            let mut stdout = std::io::stdout().lock();
            stdout.write_all(html.as_bytes())?;
            stdout.flush()?;
        }
    }
    Ok(())
}

/// Runs `exhibit tag`.
pub fn tag(args: &TagArgs) -> anyhow::Result<()> {
    let case = Case::open(&args.case)?;
    let store = crate::store::open(case.dir())?;
    if args.list {
        return list(&*store, args.json);
    }
    let (target, key, detail) = if let Some(f) = &args.finding {
        (
            "finding",
            finding_key(&*store, f, args.remove)?,
            String::new(),
        )
    } else if let Some(t) = &args.event {
        let (key, detail) = event_key(&*store, t, args.matching.as_deref(), args.remove)?;
        ("event", key, detail)
    } else if let Some(m) = &args.message {
        (
            "message",
            message_key(&*store, m, args.remove)?,
            String::new(),
        )
    } else {
        anyhow::bail!("say what to tag: --finding, --event or --message (or --list)");
    };
    if args.remove {
        let removed = store.remove_tag(target, &key, &detail)?;
        anyhow::ensure!(removed, "no {target} tag {key}");
        println!("untagged {target} {key}");
        return Ok(());
    }
    store.add_tag(&TagRow {
        target: target.to_string(),
        key: key.clone(),
        detail,
        note: args.note.clone(),
        examiner: examiner(&args.examiner, Some(&case)),
        tagged_at: jiff::Timestamp::now().to_string(),
    })?;
    println!("tagged {target} {key}");
    Ok(())
}

fn list(store: &dyn CaseStore, json: bool) -> anyhow::Result<()> {
    let tags = store.tags()?;
    if json {
        return crate::output::json(&tags);
    }
    for t in tags {
        let detail = if t.detail.is_empty() {
            String::new()
        } else {
            format!(" [{}]", t.detail)
        };
        println!(
            "{}\t{}{detail}\t{}",
            t.target,
            t.key,
            t.note.unwrap_or_default()
        );
    }
    Ok(())
}

/// `kind:value` as stored: the value is looked up among the case's
/// findings (case-insensitively) and stored as the store spells it.
fn finding_key(store: &dyn CaseStore, spec: &str, removing: bool) -> anyhow::Result<String> {
    let (kind, value) = spec
        .split_once(':')
        .with_context(|| format!("--finding {spec}: expected KIND:VALUE (e.g. email:a@b.com)"))?;
    let kind = kind.trim().to_lowercase();
    let value = value.trim();
    let found = store
        .findings_matching(&[value.to_string()])?
        .into_iter()
        .find(|h| h.kind == kind);
    match found {
        Some(h) => Ok(format!("{}:{}", h.kind, h.value)),
        None if removing => Ok(format!("{kind}:{value}")),
        None => anyhow::bail!(
            "--finding {spec}: no {kind} finding with that value in the case \
             (see `exhibit findings CASE --type {kind}`)"
        ),
    }
}

/// The event time as stored (UTC, nanoseconds) and the description filter.
fn event_key(
    store: &dyn CaseStore,
    time: &str,
    matching: Option<&str>,
    removing: bool,
) -> anyhow::Result<(String, String)> {
    let ts: jiff::Timestamp = time
        .parse()
        .with_context(|| format!("--event {time}: not an RFC 3339 time"))?;
    let key = exhibit_triage::time_text(ts);
    let detail = matching.unwrap_or("").to_string();
    if !removing {
        let to = format!("{key}\u{1}");
        let n = store
            .timeline(Some(&key), Some(&to))?
            .iter()
            .filter(|r| r.time == key && r.description.contains(&detail))
            .count();
        anyhow::ensure!(
            n > 0,
            "--event {time}: no timeline event at that time{} (see `exhibit timeline CASE`)",
            if detail.is_empty() {
                String::new()
            } else {
                format!(" matching {detail:?}")
            }
        );
    }
    Ok((key, detail))
}

/// The full SHA-256 of a message given by its hash or a unique prefix.
fn message_key(store: &dyn CaseStore, spec: &str, removing: bool) -> anyhow::Result<String> {
    let spec = spec.trim().to_lowercase();
    let mut hits: Vec<String> = store
        .messages(None)?
        .into_iter()
        .map(|m| m.sha256)
        .filter(|h| h.starts_with(&spec))
        .collect();
    hits.sort();
    hits.dedup();
    match hits.as_slice() {
        [one] if spec.len() >= 8 => Ok(one.clone()),
        [] if removing => Ok(spec),
        [] => anyhow::bail!("--message {spec}: no e-mail message with that SHA-256 in the case"),
        [_] => anyhow::bail!("--message {spec}: give at least 8 hex digits"),
        _ => anyhow::bail!(
            "--message {spec}: {} messages start with it; give more digits",
            hits.len()
        ),
    }
}
