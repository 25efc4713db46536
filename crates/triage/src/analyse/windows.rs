//! Windows artefacts: event logs, registry hives, prefetch, shortcuts,
//! jump lists, recycle-bin records, setupapi logs and browser history
//! (`exhibit-windows`) become timeline events, each naming its file and
//! the record inside it.

use exhibit_evidence::Source;
use exhibit_store::TimelineRow;

use super::{Analyser, FileFacts, Found};

/// Largest artefact read (event logs and hives are far smaller; a bigger
/// file of the right name is named in a warning instead).
const MAX: u64 = 512 << 20;

/// The Windows artefacts analyser.
pub struct Windows;

impl Analyser for Windows {
    fn name(&self) -> &'static str {
        "windows"
    }

    fn wants(&self, file: &FileFacts<'_>) -> bool {
        exhibit_windows::detect(&file.key.path, file.head).is_some()
    }

    fn analyse(&self, file: &FileFacts<'_>, data: &dyn Source, out: &mut Found) {
        if file.size > MAX {
            out.warnings
                .push(format!("{} bytes: larger than {MAX}, not read", file.size));
            return;
        }
        let mut buf = vec![0u8; usize::try_from(file.size).unwrap_or(0)];
        let mut at = 0usize;
        while at < buf.len() {
            match data.read_at(at as u64, &mut buf[at..]) {
                Ok(0) => break,
                Ok(n) => at += n,
                Err(e) => {
                    out.warnings.push(format!("read at {at}: {e}"));
                    return;
                }
            }
        }
        buf.truncate(at);
        let events = match exhibit_windows::artefacts_from_file(&file.key.path, &buf) {
            Ok(events) => events,
            Err(e) => {
                out.warnings.push(e.to_string());
                return;
            }
        };
        for e in events {
            let Some(t) = e.time else { continue };
            let zone = e.fields.get("time_zone").cloned();
            let mut description = format!("{}: {}", e.time_desc, e.description);
            if !e.location.is_empty() {
                description.push_str(&format!(" [{}]", e.location));
            }
            out.events.push(TimelineRow {
                time: crate::time_text(t),
                macb: "....".into(),
                evidence: file.evidence.to_string(),
                source: e.kind,
                description,
                zone,
                file: Some(file.key.clone()),
                file_id: None,
            });
        }
    }
}
