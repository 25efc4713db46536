//! `exhibit request`: legal requests drafted from the case.
//!
//! Drafting reads the case and prints (or writes `--out`) the text; unless
//! `--dry-run`, it then keeps the request in `CASE/requests/<id>.json` and
//! appends a `requested` custody entry — the only writes to the case.

use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::Context;
use exhibit_case::Case;
use exhibit_request::{Input, Kind, Language, RequestError, Style};
use jiff::civil::Date;

use crate::output::examiner;

/// `exhibit request` subcommands.
#[derive(clap::Subcommand, Debug)]
pub enum RequestCommand {
    /// Draft an expedited preservation request (Budapest Convention art. 29) and track its 60 days.
    Preservation(DraftArgs),
    /// Draft a request for access to and disclosure of stored data (art. 31).
    Disclosure(DraftArgs),
    /// List the case's requests: open preservations with the days left.
    List(ListArgs),
}

/// The requester's language, drafted after the English text.
#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum LangArg {
    /// English only
    En,
    /// Thai
    Th,
    /// Vietnamese
    Vi,
    /// Indonesian
    Id,
    /// Malay
    Ms,
}

/// Output style.
#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum StyleArg {
    /// Plain text
    Text,
    /// Markdown
    Md,
}

/// Flags of `exhibit request preservation|disclosure`.
#[derive(clap::Args, Debug)]
pub struct DraftArgs {
    /// Case folder
    pub case: PathBuf,
    /// Service provider holding the data (e.g. "Example Mail Inc.")
    #[arg(long)]
    pub provider: String,
    /// Requested country: ISO 3166 two-letter code (US, SG, …)
    #[arg(long)]
    pub country: String,
    /// Requester's language, drafted after the English text
    #[arg(long, value_enum, default_value_t = LangArg::En)]
    pub lang: LangArg,
    /// Account, e-mail address, IP, domain or URL to name (repeatable; default: the case's leads)
    #[arg(long = "account", value_name = "ID")]
    pub accounts: Vec<String>,
    /// Start of the period of data requested (YYYY-MM-DD)
    #[arg(long)]
    pub from: Option<Date>,
    /// End of that period (YYYY-MM-DD)
    #[arg(long)]
    pub to: Option<Date>,
    /// Date the request is sent (YYYY-MM-DD; default: today); the 60 days run from it
    #[arg(long)]
    pub date: Option<Date>,
    /// Requesting authority (default: the examiner)
    #[arg(long)]
    pub authority: Option<String>,
    /// The offence and legal provision (default: a bracketed gap to fill in)
    #[arg(long)]
    pub offence: Option<String>,
    /// Short statement of facts (default: drawn from the case)
    #[arg(long)]
    pub facts: Option<String>,
    /// Where the data are stored, if known (default: the provider's servers in --country)
    #[arg(long)]
    pub stored_in: Option<String>,
    /// Examiner drafting the request (defaults to the case's examiner)
    #[arg(long)]
    pub examiner: Option<String>,
    /// At most this many identifiers taken from the case's leads
    #[arg(long, default_value_t = 20)]
    pub max_identifiers: usize,
    /// Output style
    #[arg(long, value_enum, default_value_t = StyleArg::Text)]
    pub format: StyleArg,
    /// File to write (default: standard output); never replaced, never in the case folder
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Draft only: do not record the request in the case
    #[arg(long)]
    pub dry_run: bool,
}

/// Flags of `exhibit request list`.
#[derive(clap::Args, Debug)]
pub struct ListArgs {
    /// Case folder
    pub case: PathBuf,
    /// Count days left from this date (YYYY-MM-DD; default: today)
    #[arg(long)]
    pub today: Option<Date>,
    /// Also show expired preservations
    #[arg(long)]
    pub all: bool,
    /// Print the records as JSON
    #[arg(long)]
    pub json: bool,
}

/// Runs an `exhibit request` subcommand.
pub fn run(cmd: RequestCommand) -> anyhow::Result<()> {
    match cmd {
        RequestCommand::Preservation(a) => draft(Kind::Preservation, &a),
        RequestCommand::Disclosure(a) => draft(Kind::Disclosure, &a),
        RequestCommand::List(a) => list(&a),
    }
}

fn today() -> Date {
    jiff::Zoned::now().date()
}

fn case_error(e: RequestError) -> anyhow::Error {
    match e {
        RequestError::Case(c) => c.into(),
        other => other.into(),
    }
}

fn draft(kind: Kind, args: &DraftArgs) -> anyhow::Result<()> {
    let case = Case::open(&args.case)?;
    let who = examiner(&args.examiner, Some(&case));
    let language = match args.lang {
        LangArg::En => Language::En,
        LangArg::Th => Language::Th,
        LangArg::Vi => Language::Vi,
        LangArg::Id => Language::Id,
        LangArg::Ms => Language::Ms,
    };
    let input = Input {
        kind,
        provider: args.provider.clone(),
        country: args.country.clone(),
        language,
        accounts: args.accounts.clone(),
        from: args.from,
        to: args.to,
        sent: args.date.unwrap_or_else(today),
        authority: args.authority.clone(),
        offence: args.offence.clone(),
        facts: args.facts.clone(),
        stored_in: args.stored_in.clone(),
        examiner: who.clone(),
        max_identifiers: args.max_identifiers,
    };
    let style = match args.format {
        StyleArg::Text => Style::Text,
        StyleArg::Md => Style::Markdown,
    };
    let d = exhibit_request::draft(&case, &input, style).map_err(case_error)?;

    match &args.out {
        Some(out) => {
            let out = std::path::absolute(out).unwrap_or_else(|_| out.clone());
            refuse_in_case(&case, &out)?;
            let mut f = std::fs::OpenOptions::new()
                .write(true)
                .create_new(true)
                .open(&out)
                .with_context(|| {
                    format!(
                        "creating {} (an existing file is never replaced)",
                        out.display()
                    )
                })?;
            f.write_all(d.text.as_bytes())?;
            f.sync_all()?;
        }
        None => {
            let mut stdout = std::io::stdout().lock();
            crate::output::ended(
                stdout
                    .write_all(d.text.as_bytes())
                    .and_then(|_| stdout.flush()),
            )?;
        }
    }
    if args.dry_run {
        return Ok(());
    }
    let path = exhibit_request::save(case.dir(), &d.record).map_err(case_error)?;
    let mut details = std::collections::BTreeMap::from([
        ("id".to_string(), d.record.id.clone()),
        ("kind".to_string(), kind.name().to_string()),
        ("provider".to_string(), d.record.provider.clone()),
        ("country".to_string(), d.record.country.clone()),
        ("sent".to_string(), d.record.sent.to_string()),
        (
            "identifiers".to_string(),
            d.record.identifiers.len().to_string(),
        ),
        (
            "sha256".to_string(),
            exhibit_export::sha256_hex(d.text.as_bytes()),
        ),
    ]);
    if let Some(e) = d.record.expires {
        details.insert("expires".into(), e.to_string());
    }
    if let Err(e) = case.record_action(&who, "requested", None, details, jiff::Timestamp::now()) {
        let _ = std::fs::remove_file(&path);
        return Err(anyhow::Error::from(e)).context("recording the request in the custody log");
    }
    eprintln!(
        "request {} recorded in {}{}",
        d.record.id,
        path.display(),
        d.record
            .expires
            .map(|e| format!(
                "; preservation runs until {e} ({} days)",
                exhibit_request::PRESERVATION_DAYS
            ))
            .unwrap_or_default()
    );
    Ok(())
}

/// Requests are written outside the case folder: its only new files are
/// the request records.
fn refuse_in_case(case: &Case, out: &Path) -> anyhow::Result<()> {
    let case_dir = case
        .dir()
        .canonicalize()
        .unwrap_or_else(|_| case.dir().to_path_buf());
    let parent = out
        .parent()
        .map(|p| p.canonicalize().unwrap_or_else(|_| p.to_path_buf()))
        .unwrap_or_default();
    anyhow::ensure!(
        !parent.starts_with(&case_dir),
        "{}: inside the case folder; write the request elsewhere",
        out.display()
    );
    Ok(())
}

fn list(args: &ListArgs) -> anyhow::Result<()> {
    let case = Case::open(&args.case)?;
    let today = args.today.unwrap_or_else(today);
    let records: Vec<_> = exhibit_request::list(case.dir())
        .map_err(case_error)?
        .into_iter()
        .filter(|r| args.all || r.days_left(today).is_none_or(|d| d >= 0))
        .collect();
    if args.json {
        return crate::output::json(&records);
    }
    let mut out = String::new();
    out.push_str(&format!(
        "{:<14} {:<12} {:<24} {:<7} {:<10} {:<10} {}\n",
        "ID", "KIND", "PROVIDER", "COUNTRY", "SENT", "EXPIRES", "DAYS LEFT"
    ));
    for r in &records {
        let left = match r.days_left(today) {
            None => "-".to_string(),
            Some(d) if d < 0 => format!("expired {} days ago", -d),
            Some(0) => "0 (expires today)".to_string(),
            Some(d) => d.to_string(),
        };
        out.push_str(&format!(
            "{:<14} {:<12} {:<24} {:<7} {:<10} {:<10} {}\n",
            r.id,
            r.kind.name(),
            r.provider,
            r.country,
            r.sent,
            r.expires
                .map(|e| e.to_string())
                .unwrap_or_else(|| "-".into()),
            left
        ));
    }
    if records.is_empty() {
        out.push_str("(no open requests)\n");
    }
    let mut stdout = std::io::stdout().lock();
    crate::output::ended(stdout.write_all(out.as_bytes()))
}
