//! CASE 1.5 / UCO JSON-LD.
//!
//! One `@graph` of nodes sorted by `@id`; every id is [`kb_id`] of the
//! node's content, so the same case gives the same document.

use std::collections::BTreeMap;

use serde_json::{json, Map, Value};

use crate::ids::kb_id;
use crate::snapshot::{EvidenceItem, Lead, LeadKind, Location};
use crate::{ExportOptions, Snapshot};

/// The vocabulary prefixes the document uses.
fn context() -> Value {
    json!({
        "kb": "urn:exhibit:kb:",
        "case-investigation": "https://ontology.caseontology.org/case/investigation/",
        "uco-action": "https://ontology.unifiedcyberontology.org/uco/action/",
        "uco-core": "https://ontology.unifiedcyberontology.org/uco/core/",
        "uco-identity": "https://ontology.unifiedcyberontology.org/uco/identity/",
        "uco-observable": "https://ontology.unifiedcyberontology.org/uco/observable/",
        "uco-tool": "https://ontology.unifiedcyberontology.org/uco/tool/",
        "uco-types": "https://ontology.unifiedcyberontology.org/uco/types/",
        "xsd": "http://www.w3.org/2001/XMLSchema#"
    })
}

fn r(id: &str) -> Value {
    json!({ "@id": id })
}

fn refs(ids: &[String]) -> Value {
    let mut ids = ids.to_vec();
    ids.sort();
    ids.dedup();
    Value::Array(ids.iter().map(|i| r(i)).collect())
}

fn dt(time: &str) -> Value {
    json!({ "@type": "xsd:dateTime", "@value": time })
}

/// UCO's `HashNameVocab` spelling of Exhibit's algorithm names; other
/// algorithms (BLAKE3) are not in the vocabulary and are left out.
fn hash_method(alg: &str) -> Option<&'static str> {
    match alg {
        "md5" => Some("MD5"),
        "sha1" => Some("SHA1"),
        "sha256" => Some("SHA256"),
        _ => None,
    }
}

fn hashes<'a>(pairs: impl IntoIterator<Item = (&'a str, &'a str)>) -> Value {
    let mut out: Vec<(&str, String)> = pairs
        .into_iter()
        .filter_map(|(alg, hex)| hash_method(alg).map(|m| (m, hex.to_ascii_lowercase())))
        .collect();
    out.sort();
    Value::Array(
        out.into_iter()
            .map(|(method, hex)| {
                json!({
                    "@id": kb_id("hash", &[method, &hex]),
                    "@type": "uco-types:Hash",
                    "uco-types:hashMethod": method,
                    "uco-types:hashValue": { "@type": "xsd:hexBinary", "@value": hex },
                })
            })
            .collect(),
    )
}

/// Collects nodes by id (a node added twice is kept once).
#[derive(Default)]
struct Graph {
    nodes: BTreeMap<String, Value>,
}

impl Graph {
    fn add(&mut self, node: Value) -> String {
        let id = node["@id"].as_str().unwrap_or_default().to_string();
        self.nodes.entry(id.clone()).or_insert(node);
        id
    }
}

fn evidence_id(snap: &Snapshot, item: &EvidenceItem) -> String {
    let sha = item.record.hashes.get("sha256").map(String::as_str);
    kb_id(
        "evidence",
        &[&snap.info.number, &item.record.id, sha.unwrap_or("")],
    )
}

fn identity(g: &mut Graph, name: &str) -> String {
    g.add(json!({
        "@id": kb_id("identity", &[name]),
        "@type": "uco-identity:Identity",
        "uco-core:name": name,
    }))
}

/// A tool node: Exhibit at `version`, or Exhibit whose version the case
/// did not record.
fn tool(g: &mut Graph, version: Option<&str>) -> String {
    let mut node = json!({
        "@id": kb_id("tool", &["Exhibit", version.unwrap_or("")]),
        "@type": "uco-tool:Tool",
        "uco-core:name": "Exhibit",
        "uco-tool:toolType": "digital forensic workbench",
    });
    match version {
        Some(v) => node["uco-tool:version"] = json!(v),
        None => {
            node["uco-core:description"] =
                json!("Exhibit; the custody log does not record which version")
        }
    }
    g.add(node)
}

fn evidence_node(snap: &Snapshot, item: &EvidenceItem) -> Value {
    let rec = &item.record;
    let id = evidence_id(snap, item);
    let folder = rec.container == exhibit_case::FOLDER;
    let name = rec
        .path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let mut content = json!({
        "@id": kb_id("content-data-facet", &[&id]),
        "@type": "uco-observable:ContentDataFacet",
        "uco-observable:sizeInBytes": rec.size,
        "uco-observable:hash": hashes(rec.hashes.iter().map(|(a, h)| (a.as_str(), h.as_str()))),
    });
    let mut file = json!({
        "@id": kb_id("file-facet", &[&id]),
        "@type": "uco-observable:FileFacet",
        "uco-observable:filePath": rec.path.display().to_string(),
        "uco-observable:fileName": name,
        "uco-observable:isDirectory": folder,
    });
    let mut facets = Vec::new();
    let mut description = format!(
        "Evidence {} (exhibit {}), {} container, {} bytes, registered {} by {}.",
        rec.id, item.exhibit_number, rec.container, rec.size, rec.registered_at, rec.registered_by
    );
    if let Some(d) = &rec.description {
        description.push(' ');
        description.push_str(d.trim_end());
        if !description.ends_with('.') {
            description.push('.');
        }
    }
    if folder {
        content["uco-core:description"] = json!(
            "Hashes of the folder's manifest (sorted relative paths with each file's SHA-256)"
        );
        file["uco-observable:sizeInBytes"] = json!(rec.size);
    } else {
        facets.push(json!({
            "@id": kb_id("image-facet", &[&id]),
            "@type": "uco-observable:ImageFacet",
            "uco-observable:imageType": rec.container,
        }));
        if rec.files.len() > 1 {
            description.push_str(&format!(" {} segment files.", rec.files.len()));
        }
    }
    for check in &rec.stored_hashes {
        description.push_str(&format!(
            " The container's stored {} {} the computed one.",
            check.algorithm.to_uppercase(),
            if check.matches {
                "matches"
            } else {
                "DOES NOT MATCH"
            }
        ));
    }
    facets.push(content);
    facets.push(file);
    json!({
        "@id": id,
        "@type": if folder { "uco-observable:Directory" } else { "uco-observable:Image" },
        "uco-core:name": format!("{} {}", rec.id, item.exhibit_number),
        "uco-core:description": description,
        "uco-core:hasFacet": facets,
    })
}

fn lead_type(kind: LeadKind) -> (&'static str, &'static str, &'static str) {
    match kind {
        LeadKind::Email => (
            "uco-observable:EmailAddress",
            "uco-observable:EmailAddressFacet",
            "uco-observable:addressValue",
        ),
        LeadKind::Url => (
            "uco-observable:URL",
            "uco-observable:URLFacet",
            "uco-observable:fullValue",
        ),
        LeadKind::Domain => (
            "uco-observable:DomainName",
            "uco-observable:DomainNameFacet",
            "uco-observable:value",
        ),
        LeadKind::Ipv4 => (
            "uco-observable:IPv4Address",
            "uco-observable:IPv4AddressFacet",
            "uco-observable:addressValue",
        ),
        LeadKind::Ipv6 => (
            "uco-observable:IPv6Address",
            "uco-observable:IPv6AddressFacet",
            "uco-observable:addressValue",
        ),
        // UCO 1.4 has no cryptocurrency class: a wallet address is a
        // digital address, its chain named in the description.
        LeadKind::Wallet => (
            "uco-observable:DigitalAddress",
            "uco-observable:DigitalAddressFacet",
            "uco-observable:addressValue",
        ),
        LeadKind::Phone => (
            "uco-observable:PhoneAccount",
            "uco-observable:PhoneAccountFacet",
            "uco-observable:phoneNumber",
        ),
    }
}

fn lead_id(lead: &Lead) -> String {
    kb_id(lead.kind.name(), &[&lead.value])
}

/// Where a lead was first found, in words.
pub(crate) fn location_text(loc: &Location) -> String {
    let mut s = format!(
        "evidence {} at byte offset {} (forensic path {})",
        loc.evidence, loc.offset, loc.path
    );
    if let Some(f) = &loc.file {
        s.push_str(&format!(
            ", in file {} (partition {}, address {})",
            f.path, f.partition, f.inode
        ));
    }
    s
}

pub(crate) fn lead_description(lead: &Lead) -> String {
    let what = match (lead.kind, &lead.chain) {
        (LeadKind::Wallet, Some(chain)) => format!("{chain} address"),
        (LeadKind::Wallet, None) => "cryptocurrency address".to_string(),
        _ => lead.kind.name().to_string(),
    };
    let found_as: Vec<&str> = lead.found_as.iter().map(String::as_str).collect();
    let mut s = format!(
        "Lead ({what}, found by the scanner as {}) found {} time(s) in this case",
        found_as.join("/"),
        lead.count
    );
    if let Some(loc) = &lead.first {
        s.push_str("; first in ");
        s.push_str(&location_text(loc));
    }
    s.push('.');
    s
}

fn file_node(g: &mut Graph, loc: &Location) -> Option<String> {
    let key = loc.file.as_ref()?;
    let id = kb_id(
        "file",
        &[
            &loc.evidence,
            &key.partition.to_string(),
            &key.inode,
            &key.path,
        ],
    );
    let name = key.path.rsplit('/').next().unwrap_or_default();
    let mut facets = vec![json!({
        "@id": kb_id("file-facet", &[&id]),
        "@type": "uco-observable:FileFacet",
        "uco-observable:filePath": key.path,
        "uco-observable:fileName": name,
    })];
    if let Some(h) = &loc.file_hashes {
        let pairs = [("md5", &h.md5), ("sha1", &h.sha1), ("sha256", &h.sha256)];
        facets.push(json!({
            "@id": kb_id("content-data-facet", &[&id]),
            "@type": "uco-observable:ContentDataFacet",
            "uco-observable:sizeInBytes": h.size,
            "uco-observable:hash": hashes(
                pairs.iter().filter_map(|(a, v)| v.as_deref().map(|v| (*a, v)))
            ),
        }));
    }
    Some(g.add(json!({
        "@id": id,
        "@type": "uco-observable:File",
        "uco-core:description": format!(
            "File in evidence {}, partition {}, address {}",
            loc.evidence, key.partition, key.inode
        ),
        "uco-core:hasFacet": facets,
    })))
}

fn contained_within(g: &mut Graph, source: &str, target: &str, description: String) {
    g.add(json!({
        "@id": kb_id("relationship", &["Contained_Within", source, target]),
        "@type": "uco-observable:ObservableRelationship",
        "uco-core:source": r(source),
        "uco-core:target": r(target),
        "uco-core:kindOfRelationship": "Contained_Within",
        "uco-core:isDirectional": true,
        "uco-core:description": description,
    }));
}

/// A custody action's name as an investigative action.
fn action_name(action: &str) -> String {
    match action {
        "acquired" => "acquisition".to_string(),
        "registered" => "registration".to_string(),
        "verified" => "verification".to_string(),
        "examined" => "examination".to_string(),
        "case-created" => "case opened".to_string(),
        other => other.to_string(),
    }
}

fn details_text(details: &BTreeMap<String, Value>) -> String {
    details
        .iter()
        .map(|(k, v)| match v {
            Value::String(s) => format!("{k}={s}"),
            other => format!("{k}={other}"),
        })
        .collect::<Vec<_>>()
        .join("; ")
}

/// The version in an acquisition log's tool name (`exhibit 0.1.0`).
fn exhibit_version(tool: Option<&str>) -> Option<&str> {
    tool?.strip_prefix("exhibit ").map(str::trim)
}

/// The case as CASE 1.5 / UCO JSON-LD.
pub fn to_case(snap: &Snapshot, opts: &ExportOptions) -> Value {
    let mut g = Graph::default();
    let info = &snap.info;
    let investigation = kb_id("investigation", &[&info.number]);
    let examiner = opts.examiner.as_deref().unwrap_or(&info.examiner);
    identity(&mut g, &info.examiner);
    let exporter = identity(&mut g, examiner);
    let current_tool = tool(&mut g, Some(&opts.tool_version));

    // Evidence, its provenance records.
    let mut ev_ids: BTreeMap<&str, String> = BTreeMap::new();
    let mut prov_ids: BTreeMap<&str, String> = BTreeMap::new();
    for item in &snap.evidence {
        let id = g.add(evidence_node(snap, item));
        let prov = g.add(json!({
            "@id": kb_id("provenance-record", &[&id]),
            "@type": "case-investigation:ProvenanceRecord",
            "case-investigation:exhibitNumber": item.exhibit_number,
            "uco-core:description": format!(
                "Evidence {} of case {}: {}",
                item.record.id,
                info.number,
                item.record.description.as_deref().unwrap_or("registered evidence")
            ),
            "uco-core:object": [r(&id)],
        }));
        ev_ids.insert(&item.record.id, id);
        prov_ids.insert(&item.record.id, prov);
    }

    // Leads and where they were first found.
    let mut found_in: BTreeMap<String, Vec<String>> = BTreeMap::new();
    let mut lead_ids = Vec::new();
    for lead in &snap.leads {
        let (class, facet, prop) = lead_type(lead.kind);
        let id = lead_id(lead);
        let mut tags: Vec<String> = vec!["lead".to_string()];
        tags.extend(lead.found_as.iter().cloned());
        g.add(json!({
            "@id": id,
            "@type": class,
            "uco-core:description": lead_description(lead),
            "uco-core:tag": tags,
            "uco-core:hasFacet": [{
                "@id": kb_id("facet", &[&id]),
                "@type": facet,
                prop: lead.value,
            }],
        }));
        if let Some(loc) = &lead.first {
            found_in
                .entry(loc.evidence.clone())
                .or_default()
                .push(id.clone());
            let container = match file_node(&mut g, loc) {
                Some(file) => {
                    if let (Some(ev), Some(key)) = (ev_ids.get(loc.evidence.as_str()), &loc.file) {
                        contained_within(
                            &mut g,
                            &file,
                            ev,
                            format!("Partition {}, path {}", key.partition, key.path),
                        );
                    }
                    Some(file)
                }
                None => ev_ids.get(loc.evidence.as_str()).cloned(),
            };
            if let Some(container) = container {
                contained_within(
                    &mut g,
                    &id,
                    &container,
                    format!("First found in {}", location_text(loc)),
                );
            }
        }
        lead_ids.push(id);
    }

    // One investigative action per custody entry.
    for e in &snap.custody {
        let performer = identity(&mut g, &e.examiner);
        let item = e
            .evidence
            .as_deref()
            .and_then(|id| snap.evidence.iter().find(|i| i.record.id == id));
        let acquisition = item.filter(|_| e.action == "acquired");
        let instrument = tool(
            &mut g,
            exhibit_version(acquisition.and_then(|i| i.acquired_with.as_deref())),
        );
        let id = kb_id("investigative-action", &[&e.seq.to_string(), &e.hash]);
        let mut node = json!({
            "@id": id,
            "@type": "case-investigation:InvestigativeAction",
            "uco-core:name": action_name(&e.action),
            "uco-core:description": format!(
                "Custody log entry {} `{}`{} (entry hash {}): {}",
                e.seq,
                e.action,
                e.evidence.as_deref().map(|ev| format!(" on {ev}")).unwrap_or_default(),
                e.hash,
                details_text(&e.details)
            ),
            "uco-action:performer": r(&performer),
            "uco-action:instrument": r(&instrument),
            "uco-action:endTime": dt(&exhibit_custody::format_time(&e.time)),
        });
        let mut objects = Vec::new();
        let mut results = Vec::new();
        if let Some(item) = item {
            let ev = ev_ids
                .get(item.record.id.as_str())
                .cloned()
                .unwrap_or_default();
            let prov = prov_ids
                .get(item.record.id.as_str())
                .cloned()
                .unwrap_or_default();
            match e.action.as_str() {
                "acquired" => {
                    if let Some((start, end)) = &item.acquired {
                        node["uco-action:startTime"] = dt(start);
                        node["uco-action:endTime"] = dt(end);
                    }
                    if let Some(Value::String(src)) = e.details.get("source") {
                        let source = g.add(json!({
                            "@id": kb_id("acquisition-source", &[src]),
                            "@type": "uco-observable:File",
                            "uco-core:description": "The seized medium or file the image was acquired from",
                            "uco-core:hasFacet": [{
                                "@id": kb_id("file-facet", &["acquisition-source", src]),
                                "@type": "uco-observable:FileFacet",
                                "uco-observable:filePath": src,
                            }],
                        }));
                        objects.push(source);
                    }
                    results.push(ev);
                    results.push(prov);
                }
                "registered" => {
                    objects.push(ev);
                    results.push(prov);
                }
                "examined" => {
                    objects.push(ev);
                    results.extend(found_in.get(&item.record.id).cloned().unwrap_or_default());
                }
                _ => objects.push(ev),
            }
        }
        if !objects.is_empty() {
            node["uco-action:object"] = refs(&objects);
        }
        if !results.is_empty() {
            node["uco-action:result"] = refs(&results);
        }
        g.add(node);
    }

    // The export itself.
    let custody_span = match (snap.custody.first(), snap.custody.last()) {
        (Some(a), Some(b)) => format!("custody log entries {} to {}", a.seq, b.seq),
        _ => "no custody log entries".to_string(),
    };
    g.add(json!({
        "@id": kb_id("investigative-action", &["export", "case", &investigation]),
        "@type": "case-investigation:InvestigativeAction",
        "uco-core:name": "export",
        "uco-core:description": format!(
            "Export of case {} as CASE 1.5.0 / UCO JSON-LD by Exhibit {}, from {} \
             (earlier `exported` entries left out). The time, destination and SHA-256 \
             of this file are recorded in the case's custody log as an `exported` entry \
             rather than here, so that exporting the same case again gives the same bytes.",
            info.number, opts.tool_version, custody_span
        ),
        "uco-action:performer": r(&exporter),
        "uco-action:instrument": r(&current_tool),
        "uco-action:object": refs(&ev_ids.values().cloned().collect::<Vec<_>>()),
        "uco-action:result": refs(&lead_ids),
    }));

    let leads_note = format!(
        "Leads: {} of {} distinct values (e-mail, URL, domain, IP, wallet and phone findings) \
         exported, most frequent first{}.",
        snap.leads.len(),
        snap.leads_total,
        if snap.leads.len() < snap.leads_total {
            format!(
                "; capped at {} (--max-findings), {} left out",
                snap.max_findings,
                snap.leads_total - snap.leads.len()
            )
        } else {
            String::new()
        }
    );
    let note = g.add(json!({
        "@id": kb_id("annotation", &["leads", &investigation]),
        "@type": "uco-core:Annotation",
        "uco-core:description": leads_note,
        "uco-core:tag": ["export-scope"],
        "uco-core:object": [r(&investigation)],
    }));

    let mut members: Vec<String> = g.nodes.keys().cloned().collect();
    members.push(note);
    let mut inv = Map::new();
    inv.insert("@id".into(), json!(investigation));
    inv.insert("@type".into(), json!("case-investigation:Investigation"));
    inv.insert("uco-core:name".into(), json!(info.name));
    inv.insert(
        "uco-core:description".into(),
        json!(format!(
            "Case number {}. Lead examiner: {}. Opened {}. {} evidence item(s). {}",
            info.number,
            info.examiner,
            info.created,
            snap.evidence.len(),
            leads_note
        )),
    );
    inv.insert("uco-core:objectCreatedTime".into(), dt(&info.created));
    inv.insert("uco-core:object".into(), refs(&members));
    g.add(Value::Object(inv));

    json!({
        "@context": context(),
        "@graph": g.nodes.into_values().collect::<Vec<_>>(),
    })
}
