//! Never panic: real-world odd messages, generated garbage, truncations and
//! bit flips all either parse or give a `MailError`.

mod common;

use exhibit_mail::{parse_message, route, sniff, MailError};

/// Parses and analyses; panics only if this crate panics.
fn analyse(raw: &[u8]) -> Result<(), MailError> {
    let msg = parse_message(raw)?;
    let r = route(&msg);
    // Touch everything the triage pipeline would.
    let _ = serde_json::to_string(&msg).unwrap();
    let _ = serde_json::to_string(&r).unwrap();
    let _ = sniff(raw);
    for a in &msg.attachments {
        let _ = exhibit_mail::attachment_bytes(raw, &a.part)?;
    }
    Ok(())
}

/// A small deterministic generator (xorshift64*), so failures reproduce.
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

#[test]
fn real_world_corpora_never_panic() {
    let Some(dir) = common::testdata() else {
        return;
    };
    let mut ok = 0;
    let mut errors = Vec::new();
    for sub in ["phishing_pot", "spamscope", "eml_analyzer"] {
        for path in common::files_under(&dir.join(sub)) {
            let raw = std::fs::read(&path).unwrap();
            match analyse(&raw) {
                Ok(()) => ok += 1,
                Err(e) => errors.push(format!("{}: {e}", path.display())),
            }
        }
    }
    eprintln!(
        "{ok} analysed, {} refused:\n{}",
        errors.len(),
        errors.join("\n")
    );
    // Every phishing_pot sample is a real message: all must be analysed.
    assert!(
        !errors.iter().any(|e| e.contains("phishing_pot")),
        "phishing_pot messages refused"
    );
    assert!(ok >= 194 + 80, "only {ok} analysed");
}

#[test]
fn phishing_pot_messages_parse_fully() {
    let Some(dir) = common::testdata() else {
        return;
    };
    let mut with_route = 0;
    let mut with_origin = 0;
    let mut total = 0;
    for path in common::files_under(&dir.join("phishing_pot")) {
        let raw = std::fs::read(&path).unwrap();
        let msg = parse_message(&raw).unwrap();
        total += 1;
        assert_eq!(msg.size, raw.len() as u64);
        assert_eq!(msg.id.len(), 64);
        let r = route(&msg);
        if !r.hops.is_empty() {
            with_route += 1;
        }
        if r.origin.is_some() {
            with_origin += 1;
        }
        // Hop offsets point at the header line.
        for hop in &r.hops {
            let off = hop.header_offset.unwrap() as usize;
            assert!(
                raw[off..].starts_with(b"Received:")
                    || raw[off..].to_ascii_lowercase().starts_with(b"received:")
            );
        }
    }
    eprintln!("{total} messages, {with_route} with a route, {with_origin} with an origin");
    assert_eq!(total, 194);
    assert!(
        with_origin * 10 >= total * 9,
        "origin found for only {with_origin} of {total}"
    );
}

#[test]
fn garbage_truncations_and_bit_flips() {
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    // Pure garbage, and garbage with mail-like fragments.
    let fragments: &[&[u8]] = &[
        b"From: ",
        b"To: a@b\r\n",
        b"Content-Type: multipart/mixed; boundary=\"b\"\r\n",
        b"--b\r\n",
        b"--b--\r\n",
        b"\r\n",
        b"\n",
        b"Content-Transfer-Encoding: base64\r\n",
        b"Content-Type: message/rfc822\r\n",
        b"=?utf-8?B?",
        b"?=",
        b"Received: from x (",
        b"[1.2.3.4]",
        b";",
        b"(",
        b")",
        b"=\r\n",
        b"=3D",
        b"\xff\xfe",
        b"Subject: =?gbk?Q?=C4=E3?=\r\n",
    ];
    for _ in 0..2000 {
        let mut raw = Vec::new();
        for _ in 0..rng.below(60) {
            if rng.below(3) == 0 {
                for _ in 0..rng.below(20) {
                    raw.push(rng.next() as u8);
                }
            } else {
                raw.extend_from_slice(fragments[rng.below(fragments.len())]);
            }
        }
        let _ = analyse(&raw);
    }
    // Truncations and bit flips of real messages.
    let Some(dir) = common::testdata() else {
        return;
    };
    let mut samples = Vec::new();
    for sub in [
        "stalwart-mail-parser/eml/rfc",
        "stalwart-mail-parser/eml/malformed",
        "phishing_pot",
    ] {
        samples.extend(
            common::files_under(&dir.join(sub))
                .into_iter()
                .filter(|p| p.extension().is_some_and(|e| e == "eml"))
                .take(12),
        );
    }
    for path in samples {
        let raw = std::fs::read(&path).unwrap();
        for k in 0..20 {
            let cut = raw.len() * k / 20;
            let _ = analyse(&raw[..cut]);
        }
        for _ in 0..40 {
            let mut m = raw.clone();
            for _ in 0..1 + rng.below(8) {
                let i = rng.below(m.len());
                if let Some(b) = m.get_mut(i) {
                    *b ^= 1 << rng.below(8);
                }
            }
            let _ = analyse(&m);
        }
    }
}

#[test]
fn deep_nesting_is_bounded() {
    // 500 nested multiparts: walked to a bounded depth, no stack overflow.
    let mut raw = b"From: a@b\r\nTo: c@d\r\nSubject: deep\r\n".to_vec();
    for i in 0..500 {
        raw.extend_from_slice(
            format!("Content-Type: multipart/mixed; boundary=\"b{i}\"\r\n\r\n--b{i}\r\n")
                .as_bytes(),
        );
    }
    raw.extend_from_slice(b"Content-Type: text/plain\r\n\r\nhi\r\n");
    let _ = analyse(&raw);
}

#[test]
fn empty_and_headerless_inputs_are_errors_not_panics() {
    for raw in [&b""[..], b"\r\n\r\n", b"just some text without any header"] {
        match parse_message(raw) {
            Ok(m) => assert!(m.warnings.iter().any(|w| w.contains("no From"))),
            Err(MailError::Malformed { .. }) => {}
            Err(e) => panic!("unexpected error {e}"),
        }
    }
}
