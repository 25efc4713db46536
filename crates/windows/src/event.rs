//! The one event shape every artefact is turned into.

use std::collections::BTreeMap;
use std::sync::Arc;

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
    /// Decoded values, sorted by name; shared between the events of one
    /// record (an event log's created and written times).
    #[serde(serialize_with = "shared_map")]
    pub fields: Arc<BTreeMap<String, String>>,
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
            fields: Arc::default(),
        }
    }

    pub(crate) fn field(mut self, k: &str, v: impl ToString) -> Self {
        Arc::make_mut(&mut self.fields).insert(k.to_string(), v.to_string());
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

fn shared_map<S: serde::Serializer>(
    m: &Arc<BTreeMap<String, String>>,
    s: S,
) -> Result<S::Ok, S::Error> {
    serde::Serialize::serialize(&**m, s)
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

/// Writes events as JSON lines (the shape `exhibit windows artefacts
/// --json` prints), byte for byte what `serde_json` would write for them.
///
/// Event logs give two events per record (created and written) with the
/// same fields, next to each other in sorted order: the fields of an event
/// equal to the previous one's are copied as bytes instead of encoded again
/// (a third of the cost of a large log's output).
#[derive(Debug, Default)]
pub struct JsonLines {
    /// The previous event's fields, encoded.
    fields: Vec<u8>,
}

impl JsonLines {
    /// Appends `e` as one line; `prev` is the event written just before
    /// through this writer, if any.
    pub fn write(&mut self, e: &Event, prev: Option<&Event>, out: &mut Vec<u8>) {
        out.extend_from_slice(b"{\"time\":\"");
        if let Some(t) = e.time {
            use std::io::Write;
            let _ = write!(out, "{t:.9}");
        }
        out.extend_from_slice(b"\",\"time_desc\":");
        json_str(&e.time_desc, out);
        out.extend_from_slice(b",\"kind\":");
        json_str(&e.kind, out);
        out.extend_from_slice(b",\"source\":");
        json_str(&e.source, out);
        out.extend_from_slice(b",\"location\":");
        json_str(&e.location, out);
        out.extend_from_slice(b",\"description\":");
        json_str(&e.description, out);
        out.extend_from_slice(b",\"fields\":");
        let same = prev.is_some_and(|p| Arc::ptr_eq(&p.fields, &e.fields) || p.fields == e.fields);
        if !same || self.fields.is_empty() {
            self.fields.clear();
            self.fields.push(b'{');
            for (i, (k, v)) in e.fields.iter().enumerate() {
                if i > 0 {
                    self.fields.push(b',');
                }
                json_str(k, &mut self.fields);
                self.fields.push(b':');
                json_str(v, &mut self.fields);
            }
            self.fields.push(b'}');
        }
        out.extend_from_slice(&self.fields);
        out.extend_from_slice(b"}\n");
    }
}

/// Appends `s` as a JSON string, escaped as `serde_json` escapes.
pub fn json_str(s: &str, out: &mut Vec<u8>) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    out.push(b'"');
    let bytes = s.as_bytes();
    // Most values need no escape: one branch-free pass over the bytes
    // (which vectorises) decides it.
    let plain = !bytes.iter().fold(false, |any, &b| {
        any | (b < 0x20) | (b == b'"') | (b == b'\\')
    });
    if plain {
        out.extend_from_slice(bytes);
        out.push(b'"');
        return;
    }
    let mut start = 0;
    for (i, &b) in bytes.iter().enumerate() {
        let esc: &[u8] = match b {
            b'"' => b"\\\"",
            b'\\' => b"\\\\",
            b'\n' => b"\\n",
            b'\r' => b"\\r",
            b'\t' => b"\\t",
            0x08 => b"\\b",
            0x0c => b"\\f",
            0..=0x1f => &[],
            _ => continue,
        };
        out.extend_from_slice(&bytes[start..i]);
        if esc.is_empty() {
            out.extend_from_slice(b"\\u00");
            out.push(HEX[usize::from(b >> 4)]);
            out.push(HEX[usize::from(b & 0xf)]);
        } else {
            out.extend_from_slice(esc);
        }
        start = i + 1;
    }
    out.extend_from_slice(&bytes[start..]);
    out.push(b'"');
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Serialize)]
    struct Line<'a> {
        time: String,
        time_desc: &'a str,
        kind: &'a str,
        source: &'a str,
        location: &'a str,
        description: &'a str,
        fields: &'a BTreeMap<String, String>,
    }

    fn serde_line(e: &Event) -> Vec<u8> {
        let mut v = serde_json::to_vec(&Line {
            time: e.time_rfc3339(),
            time_desc: &e.time_desc,
            kind: &e.kind,
            source: &e.source,
            location: &e.location,
            description: &e.description,
            fields: &e.fields,
        })
        .unwrap();
        v.push(b'\n');
        v
    }

    #[test]
    fn json_lines_are_what_serde_json_writes() {
        let odd = "quote \" back \\ nl \n cr \r tab \t bs \u{8} ff \u{c} nul \u{0} us \u{1f} del \u{7f} ไทย é";
        let a = Event::new(
            Some(Timestamp::from_second(1_600_000_000).unwrap()),
            "created",
            "evtx:record",
            odd,
            "x.evtx",
            "record 1",
        )
        .field("data.a", odd)
        .field(odd, "v");
        let mut b = a.clone();
        b.time_desc = "written".into();
        let mut c = a.clone();
        c.time = None;
        Arc::make_mut(&mut c.fields).insert("z".into(), String::new());
        let d = Event::new(None, "", "k", "", "", "");
        let mut w = JsonLines::default();
        let mut prev: Option<&Event> = None;
        for e in [&a, &b, &c, &d, &a] {
            let mut got = Vec::new();
            w.write(e, prev, &mut got);
            assert_eq!(
                String::from_utf8(got).unwrap(),
                String::from_utf8(serde_line(e)).unwrap()
            );
            prev = Some(e);
        }
    }
}
