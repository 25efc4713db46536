//! The one event shape every artefact is turned into.

use std::collections::BTreeMap;

use jiff::Timestamp;
use serde::Serialize;

/// One thing that happened, or one time recorded, in an artefact.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Event {
    /// When, in UTC (serialised as RFC 3339); `None` when the artefact holds
    /// the record but no time for it (a UserAssist entry never run).
    pub time: Option<Timestamp>,
    /// What the time means: `created`, `written`, `last run`, `deleted` …
    pub time_desc: String,
    /// Stable short name of the kind of event, `family:what`.
    pub kind: String,
    /// One line in plain words.
    pub description: String,
    /// The source file, as named by the caller.
    pub source: String,
    /// Where inside the source: record number, key path, stream, offset.
    pub location: String,
    /// Decoded values, sorted by name.
    pub fields: BTreeMap<String, String>,
}

impl Event {
    pub(crate) fn new(
        time: Option<Timestamp>,
        time_desc: &str,
        kind: &str,
        description: impl Into<String>,
        source: &str,
        location: impl Into<String>,
    ) -> Self {
        Event {
            time,
            time_desc: time_desc.to_string(),
            kind: kind.to_string(),
            description: description.into(),
            source: source.to_string(),
            location: location.into(),
            fields: BTreeMap::new(),
        }
    }

    pub(crate) fn field(mut self, k: &str, v: impl ToString) -> Self {
        self.fields.insert(k.to_string(), v.to_string());
        self
    }

    /// The time as RFC 3339 UTC with nine fractional digits (FILETIME
    /// keeps 100 ns, and a fixed width keeps text order = time order), or an
    /// empty string when absent.
    pub fn time_rfc3339(&self) -> String {
        self.time.map(|t| format!("{t:.9}")).unwrap_or_default()
    }

    /// The time in microseconds since 1970, rounded to the nearest (as
    /// plaso and most timelines do), or 0 when absent.
    pub fn time_us(&self) -> i64 {
        self.time
            .map(|t| {
                let ns = t.as_nanosecond();
                (ns + 500).div_euclid(1000) as i64
            })
            .unwrap_or(0)
    }
}

/// Sorts by time (absent first), then source, location, kind, time meaning
/// and description, so output never depends on parse order.
pub fn sort_events(events: &mut [Event]) {
    events.sort_by(|a, b| {
        (
            a.time,
            &a.source,
            &a.location,
            &a.kind,
            &a.time_desc,
            &a.description,
        )
            .cmp(&(
                b.time,
                &b.source,
                &b.location,
                &b.kind,
                &b.time_desc,
                &b.description,
            ))
    });
}
