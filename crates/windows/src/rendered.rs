//! Events already turned into bytes (one line each), merged into one
//! timeline: printing a large folder's timeline then costs its output, not
//! an in-memory event with every decoded field per line; and the lines are
//! held LZ4-compressed in blocks of whole lines, so a gigabyte of event
//! logs needs a few hundred megabytes, not its several gigabytes of text.

use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::io::Write;

use jiff::Timestamp;

use crate::Event;

/// Lines are compressed once a block holds this many bytes.
const BLOCK: usize = 64 << 10;

/// One file's events rendered in [`crate::sort_events`] order, with what
/// [`write_merged`] needs to interleave them with other files'.
#[derive(Debug, Default)]
pub struct Rendered {
    blocks: Vec<Block>,
    rows: Vec<Row>,
    sources: Vec<String>,
}

/// Whole lines, compressed.
#[derive(Debug)]
struct Block {
    lz4: Vec<u8>,
    len: usize,
    /// Rows in this and the earlier blocks.
    rows_to: usize,
}

#[derive(Debug)]
struct Row {
    time: Option<Timestamp>,
    source: u32,
    /// End of the line in its block's text.
    end: u32,
}

impl Rendered {
    /// Renders `events`, which must be sorted with [`crate::sort_events`],
    /// one after another with `write` (which appends one line).
    pub fn new<'a>(
        events: &'a [Event],
        mut write: impl FnMut(&'a Event, &mut Vec<u8>),
    ) -> Rendered {
        let mut r = Rendered::default();
        let mut text = Vec::with_capacity(BLOCK + (BLOCK >> 2));
        for e in events {
            let source = match r.sources.iter().position(|s| *s == e.source) {
                Some(i) => i,
                None => {
                    r.sources.push(e.source.clone());
                    r.sources.len() - 1
                }
            };
            write(e, &mut text);
            r.rows.push(Row {
                time: e.time,
                source: u32::try_from(source).unwrap_or(u32::MAX),
                end: u32::try_from(text.len()).unwrap_or(u32::MAX),
            });
            if text.len() >= BLOCK {
                r.seal(&mut text);
            }
        }
        r.seal(&mut text);
        r
    }

    fn seal(&mut self, text: &mut Vec<u8>) {
        if text.is_empty() {
            return;
        }
        self.blocks.push(Block {
            lz4: lz4_flex::block::compress(text),
            len: text.len(),
            rows_to: self.rows.len(),
        });
        text.clear();
    }

    /// Number of events.
    pub fn len(&self) -> usize {
        self.rows.len()
    }

    /// True when no event was rendered.
    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }
}

/// Where [`write_merged`] is in one part: the block it has decompressed.
struct Cursor {
    block: usize,
    text: Vec<u8>,
    start: usize,
}

impl Cursor {
    /// The line of `row`, decompressing its block when the cursor reaches it.
    fn line<'a>(&'a mut self, part: &Rendered, row: usize) -> std::io::Result<&'a [u8]> {
        let bad = |what: String| std::io::Error::other(what);
        if self.block == usize::MAX || part.blocks[self.block].rows_to <= row {
            self.block = self.block.wrapping_add(1);
            let b = part
                .blocks
                .get(self.block)
                .ok_or_else(|| bad(format!("rendered row {row} has no block")))?;
            self.text.clear();
            self.text.resize(b.len, 0);
            lz4_flex::block::decompress_into(&b.lz4, &mut self.text)
                .map_err(|e| bad(format!("rendered block: {e}")))?;
            self.start = 0;
        }
        let end = part.rows[row].end as usize;
        let line = self
            .text
            .get(self.start..end)
            .ok_or_else(|| bad(format!("rendered row {row} outside its block")))?;
        self.start = end;
        Ok(line)
    }
}

/// Writes every part's lines as one timeline: by time (absent first), then
/// source, then the part's own order (location, kind, meaning, description
/// within a file); equal keys in different parts keep the parts' order, so
/// the output depends only on the inputs, never on threads.
pub fn write_merged(parts: &[Rendered], out: &mut dyn Write) -> std::io::Result<()> {
    // Merging (and decompressing) on one thread while this one writes:
    // the output of a large set is gigabytes, and its write calls cost as
    // much as the merge.
    const CHUNK: usize = 1 << 20;
    let (full_tx, full_rx) = std::sync::mpsc::sync_channel::<Vec<u8>>(4);
    let (empty_tx, empty_rx) = std::sync::mpsc::channel::<Vec<u8>>();
    std::thread::scope(|s| {
        let merger = s.spawn(move || -> std::io::Result<()> {
            let mut buf = Vec::with_capacity(CHUNK + (CHUNK >> 2));
            merge(parts, &mut |line| {
                buf.extend_from_slice(line);
                if buf.len() >= CHUNK {
                    let next = empty_rx
                        .try_recv()
                        .unwrap_or_else(|_| Vec::with_capacity(CHUNK + (CHUNK >> 2)));
                    let full = std::mem::replace(&mut buf, next);
                    // The writer only hangs up after a write error, which it reports.
                    if full_tx.send(full).is_err() {
                        return Err(std::io::Error::other("output closed"));
                    }
                }
                Ok(())
            })?;
            if !buf.is_empty() {
                let _ = full_tx.send(buf);
            }
            Ok(())
        });
        let mut written = Ok(());
        for mut chunk in full_rx {
            written = out.write_all(&chunk);
            if written.is_err() {
                break;
            }
            chunk.clear();
            let _ = empty_tx.send(chunk);
        }
        let merged = merger
            .join()
            .unwrap_or_else(|_| Err(std::io::Error::other("merge thread panicked")));
        written.and(merged)
    })
}

/// Hands every part's lines to `line`, in timeline order.
fn merge(
    parts: &[Rendered],
    line: &mut dyn FnMut(&[u8]) -> std::io::Result<()>,
) -> std::io::Result<()> {
    // Sources compared by their rank among all parts' sources: integers in
    // the heap, not strings (millions of comparisons on a large set).
    let mut names: Vec<&str> = parts
        .iter()
        .flat_map(|p| p.sources.iter().map(String::as_str))
        .collect();
    names.sort_unstable();
    names.dedup();
    let ranks: Vec<Vec<u32>> = parts
        .iter()
        .map(|p| {
            p.sources
                .iter()
                .map(|s| {
                    let r = names.binary_search(&s.as_str()).unwrap_or(names.len());
                    u32::try_from(r).unwrap_or(u32::MAX)
                })
                .collect()
        })
        .collect();
    let rank = |p: usize, row: usize| -> u32 {
        ranks[p]
            .get(parts[p].rows[row].source as usize)
            .copied()
            .unwrap_or(u32::MAX)
    };
    let mut heap = BinaryHeap::with_capacity(parts.len());
    let mut cursors: Vec<Cursor> = parts
        .iter()
        .map(|_| Cursor {
            block: usize::MAX,
            text: Vec::new(),
            start: 0,
        })
        .collect();
    for (p, part) in parts.iter().enumerate() {
        if !part.is_empty() {
            heap.push(Reverse((part.rows[0].time, rank(p, 0), p, 0usize)));
        }
    }
    while let Some(Reverse((_, _, p, row))) = heap.pop() {
        let part = &parts[p];
        line(cursors[p].line(part, row)?)?;
        let next = row + 1;
        if next < part.rows.len() {
            heap.push(Reverse((part.rows[next].time, rank(p, next), p, next)));
        } else {
            // Done with this part: give its buffer back.
            cursors[p].text = Vec::new();
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
            // Enough lines for several compressed blocks.
            (0..4000)
                .map(|i| ev(i % 97, "big", &format!("{i:0>120}")))
                .collect(),
            (0..3000)
                .map(|i| ev(i % 89, "big2", &format!("{i:0>100}")))
                .collect(),
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
