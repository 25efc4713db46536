//! `exhibit enrich`: leads enriched offline from reference data the
//! examiner supplies (GeoIP/ASN databases, Tor exit and range lists,
//! watchlists, protected names), defanged forms recognised and refanged.

use std::collections::BTreeSet;
use std::io::{BufRead, Write};
use std::path::PathBuf;

use anyhow::Context;
use exhibit_osint::{Enricher, Enrichment, Sources};
use serde::Serialize;

/// Reference data for enrichment, shared by `enrich` and `triage`.
#[derive(clap::Args, Debug, Clone, Default)]
pub struct ReferenceArgs {
    /// MaxMind-format City/Country database (GeoLite2, GeoIP2, DB-IP Lite); repeatable, first wins.
    #[arg(long, value_name = "MMDB")]
    pub geoip: Vec<PathBuf>,
    /// MaxMind-format ASN/ISP database; repeatable.
    #[arg(long, value_name = "MMDB")]
    pub asn: Vec<PathBuf>,
    /// Known-good hash list (plain or NSRL-style CSV); repeatable.
    #[arg(long, value_name = "FILE")]
    pub known_good: Vec<PathBuf>,
    /// Protected names (banks, government, brands) for lookalike detection, one a line;
    /// repeatable. Without it the bundled example list for the region is used.
    #[arg(long, value_name = "FILE")]
    pub protected: Vec<PathBuf>,
    /// Tor exit list (one IP a line, or the Tor Project's `ExitAddress` format); repeatable.
    #[arg(long, value_name = "FILE")]
    pub tor_exits: Vec<PathBuf>,
    /// VPN/hosting ranges (a CIDR a line, optional name after it); repeatable.
    #[arg(long, value_name = "FILE")]
    pub ranges: Vec<PathBuf>,
    /// A newer Public Suffix List than the bundled one.
    #[arg(long, value_name = "FILE")]
    pub psl: Option<PathBuf>,
}

impl ReferenceArgs {
    /// The enricher these files (and `watchlists`) make.
    pub fn enricher(&self, watchlists: &[PathBuf]) -> anyhow::Result<Enricher> {
        let sources = Sources {
            ip_dbs: self.geoip.iter().chain(&self.asn).cloned().collect(),
            watchlists: watchlists.to_vec(),
            known_good: self.known_good.clone(),
            protected: self.protected.clone(),
            tor_exits: self.tor_exits.clone(),
            ip_ranges: self.ranges.clone(),
            public_suffix_list: self.psl.clone(),
            protected_example: true,
        };
        Ok(Enricher::open(&sources)?)
    }
}

/// Flags of `exhibit enrich`.
#[derive(clap::Args, Debug)]
pub struct EnrichArgs {
    /// Indicators, one a line (defanged forms such as `hxxps://evil[.]com` welcome), or findings
    /// as JSON lines or a JSON array (`exhibit findings CASE --json`); `-` reads standard input.
    pub input: PathBuf,
    #[command(flatten)]
    pub reference: ReferenceArgs,
    /// Watchlist of known-bad values (hashes, e-mail addresses, phones, wallets, domains, IPs,
    /// URLs; typed by a `# type: …` line or by each line's shape); repeatable.
    #[arg(long, value_name = "FILE")]
    pub watchlist: Vec<PathBuf>,
    /// Print the indicators defanged (safe to paste into reports and mail).
    #[arg(long)]
    pub defang: bool,
    /// One JSON object a line.
    #[arg(long)]
    pub json: bool,
}

/// One indicator read from the input.
struct Lead {
    line: usize,
    kind: String,
    value: String,
    defanged: bool,
}

#[derive(Serialize)]
struct Out<'a> {
    line: usize,
    /// The source wrote it defanged (`hxxp`, `[.]`, …).
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    defanged_in_source: bool,
    /// Safe form for reports.
    #[serde(skip_serializing_if = "Option::is_none")]
    defanged: Option<String>,
    /// What the address validator says of a wallet.
    #[serde(skip_serializing_if = "Option::is_none")]
    wallet: Option<Wallet>,
    #[serde(flatten)]
    enrichment: &'a Enrichment,
}

#[derive(Serialize)]
struct Wallet {
    chain: &'static str,
    #[serde(rename = "type")]
    kind: &'static str,
    confidence: exhibit_wallets::Confidence,
}

fn wallet(value: &str) -> Option<Wallet> {
    exhibit_wallets::validate(value).map(|a| Wallet {
        chain: a.chain().name(),
        kind: a.kind(),
        confidence: a.confidence(),
    })
}

/// Runs `exhibit enrich`.
pub fn run(args: &EnrichArgs) -> anyhow::Result<()> {
    let enricher = args.reference.enricher(&args.watchlist)?;
    let leads = read_leads(args)?;
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    let mut flagged = 0usize;
    let result = (|| -> std::io::Result<()> {
        for l in &leads {
            let e = enricher.enrich(&l.kind, &l.value);
            flagged += usize::from(e.is_flagged());
            let defanged = args.defang.then(|| defang(&l.kind, &l.value));
            if args.json {
                let o = Out {
                    line: l.line,
                    defanged_in_source: l.defanged,
                    defanged,
                    wallet: wallet(&l.value),
                    enrichment: &e,
                };
                serde_json::to_writer(&mut out, &o)?;
                writeln!(out)?;
            } else {
                text(&mut out, l, &e, defanged.as_deref())?;
            }
        }
        out.flush()
    })();
    crate::output::ended(result)?;
    if !args.json {
        eprintln!("{} indicators, {flagged} flagged", leads.len());
    }
    Ok(())
}

fn defang(kind: &str, value: &str) -> String {
    match kind.parse::<exhibit_ioc::Kind>() {
        Ok(k) => exhibit_ioc::defang(k, value),
        Err(_) => value.to_string(),
    }
}

fn read_leads(args: &EnrichArgs) -> anyhow::Result<Vec<Lead>> {
    let name = args.input.display().to_string();
    let mut text = String::new();
    if name == "-" {
        let mut raw = Vec::new();
        std::io::Read::read_to_end(&mut std::io::stdin().lock(), &mut raw)?;
        text = String::from_utf8_lossy(&raw).into_owned();
    } else {
        let f = std::fs::File::open(&args.input).with_context(|| format!("opening {name}"))?;
        for line in std::io::BufReader::new(f).split(b'\n') {
            text.push_str(&String::from_utf8_lossy(&line?));
            text.push('\n');
        }
    }
    let mut seen = BTreeSet::new();
    let mut out = Vec::new();
    let mut push = |l: Lead| {
        if seen.insert((l.kind.clone(), l.value.clone())) {
            out.push(l);
        }
    };
    if text.trim_start().starts_with('[') {
        let rows: Vec<serde_json::Value> =
            serde_json::from_str(&text).with_context(|| format!("{name}: not a JSON array"))?;
        for (i, r) in rows.iter().enumerate() {
            if let Some(l) = json_lead(r, i + 1) {
                push(l);
            }
        }
        return Ok(out);
    }
    for (i, line) in text.lines().enumerate() {
        let n = i + 1;
        let t = line.trim();
        if t.is_empty() || t.starts_with('#') {
            continue;
        }
        if t.starts_with('{') {
            match serde_json::from_str::<serde_json::Value>(t) {
                Ok(v) => match json_lead(&v, n) {
                    Some(l) => push(l),
                    None => eprintln!("warning: {name}:{n}: no `kind`/`type` and `value`"),
                },
                Err(e) => eprintln!("warning: {name}:{n}: not JSON: {e}"),
            }
            continue;
        }
        let mut found = exhibit_ioc::refang(t);
        // One token that the text scanner only partly took (an IDN such as
        // `pаypal.com` with a Cyrillic `а`): the whole token is the lead.
        let took_all = found.len() == 1 && found[0].span == (0, t.len());
        let whole = !t.contains(char::is_whitespace) && !took_all;
        if whole {
            found.clear();
        }
        if found.is_empty() {
            let value = exhibit_osint::refang(t);
            push(Lead {
                line: n,
                kind: shape(&value).into(),
                defanged: value != t,
                value,
            });
        }
        for ind in found {
            push(Lead {
                line: n,
                kind: ind.kind.to_string(),
                value: ind.value,
                defanged: ind.defanged,
            });
        }
    }
    Ok(out)
}

/// The kind of a lone token, by its shape.
fn shape(v: &str) -> &'static str {
    if exhibit_osint::parse_ip(v).is_some() {
        "ip"
    } else if v.contains("://") {
        "url"
    } else if v.contains('@') {
        "email"
    } else if exhibit_wallets::validate(v).is_some() {
        "wallet"
    } else if v.contains('.') && !v.ends_with('.') {
        "domain"
    } else {
        "auto"
    }
}

fn json_lead(v: &serde_json::Value, line: usize) -> Option<Lead> {
    let kind = v.get("kind").or_else(|| v.get("type"))?.as_str()?;
    let value = v
        .get("normalized")
        .or_else(|| v.get("value"))?
        .as_str()?
        .to_string();
    Some(Lead {
        line,
        kind: kind.to_string(),
        value,
        defanged: false,
    })
}

/// A readable block: the indicator, then each known fact as `key: value`.
fn text(
    out: &mut impl Write,
    l: &Lead,
    e: &Enrichment,
    defanged: Option<&str>,
) -> std::io::Result<()> {
    let shown = defanged.unwrap_or(&l.value);
    let flag = if e.is_flagged() { "  [FLAGGED]" } else { "" };
    let src = if l.defanged {
        " (defanged in the source)"
    } else {
        ""
    };
    writeln!(out, "{shown} ({}){src}{flag}", e.kind)?;
    if let Some(w) = wallet(&l.value) {
        let proof = match w.confidence {
            exhibit_wallets::Confidence::Checksum => "checksum verified",
            exhibit_wallets::Confidence::Shape => "shape only, no checksum",
        };
        writeln!(out, "  wallet: {} {} ({proof})", w.chain, w.kind)?;
    }
    let mut v = serde_json::to_value(e).unwrap_or_default();
    if let Some(o) = v.as_object_mut() {
        o.remove("kind");
        o.remove("value");
    }
    let mut lines = Vec::new();
    flatten("", &v, &mut lines);
    for (k, v) in lines {
        writeln!(out, "  {k}: {v}")?;
    }
    Ok(())
}

fn flatten(prefix: &str, v: &serde_json::Value, out: &mut Vec<(String, String)>) {
    use serde_json::Value;
    match v {
        Value::Object(m) => {
            for (k, v) in m {
                let key = if prefix.is_empty() {
                    k.clone()
                } else {
                    format!("{prefix}.{k}")
                };
                flatten(&key, v, out);
            }
        }
        Value::Array(a) => {
            for (i, v) in a.iter().enumerate() {
                flatten(&format!("{prefix}[{i}]"), v, out);
            }
        }
        Value::String(s) => out.push((prefix.to_string(), s.clone())),
        Value::Null => {}
        other => out.push((prefix.to_string(), other.to_string())),
    }
}
