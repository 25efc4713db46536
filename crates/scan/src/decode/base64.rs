//! Base64 blocks in text: at least 24 base64 characters, on one line or
//! on several lines of equal length (MIME, PEM) with a shorter last line,
//! optional `=` padding; the standard and the URL-safe alphabet. A block is
//! decoded and rescanned only if the result is mostly text (UTF-8 or
//! UTF-16) or starts with a container signature (gzip, zlib, ZIP, PDF) or
//! a JPEG's (`FF D8 FF`, for EXIF GPS).

use super::{limit, rescan, Cut};
use crate::classes::{at, is, B64};
use crate::engine::Ctx;
use crate::frame::Frame;

/// Fewest base64 characters in a block.
pub(crate) const MIN_CHARS: usize = 24;

/// A block within a text slice.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct Block {
    /// First base64 character.
    pub start: usize,
    /// After the last character (padding included).
    pub end: usize,
}

/// One line of a candidate block: characters `[s, e)`, then `pad` `=`.
#[derive(Clone, Copy)]
struct Line {
    s: usize,
    e: usize,
    pad: usize,
}

fn eol(t: &[u8], j: usize) -> usize {
    if t[j..].starts_with(b"\r\n") {
        2
    } else if t.get(j) == Some(&b'\n') {
        1
    } else {
        0
    }
}

/// The next block at or after `i` in `t`, and where to resume after it.
pub(crate) fn next_block(t: &[u8], mut i: usize) -> Option<(Block, usize)> {
    let n = t.len();
    let mut lines: Vec<Line> = Vec::new();
    if i > 0 {
        // start at a word boundary
        while i < n && is(t[i - 1], B64) {
            i += 1;
        }
    }
    while i < n {
        while i < n && !is(t[i], B64) {
            i += 1;
        }
        if i >= n {
            break;
        }
        // Most words are short and end in neither '=' nor a line break.
        let mut e = i;
        while e < n && is(t[e], B64) {
            e += 1;
        }
        let next = at(t, e);
        if e - i < MIN_CHARS && next != b'=' && next != b'\n' && next != b'\r' {
            i = e;
            continue;
        }
        // the first line, and whether another follows it
        let line = |mut j: usize| {
            let s = j;
            while j < n && is(t[j], B64) {
                j += 1;
            }
            let e = j;
            let mut pad = 0;
            while j < n && t[j] == b'=' && pad < 2 {
                j += 1;
                pad += 1;
            }
            let br = if j < n { eol(t, j) } else { 0 };
            let more = pad == 0 && br > 0 && j + br < n && is(t[j + br], B64);
            (Line { s, e, pad }, j, more.then_some(j + br))
        };
        let (first_line, mut j, mut more) = line(i);
        if more.is_none() {
            // one line: the common case, no allocation
            if len(first_line) >= MIN_CHARS {
                let b = Block {
                    start: first_line.s,
                    end: first_line.e + first_line.pad,
                };
                return Some((b, j));
            }
            i = j.max(i + 1);
            continue;
        }
        lines.clear();
        lines.push(first_line);
        while let Some(next) = more {
            let (l, jj, m) = line(next);
            lines.push(l);
            j = jj;
            more = m;
        }
        let resume = j.max(i + 1);
        // A first line shorter than the second is a word before the block.
        let first = usize::from(len(lines[0]) < len(lines[1]));
        let width = len(lines[first]);
        let mut last = first;
        for k in first + 1..lines.len() {
            let l = len(lines[k]);
            if l > width || lines[k - 1].pad > 0 {
                break;
            }
            last = k;
            if l < width {
                break;
            }
        }
        let mut chars: usize = lines[first..=last].iter().map(|&l| len(l)).sum();
        // A short unpadded last line that breaks the 4-character quanta of
        // the lines before it is a word after the block ("…UmVmIDAK\njournal"),
        // unless the text ends there (a block cut by the end of a chunk).
        let tail = len(lines[last]);
        if last > first
            && tail < width
            && lines[last].pad == 0
            && lines[last].e < n
            && (chars - tail).is_multiple_of(4)
            && !chars.is_multiple_of(4)
        {
            last -= 1;
            chars -= tail;
        }
        if chars >= MIN_CHARS {
            let b = Block {
                start: lines[first].s,
                end: lines[last].e + lines[last].pad,
            };
            let resume = if last + 1 < lines.len() {
                lines[last + 1].s
            } else {
                resume
            };
            return Some((b, resume));
        }
        i = resume;
    }
    None
}

fn len(l: Line) -> usize {
    l.e - l.s
}

fn value(c: u8) -> Option<u32> {
    Some(match c {
        b'A'..=b'Z' => c - b'A',
        b'a'..=b'z' => c - b'a' + 26,
        b'0'..=b'9' => c - b'0' + 52,
        b'+' | b'-' => 62,
        b'/' | b'_' => 63,
        _ => return None,
    } as u32)
}

/// Decodes the base64 characters of `t` (ignoring line breaks and padding)
/// into at most `max` bytes; returns whether it stopped at `max`.
pub(crate) fn decode_into(t: &[u8], max: usize, out: &mut Vec<u8>) -> bool {
    let mut acc = 0u32;
    let mut n = 0;
    for &c in t {
        let Some(v) = value(c) else { continue };
        acc = (acc << 6) | v;
        n += 1;
        if n == 4 {
            if out.len() + 3 > max {
                return true;
            }
            out.extend_from_slice(&[(acc >> 16) as u8, (acc >> 8) as u8, acc as u8]);
            n = 0;
            acc = 0;
        }
    }
    match n {
        2 => out.push((acc >> 4) as u8),
        3 => out.extend_from_slice(&[(acc >> 10) as u8, (acc >> 2) as u8]),
        _ => {}
    }
    out.len() > max
}

/// True when decoded bytes are worth rescanning.
pub(crate) fn worth_scanning(d: &[u8]) -> bool {
    if d.len() < 8 {
        return false;
    }
    if d.starts_with(b"\x1f\x8b\x08")
        || (d[0] == 0x78 && matches!(d[1], 0x01 | 0x5e | 0x9c | 0xda))
        || d.starts_with(b"PK\x03\x04")
        || d.starts_with(b"%PDF")
        || d.starts_with(b"\xff\xd8\xff")
    {
        return true;
    }
    let d = &d[..d.len().min(4096)];
    texty_utf8(d) || texty_utf16(d)
}

/// Mostly printable UTF-8: at most one in ten characters a control
/// character or an invalid byte (a word glued after a block decodes to a few
/// bytes of garbage at its end, which must not hide the text before it).
fn texty_utf8(d: &[u8]) -> bool {
    let (mut all, mut bad) = (0usize, 0usize);
    for chunk in d.utf8_chunks() {
        for c in chunk.valid().chars() {
            all += 1;
            if c.is_control() && !matches!(c, '\t' | '\r' | '\n') {
                bad += 1;
            }
        }
        let invalid = chunk.invalid().len();
        all += invalid;
        bad += invalid;
    }
    all > 0 && bad * 10 <= all
}

fn texty_utf16(d: &[u8]) -> bool {
    let units = d.len() / 2;
    if units < 4 {
        return false;
    }
    let text = |b: u8| is(b, crate::classes::PRINT);
    let le = (0..units)
        .filter(|&k| text(d[2 * k]) && d[2 * k + 1] == 0)
        .count();
    let be = (0..units)
        .filter(|&k| d[2 * k] == 0 && text(d[2 * k + 1]))
        .count();
    le.max(be) * 10 >= units * 8
}

/// Finds and decodes the base64 blocks of the text run `f.data[s..e]`.
///
/// A block starts with a line of at least [`MIN_CHARS`] characters, found
/// from 64-byte alphabet masks (doubling shifts: bit i of `x24` is set when
/// the 24 bytes from i are all base64), so text without long base64 runs
/// costs a few instructions per 64 bytes.
pub(crate) fn scan_run(ctx: &mut Ctx, f: &Frame, s: usize, e: usize) {
    if e - s < MIN_CHARS {
        return;
    }
    let t = &f.data[s..e];
    let mut resume = 0usize;
    let mut cur = crate::masks::b64(t, 0);
    let mut base = 0usize;
    while base < t.len() {
        let nxt = crate::masks::b64(t, base + 64);
        if cur != 0 {
            let w = cur as u128 | (nxt as u128) << 64;
            let x2 = w & w >> 1;
            let x4 = x2 & x2 >> 2;
            let x8 = x4 & x4 >> 4;
            let x16 = x8 & x8 >> 8;
            let x24 = (x16 & x8 >> 16) as u64;
            let mut c = x24 & crate::engine::from(resume, base);
            while c != 0 {
                let start = base + c.trailing_zeros() as usize;
                match next_block(t, start) {
                    Some((b, r)) => {
                        resume = r.max(start + 1);
                        block(ctx, f, s, e, b);
                    }
                    None => resume = t.len(),
                }
                c = x24 & crate::engine::from(resume, base);
            }
        }
        cur = nxt;
        base += 64;
    }
}

/// Decodes block `b` of the run at `s..e`.
fn block(ctx: &mut Ctx, f: &Frame, s: usize, e: usize, b: Block) {
    let at = s + b.start;
    if !f.owns(at) {
        return;
    }
    if s + b.end == f.data.len() && e == f.data.len() && f.tail.is_some() {
        // The block runs past the chunk: read it from the source.
        decode_from_source(ctx, f, at);
    } else {
        decode_block(ctx, f, at, &f.data[at..s + b.end]);
    }
}

fn decode_block(ctx: &mut Ctx, f: &Frame, at: usize, block: &[u8]) {
    let max = limit(ctx);
    let mut out = Vec::with_capacity((block.len() / 4 * 3).min(max));
    let cut = decode_into(block, max, &mut out);
    if worth_scanning(&out) {
        rescan(ctx, f, at, "BASE64", &out, cut.then_some(Cut::Size));
    }
}

fn decode_from_source(ctx: &mut Ctx, f: &Frame, at: usize) {
    let Some(tail) = f.tail else { return };
    let abs = tail.end_abs - (f.data.len() - at) as u64;
    let src_left = tail.source.len().saturating_sub(abs);
    // base64 plus line breaks for max_decoded bytes of output
    let cap = ctx.cfg.max_decoded.saturating_mul(3) / 2 + 1024;
    let mut window = 1u64 << 20;
    loop {
        let w = window.min(src_left).min(cap) as usize;
        let mut buf = vec![0u8; w];
        if tail.source.read_exact_at(abs, &mut buf).is_err() {
            return;
        }
        let Some((b, _)) = next_block(&buf, 0) else {
            return;
        };
        if b.start != 0 {
            return;
        }
        let whole = b.end < buf.len() || w as u64 == src_left || w as u64 >= cap;
        if whole {
            decode_block(ctx, f, at, &buf[..b.end]);
            return;
        }
        window = window.saturating_mul(4);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn blocks(t: &str) -> Vec<&str> {
        let mut v = Vec::new();
        let mut i = 0;
        while let Some((b, r)) = next_block(t.as_bytes(), i) {
            v.push(&t[b.start..b.end]);
            i = r;
        }
        v
    }

    #[test]
    fn finds_blocks() {
        assert_eq!(
            blocks("x: aGVsbG8gd29ybGQgaGVsbG8gd29ybGQ= y"),
            ["aGVsbG8gd29ybGQgaGVsbG8gd29ybGQ="]
        );
        let mime = "Hello\r\nQUJDREVGR0hJSktMTU5PUFFS\r\nU1RVVldYWVphYmNkZWZnaGlq\r\nbG1u\r\nnext";
        assert_eq!(
            blocks(mime),
            ["QUJDREVGR0hJSktMTU5PUFFS\r\nU1RVVldYWVphYmNkZWZnaGlq\r\nbG1u"]
        );
        assert!(blocks("short aGVsbG8= words only").is_empty());
        // a one-line block, then a word on the next line
        assert_eq!(
            blocks("aGVsbG8gd29ybGQgaGVsbG8gd29ybGQK\njournal amet"),
            ["aGVsbG8gd29ybGQgaGVsbG8gd29ybGQK"]
        );
        assert!(worth_scanning(
            b"Subject: case notes\nhello world, this is text\n\x8e\x8b\xab"
        ));
    }

    #[test]
    fn decodes() {
        let mut out = Vec::new();
        decode_into(b"aGVs\r\nbG8=", 100, &mut out);
        assert_eq!(out, b"hello");
        out.clear();
        decode_into(b"aGVsbG8", 100, &mut out);
        assert_eq!(out, b"hello");
        assert!(worth_scanning(b"plain text here, mostly"));
        assert!(!worth_scanning(&[
            0x9f, 0x12, 0x00, 0xfe, 0x33, 0x81, 0x07, 0x99, 0x10
        ]));
    }
}
