//! Legacy Windows event logs (`.evt`, Windows NT to XP/2003).
//!
//! The file is a circular buffer: records may wrap from the end of the file
//! back to just after the header, and old records survive in the space not
//! yet overwritten. So the whole file is scanned for record signatures
//! (each record checked by its leading and trailing size), which finds
//! current and leftover records alike; a wrapped record is reassembled.

use std::collections::{BTreeMap, BTreeSet};

use crate::bytes::{posix, slice, u16le, u32le, utf16z_at};
use crate::{Event, WindowsError};

const HEADER_SIZE: usize = 0x30;
const MIN_RECORD: usize = 0x38;
const MAX_RECORD: usize = 0x10_0000;

const EVENT_TYPES: [&str; 6] = ["success", "error", "warning", "", "information", ""];

pub(crate) fn parse(name: &str, data: &[u8]) -> Result<Vec<Event>, WindowsError> {
    if data.len() < HEADER_SIZE {
        return Err(WindowsError::corrupt(
            name,
            "EVT file shorter than its header",
        ));
    }
    let mut out = Vec::new();
    let mut seen = BTreeSet::new();
    let mut numbers = BTreeMap::new();
    let mut pos = 4;
    while pos + 4 <= data.len() {
        let Some(rel) = find(&data[pos..], b"LfLe") else {
            break;
        };
        let sig = pos + rel;
        pos = sig + 4;
        if sig < 4 || sig - 4 < HEADER_SIZE {
            continue;
        }
        let start = sig - 4;
        let Some(rec) = record_bytes(data, start) else {
            continue;
        };
        if !seen.insert(start) {
            continue;
        }
        if let Some((events, number)) = record(name, &rec, start) {
            numbers.insert(number as u64, events.last().and_then(|e| e.time));
            out.extend(events);
        }
    }
    crate::evtx_log::flag_gaps(name, &numbers, &mut out);
    Ok(out)
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

/// The record starting at `start`, reassembled if it wraps past the end of
/// the file; `None` unless both size fields agree.
fn record_bytes(data: &[u8], start: usize) -> Option<Vec<u8>> {
    let size = u32le(data, start)? as usize;
    if !(MIN_RECORD..=MAX_RECORD).contains(&size) {
        return None;
    }
    let rec = if start + size <= data.len() {
        data[start..start + size].to_vec()
    } else {
        let first = &data[start..];
        let rest = size - first.len();
        let second = slice(data, HEADER_SIZE, rest)?;
        let mut v = first.to_vec();
        v.extend_from_slice(second);
        v
    };
    if u32le(&rec, size - 4)? as usize != size {
        return None;
    }
    Some(rec)
}

fn record(name: &str, r: &[u8], offset: usize) -> Option<(Vec<Event>, u32)> {
    let number = u32le(r, 8)?;
    let created = u32le(r, 12)?;
    let written = u32le(r, 16)?;
    let event_id_full = u32le(r, 20)?;
    let event_type = u16le(r, 24)?;
    let num_strings = u16le(r, 26)? as usize;
    let category = u16le(r, 28)?;
    let strings_offset = u32le(r, 36)? as usize;
    let sid_size = u32le(r, 40)? as usize;
    let sid_offset = u32le(r, 44)? as usize;
    let data_size = u32le(r, 48)? as usize;
    let (source_name, p) = utf16z_at(r, 56)?;
    let (computer, _) = utf16z_at(r, p).unwrap_or_default();
    let mut strings = Vec::new();
    let mut sp = strings_offset;
    for _ in 0..num_strings.min(256) {
        match utf16z_at(r, sp) {
            Some((s, next)) if next <= r.len() => {
                strings.push(s);
                sp = next;
            }
            _ => break,
        }
    }
    let sid = if sid_size > 0 {
        slice(r, sid_offset, sid_size).and_then(sid_string)
    } else {
        None
    };
    let event_id = event_id_full & 0xffff;
    let type_name = EVENT_TYPES
        .get(event_type as usize)
        .copied()
        .filter(|s| !s.is_empty())
        .map(str::to_string)
        .unwrap_or_else(|| match event_type {
            8 => "audit success".into(),
            16 => "audit failure".into(),
            t => format!("type {t}"),
        });
    let curated = crate::evtx_log::curated_name(event_id as u64, &source_name);
    let kind = match curated {
        Some(n) => format!("evt:{event_id} {n}"),
        None => "evt:record".to_string(),
    };
    let lead = match curated {
        Some(n) => format!("{n} ({source_name} event {event_id}, {type_name}) on {computer}"),
        None => format!("{source_name} event {event_id} ({type_name}) on {computer}"),
    };
    let description = format!(
        "{lead}{}",
        if strings.is_empty() {
            String::new()
        } else {
            format!(": {}", strings.join(" | "))
        }
    );
    let location = format!("record {number} @ {offset:#x}");
    let mut events = Vec::new();
    for (t, desc) in [(created, "created"), (written, "written")] {
        let mut e = Event::new(
            posix(t as i64),
            desc,
            &kind,
            description.clone(),
            name,
            location.clone(),
        )
        .field("record_number", number)
        .field("event_id", event_id)
        .field("event_identifier", event_id_full)
        .field("event_type", &type_name)
        .field("category", category)
        .field("source_name", &source_name)
        .field("computer", &computer)
        .field("data_size", data_size);
        if let Some(s) = &sid {
            e = e.field("user_sid", s);
        }
        for (i, s) in strings.iter().enumerate() {
            e = e.field(&format!("string_{i:02}"), s);
        }
        events.push(e);
    }
    Some((events, number))
}

/// A binary SID as `S-1-…`.
pub(crate) fn sid_string(b: &[u8]) -> Option<String> {
    let rev = *b.first()?;
    let count = *b.get(1)? as usize;
    let auth = slice(b, 2, 6)?
        .iter()
        .fold(0u64, |a, &x| (a << 8) | x as u64);
    let mut s = format!("S-{rev}-{auth}");
    for i in 0..count {
        s.push_str(&format!("-{}", u32le(b, 8 + 4 * i)?));
    }
    Some(s)
}
