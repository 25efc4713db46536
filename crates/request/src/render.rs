//! Filling the templates from the case.

use exhibit_case::Case;
use exhibit_export::{ExportOptions, LeadKind};
use jiff::civil::Date;

use crate::lang::{fill, Language, Templates};
use crate::{list, next_id, Kind, Record, RequestError, PRESERVATION_DAYS};

/// Output style.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Style {
    /// Plain text: headings underlined.
    Text,
    /// Markdown.
    Markdown,
}

/// What the examiner asks for.
#[derive(Debug, Clone)]
pub struct Input {
    /// Preservation or disclosure.
    pub kind: Kind,
    /// The service provider.
    pub provider: String,
    /// ISO 3166 alpha-2 code of the requested country.
    pub country: String,
    /// The requester's language, drafted after English (`En`: English only).
    pub language: Language,
    /// Identifiers named by the examiner; when empty, the case's leads.
    pub accounts: Vec<String>,
    /// Start of the period of data requested.
    pub from: Option<Date>,
    /// End of that period.
    pub to: Option<Date>,
    /// Date the request is sent.
    pub sent: Date,
    /// The requesting authority (default: the examiner).
    pub authority: Option<String>,
    /// The offence (default: a bracketed gap to fill in).
    pub offence: Option<String>,
    /// A short statement of facts (default: drawn from the case).
    pub facts: Option<String>,
    /// Where the data are stored, if known (default: the provider's
    /// servers in the requested country).
    pub stored_in: Option<String>,
    /// Who drafts it.
    pub examiner: String,
    /// At most this many identifiers taken from the case's leads.
    pub max_identifiers: usize,
}

/// A drafted request: its text and the record to keep in the case.
#[derive(Debug, Clone)]
pub struct Draft {
    /// The record (`CASE/requests/<id>.json`), not yet saved.
    pub record: Record,
    /// The text, English then the requester's language.
    pub text: String,
}

/// One identifier named in a request.
struct Identifier {
    value: String,
    kind: &'static str,
    /// Evidence id and offset where it was found; `None`: given by the
    /// examiner.
    found: Option<(String, u64)>,
}

fn kind_key(kind: LeadKind) -> &'static str {
    match kind {
        LeadKind::Email => "email",
        LeadKind::Url => "url",
        LeadKind::Domain => "domain",
        LeadKind::Ipv4 => "ipv4",
        LeadKind::Ipv6 => "ipv6",
        LeadKind::Wallet => "wallet",
        LeadKind::Phone => "phone",
    }
}

/// The kind of an identifier the examiner typed.
fn guess_kind(value: &str) -> &'static str {
    match value.parse::<std::net::IpAddr>() {
        Ok(std::net::IpAddr::V4(_)) => "ipv4",
        Ok(std::net::IpAddr::V6(_)) => "ipv6",
        Err(_) if value.contains("://") => "url",
        Err(_) if value.contains('@') => "email",
        Err(_) if value.contains('.') && !value.contains(' ') => "domain",
        Err(_) => "account",
    }
}

fn identifiers(case: &Case, input: &Input) -> Result<Vec<Identifier>, RequestError> {
    if !input.accounts.is_empty() {
        let mut seen = std::collections::BTreeSet::new();
        return Ok(input
            .accounts
            .iter()
            .map(|a| a.trim().to_string())
            .filter(|a| !a.is_empty() && seen.insert(a.clone()))
            .map(|value| Identifier {
                kind: guess_kind(&value),
                value,
                found: None,
            })
            .collect());
    }
    let opts = ExportOptions {
        max_findings: usize::MAX,
        examiner: Some(input.examiner.clone()),
        ..ExportOptions::default()
    };
    let snap = exhibit_export::load(case, &opts)?;
    Ok(snap
        .leads
        .iter()
        .filter(|l| {
            matches!(
                l.kind,
                LeadKind::Email
                    | LeadKind::Domain
                    | LeadKind::Ipv4
                    | LeadKind::Ipv6
                    | LeadKind::Url
            )
        })
        .take(input.max_identifiers)
        .map(|l| Identifier {
            value: l.value.clone(),
            kind: kind_key(l.kind),
            found: l.first.as_ref().map(|f| (f.evidence.clone(), f.offset)),
        })
        .collect())
}

/// Drafts a request from the case. Reads the case (record, evidence
/// records, leads, earlier requests); writes nothing.
pub fn draft(case: &Case, input: &Input, style: Style) -> Result<Draft, RequestError> {
    let country = input.country.trim().to_ascii_uppercase();
    if country.len() != 2 || !country.bytes().all(|b| b.is_ascii_uppercase()) {
        return Err(RequestError::Invalid(format!(
            "country {:?}: expected a two-letter ISO 3166 code such as US or SG",
            input.country
        )));
    }
    if input.provider.trim().is_empty() {
        return Err(RequestError::Invalid("the provider's name is empty".into()));
    }
    if let (Some(from), Some(to)) = (input.from, input.to) {
        if from > to {
            return Err(RequestError::Invalid(format!(
                "--from {from} is after --to {to}"
            )));
        }
    }
    let ids = identifiers(case, input)?;
    if ids.is_empty() {
        return Err(RequestError::Invalid(
            "no identifiers: the case has no e-mail, domain, URL or IP leads; name them with --account"
                .into(),
        ));
    }
    let expires = match input.kind {
        Kind::Preservation => Some(
            input
                .sent
                .checked_add(jiff::Span::new().days(PRESERVATION_DAYS))?,
        ),
        Kind::Disclosure => None,
    };
    let id = next_id(case.dir(), input.kind, input.sent)?;
    let earlier: Vec<Record> = list(case.dir())?
        .into_iter()
        .filter(|r| {
            r.kind == Kind::Preservation
                && r.country == country
                && r.provider.eq_ignore_ascii_case(input.provider.trim())
        })
        .collect();
    let evidence = case.evidence()?.len();

    let mut languages = vec![Language::En];
    if input.language != Language::En {
        languages.push(input.language);
    }
    let mut text = String::new();
    for (i, lang) in languages.iter().enumerate() {
        let t = Templates::load(*lang)?;
        if i > 0 {
            text.push('\n');
            text.push_str(&"-".repeat(72));
            text.push_str("\n\n");
        }
        let doc = document(
            &t,
            case,
            input,
            &Ctx {
                id: &id,
                country: &country,
                ids: &ids,
                expires,
                earlier: &earlier,
                evidence,
            },
        )?;
        text.push_str(&styled(&doc, style));
    }
    Ok(Draft {
        record: Record {
            id,
            kind: input.kind,
            provider: input.provider.trim().to_string(),
            country,
            identifiers: ids.iter().map(|i| i.value.clone()).collect(),
            sent: input.sent,
            expires,
            examiner: input.examiner.clone(),
            language: (input.language != Language::En).then(|| input.language.code().to_string()),
        },
        text,
    })
}

struct Ctx<'a> {
    id: &'a str,
    country: &'a str,
    ids: &'a [Identifier],
    expires: Option<Date>,
    earlier: &'a [Record],
    evidence: usize,
}

fn document(
    t: &Templates,
    case: &Case,
    input: &Input,
    cx: &Ctx<'_>,
) -> Result<String, RequestError> {
    let info = case.info();
    let country = t.country(cx.country);
    let case_values = [
        ("case_number", info.number.as_str()),
        ("case_name", info.name.as_str()),
        ("examiner", input.examiner.as_str()),
        ("country", country.as_str()),
    ];
    let evidence = cx.evidence.to_string();
    let mut with_evidence = case_values.to_vec();
    with_evidence.push(("evidence", &evidence));

    let mut data = Vec::new();
    for i in cx.ids {
        let kind = t.phrase(&format!("kind.{}", i.kind))?;
        let place = match &i.found {
            Some((ev, offset)) => fill(
                t.phrase("where.found")?,
                &[("evidence", ev), ("offset", &offset.to_string())],
            ),
            None => t.phrase("where.given")?.to_string(),
        };
        data.push(format!("- {} ({kind}; {place})", i.value));
    }
    let from = input.from.map(|d| d.to_string()).unwrap_or_default();
    let to = input.to.map(|d| d.to_string()).unwrap_or_default();
    let period_key = match (input.from, input.to) {
        (None, None) => "period.all",
        (Some(_), Some(_)) => "period.range",
        (Some(_), None) => "period.from",
        (None, Some(_)) => "period.to",
    };
    let period = fill(t.phrase(period_key)?, &[("from", &from), ("to", &to)]);
    let references = if cx.earlier.is_empty() {
        t.phrase("references.none")?.to_string()
    } else {
        let mut lines = Vec::new();
        for r in cx.earlier {
            lines.push(format!(
                "- {}",
                fill(
                    t.phrase("references.item")?,
                    &[("id", &r.id), ("sent", &r.sent.to_string())]
                )
            ));
        }
        lines.join("\n")
    };
    let stored_in = match &input.stored_in {
        Some(s) => s.clone(),
        None => fill(t.phrase("stored.default")?, &case_values),
    };
    let offence = match &input.offence {
        Some(s) => s.clone(),
        None => t.phrase("default.offence")?.to_string(),
    };
    let facts = match &input.facts {
        Some(s) => s.clone(),
        None => fill(t.phrase("default.facts")?, &with_evidence),
    };
    let authority = input
        .authority
        .clone()
        .unwrap_or_else(|| input.examiner.clone());
    let date = input.sent.to_string();
    let expiry = cx.expires.map(|d| d.to_string()).unwrap_or_default();
    let data = data.join("\n");
    let mut values = case_values.to_vec();
    values.extend([
        ("request_id", cx.id),
        ("date", date.as_str()),
        ("expiry", expiry.as_str()),
        ("provider", input.provider.trim()),
        ("authority", authority.as_str()),
        ("offence", offence.as_str()),
        ("facts", facts.as_str()),
        ("data", data.as_str()),
        ("period", period.as_str()),
        ("stored_in", stored_in.as_str()),
        ("references", references.as_str()),
    ]);
    let mut doc = fill(t.document(input.kind.name())?, &values);
    if t.language != Language::En {
        doc = format!(
            "Translation: {} ({})\n\n{doc}",
            t.phrase("language")?,
            t.language.code()
        );
    }
    Ok(doc)
}

/// Turns the template's light Markdown into the chosen style.
fn styled(doc: &str, style: Style) -> String {
    let lines: Vec<&str> = doc.lines().collect();
    let mut out = String::with_capacity(doc.len() + 256);
    for (i, line) in lines.iter().enumerate() {
        match style {
            Style::Text => {
                if let Some(h) = line.strip_prefix("# ") {
                    out.push_str(&h.to_uppercase());
                    out.push('\n');
                    out.push_str(&"=".repeat(width(h)));
                } else if let Some(h) = line.strip_prefix("## ") {
                    out.push_str(h);
                    out.push('\n');
                    out.push_str(&"-".repeat(width(h)));
                } else {
                    out.push_str(line);
                }
            }
            Style::Markdown => {
                out.push_str(line);
                // Consecutive plain lines keep their breaks (CommonMark
                // hard break).
                let plain = |l: &str| !l.is_empty() && !l.starts_with('#') && !l.starts_with("- ");
                if plain(line) && lines.get(i + 1).is_some_and(|n| plain(n)) {
                    out.push('\\');
                }
            }
        }
        out.push('\n');
    }
    out
}

/// Columns a heading takes: combining marks (Thai vowel and tone marks
/// above and below the line, Latin accents) take none.
fn width(text: &str) -> usize {
    text.chars()
        .filter(|c| {
            !matches!(*c as u32,
                0x0300..=0x036F | 0x0E31 | 0x0E34..=0x0E3A | 0x0E47..=0x0E4E)
        })
        .count()
}
