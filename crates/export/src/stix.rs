//! STIX 2.1 bundle.
//!
//! Each lead becomes a cyber-observable (id: UUIDv5 of its
//! id-contributing properties, as STIX 2.1 section 2.9 asks), an
//! `indicator` with a STIX pattern, an `observed-data` counting how often
//! it was found, and a `sighting` of the indicator by the examiner; the
//! evidence media are `file` observables with their hashes; a `grouping`
//! ties everything to the case.

use std::collections::BTreeMap;

use serde_json::{json, Value};

use crate::case_ld::{lead_description, location_text};
use crate::ids::{stix_literal, stix_sco_id, stix_sdo_id};
use crate::snapshot::{Lead, LeadKind, Location};
use crate::{ExportOptions, Snapshot};

/// Type of the cryptocurrency-wallet observable (no core STIX 2.1 type
/// exists; OpenCTI uses this name), defined by [`wallet_extension`].
const WALLET_TYPE: &str = "cryptocurrency-wallet";

/// A STIX timestamp (UTC, millisecond precision as `created` and
/// `modified` require) from an RFC 3339 time; the epoch for a time that
/// does not parse, which Exhibit never writes.
fn stamp(time: &str) -> String {
    time.parse::<jiff::Timestamp>()
        .map(|t| t.strftime("%Y-%m-%dT%H:%M:%S%.3fZ").to_string())
        .unwrap_or_else(|_| "1970-01-01T00:00:00.000Z".to_string())
}

fn hash_name(alg: &str) -> Option<&'static str> {
    match alg {
        "md5" => Some("MD5"),
        "sha1" => Some("SHA-1"),
        "sha256" => Some("SHA-256"),
        _ => None,
    }
}

/// A `file` observable with its hashes; its id from one hash (MD5 first,
/// as the reference implementation chooses) and the name.
fn file_sco(name: &str, size: u64, hashes: &BTreeMap<String, String>) -> Option<Value> {
    let hashes: BTreeMap<&str, String> = hashes
        .iter()
        .filter_map(|(a, h)| hash_name(a).map(|n| (n, h.to_ascii_lowercase())))
        .collect();
    let chosen = ["MD5", "SHA-1", "SHA-256"]
        .iter()
        .find_map(|k| hashes.get(k).map(|h| json!({ *k: h })))?;
    let id = stix_sco_id("file", &json!({ "hashes": chosen, "name": name }));
    Some(json!({
        "type": "file",
        "spec_version": "2.1",
        "id": id,
        "name": name,
        "size": size,
        "hashes": hashes,
    }))
}

/// A host name as STIX's `idn-hostname` format accepts it: dot-separated
/// labels of 1 to 63 ASCII letters, digits or hyphens or non-ASCII
/// characters (IDN labels: letters and combining marks), no label
/// starting or ending with a hyphen, 253 characters at most. The scanner
/// reports some domain-like strings (`_.mr`) that are not.
fn is_hostname(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 253
        && s.split('.').all(|label| {
            !label.is_empty()
                && label.len() <= 63
                && !label.starts_with('-')
                && !label.ends_with('-')
                && label.chars().all(|c| {
                    if c.is_ascii() {
                        c.is_ascii_alphanumeric() || c == '-'
                    } else {
                        // Letters and their combining marks (Thai vowels).
                        !c.is_whitespace() && !c.is_control()
                    }
                })
        })
}

/// Whether a lead's value is valid for its STIX observable type.
fn valid_for_stix(lead: &Lead) -> bool {
    match lead.kind {
        LeadKind::Domain => is_hostname(&lead.value),
        LeadKind::Email => lead
            .value
            .rsplit_once('@')
            .is_some_and(|(local, host)| !local.is_empty() && is_hostname(host)),
        LeadKind::Url => lead.value.contains("://") && !lead.value.chars().any(char::is_whitespace),
        _ => true,
    }
}

/// The observable type and pattern of a lead; `None` for phones, which
/// STIX 2.1 has no observable for, and values STIX would reject.
fn lead_sco(lead: &Lead, ext: &str) -> Option<(Value, String)> {
    if !valid_for_stix(lead) {
        return None;
    }
    let ty = match lead.kind {
        LeadKind::Email => "email-addr",
        LeadKind::Url => "url",
        LeadKind::Domain => "domain-name",
        LeadKind::Ipv4 => "ipv4-addr",
        LeadKind::Ipv6 => "ipv6-addr",
        LeadKind::Wallet => WALLET_TYPE,
        LeadKind::Phone => return None,
    };
    let id = stix_sco_id(ty, &json!({ "value": lead.value }));
    let mut sco = json!({
        "type": ty,
        "spec_version": "2.1",
        "id": id,
        "value": lead.value,
    });
    if lead.kind == LeadKind::Wallet {
        sco["extensions"] = json!({ ext: { "extension_type": "new-sco" } });
        if let Some(chain) = &lead.chain {
            sco["chain"] = json!(chain);
        }
    }
    let pattern = format!("[{ty}:value = {}]", stix_literal(&lead.value));
    Some((sco, pattern))
}

/// The extension definition of the wallet observable.
fn wallet_extension(identity: &str, created: &str, number: &str) -> Value {
    json!({
        "type": "extension-definition",
        "spec_version": "2.1",
        "id": stix_sdo_id("extension-definition", &[WALLET_TYPE, number]),
        "created_by_ref": identity,
        "created": created,
        "modified": created,
        "name": "Cryptocurrency wallet (Exhibit)",
        "description": "A cryptocurrency address found in evidence: `value` is the address, \
                        `chain` the blockchain when the address's checksum or shape names it.",
        "schema": "An object of type cryptocurrency-wallet has the common STIX 2.1 \
                   cyber-observable properties, `value` (string, required: the address) \
                   and `chain` (string, optional: e.g. Bitcoin, Ethereum, Tron).",
        "version": "1.0.0",
        "extension_types": ["new-sco"],
    })
}

/// The case as a STIX 2.1 bundle.
pub fn to_stix(snap: &Snapshot, opts: &ExportOptions) -> Value {
    let info = &snap.info;
    let examiner = opts.examiner.as_deref().unwrap_or(&info.examiner);
    let created = stamp(&info.created);
    let mut objects: BTreeMap<String, Value> = BTreeMap::new();
    let add = |objects: &mut BTreeMap<String, Value>, v: Value| -> String {
        let id = v["id"].as_str().unwrap_or_default().to_string();
        objects.entry(id.clone()).or_insert(v);
        id
    };

    let identity = add(
        &mut objects,
        json!({
            "type": "identity",
            "spec_version": "2.1",
            "id": stix_sdo_id("identity", &[examiner]),
            "created": created,
            "modified": created,
            "name": examiner,
            "identity_class": "individual",
            "description": format!("Examiner of case {}", info.number),
        }),
    );
    let ext = stix_sdo_id("extension-definition", &[WALLET_TYPE, &info.number]);
    if snap.leads.iter().any(|l| l.kind == LeadKind::Wallet) {
        add(
            &mut objects,
            wallet_extension(&identity, &created, &info.number),
        );
    }

    // When each item was examined: the time its leads were found.
    let mut examined: BTreeMap<&str, String> = BTreeMap::new();
    for e in &snap.custody {
        if let (Some(ev), "examined") = (e.evidence.as_deref(), e.action.as_str()) {
            examined
                .entry(ev)
                .or_insert_with(|| stamp(&exhibit_custody::format_time(&e.time)));
        }
    }

    // The evidence media.
    for item in &snap.evidence {
        let rec = &item.record;
        let name = rec
            .path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| rec.id.clone());
        if let Some(sco) = file_sco(&name, rec.size, &rec.hashes) {
            add(&mut objects, sco);
        }
    }

    let mut skipped = 0usize;
    for lead in &snap.leads {
        let Some((sco, pattern)) = lead_sco(lead, &ext) else {
            skipped += 1;
            continue;
        };
        let seen = lead
            .first
            .as_ref()
            .and_then(|l| examined.get(l.evidence.as_str()).cloned())
            .unwrap_or_else(|| created.clone());
        let sco = add(&mut objects, sco);
        let mut observed = vec![sco.clone()];
        let file = lead.first.as_ref().and_then(lead_file);
        if let Some((file, file_pattern)) = file {
            let file = add(&mut objects, file);
            observed.push(file.clone());
            add_indicator(
                &mut objects,
                &identity,
                &seen,
                &file,
                &file_pattern,
                "File holding a lead found in the case".to_string(),
            );
        }
        observed.sort();
        observed.dedup();
        let description = lead_description(lead);
        let indicator = add_indicator(
            &mut objects,
            &identity,
            &seen,
            &sco,
            &pattern,
            description.clone(),
        );
        let od = add(
            &mut objects,
            json!({
                "type": "observed-data",
                "spec_version": "2.1",
                "id": stix_sdo_id("observed-data", &[&info.number, &sco]),
                "created_by_ref": identity,
                "created": seen,
                "modified": seen,
                "first_observed": seen,
                "last_observed": seen,
                "number_observed": lead.count.max(1),
                "object_refs": observed,
            }),
        );
        let mut sighting = json!({
            "type": "sighting",
            "spec_version": "2.1",
            "id": stix_sdo_id("sighting", &[&info.number, &indicator]),
            "created_by_ref": identity,
            "created": seen,
            "modified": seen,
            "first_seen": seen,
            "last_seen": seen,
            "count": lead.count.clamp(1, 999_999_999),
            "sighting_of_ref": indicator,
            "observed_data_refs": [od],
            "where_sighted_refs": [identity],
            "description": format!("Found in case {}: {description}", info.number),
        });
        if let Some(loc) = &lead.first {
            sighting["summary"] = json!(false);
            sighting["description"] = json!(format!(
                "Found {} time(s) in case {}; first in {}",
                lead.count,
                info.number,
                location_text(loc)
            ));
        }
        add(&mut objects, sighting);
    }

    let mut refs: Vec<String> = objects.keys().cloned().collect();
    refs.sort();
    let grouping = stix_sdo_id("grouping", &[&info.number]);
    let mut note = format!(
        "Exhibit case {} \"{}\" (lead examiner {}), exported by Exhibit {}: {} evidence item(s); \
         {} of {} distinct lead values, most frequent first",
        info.number,
        info.name,
        info.examiner,
        opts.tool_version,
        snap.evidence.len(),
        snap.leads.len(),
        snap.leads_total
    );
    if snap.leads.len() < snap.leads_total {
        note.push_str(&format!(
            " (capped at {} by --max-findings; {} left out)",
            snap.max_findings,
            snap.leads_total - snap.leads.len()
        ));
    }
    if skipped > 0 {
        note.push_str(&format!(
            "; {skipped} not included (phone numbers, which STIX 2.1 has no observable for, \
             and values that are not valid host names, e-mail addresses or URLs)"
        ));
    }
    note.push('.');
    add(
        &mut objects,
        json!({
            "type": "grouping",
            "spec_version": "2.1",
            "id": grouping,
            "created_by_ref": identity,
            "created": created,
            "modified": created,
            "name": format!("Case {}: {}", info.number, info.name),
            "description": note,
            "context": "suspicious-activity",
            "object_refs": refs,
        }),
    );
    json!({
        "type": "bundle",
        "id": stix_sdo_id("bundle", &[&info.number]),
        "objects": objects.into_values().collect::<Vec<_>>(),
    })
}

fn add_indicator(
    objects: &mut BTreeMap<String, Value>,
    identity: &str,
    seen: &str,
    sco: &str,
    pattern: &str,
    description: String,
) -> String {
    let id = stix_sdo_id("indicator", &[sco]);
    objects.entry(id.clone()).or_insert_with(|| {
        json!({
            "type": "indicator",
            "spec_version": "2.1",
            "id": id,
            "created_by_ref": identity,
            "created": seen,
            "modified": seen,
            "valid_from": seen,
            "name": pattern,
            "description": description,
            "pattern": pattern,
            "pattern_type": "stix",
            "pattern_version": "2.1",
        })
    });
    id
}

/// The file holding a lead as an observable with its hashes, and its
/// pattern (by SHA-256, else MD5).
fn lead_file(loc: &Location) -> Option<(Value, String)> {
    let key = loc.file.as_ref()?;
    let h = loc.file_hashes.as_ref()?;
    let mut hashes = BTreeMap::new();
    for (alg, v) in [("md5", &h.md5), ("sha1", &h.sha1), ("sha256", &h.sha256)] {
        if let Some(v) = v {
            hashes.insert(alg.to_string(), v.clone());
        }
    }
    let name = key.path.rsplit('/').next().unwrap_or_default();
    let sco = file_sco(name, h.size, &hashes)?;
    let pattern = match (&h.sha256, &h.md5) {
        (Some(s), _) => format!("[file:hashes.'SHA-256' = {}]", stix_literal(s)),
        (None, Some(m)) => format!("[file:hashes.MD5 = {}]", stix_literal(m)),
        _ => return None,
    };
    Some((sco, pattern))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn host_names() {
        assert!(is_hostname("example.org"));
        assert!(is_hostname("xn--fiqs8s.example"));
        assert!(is_hostname("ตัวอย่าง.ไทย"));
        assert!(!is_hostname("_.mr"));
        assert!(!is_hostname("a..b"));
        assert!(!is_hostname("-a.b"));
        assert!(!is_hostname(""));
    }

    #[test]
    fn stamps_have_milliseconds() {
        assert_eq!(
            stamp("2026-11-29T21:52:54.610214421Z"),
            "2026-11-29T21:52:54.610Z"
        );
        assert_eq!(stamp("2026-11-29T21:52:54Z"), "2026-11-29T21:52:54.000Z");
        assert_eq!(stamp("garbage"), "1970-01-01T00:00:00.000Z");
    }
}
