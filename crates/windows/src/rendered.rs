//! Events already turned into bytes (one line each), merged into one
//! timeline: printing a large folder's timeline then costs its output, not
//! an in-memory event with every decoded field per line.

use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::io::Write;

use jiff::Timestamp;

use crate::Event;

/// One file's events rendered in [`crate::sort_events`] order, with what
/// [`write_merged`] needs to interleave them with other files'.
#[derive(Debug, Default)]
pub struct Rendered {
    bytes: Vec<u8>,
    rows: Vec<Row>,
    sources: Vec<String>,
}

#[derive(Debug)]
struct Row {
    time: Option<Timestamp>,
    source: u32,
    end: usize,
}

impl Rendered {
    /// Renders `events`, which must be sorted with [`crate::sort_events`],
    /// one after another with `write` (which appends one line).
    pub fn new(events: &[Event], mut write: impl FnMut(&Event, &mut Vec<u8>)) -> Rendered {
        let mut r = Rendered::default();
        for e in events {
            let source = match r.sources.iter().position(|s| *s == e.source) {
                Some(i) => i,
                None => {
                    r.sources.push(e.source.clone());
                    r.sources.len() - 1
                }
            };
            write(e, &mut r.bytes);
            r.rows.push(Row {
                time: e.time,
                source: u32::try_from(source).unwrap_or(u32::MAX),
                end: r.bytes.len(),
            });
        }
        r
    }

    /// Number of events.
    pub fn len(&self) -> usize {
        self.rows.len()
    }

    /// True when no event was rendered.
    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }

    fn start(&self, row: usize) -> usize {
        row.checked_sub(1).map_or(0, |p| self.rows[p].end)
    }

    fn source(&self, row: usize) -> &str {
        self.sources
            .get(self.rows[row].source as usize)
            .map_or("", String::as_str)
    }
}

/// Writes every part's lines as one timeline: by time (absent first), then
/// source, then the part's own order (location, kind, meaning, description
/// within a file); equal keys in different parts keep the parts' order, so
/// the output depends only on the inputs, never on threads.
pub fn write_merged(parts: &[Rendered], out: &mut dyn Write) -> std::io::Result<()> {
    let mut heap = BinaryHeap::with_capacity(parts.len());
    for (p, part) in parts.iter().enumerate() {
        if !part.is_empty() {
            heap.push(Reverse((part.rows[0].time, part.source(0), p, 0usize)));
        }
    }
    while let Some(Reverse((_, _, p, row))) = heap.pop() {
        let part = &parts[p];
        out.write_all(&part.bytes[part.start(row)..part.rows[row].end])?;
        let next = row + 1;
        if next < part.rows.len() {
            heap.push(Reverse((part.rows[next].time, part.source(next), p, next)));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sort_events;

    fn ev(t: i64, source: &str, location: &str) -> Event {
        Event::new(
            Some(Timestamp::from_second(t).unwrap()),
            "created",
            "test:kind",
            "d",
            source,
            location,
        )
    }

    #[test]
    fn merging_rendered_files_gives_the_sorted_timeline() {
        let files = [
            vec![
                ev(5, "b", "1"),
                ev(1, "b", "2"),
                ev(3, "b", "3"),
                ev(3, "b", "0"),
            ],
            vec![ev(3, "a", "9"), ev(7, "a", "1"), ev(1, "a", "1")],
            vec![],
            vec![ev(3, "c", "1"), ev(2, "x", "1"), ev(2, "c", "5")],
        ];
        let line = |e: &Event, out: &mut Vec<u8>| {
            out.extend_from_slice(
                format!("{} {} {}\n", e.time_us(), e.source, e.location).as_bytes(),
            )
        };
        let parts: Vec<Rendered> = files
            .iter()
            .map(|f| {
                let mut f = f.clone();
                sort_events(&mut f);
                Rendered::new(&f, line)
            })
            .collect();
        let mut merged = Vec::new();
        write_merged(&parts, &mut merged).unwrap();
        let mut all: Vec<Event> = files.concat();
        sort_events(&mut all);
        let mut want = Vec::new();
        all.iter().for_each(|e| line(e, &mut want));
        assert_eq!(
            String::from_utf8(merged).unwrap(),
            String::from_utf8(want).unwrap()
        );
    }
}
