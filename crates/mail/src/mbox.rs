//! Mailbox formats: telling `.eml` from mbox, and streaming mbox files.

use std::io::{ErrorKind, Read};
use std::ops::ControlFlow;

use serde::Serialize;

use crate::MailError;

/// What a file holds, judged from its first bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum MailboxKind {
    /// One RFC 5322 message.
    Eml,
    /// A Unix mbox: messages each preceded by a `From ` line.
    Mbox,
}

/// Header names that make a block of `Name: value` lines look like mail.
const KNOWN_HEADERS: &[&str] = &[
    "from",
    "to",
    "cc",
    "subject",
    "date",
    "received",
    "message-id",
    "return-path",
    "mime-version",
    "content-type",
    "reply-to",
    "sender",
    "delivered-to",
    "in-reply-to",
    "references",
    "dkim-signature",
    "authentication-results",
    "x-mailer",
    "content-transfer-encoding",
];

/// How much of the head [`sniff`] looks at.
const SNIFF_WINDOW: usize = 8 * 1024;

/// Whether `line` (without its line ending) is `Name: value` with an RFC
/// 5322 field name; returns the name.
fn header_name(line: &[u8]) -> Option<&[u8]> {
    let colon = memchr::memchr(b':', line)?;
    let name = &line[..colon];
    (!name.is_empty() && name.iter().all(|&b| (33..=126).contains(&b))).then_some(name)
}

fn lines(head: &[u8]) -> impl Iterator<Item = (&[u8], bool)> {
    // (line without ending, whether it was complete)
    let mut rest = head;
    std::iter::from_fn(move || {
        if rest.is_empty() {
            return None;
        }
        match memchr::memchr(b'\n', rest) {
            Some(i) => {
                let line = &rest[..i];
                rest = &rest[i + 1..];
                Some((line.strip_suffix(b"\r").unwrap_or(line), true))
            }
            None => {
                let line = rest;
                rest = &[];
                Some((line, false))
            }
        }
    })
}

/// Counts the known header names in a header block that starts at `head`;
/// `None` when a line that is neither a header nor a continuation comes
/// before the blank line that ends the block.
fn header_block_score(head: &[u8]) -> Option<usize> {
    let mut known = 0usize;
    let mut first = true;
    for (line, complete) in lines(head) {
        if !complete {
            break; // cut by the window: judge what came before
        }
        if line.is_empty() {
            break;
        }
        if line[0] == b' ' || line[0] == b'\t' {
            if first {
                return None;
            }
            continue;
        }
        let name = header_name(line)?;
        if let Ok(name) = std::str::from_utf8(name) {
            if KNOWN_HEADERS.iter().any(|k| k.eq_ignore_ascii_case(name)) {
                known += 1;
            }
        }
        first = false;
    }
    Some(known)
}

/// Tells a mailbox from its first bytes (a few KiB are enough).
///
/// * mbox: the first line starts with `From ` and the lines after it are a
///   header block with at least one known header name;
/// * eml: the input starts with a header block (only `Name: value` and
///   continuation lines up to the blank line) naming at least two of the
///   usual headers (From, To, Subject, Date, Received, Message-ID,
///   Return-Path, MIME-Version…).
///
/// Conservative: ordinary text, even text mentioning "From:", gives `None`.
pub fn sniff(head: &[u8]) -> Option<MailboxKind> {
    let head = &head[..head.len().min(SNIFF_WINDOW)];
    let head = head.strip_prefix(b"\xef\xbb\xbf").unwrap_or(head);
    if let Some(rest) = head.strip_prefix(b"From ") {
        let nl = memchr::memchr(b'\n', rest)?;
        let after = &rest[nl + 1..];
        return (header_block_score(after)? >= 1).then_some(MailboxKind::Mbox);
    }
    (header_block_score(head)? >= 2).then_some(MailboxKind::Eml)
}

/// One message of an mbox.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MboxItem<'a> {
    /// Byte offset within the mbox of the message's first byte (the byte
    /// after its `From ` line).
    pub offset: u64,
    /// The message as stored: `>From ` escapes are kept as they are, the
    /// blank line that separates it from the next message is not included.
    pub raw: &'a [u8],
    /// The message was longer than `max_message` and `raw` holds only its
    /// beginning.
    pub truncated: bool,
}

/// Lines longer than this are never taken for a `From ` separator.
const LINE_CAP: usize = 1024;

/// Whether a line is an mbox `From ` separator line ("From sender date").
fn is_from_line(line: &[u8], first_line: bool, prev_blank: bool) -> bool {
    if !line.starts_with(b"From ") {
        return false;
    }
    if first_line {
        return true;
    }
    if !prev_blank {
        return false;
    }
    // "From MAILER-DAEMON Fri Jul  8 12:08:34 2011": a time and a year.
    let has_time = line
        .windows(3)
        .any(|w| w[0].is_ascii_digit() && w[1] == b':' && w[2].is_ascii_digit());
    let has_year = line
        .windows(4)
        .any(|w| w.iter().all(u8::is_ascii_digit) && (w[0] == b'1' || w[0] == b'2'));
    has_time && has_year
}

struct Reader<'f> {
    max: usize,
    each: &'f mut dyn FnMut(MboxItem<'_>) -> ControlFlow<()>,
    msg: Vec<u8>,
    msg_offset: u64,
    in_message: bool,
    truncated: bool,
    count: u64,
}

impl Reader<'_> {
    fn append(&mut self, bytes: &[u8], at: u64) {
        if !self.in_message {
            // Text before the first separator: kept as a message of its own
            // (emitted only if not blank).
            self.in_message = true;
            self.msg_offset = at;
        }
        let room = self.max.saturating_sub(self.msg.len());
        if bytes.len() > room {
            self.msg.extend_from_slice(&bytes[..room]);
            self.truncated = true;
        } else {
            self.msg.extend_from_slice(bytes);
        }
    }

    fn emit(&mut self) -> ControlFlow<()> {
        if !self.in_message {
            return ControlFlow::Continue(());
        }
        let mut raw: &[u8] = &self.msg;
        if !self.truncated {
            if raw.ends_with(b"\r\n\r\n") {
                raw = &raw[..raw.len() - 2];
            } else if raw.ends_with(b"\n\n") {
                raw = &raw[..raw.len() - 1];
            }
        }
        let preamble_blank = self.msg_offset == 0 && raw.iter().all(u8::is_ascii_whitespace);
        let flow = if preamble_blank && self.count == 0 {
            ControlFlow::Continue(())
        } else {
            self.count += 1;
            (self.each)(MboxItem {
                offset: self.msg_offset,
                raw,
                truncated: self.truncated,
            })
        };
        self.msg.clear();
        self.truncated = false;
        self.in_message = false;
        flow
    }
}

/// Streams the messages of an mbox (mboxo, mboxrd, mboxcl: all split on
/// `From ` lines) to `each`, in order, and returns how many were given.
///
/// Memory stays bounded whatever the input: one message is held at a time,
/// at most `max_message` bytes of it (the rest is skipped and the item is
/// flagged `truncated`). A `From ` line splits messages when it starts the
/// file, or follows a blank line and carries a time and a year (so a body
/// line "From here on…" does not). `each` may stop the reading by returning
/// `ControlFlow::Break`.
pub fn read_mbox<R: Read>(
    mut reader: R,
    max_message: usize,
    each: &mut dyn FnMut(MboxItem<'_>) -> ControlFlow<()>,
) -> Result<u64, MailError> {
    let mut r = Reader {
        max: max_message,
        each,
        msg: Vec::new(),
        msg_offset: 0,
        in_message: false,
        truncated: false,
        count: 0,
    };
    let mut buf = vec![0u8; 256 * 1024];
    let mut pos: u64 = 0; // offset of buf[0]
    let mut line: Vec<u8> = Vec::with_capacity(LINE_CAP);
    let mut line_start: u64 = 0;
    // Whether the current line's beginning is being held in `line` (to
    // decide whether it is a separator) or passed straight to the message.
    let mut holding = true;
    // Whether the rest of the current line belongs to a separator.
    let mut in_separator = false;
    let mut first_line = true;
    let mut prev_blank = false;

    loop {
        let n = match reader.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if e.kind() == ErrorKind::Interrupted => continue,
            Err(source) => return Err(MailError::Io { path: None, source }),
        };
        let mut i = 0usize;
        while i < n {
            let chunk = &buf[i..n];
            let (seg, ends_line) = match memchr::memchr(b'\n', chunk) {
                Some(j) => (&chunk[..=j], true),
                None => (chunk, false),
            };
            let seg_at = pos + i as u64;
            i += seg.len();

            if in_separator {
                // Rest of an over-long separator line: dropped.
            } else if holding {
                line.extend_from_slice(seg);
                if ends_line || line.len() >= LINE_CAP {
                    let content = line.strip_suffix(b"\n").unwrap_or(&line);
                    let content = content.strip_suffix(b"\r").unwrap_or(content);
                    let blank = content.is_empty();
                    if is_from_line(content, first_line, prev_blank) {
                        if r.emit().is_break() {
                            return Ok(r.count);
                        }
                        if !ends_line {
                            in_separator = true;
                        }
                        // The message starts after this line.
                        r.in_message = true;
                        r.msg_offset = line_start + line.len() as u64;
                        if !ends_line {
                            r.msg_offset = u64::MAX; // fixed when the line ends
                        }
                    } else {
                        r.append(&line, line_start);
                        holding = false;
                    }
                    prev_blank = blank;
                    line.clear();
                }
            } else {
                r.append(seg, seg_at);
            }

            if ends_line {
                if in_separator {
                    r.msg_offset = seg_at + seg.len() as u64;
                    in_separator = false;
                }
                holding = true;
                first_line = false;
                line_start = seg_at + seg.len() as u64;
            }
        }
        pos += n as u64;
    }
    // A last line without a newline.
    if holding && !line.is_empty() {
        let held = std::mem::take(&mut line);
        r.append(&held, line_start);
    }
    let _ = r.emit();
    Ok(r.count)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn collect(data: &[u8], max: usize) -> Vec<(u64, Vec<u8>, bool)> {
        let mut out = Vec::new();
        read_mbox(data, max, &mut |m| {
            out.push((m.offset, m.raw.to_vec(), m.truncated));
            ControlFlow::Continue(())
        })
        .unwrap();
        out
    }

    #[test]
    fn two_messages() {
        let data = b"From a@b Mon Jan  1 00:00:00 2024\nSubject: one\n\nbody\n>From here\n\nFrom c@d Mon Jan  1 00:00:01 2024\nSubject: two\n\nx\n";
        let got = collect(data, 1 << 20);
        assert_eq!(got.len(), 2);
        assert_eq!(got[0].1, b"Subject: one\n\nbody\n>From here\n");
        assert_eq!(&data[got[0].0 as usize..][..12], b"Subject: one");
        assert_eq!(got[1].1, b"Subject: two\n\nx\n");
        assert_eq!(&data[got[1].0 as usize..][..12], b"Subject: two");
    }

    #[test]
    fn body_from_line_without_date_does_not_split() {
        let data = b"From a Mon Jan  1 00:00:00 2024\nSubject: one\n\nFrom here on we talk.\n";
        assert_eq!(collect(data, 1 << 20).len(), 1);
    }

    #[test]
    fn sniffing() {
        assert_eq!(
            sniff(b"From a@b Mon Jan  1 00:00:00 2024\nSubject: x\n\n"),
            Some(MailboxKind::Mbox)
        );
        assert_eq!(
            sniff(b"Received: x\r\nFrom: a@b\r\nSubject: y\r\n\r\nbody"),
            Some(MailboxKind::Eml)
        );
        assert_eq!(sniff(b"From: me\nI wrote this letter.\n"), None);
        assert_eq!(sniff(b"Hello world\nFrom: x\nTo: y\n"), None);
        assert_eq!(sniff(b"From the desk of the editor\nDear reader\n"), None);
        assert_eq!(sniff(b""), None);
        assert_eq!(sniff(b"Subject: only one\n\n"), None);
    }
}
