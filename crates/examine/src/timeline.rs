//! Timelines from listings: TSK body files, and CSV / JSON Lines with full
//! resolution UTC times and a MACB column (as `mactime` groups them).

use std::io::Write;

use exhibit_vfs::{bodyfile_line, mode_string, Entry};
use jiff::Timestamp;
use serde::Serialize;

/// One timeline row: every entry time that falls on the same instant is one
/// event, flagged `m`, `a`, `c`, `b` like `mactime`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Event {
    /// UTC instant, RFC 3339 with the file system's full resolution.
    pub time: String,
    /// `macb` flags with `.` for the ones not at this instant.
    pub macb: String,
    /// Where the entry lives (evidence → partition → file system).
    pub source: String,
    /// Full path of the entry (` (deleted)` appended when deleted).
    pub path: String,
    /// Metadata address.
    pub inode: String,
    /// TSK mode string.
    pub mode: String,
    /// Size in bytes.
    pub size: u64,
    /// Owner.
    pub uid: u32,
    /// Group.
    pub gid: u32,
    /// Whether the name is deleted.
    pub deleted: bool,
    #[serde(skip)]
    at: Timestamp,
}

/// Expands entries into events sorted by time, then path (deterministic).
pub fn events<'a>(items: impl IntoIterator<Item = (&'a str, &'a Entry)>) -> Vec<Event> {
    let mut out = Vec::new();
    for (source, e) in items {
        let t = &e.times;
        let slots = [t.mtime, t.atime, t.ctime, t.crtime];
        let mut seen: Vec<Timestamp> = Vec::new();
        for ts in slots.iter().flatten() {
            if seen.contains(ts) {
                continue;
            }
            seen.push(*ts);
            let flag = |v: Option<Timestamp>, c: char| if v == Some(*ts) { c } else { '.' };
            let macb: String = [
                flag(t.mtime, 'm'),
                flag(t.atime, 'a'),
                flag(t.ctime, 'c'),
                flag(t.crtime, 'b'),
            ]
            .iter()
            .collect();
            out.push(Event {
                time: ts.to_string(),
                macb,
                source: source.to_string(),
                path: if e.deleted {
                    format!("{} (deleted)", e.path)
                } else {
                    e.path.clone()
                },
                inode: e.inode.clone(),
                mode: mode_string(e),
                size: e.size,
                uid: e.uid,
                gid: e.gid,
                deleted: e.deleted,
                at: *ts,
            });
        }
    }
    out.sort_by(|a, b| {
        (a.at, &a.source, &a.path, &a.inode).cmp(&(b.at, &b.source, &b.path, &b.inode))
    });
    out
}

/// Quotes a CSV field when it holds a comma, quote or line break (RFC 4180).
pub fn csv_field(s: &str) -> String {
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

/// Writes events as CSV with a header line.
pub fn write_csv(out: &mut dyn Write, events: &[Event]) -> std::io::Result<()> {
    writeln!(out, "time,macb,source,path,inode,mode,size,uid,gid,deleted")?;
    for e in events {
        writeln!(
            out,
            "{},{},{},{},{},{},{},{},{},{}",
            e.time,
            e.macb,
            csv_field(&e.source),
            csv_field(&e.path),
            csv_field(&e.inode),
            e.mode,
            e.size,
            e.uid,
            e.gid,
            e.deleted
        )?;
    }
    Ok(())
}

/// Writes events as JSON Lines.
pub fn write_jsonl(out: &mut dyn Write, events: &[Event]) -> std::io::Result<()> {
    for e in events {
        let line = serde_json::to_string(e).map_err(std::io::Error::other)?;
        writeln!(out, "{line}")?;
    }
    Ok(())
}

/// Writes entries as a TSK body file (one line per entry, times in seconds).
pub fn write_body(out: &mut dyn Write, prefix: &str, entries: &[Entry]) -> std::io::Result<()> {
    for e in entries {
        writeln!(out, "{}", bodyfile_line(prefix, e))?;
    }
    Ok(())
}
