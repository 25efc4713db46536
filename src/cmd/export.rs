//! `exhibit export`: a case as CASE/UCO JSON-LD or STIX 2.1.
//!
//! The export is rendered in memory from the case (never from evidence),
//! written (standard output, or a file through a temporary name and a
//! rename), and only then recorded as an `exported` custody entry with the
//! SHA-256 of the bytes that left. If that entry cannot be appended the
//! command fails, and a file it wrote is removed again.

use std::io::Write;
use std::path::PathBuf;

use anyhow::Context;
use exhibit_case::Case;
use exhibit_export::{ExportError, ExportOptions, Format};

use crate::output::examiner;

/// Output format of `exhibit export`.
#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum ExportFormat {
    /// CASE 1.5 / UCO JSON-LD (checks with `case_validate --built-version case-1.5.0`).
    Case,
    /// STIX 2.1 bundle (for MISP, OpenCTI).
    Stix,
    /// Parquet: findings, files and timeline as three tables in the --out folder (Spark,
    /// Trino, DataFusion, pandas).
    Parquet,
}

/// Flags of `exhibit export`.
#[derive(clap::Args, Debug)]
pub struct ExportArgs {
    /// Case folder
    pub case: PathBuf,
    /// Format to write
    #[arg(long, value_enum)]
    pub format: ExportFormat,
    /// File to write (default: standard output); an existing file is only replaced with --force
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Replace an existing --out file (never an evidence file)
    #[arg(long)]
    pub force: bool,
    /// At most this many distinct lead values (e-mail, URL, domain, IP, wallet, phone), most frequent first; the export says how many were left out
    #[arg(long, default_value_t = 1000)]
    pub max_findings: usize,
    /// Examiner performing the export (defaults to the case's examiner)
    #[arg(long)]
    pub examiner: Option<String>,
}

/// Case errors keep their own type so they map to the case exit code.
fn unwrap_case(e: ExportError) -> anyhow::Error {
    match e {
        ExportError::Case(c) => c.into(),
        other => other.into(),
    }
}

/// `exhibit export --format parquet`: three tables into the --out folder,
/// then one `exported` custody entry naming each file's SHA-256 and rows.
fn parquet(args: &ExportArgs, case: &Case, who: &str) -> anyhow::Result<()> {
    let dir = args
        .out
        .as_ref()
        .context("--format parquet writes a folder of tables: give it with --out")?;
    let store = crate::store::open(case.dir())?;
    let evidence: Vec<String> = case.evidence()?.into_iter().map(|r| r.id).collect();
    let written = exhibit_export::parquet::write_parquet(&*store, &evidence, dir)?;
    let mut details = std::collections::BTreeMap::from([
        ("format".to_string(), "parquet".to_string()),
        ("destination".to_string(), dir.display().to_string()),
        ("evidence".to_string(), evidence.join(",")),
    ]);
    for w in &written {
        details.insert(
            format!("{}.parquet", w.table),
            format!("{} rows, sha256 {}", w.rows, w.sha256),
        );
    }
    if let Err(e) = case.record_action(who, "exported", None, details, jiff::Timestamp::now()) {
        for w in &written {
            let _ = std::fs::remove_file(&w.path);
        }
        return Err(e).context("recording the export in the custody log");
    }
    for w in &written {
        eprintln!("{}: {} rows, sha256 {}", w.path.display(), w.rows, w.sha256);
    }
    eprintln!("recorded in the custody log");
    Ok(())
}

/// Runs `exhibit export`.
pub fn run(args: &ExportArgs) -> anyhow::Result<()> {
    let case = Case::open(&args.case)?;
    let who = examiner(&args.examiner, Some(&case));
    let format = match args.format {
        ExportFormat::Case => Format::Case,
        ExportFormat::Stix => Format::Stix,
        ExportFormat::Parquet => return parquet(args, &case, &who),
    };
    let opts = ExportOptions {
        max_findings: args.max_findings,
        tool_version: env!("CARGO_PKG_VERSION").to_string(),
        examiner: Some(who.clone()),
    };
    let snap = exhibit_export::load(&case, &opts).map_err(unwrap_case)?;
    let bytes = exhibit_export::render(&snap, format, &opts)?;

    let destination = match &args.out {
        Some(out) => {
            let out = crate::output::out_path(&case, out, args.force)?;
            crate::output::write_bytes(&out, &bytes)?;
            Some(out)
        }
        None => {
            let mut stdout = std::io::stdout().lock();
            stdout.write_all(&bytes)?;
            stdout.flush()?;
            None
        }
    };
    let dest_text = destination
        .as_ref()
        .map(|p| p.display().to_string())
        .unwrap_or_else(|| "standard output".into());
    if let Err(e) = exhibit_export::record_export(
        &case,
        &who,
        format,
        &dest_text,
        &bytes,
        &snap,
        jiff::Timestamp::now(),
    ) {
        if let Some(out) = &destination {
            let _ = std::fs::remove_file(out);
        }
        return Err(unwrap_case(e)).context("recording the export in the custody log");
    }
    if let Some(out) = &destination {
        eprintln!(
            "exported {} ({}) to {}: {} bytes, sha256 {}, {} of {} leads{}; recorded in the custody log",
            case.info().number,
            format.title(),
            out.display(),
            bytes.len(),
            exhibit_export::sha256_hex(&bytes),
            snap.leads.len(),
            snap.leads_total,
            if snap.leads.len() < snap.leads_total {
                format!(" (capped by --max-findings {})", args.max_findings)
            } else {
                String::new()
            }
        );
    }
    Ok(())
}
