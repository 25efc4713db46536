//! Reading a case into one in-memory [`Snapshot`] that both formats render.

use std::collections::{BTreeMap, BTreeSet};
use std::io::Read;
use std::net::IpAddr;
use std::path::Path;

use exhibit_case::{Case, CaseInfo, EvidenceRecord};
use exhibit_custody::{CustodyLog, Entry};
use exhibit_store::{CaseStore, FileFilter, FileKey};

use crate::{ExportError, ExportOptions};

/// An acquisition log beside an image is small; a larger file is not one.
const MAX_ACQUISITION_LOG: u64 = 1 << 20;

/// Everything an export says, read once from the case.
#[derive(Debug, Clone)]
pub struct Snapshot {
    /// The case record.
    pub info: CaseInfo,
    /// Registered evidence, in registration order.
    pub evidence: Vec<EvidenceItem>,
    /// Custody entries in log order, without `exported` entries (records of
    /// earlier exports, which would make every export differ).
    pub custody: Vec<Entry>,
    /// The exported leads, most frequent first (capped).
    pub leads: Vec<Lead>,
    /// How many distinct exportable lead values the case holds.
    pub leads_total: usize,
    /// The cap that was applied.
    pub max_findings: usize,
}

/// One registered evidence item with what the export adds to its record.
#[derive(Debug, Clone)]
pub struct EvidenceItem {
    /// The record (`evidence/E<n>.json`).
    pub record: EvidenceRecord,
    /// The exhibit number: the EWF header's evidence number, else the
    /// acquisition log's, else `<case number>/<id>`.
    pub exhibit_number: String,
    /// Start and end of the acquisition, from Exhibit's acquisition log
    /// beside the image, when there is one.
    pub acquired: Option<(String, String)>,
    /// The acquiring tool named by that log or the EWF header.
    pub acquired_with: Option<String>,
}

/// The kind of a lead, as partners' tools know it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum LeadKind {
    /// An e-mail address.
    Email,
    /// A URL.
    Url,
    /// A domain name (including onion and I2P hosts).
    Domain,
    /// An IPv4 address.
    Ipv4,
    /// An IPv6 address.
    Ipv6,
    /// A cryptocurrency address.
    Wallet,
    /// A telephone number.
    Phone,
}

impl LeadKind {
    /// The lead kind of a scanner finding kind and value, if exported.
    /// Card numbers, IBANs and GPS positions are personal data of victims
    /// more often than indicators: they are not exported.
    pub fn of(kind: &str, value: &str) -> Option<LeadKind> {
        Some(match kind {
            "email" => LeadKind::Email,
            "url" => LeadKind::Url,
            "domain" | "onion" | "i2p" => LeadKind::Domain,
            "ip" | "ipv4" | "ipv6" => match value.parse::<IpAddr>() {
                Ok(IpAddr::V4(_)) => LeadKind::Ipv4,
                Ok(IpAddr::V6(_)) => LeadKind::Ipv6,
                Err(_) => return None,
            },
            "wallet" => LeadKind::Wallet,
            "phone" => LeadKind::Phone,
            _ => return None,
        })
    }

    /// Short name (used in ids).
    pub fn name(self) -> &'static str {
        match self {
            LeadKind::Email => "email",
            LeadKind::Url => "url",
            LeadKind::Domain => "domain",
            LeadKind::Ipv4 => "ipv4",
            LeadKind::Ipv6 => "ipv6",
            LeadKind::Wallet => "wallet",
            LeadKind::Phone => "phone",
        }
    }
}

/// One distinct lead value of the case.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Lead {
    /// Its kind.
    pub kind: LeadKind,
    /// The normalised value.
    pub value: String,
    /// The scanner kinds it was found as (`domain`, `onion`, …).
    pub found_as: BTreeSet<String>,
    /// How many times it was found in the case.
    pub count: u64,
    /// Where it was found first (first evidence item, lowest offset).
    pub first: Option<Location>,
    /// For a wallet: the chain, when the address validates.
    pub chain: Option<String>,
}

/// Where a lead was found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Location {
    /// Evidence id.
    pub evidence: String,
    /// Offset in the evidence.
    pub offset: u64,
    /// Forensic path (`8192-GZIP-120`: decoding steps).
    pub path: String,
    /// The file holding it, if known.
    pub file: Option<FileKey>,
    /// That file's MD5, SHA-1, SHA-256 and size, when hashed.
    pub file_hashes: Option<FileHashes>,
}

/// Hashes of a file holding a lead.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileHashes {
    /// MD5 (hex).
    pub md5: Option<String>,
    /// SHA-1 (hex).
    pub sha1: Option<String>,
    /// SHA-256 (hex).
    pub sha256: Option<String>,
    /// Size in bytes.
    pub size: u64,
}

/// Reads the case: its record, evidence, custody log and, when the case
/// has a `case.db`, its leads. Opens nothing for writing and creates
/// nothing.
pub fn load(case: &Case, opts: &ExportOptions) -> Result<Snapshot, ExportError> {
    let records = case.evidence()?;
    let mut evidence = Vec::with_capacity(records.len());
    for record in records {
        evidence.push(item(case.info(), record));
    }
    let custody = CustodyLog::open(case.custody_log_path())?
        .entries()?
        .into_iter()
        .filter(|e| e.action != "exported")
        .collect();
    let (leads, leads_total) = match exhibit_store::link::open_existing(case.dir())? {
        Some(store) => leads(&*store, &evidence, opts.max_findings)?,
        None => (Vec::new(), 0),
    };
    Ok(Snapshot {
        info: case.info().clone(),
        evidence,
        custody,
        leads,
        leads_total,
        max_findings: opts.max_findings,
    })
}

fn header_field<'a>(record: &'a EvidenceRecord, key: &str) -> Option<&'a str> {
    record
        .metadata
        .as_ref()?
        .get("header")?
        .get(key)?
        .as_str()
        .map(str::trim)
        .filter(|s| !s.is_empty())
}

fn item(info: &CaseInfo, record: EvidenceRecord) -> EvidenceItem {
    let log = acquisition_log(&record.path);
    let from_log = |ptr: &str| {
        log.as_ref()
            .and_then(|l| l.pointer(ptr))
            .and_then(|v| v.as_str())
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_string)
    };
    let exhibit_number = header_field(&record, "evidence_number")
        .map(str::to_string)
        .or_else(|| from_log("/case/evidence_number"))
        .unwrap_or_else(|| format!("{}/{}", info.number, record.id));
    let acquired = from_log("/started").zip(from_log("/finished"));
    let acquired_with = from_log("/tool").or_else(|| {
        header_field(&record, "acquiry_software_version").map(|v| format!("EWF writer {v}"))
    });
    EvidenceItem {
        record,
        exhibit_number,
        acquired,
        acquired_with,
    }
}

/// Exhibit's acquisition log (`<name>.acquisition.json`) beside the first
/// segment `<name>.001`, if there is one that parses.
fn acquisition_log(first: &Path) -> Option<serde_json::Value> {
    let stem = first.file_stem()?;
    let path = first.with_file_name(format!("{}.acquisition.json", stem.to_string_lossy()));
    let f = std::fs::File::open(&path).ok()?;
    let mut raw = Vec::new();
    f.take(MAX_ACQUISITION_LOG).read_to_end(&mut raw).ok()?;
    let v: serde_json::Value = serde_json::from_slice(&raw).ok()?;
    (v.get("format")?.as_str()? == "exhibit-acquisition-log/1").then_some(v)
}

/// The distinct exportable leads, most frequent first, capped at `max`,
/// each with its first location; and how many there are in all.
fn leads(
    store: &dyn CaseStore,
    evidence: &[EvidenceItem],
    max: usize,
) -> Result<(Vec<Lead>, usize), ExportError> {
    let mut merged: BTreeMap<(LeadKind, String), Lead> = BTreeMap::new();
    for row in store.histogram(None, None)? {
        let Some(kind) = LeadKind::of(&row.kind, &row.value) else {
            continue;
        };
        let lead = merged
            .entry((kind, row.value.clone()))
            .or_insert_with(|| Lead {
                kind,
                value: row.value.clone(),
                found_as: BTreeSet::new(),
                count: 0,
                first: None,
                chain: None,
            });
        lead.found_as.insert(row.kind);
        lead.count += row.count;
    }
    let total = merged.len();
    let mut all: Vec<Lead> = merged.into_values().collect();
    all.sort_by(|a, b| {
        b.count
            .cmp(&a.count)
            .then(a.kind.cmp(&b.kind))
            .then(a.value.cmp(&b.value))
    });
    all.truncate(max);
    let index: BTreeMap<(LeadKind, String), usize> = all
        .iter()
        .enumerate()
        .map(|(i, l)| ((l.kind, l.value.clone()), i))
        .collect();
    for item in evidence {
        let id = &item.record.id;
        let mut firsts: BTreeMap<usize, Location> = BTreeMap::new();
        store.each_finding(id, &mut |_, row| {
            let Some(kind) = LeadKind::of(&row.kind, &row.normalized) else {
                return;
            };
            let Some(&i) = index.get(&(kind, row.normalized.clone())) else {
                return;
            };
            if all[i].first.is_some() {
                return; // found in an earlier evidence item
            }
            let better = firsts
                .get(&i)
                .is_none_or(|l| (row.offset, &row.path) < (l.offset, &l.path));
            if better {
                firsts.insert(
                    i,
                    Location {
                        evidence: id.clone(),
                        offset: row.offset,
                        path: row.path.clone(),
                        file: row.file.clone(),
                        file_hashes: None,
                    },
                );
            }
        })?;
        let wanted: BTreeSet<FileKey> = firsts.values().filter_map(|l| l.file.clone()).collect();
        if !wanted.is_empty() {
            let filter = FileFilter {
                evidence: Some(id.clone()),
                ..FileFilter::default()
            };
            let mut hashes: BTreeMap<FileKey, FileHashes> = BTreeMap::new();
            for f in store.files(&filter)? {
                if wanted.contains(&f.key) && (f.md5.is_some() || f.sha256.is_some()) {
                    hashes.insert(
                        f.key,
                        FileHashes {
                            md5: f.md5,
                            sha1: f.sha1,
                            sha256: f.sha256,
                            size: f.size,
                        },
                    );
                }
            }
            for loc in firsts.values_mut() {
                loc.file_hashes = loc.file.as_ref().and_then(|k| hashes.get(k).cloned());
            }
        }
        for (i, loc) in firsts {
            all[i].first = Some(loc);
        }
    }
    for lead in &mut all {
        if lead.kind == LeadKind::Wallet {
            lead.chain =
                exhibit_wallets::validate(&lead.value).map(|a| a.chain().name().to_string());
        }
    }
    Ok((all, total))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lead_kinds() {
        assert_eq!(LeadKind::of("ip", "203.0.113.5"), Some(LeadKind::Ipv4));
        assert_eq!(LeadKind::of("ipv6", "2001:db8::1"), Some(LeadKind::Ipv6));
        assert_eq!(LeadKind::of("ip", "not an ip"), None);
        assert_eq!(LeadKind::of("onion", "x.onion"), Some(LeadKind::Domain));
        assert_eq!(LeadKind::of("ccn", "4111111111111111"), None);
        assert_eq!(LeadKind::of("gps", "1,2"), None);
    }
}
