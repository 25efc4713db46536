//! Streaming mbox reading: offsets, `>From ` escapes, truncation, chunk
//! boundaries, early stop.

use std::io::Read;
use std::ops::ControlFlow;

use exhibit_mail::{parse_message, read_mbox, sniff, MailboxKind};

/// A reader that hands out the data in awkward small pieces, so separators
/// and line ends fall across read boundaries.
struct Dribble<'a> {
    data: &'a [u8],
    step: usize,
}
impl Read for Dribble<'_> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        self.step = self.step % 97 + 1;
        let n = self.step.min(buf.len()).min(self.data.len());
        buf[..n].copy_from_slice(&self.data[..n]);
        self.data = &self.data[n..];
        Ok(n)
    }
}

/// `n` messages; every 7th has a `>From ` escaped line, every 11th a body
/// line starting with "From " after a blank line (no date: not a separator),
/// every 13th uses CRLF.
fn generate(n: usize) -> (Vec<u8>, Vec<Vec<u8>>) {
    let mut mbox = Vec::new();
    let mut messages = Vec::new();
    for i in 0..n {
        let eol: &[u8] = if i % 13 == 0 { b"\r\n" } else { b"\n" };
        let mut m = Vec::new();
        for line in [
            format!("From: sender{i}@example.com"),
            format!("To: rcpt{i}@example.org"),
            format!("Subject: message {i}"),
            format!("Message-ID: <{i}@example.com>"),
            "Date: Mon, 3 Jun 2024 10:00:00 +0700".to_string(),
            String::new(),
            format!("Body of message {i}."),
        ] {
            m.extend_from_slice(line.as_bytes());
            m.extend_from_slice(eol);
        }
        if i % 7 == 0 {
            m.extend_from_slice(b">From the archive, escaped");
            m.extend_from_slice(eol);
        }
        if i % 11 == 0 {
            m.extend_from_slice(eol);
            m.extend_from_slice(b"From here on, nothing splits");
            m.extend_from_slice(eol);
        }
        mbox.extend_from_slice(
            format!("From sender{i}@example.com Mon Jun  3 03:00:00 2024").as_bytes(),
        );
        mbox.extend_from_slice(eol);
        mbox.extend_from_slice(&m);
        mbox.extend_from_slice(eol); // the separating blank line
        messages.push(m);
    }
    (mbox, messages)
}

#[test]
fn thousands_of_messages_streamed_with_offsets() {
    let (mbox, expected) = generate(3000);
    assert_eq!(sniff(&mbox), Some(MailboxKind::Mbox));
    let mut got = 0usize;
    let n = read_mbox(
        Dribble {
            data: &mbox,
            step: 0,
        },
        1 << 20,
        &mut |item| {
            let want = &expected[got];
            assert_eq!(item.raw, &want[..], "message {got}");
            assert!(!item.truncated);
            let off = item.offset as usize;
            assert_eq!(
                &mbox[off..off + want.len()],
                &want[..],
                "offset of message {got}"
            );
            got += 1;
            ControlFlow::Continue(())
        },
    )
    .unwrap();
    assert_eq!(n, 3000);
    assert_eq!(got, 3000);
}

#[test]
fn escaped_from_line_stays_inside_its_message() {
    let (mbox, _) = generate(8);
    let mut raws = Vec::new();
    read_mbox(&mbox[..], 1 << 20, &mut |item| {
        raws.push(item.raw.to_vec());
        ControlFlow::Continue(())
    })
    .unwrap();
    assert_eq!(raws.len(), 8);
    assert!(raws[0].windows(6).any(|w| w == b">From "));
    let msg = parse_message(&raws[7]).unwrap();
    assert!(msg.body_text.contains(">From the archive"));
    assert_eq!(msg.subject.as_deref(), Some("message 7"));
}

#[test]
fn max_message_truncates_and_flags() {
    let mut mbox = b"From a@b Mon Jun  3 03:00:00 2024\nSubject: big\n\n".to_vec();
    mbox.extend(std::iter::repeat_n(b'x', 100_000));
    mbox.extend_from_slice(b"\n\nFrom c@d Mon Jun  3 03:00:01 2024\nSubject: small\n\nhi\n");
    let mut items = Vec::new();
    read_mbox(&mbox[..], 1000, &mut |item| {
        items.push((item.offset, item.raw.len(), item.truncated));
        ControlFlow::Continue(())
    })
    .unwrap();
    assert_eq!(items.len(), 2);
    assert_eq!(items[0], (34, 1000, true));
    assert!(!items[1].2);
    assert_eq!(&mbox[items[1].0 as usize..][..14], b"Subject: small");
}

#[test]
fn stops_when_asked() {
    let (mbox, _) = generate(50);
    let mut seen = 0;
    let n = read_mbox(&mbox[..], 1 << 20, &mut |_| {
        seen += 1;
        if seen == 5 {
            ControlFlow::Break(())
        } else {
            ControlFlow::Continue(())
        }
    })
    .unwrap();
    assert_eq!((n, seen), (5, 5));
}

#[test]
fn odd_inputs() {
    let count = |data: &[u8]| read_mbox(data, 64, &mut |_| ControlFlow::Continue(())).unwrap();
    assert_eq!(count(b""), 0);
    assert_eq!(count(b"\n\n\n"), 0);
    // No separator at all: the whole input is one message.
    assert_eq!(count(b"Subject: x\n\nbody\n"), 1);
    // A separator line longer than the line cap, and no final newline.
    let mut long = b"From ".to_vec();
    long.extend(std::iter::repeat_n(b'a', 5000));
    long.extend_from_slice(b" Mon Jun  3 03:00:00 2024\nSubject: y");
    assert_eq!(count(&long), 1);
}

#[test]
fn real_mbox_sample() {
    let path = std::path::PathBuf::from(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../../shared/testdata/mail/dkimpy/message.mbox"
    ));
    let Ok(data) = std::fs::read(&path) else {
        eprintln!("note: {} not found; test skipped", path.display());
        return;
    };
    // Despite its name this file holds one message without a From_ line.
    let n = read_mbox(&data[..], 1 << 24, &mut |item| {
        assert_eq!(item.offset, 0);
        assert!(parse_message(item.raw).is_ok());
        ControlFlow::Continue(())
    })
    .unwrap();
    assert_eq!(n, 1);
    assert_eq!(sniff(&data), Some(MailboxKind::Eml));
}
