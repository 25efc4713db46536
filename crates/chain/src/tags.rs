//! Attribution tags: who is behind an address, according to whom.
//!
//! Tags come from files the analyst supplies, never from the network:
//!
//! * **CSV** with a header row; columns are matched by name, in any order
//!   and case: `address` (also `addr`, `wallet`), `label` (`name`,
//!   `entity`), `category` (`type`), `source` (`url`, `reference`), `date`
//!   (`lastmod`, `last_seen`). `address` and `label` are required.
//! * **YAML**, the flat form of a GraphSense TagPack: optional top-level
//!   `key: value` lines that every tag inherits (`label`, `category`,
//!   `source`, `date`/`lastmod`), then a list of items `- address: …` with
//!   their keys indented below. Nested structures are not read.
//!
//! Categories are normalised to the INTERPOL Darknet and Cryptocurrencies
//! Working Group's entity and abuse taxonomy where one fits ([`CATEGORIES`];
//! "mixer" becomes `mixing_service`, "darknet market" becomes `market`, …);
//! anything else is kept as written and marked as outside the taxonomy.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Serialize;

use crate::cluster::Clustering;
use crate::error::ChainError;

/// Category ids of the INTERPOL Darknet and Cryptocurrencies taxonomy used
/// here: entity types, then abuse types; with whether the entity is a
/// service at which tracing stops (funds continue in its books, not on chain).
pub const CATEGORIES: &[(&str, bool)] = &[
    ("exchange", true),
    ("wallet_service", true),
    ("payment_processor", true),
    ("mixing_service", true),
    ("market", true),
    ("gambling", true),
    ("mining_service", true),
    ("atm", true),
    ("hosting", true),
    ("shop", false),
    ("faucet", false),
    ("donation", false),
    ("ico_wallet", false),
    ("coinjoin", false),
    ("defi", false),
    ("bridge", false),
    ("miner", false),
    ("organization", false),
    ("individual", false),
    ("perpetrator", false),
    // Abuses.
    ("scam", false),
    ("ransomware", false),
    ("extortion", false),
    ("sextortion", false),
    ("phishing", false),
    ("ponzi_scheme", false),
    ("investment_fraud", false),
    ("romance_scam", false),
    ("theft", false),
    ("terrorism_financing", false),
    ("sanction", false),
    ("csam", false),
];

/// Maps common spellings to a taxonomy id.
fn normalise(raw: &str) -> (String, bool) {
    let k: String = raw
        .trim()
        .to_ascii_lowercase()
        .chars()
        .map(|c| if c == ' ' || c == '-' { '_' } else { c })
        .collect();
    let id = match k.as_str() {
        "mixer" | "mixing" | "tumbler" => "mixing_service",
        "darknet_market" | "darkweb_market" | "dark_market" | "marketplace" | "dnm" => "market",
        "wallet" | "custodial_wallet" => "wallet_service",
        "casino" | "gambling_service" => "gambling",
        "mining_pool" | "pool" => "mining_service",
        "ransom" => "ransomware",
        "ponzi" => "ponzi_scheme",
        "pig_butchering" | "investment_scam" => "investment_fraud",
        "fraud" => "scam",
        "sanctioned" | "ofac" => "sanction",
        "payment_service" => "payment_processor",
        "crypto_atm" | "bitcoin_atm" => "atm",
        other => other,
    };
    let known = CATEGORIES.iter().any(|(c, _)| *c == id);
    (id.to_string(), known)
}

/// True when `category` (a taxonomy id) is a service at which tracing stops.
pub fn is_service(category: &str) -> bool {
    CATEGORIES.iter().any(|&(c, s)| s && c == category)
}

/// One attribution tag.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct Tag {
    /// The address.
    pub address: String,
    /// Who or what (e.g. `ExampleX`).
    pub label: String,
    /// Category id (taxonomy id when `in_taxonomy`), or empty.
    pub category: String,
    /// True when `category` is one of [`CATEGORIES`].
    pub in_taxonomy: bool,
    /// Where the attribution comes from (URL, report, case number).
    pub source: String,
    /// When it was made or last confirmed, as written.
    pub date: String,
    /// The tag file it was read from.
    pub file: PathBuf,
    /// Line of the tag in that file (1-based).
    pub line: usize,
}

/// Tags of the addresses of one cluster.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ClusterTags {
    /// The cluster's id in its [`Clustering`].
    pub cluster: usize,
    /// The number of addresses in it.
    pub size: usize,
    /// The heuristic that formed it (the tag reaches the other members only
    /// through it).
    pub heuristic: &'static str,
    /// Tags on its members, sorted.
    pub tags: Vec<Tag>,
}

/// A set of tags, by address.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Tags {
    by_address: BTreeMap<String, Vec<Tag>>,
}

impl Tags {
    /// Reads tag files: `.yaml`/`.yml` as YAML, anything else as CSV.
    pub fn load(paths: &[PathBuf]) -> Result<Tags, ChainError> {
        let mut t = Tags::default();
        for p in paths {
            t.read(p)?;
        }
        Ok(t)
    }

    /// Reads one tag file into the set.
    pub fn read(&mut self, path: &Path) -> Result<(), ChainError> {
        let data = std::fs::read(path).map_err(|source| ChainError::Io {
            file: path.to_path_buf(),
            source,
        })?;
        let text = std::str::from_utf8(&data).map_err(|e| ChainError::Corrupt {
            file: path.to_path_buf(),
            offset: e.valid_up_to() as u64,
            what: "tag file is not UTF-8".into(),
        })?;
        let yaml = path
            .extension()
            .and_then(|e| e.to_str())
            .is_some_and(|e| e.eq_ignore_ascii_case("yaml") || e.eq_ignore_ascii_case("yml"));
        let tags = if yaml {
            parse_yaml(text, path)?
        } else {
            parse_csv(text, path)?
        };
        for tag in tags {
            self.add(tag);
        }
        Ok(())
    }

    /// Adds one tag.
    pub fn add(&mut self, tag: Tag) {
        let v = self.by_address.entry(tag.address.clone()).or_default();
        v.push(tag);
        v.sort();
        v.dedup();
    }

    /// Tags of `address` (empty when none).
    pub fn get(&self, address: &str) -> &[Tag] {
        self.by_address.get(address).map_or(&[], Vec::as_slice)
    }

    /// Every tag, sorted by address.
    pub fn all(&self) -> impl Iterator<Item = &Tag> {
        self.by_address.values().flatten()
    }

    /// Number of tagged addresses.
    pub fn len(&self) -> usize {
        self.by_address.len()
    }

    /// True when no tags are loaded.
    pub fn is_empty(&self) -> bool {
        self.by_address.is_empty()
    }

    /// Addresses tagged as services, with `label (category)`, for
    /// [`crate::TraceOptions::services`].
    pub fn services(&self) -> BTreeMap<String, String> {
        let mut out = BTreeMap::new();
        for (a, tags) in &self.by_address {
            let names: Vec<String> = tags
                .iter()
                .filter(|t| is_service(&t.category))
                .map(|t| format!("{} ({})", t.label, t.category))
                .collect();
            if !names.is_empty() {
                out.insert(a.clone(), names.join("; "));
            }
        }
        out
    }

    /// Tags reaching each cluster through its members, for clusters with at
    /// least one tagged member; sorted by cluster id.
    pub fn for_clusters(&self, c: &Clustering) -> Vec<ClusterTags> {
        c.clusters
            .iter()
            .filter_map(|k| {
                let mut tags: Vec<Tag> = k
                    .addresses
                    .iter()
                    .flat_map(|a| self.get(a).iter().cloned())
                    .collect();
                if tags.is_empty() {
                    return None;
                }
                tags.sort();
                Some(ClusterTags {
                    cluster: k.id,
                    size: k.addresses.len(),
                    heuristic: k.heuristic,
                    tags,
                })
            })
            .collect()
    }
}

fn corrupt(file: &Path, offset: usize, what: String) -> ChainError {
    ChainError::Corrupt {
        file: file.to_path_buf(),
        offset: offset as u64,
        what,
    }
}

/// Splits one CSV line into fields (RFC 4180 quoting, no embedded newlines).
fn csv_fields(line: &str) -> Option<Vec<String>> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut chars = line.chars().peekable();
    let mut quoted = false;
    let mut was_quoted = false;
    while let Some(c) = chars.next() {
        match (quoted, c) {
            (true, '"') if chars.peek() == Some(&'"') => {
                cur.push('"');
                chars.next();
            }
            (true, '"') => quoted = false,
            (true, c) => cur.push(c),
            (false, '"') if cur.trim().is_empty() && !was_quoted => {
                cur.clear();
                quoted = true;
                was_quoted = true;
            }
            (false, ',') => {
                out.push(std::mem::take(&mut cur).trim().to_string());
                was_quoted = false;
            }
            (false, c) => cur.push(c),
        }
    }
    if quoted {
        return None;
    }
    out.push(cur.trim().to_string());
    Some(out)
}

fn column(name: &str) -> Option<&'static str> {
    let n = name
        .trim()
        .trim_start_matches('\u{feff}')
        .to_ascii_lowercase();
    Some(match n.as_str() {
        "address" | "addr" | "wallet" | "wallet_address" => "address",
        "label" | "name" | "entity" => "label",
        "category" | "type" => "category",
        "source" | "url" | "reference" => "source",
        "date" | "lastmod" | "last_seen" => "date",
        _ => return None,
    })
}

fn make_tag(fields: &BTreeMap<&str, String>, file: &Path, line: usize) -> Tag {
    let get = |k: &str| fields.get(k).cloned().unwrap_or_default();
    let raw_cat = get("category");
    let (category, in_taxonomy) = if raw_cat.is_empty() {
        (String::new(), false)
    } else {
        normalise(&raw_cat)
    };
    Tag {
        address: get("address"),
        label: get("label"),
        category,
        in_taxonomy,
        source: get("source"),
        date: get("date"),
        file: file.to_path_buf(),
        line,
    }
}

/// Parses CSV tag text; `file` names it in errors.
pub fn parse_csv(text: &str, file: &Path) -> Result<Vec<Tag>, ChainError> {
    let mut offset = 0usize;
    let mut header: Option<Vec<Option<&'static str>>> = None;
    let mut out = Vec::new();
    for (n, raw) in text.split('\n').enumerate() {
        let start = offset;
        offset += raw.len() + 1;
        let line = raw.trim_end_matches('\r');
        if line.trim().is_empty() || line.starts_with('#') {
            continue;
        }
        let fields = csv_fields(line)
            .ok_or_else(|| corrupt(file, start, format!("line {}: unterminated quote", n + 1)))?;
        let Some(cols) = &header else {
            let cols: Vec<Option<&'static str>> = fields.iter().map(|f| column(f)).collect();
            for need in ["address", "label"] {
                if !cols.contains(&Some(need)) {
                    return Err(corrupt(
                        file,
                        start,
                        format!("header has no `{need}` column (need address,label[,category,source,date])"),
                    ));
                }
            }
            header = Some(cols);
            continue;
        };
        let mut map = BTreeMap::new();
        for (c, v) in cols.iter().zip(fields) {
            if let Some(c) = c {
                map.insert(*c, v);
            }
        }
        if map.get("address").is_none_or(|a| a.is_empty()) {
            return Err(corrupt(file, start, format!("line {}: no address", n + 1)));
        }
        out.push(make_tag(&map, file, n + 1));
    }
    if header.is_none() {
        return Err(corrupt(file, 0, "empty tag file (no header row)".into()));
    }
    Ok(out)
}

fn unquote(v: &str) -> String {
    let v = v.trim();
    // Strip a trailing comment on unquoted values.
    let v = if v.starts_with('"') || v.starts_with('\'') {
        v
    } else {
        v.split(" #").next().unwrap_or(v).trim()
    };
    if v.len() >= 2
        && ((v.starts_with('"') && v.ends_with('"')) || (v.starts_with('\'') && v.ends_with('\'')))
    {
        v[1..v.len() - 1].to_string()
    } else {
        v.to_string()
    }
}

/// Parses flat YAML tag text; `file` names it in errors.
pub fn parse_yaml(text: &str, file: &Path) -> Result<Vec<Tag>, ChainError> {
    let mut defaults: BTreeMap<&'static str, String> = BTreeMap::new();
    let mut items: Vec<(usize, usize, BTreeMap<&'static str, String>)> = Vec::new();
    let mut current: Option<(usize, usize, usize, BTreeMap<&'static str, String>)> = None;
    let mut offset = 0usize;
    for (n, raw) in text.split('\n').enumerate() {
        let start = offset;
        offset += raw.len() + 1;
        let line = raw.trim_end_matches('\r');
        let body = line.trim_start();
        if body.is_empty() || body.starts_with('#') || body == "---" {
            continue;
        }
        let indent = line.len() - body.len();
        let (is_item, kv) = match body.strip_prefix("- ") {
            Some(rest) => (true, rest.trim_start()),
            None if body == "-" => (true, ""),
            None => (false, body),
        };
        if is_item {
            if let Some((line_no, at, _, m)) = current.take() {
                items.push((line_no, at, m));
            }
            current = Some((n + 1, start, indent, BTreeMap::new()));
            if kv.is_empty() {
                continue;
            }
        }
        let Some((k, v)) = kv.split_once(':') else {
            return Err(corrupt(
                file,
                start,
                format!("line {}: expected `key: value`", n + 1),
            ));
        };
        let key = k.trim();
        let value = unquote(v);
        let col = if key == "tags" { None } else { column(key) };
        match (&mut current, col) {
            (Some((_, _, item_indent, m)), Some(c)) if is_item || indent > *item_indent => {
                m.insert(c, value);
            }
            (_, Some(c)) if indent == 0 => {
                defaults.insert(c, value);
            }
            _ => {} // other keys (title, creator, is_public, …) are not needed
        }
    }
    if let Some((line_no, at, _, m)) = current.take() {
        items.push((line_no, at, m));
    }
    let mut out = Vec::new();
    for (line_no, at, m) in items {
        let mut all = defaults.clone();
        all.extend(m);
        if all.get("address").is_none_or(|a| a.is_empty()) {
            return Err(corrupt(
                file,
                at,
                format!("item at line {line_no}: no address"),
            ));
        }
        out.push(make_tag(&all, file, line_no));
    }
    Ok(out)
}
