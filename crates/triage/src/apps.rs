//! Stage `apps`: conversations, calls and browser history of a phone
//! extraction (a folder, or a zip/tar of one) into the case.
//!
//! The phone crate reads the apps' databases from copies (never the
//! evidence); here its records become rows: each chat message a message
//! (its location is `database#table/row`, its analysis JSON the whole
//! record), a timeline event and an index document; each call and visit an
//! event; each lead in a message's text a finding whose path names the
//! message. Contacts stay in the extraction's own listing
//! (`exhibit phone read`): they carry no time and no text to search.

use std::path::Path;

use exhibit_phone::{Direction, Extraction, Message, Participant, Provenance};
use exhibit_store::{CaseStore, FileKey, FindingRow, MessageRow, TimelineRow};

use crate::{Progress, TriageError};

/// Stage name of these rows.
pub const STAGE: &str = "apps";

/// Rows per transaction.
const BATCH: usize = 10_000;

/// Whether `path` may be a phone extraction worth asking the phone crate
/// about: a folder, or a zip or tar file.
pub fn candidate(path: &Path) -> bool {
    if path.is_dir() {
        return true;
    }
    let mut head = [0u8; 512];
    let n = std::fs::File::open(path)
        .and_then(|mut f| {
            use std::io::Read;
            f.read(&mut head)
        })
        .unwrap_or(0);
    let head = &head[..n];
    head.starts_with(b"PK\x03\x04") || (n >= 262 && &head[257..262] == b"ustar")
}

/// Reads the extraction at `path` (evidence `evidence`) and stores its
/// records; an item with no app database adds nothing. Returns warnings.
pub fn run(
    store: &dyn CaseStore,
    index: &mut exhibit_index::Writer,
    evidence: &str,
    path: &Path,
    progress: &(dyn Fn(Progress<'_>) + Sync),
) -> Result<Vec<String>, TriageError> {
    progress(Progress::Step {
        evidence,
        step: "reading app databases",
        total: 0,
    });
    let x = match exhibit_phone::read_extraction(path) {
        Ok(x) => x,
        // Not an extraction after all (an unreadable archive, say): the
        // files stage already listed what it could.
        Err(e) => return Ok(vec![format!("{evidence}: apps: {e}")]),
    };
    let folder = path.is_dir();
    let warnings = x
        .warnings
        .iter()
        .map(|w| match &w.table {
            Some(t) => format!("{evidence}: {} ({t}): {}", w.file, w.message),
            None => format!("{evidence}: {}: {}", w.file, w.message),
        })
        .collect();
    for app in apps_of(&x) {
        index.delete_evidence_tag(evidence, app)?;
    }
    let rows = Rows::of(&x, evidence, folder);
    for chunk in rows.messages.chunks(BATCH) {
        store.insert_messages(STAGE, chunk)?;
    }
    for chunk in rows.events.chunks(BATCH) {
        store.insert_events(STAGE, chunk)?;
    }
    for chunk in rows.findings.chunks(BATCH) {
        store.insert_findings(STAGE, chunk)?;
    }
    for d in &rows.docs {
        index.add(d)?;
    }
    Ok(warnings)
}

/// The apps an extraction has messages of (their index tags).
fn apps_of(x: &Extraction) -> std::collections::BTreeSet<&'static str> {
    x.messages.iter().map(|m| m.app.name()).collect()
}

/// What one extraction adds to the case.
#[derive(Default)]
struct Rows {
    messages: Vec<MessageRow>,
    events: Vec<TimelineRow>,
    findings: Vec<FindingRow>,
    docs: Vec<exhibit_index::Doc>,
}

impl Rows {
    fn of(x: &Extraction, evidence: &str, folder: bool) -> Rows {
        let mut rows = Rows::default();
        let key = |p: &Provenance| {
            folder.then(|| FileKey {
                partition: 0,
                inode: "-".into(),
                path: format!("/{}", p.file.trim_start_matches('/')),
            })
        };
        let names: std::collections::BTreeMap<(&str, &str), &str> = x
            .conversations
            .iter()
            .filter_map(|c| Some(((c.app.name(), c.id.as_str()), c.name.as_deref()?)))
            .collect();
        for m in &x.messages {
            let location = location(&m.provenance);
            let conversation = names
                .get(&(m.app.name(), m.conversation.as_str()))
                .map(|n| n.to_string())
                .unwrap_or_else(|| m.conversation.clone());
            let json = serde_json::to_string(m).unwrap_or_default();
            let sha256 =
                exhibit_hash::hash_bytes(json.as_bytes(), &[exhibit_hash::Algorithm::Sha256])
                    .hex(exhibit_hash::Algorithm::Sha256)
                    .unwrap_or_default();
            let time = m.time.map(crate::time_text);
            let text = m.text.clone().unwrap_or_default();
            rows.messages.push(MessageRow {
                evidence: evidence.to_string(),
                sha256,
                location: location.clone(),
                offset: 0,
                size: text.len() as u64,
                message_id: None,
                date: time.clone(),
                date_zone: None,
                sender: m.sender.as_ref().map(display),
                recipients: m.recipient.as_ref().map(display),
                subject: Some(format!("{} · {conversation}", m.app)),
                attachments: m.attachments.len() as u64,
                analysis: Some(json),
                file: key(&m.provenance),
                file_id: None,
            });
            if let Some(t) = &time {
                rows.events.push(TimelineRow {
                    time: t.clone(),
                    macb: "....".into(),
                    evidence: evidence.to_string(),
                    source: format!("{} message", m.app),
                    description: describe(m, &conversation),
                    zone: None,
                    file: key(&m.provenance),
                    file_id: None,
                });
            }
            rows.docs.push(exhibit_index::Doc {
                kind: exhibit_index::DocKind::Message,
                evidence: evidence.to_string(),
                key: location.clone(),
                sort: location.clone(),
                tag: m.app.name().to_string(),
                value: conversation,
                path: location,
                time: m.time,
                text,
            });
        }
        for c in &x.calls {
            let Some(t) = c.time else { continue };
            let peers: Vec<String> = c.peers.iter().map(display).collect();
            let what = match (c.missed, c.direction) {
                (true, _) => "missed call",
                (false, Direction::Outgoing) => "outgoing call",
                (false, Direction::Incoming) => "incoming call",
                (false, Direction::Unknown) => "call",
            };
            let duration = c
                .duration
                .map(|d| format!(", {d:.0} s"))
                .unwrap_or_default();
            rows.events.push(TimelineRow {
                time: crate::time_text(t),
                macb: "....".into(),
                evidence: evidence.to_string(),
                source: format!("{} call", c.app),
                description: format!(
                    "{what} with {}{duration} ({})",
                    peers.join(", "),
                    location(&c.provenance)
                ),
                zone: None,
                file: key(&c.provenance),
                file_id: None,
            });
        }
        for v in &x.visits {
            let Some(t) = v.time else { continue };
            rows.events.push(TimelineRow {
                time: crate::time_text(t),
                macb: "....".into(),
                evidence: evidence.to_string(),
                source: format!("{} history", v.browser),
                description: format!(
                    "visited {}{} ({})",
                    v.url,
                    v.title
                        .as_deref()
                        .map(|t| format!(" \"{t}\""))
                        .unwrap_or_default(),
                    location(&v.provenance)
                ),
                zone: None,
                file: key(&v.provenance),
                file_id: None,
            });
        }
        for f in &x.findings {
            let text = x
                .messages
                .get(f.message)
                .and_then(|m| m.text.as_deref())
                .unwrap_or("");
            rows.findings.push(FindingRow {
                evidence: evidence.to_string(),
                kind: f.kind.clone(),
                value: f.value.clone(),
                normalized: f.normalized.clone(),
                path: format!("{}:{}", location(&f.provenance), f.offset),
                offset: f.offset,
                encoding: Some("MESSAGE".into()),
                validated: f.validated,
                context: Some(context(text, f.offset, f.value.len())),
                file: key(&f.provenance),
                file_id: None,
            });
        }
        rows
    }
}

/// Where a record is: `database#table/row`.
fn location(p: &Provenance) -> String {
    format!("{}#{}/{}", p.file, p.table, p.row)
}

/// A participant as people read it: name and number, else the account id.
fn display(p: &Participant) -> String {
    let who = p.phone.as_deref().unwrap_or(&p.id);
    match &p.name {
        Some(n) if n != who => format!("{n} <{who}>"),
        _ => who.to_string(),
    }
}

fn describe(m: &Message, conversation: &str) -> String {
    let from = m.sender.as_ref().map(display);
    let to = m.recipient.as_ref().map(display);
    let dir = match m.direction {
        Direction::Outgoing => "sent",
        Direction::Incoming => "received",
        Direction::Unknown => "message",
    };
    let mut s = format!("{} {dir} in {conversation}", m.app);
    if let Some(f) = from {
        s.push_str(&format!(" from {f}"));
    }
    if let Some(t) = to {
        s.push_str(&format!(" to {t}"));
    }
    if let Some(text) = &m.text {
        let short: String = text.chars().take(80).collect();
        s.push_str(&format!(": {short}"));
    }
    s
}

/// Up to 32 bytes either side of a lead, cut at character boundaries.
fn context(text: &str, offset: u64, len: usize) -> String {
    let at = usize::try_from(offset)
        .unwrap_or(usize::MAX)
        .min(text.len());
    let mut start = at.saturating_sub(32);
    while !text.is_char_boundary(start) {
        start -= 1;
    }
    let mut end = at.saturating_add(len).saturating_add(32).min(text.len());
    while !text.is_char_boundary(end) {
        end += 1;
    }
    text[start..end].to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn context_cuts_at_character_boundaries() {
        let t = "ส่งเงินไปที่ 1BoatSLRHtKNngkdXEeobR76b53LETtpyT ด่วน";
        let at = t.find('1').unwrap();
        let c = context(t, at as u64, 34);
        assert!(c.contains("1BoatSLRHtKNngkdXEeobR76b53LETtpyT"));
    }
}
