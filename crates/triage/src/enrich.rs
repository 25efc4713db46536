//! Enrichment of a case's findings: each distinct value once, through
//! [`exhibit_osint::Enricher`] (special IP ranges, GeoIP/ASN, Tor exits and
//! ranges, lookalikes of protected names, watchlists). Values enrichment has
//! something to say about are stored with a one-line summary; the rest
//! (a plain domain, an e-mail address on an ordinary host) are not.

use exhibit_osint::{Enricher, Enrichment};
use exhibit_store::{CaseStore, EnrichmentRow};

use crate::TriageError;

/// What an enrichment run did.
#[derive(Debug, Default, Clone, Copy)]
pub struct EnrichStats {
    /// Distinct finding values looked at.
    pub values: usize,
    /// Values with something to say (stored).
    pub enriched: usize,
    /// Values on a watchlist or imitating a protected name.
    pub flagged: usize,
}

/// Finding kinds enrichment has nothing to add to.
const SKIP: &[&str] = &["darknet"];

/// Enriches every distinct finding value of the case and replaces the
/// stored enrichment (idempotent: the same case and references give the
/// same rows).
pub fn enrich_case(store: &dyn CaseStore, enricher: &Enricher) -> Result<EnrichStats, TriageError> {
    let values: Vec<(String, String)> = store
        .finding_values()?
        .into_iter()
        .filter(|(kind, _)| !SKIP.contains(&kind.as_str()))
        .collect();
    let workers = std::thread::available_parallelism().map_or(1, |n| n.get());
    let chunk = values.len().div_ceil(workers).max(1);
    let mut rows: Vec<EnrichmentRow> = std::thread::scope(|s| {
        let handles: Vec<_> = values
            .chunks(chunk)
            .map(|part| {
                s.spawn(move || {
                    part.iter()
                        .filter_map(|(k, v)| row(k, v, &enricher.enrich(k, v)))
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        handles
            .into_iter()
            .flat_map(|h| h.join().unwrap_or_default())
            .collect()
    });
    rows.sort_by(|a, b| (&a.kind, &a.value).cmp(&(&b.kind, &b.value)));
    store.replace_enrichment(&rows)?;
    Ok(EnrichStats {
        values: values.len(),
        enriched: rows.len(),
        flagged: rows.iter().filter(|r| r.flagged).count(),
    })
}

fn row(kind: &str, value: &str, e: &Enrichment) -> Option<EnrichmentRow> {
    let summary = summary(e);
    if summary.is_empty() {
        return None;
    }
    Some(EnrichmentRow {
        kind: kind.to_string(),
        value: value.to_string(),
        flagged: e.is_flagged(),
        summary,
        json: serde_json::to_string(e).unwrap_or_default(),
    })
}

/// One line: what is known, most telling first.
pub fn summary(e: &Enrichment) -> String {
    let mut parts: Vec<String> = Vec::new();
    for h in &e.watchlist {
        parts.push(format!("on {} (line {}: {})", h.list, h.line, h.entry));
    }
    if e.known_good {
        parts.push("known good".into());
    }
    for l in e.lookalikes.iter().take(2) {
        match &l.protected {
            Some(p) => parts.push(format!("imitates {p}: {}", l.reason)),
            None => parts.push(l.reason.clone()),
        }
    }
    if let Some(ip) = &e.ip {
        if let Some(sp) = &ip.special {
            parts.push(format!("{} ({})", sp.name, sp.network));
        }
        let g = &ip.geo;
        let place: Vec<&str> = [g.country_code.as_deref(), g.city.as_deref()]
            .into_iter()
            .flatten()
            .collect();
        if !place.is_empty() {
            parts.push(place.join(" "));
        }
        if let Some(asn) = g.asn {
            let org = g.as_org.as_deref().unwrap_or("");
            parts.push(format!("AS{asn} {org}").trim().to_string());
        }
        for h in &ip.lists.tor_exit {
            parts.push(format!("Tor exit ({})", h.list));
        }
        for h in &ip.lists.ranges {
            let name = h.name.as_deref().unwrap_or("listed range");
            parts.push(format!("{name} ({})", h.list));
        }
    }
    parts.join("; ")
}
