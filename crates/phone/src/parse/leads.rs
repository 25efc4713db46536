//! Leads in message text, through the bulk lead scanner.

use exhibit_scan::{scan_bytes, CollectSink, ScanConfig};

use crate::{Finding, Message};

/// Scans every message text; findings come out in message order, then by
/// offset in the text.
pub(crate) fn scan_messages(messages: &[Message]) -> Vec<Finding> {
    let cfg = ScanConfig {
        threads: 1,
        ..ScanConfig::default()
    };
    let mut out = Vec::new();
    for (i, m) in messages.iter().enumerate() {
        let Some(text) = m.text.as_deref() else {
            continue;
        };
        let sink = CollectSink::new();
        scan_bytes(text.as_bytes(), 0, &cfg, &sink);
        for f in sink.features() {
            out.push(Finding {
                message: i,
                provenance: m.provenance.clone(),
                kind: f.kind.name().to_string(),
                value: f.value,
                normalized: f.normalized,
                offset: f.offset,
                validated: f.validated,
            });
        }
    }
    out
}
