//! DKIM verified offline against the dkimpy and mail-auth test vectors:
//! known-good messages verify with their keys, known-bad ones fail, a
//! missing key says "cannot verify offline", and an old signature is judged
//! at the receive time, not today.

mod common;

use std::fs;

use exhibit_mail::{parse_message, verify_dkim, DkimReport, DkimStatus, DnsSnapshot};

/// The RFC 8463 example key (brisbane._domainkey.football.example.com).
const RFC8463_KEY: &str = "v=DKIM1; k=ed25519; p=11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=";

fn check(raw: &[u8], snap: &DnsSnapshot) -> DkimReport {
    let msg = parse_message(raw).unwrap();
    verify_dkim(raw, &msg, snap, None)
}

fn statuses(r: &DkimReport) -> Vec<DkimStatus> {
    r.verdicts.iter().map(|v| v.status).collect()
}

fn dkimpy_snapshot(dir: &std::path::Path) -> DnsSnapshot {
    let read = |f: &str| fs::read_to_string(dir.join("dkimpy").join(f)).unwrap();
    let mut s = DnsSnapshot::new();
    s.add(
        "test._domainkey.football.example.com",
        read("test.txt").trim(),
    );
    s.add("brisbane._domainkey.football.example.com", RFC8463_KEY);
    s.add("sed._domainkey.test.ex", read("eximtest.dns").trim());
    s.add(
        "test._domainkey.legitimate.com(.attacker.com",
        read("test.txt").trim(),
    );
    s
}

#[test]
fn dkimpy_known_good_verify() {
    let Some(dir) = common::testdata() else {
        return;
    };
    let snap = dkimpy_snapshot(&dir);
    for (file, want) in [
        (
            "rfc6376.signed.msg",
            vec![DkimStatus::Pass, DkimStatus::Pass],
        ),
        ("rfc6376.signed.rsa.msg", vec![DkimStatus::Pass]),
        ("ed25519test2.msg", vec![DkimStatus::Pass]),
    ] {
        let raw = fs::read(dir.join("dkimpy").join(file)).unwrap();
        let r = check(&raw, &snap);
        assert_eq!(statuses(&r), want, "{file}: {:#?}", r.verdicts);
    }
}

#[test]
fn dkimpy_known_bad_fail() {
    let Some(dir) = common::testdata() else {
        return;
    };
    let snap = dkimpy_snapshot(&dir);
    // A d= that is not a domain name (dkimpy's "badly encoded domain").
    let raw = fs::read(dir.join("dkimpy/test.message.baddomain")).unwrap();
    let r = check(&raw, &snap);
    assert_eq!(statuses(&r), [DkimStatus::PermError], "{:#?}", r.verdicts);

    // x= without t=, with the b= of rfc6376.signed.rsa.msg copied over a
    // header that now differs: parsed, then refused by the cryptography.
    let raw = fs::read(dir.join("dkimpy/rfc6376.signed.no_t.msg")).unwrap();
    let r = check(&raw, &snap);
    assert_eq!(statuses(&r), [DkimStatus::Fail], "{:#?}", r.verdicts);

    // The signed message with one byte of the body changed.
    let good = fs::read(dir.join("dkimpy/rfc6376.signed.rsa.msg")).unwrap();
    let tampered = String::from_utf8(good.clone())
        .unwrap()
        .replace("We lost the game", "We won the game")
        .into_bytes();
    let r = check(&tampered, &snap);
    assert_eq!(statuses(&r), [DkimStatus::Fail]);
    assert!(r.verdicts[0].reason.contains("body hash"));

    // A signed header changed (the body hash still matches).
    let forged = String::from_utf8(good.clone())
        .unwrap()
        .replace("Subject: Is dinner ready?", "Subject: Is lunch ready?")
        .into_bytes();
    let r = check(&forged, &snap);
    assert_eq!(statuses(&r), [DkimStatus::Fail]);
    assert!(r.verdicts[0].reason.contains("does not verify"));

    // The right selector with another key (dkimpy's test_bad.txt).
    let mut wrong = DnsSnapshot::new();
    wrong.add(
        "test._domainkey.football.example.com",
        fs::read_to_string(dir.join("dkimpy/test_bad.txt"))
            .unwrap()
            .trim(),
    );
    let r = check(&good, &wrong);
    assert_ne!(statuses(&r), [DkimStatus::Pass]);

    // Unusable key records: an unknown key type, a broken version tag.
    for bad in ["badk.txt", "badversion.txt"] {
        let mut s = DnsSnapshot::new();
        s.add(
            "test._domainkey.football.example.com",
            fs::read_to_string(dir.join("dkimpy").join(bad))
                .unwrap()
                .trim(),
        );
        let r = check(&good, &s);
        assert_eq!(
            statuses(&r),
            [DkimStatus::PermError],
            "{bad}: {:#?}",
            r.verdicts
        );
    }
}

#[test]
fn missing_key_cannot_verify_offline() {
    let Some(dir) = common::testdata() else {
        return;
    };
    // Signed by gmail.com; the snapshot has no key for it.
    let raw = fs::read(dir.join("dkimpy/test2.message")).unwrap();
    let r = check(&raw, &dkimpy_snapshot(&dir));
    assert_eq!(statuses(&r), [DkimStatus::NoKey]);
    assert!(r.verdicts[0].reason.starts_with("cannot verify offline"));
    assert!(r.verdicts[0]
        .reason
        .contains("20120113._domainkey.gmail.com"));
    // An unsigned message has no verdict at all.
    let raw = fs::read(dir.join("dkimpy/test.message")).unwrap();
    assert!(check(&raw, &dkimpy_snapshot(&dir)).verdicts.is_empty());
}

/// The mail-auth vectors: the records, a blank line, then the message.
fn stalwart_case(text: &str) -> (DnsSnapshot, Vec<u8>) {
    let (records, message) = text.split_once("\n\n").unwrap();
    (
        DnsSnapshot::parse(records),
        message.replace('\n', "\r\n").into_bytes(),
    )
}

#[test]
fn mail_auth_vectors_verify() {
    let Some(dir) = common::testdata() else {
        return;
    };
    let mut n = 0;
    for f in common::files_under(&dir.join("stalwart-mail-auth/dkim")) {
        let text = fs::read_to_string(&f).unwrap();
        let (snap, raw) = stalwart_case(&text);
        assert!(snap.warnings.is_empty(), "{f:?}: {:?}", snap.warnings);
        let r = check(&raw, &snap);
        assert!(!r.verdicts.is_empty(), "{f:?}");
        for v in &r.verdicts {
            assert_eq!(v.status, DkimStatus::Pass, "{f:?}: {v:#?}");
        }
        n += 1;
    }
    assert_eq!(n, 6);
}

#[test]
fn old_signature_is_judged_at_receive_time() {
    let Some(dir) = common::testdata() else {
        return;
    };
    // Signed 2022-11-07 17:54:24 UTC with x= one day later: expired today,
    // valid when the message (dated the same minute) was received.
    let text = fs::read_to_string(dir.join("stalwart-mail-auth/dkim/005.txt")).unwrap();
    let (snap, raw) = stalwart_case(&text);
    let r = check(&raw, &snap);
    assert_eq!(r.judged_at_source, "Date header");
    assert_eq!(statuses(&r), [DkimStatus::Pass]);
    assert!(
        r.verdicts[0].reason.contains("judged at the receive time"),
        "{}",
        r.verdicts[0].reason
    );
    assert_eq!(r.verdicts[0].expires_at.unwrap().as_second(), 1_667_930_064);

    // The same message delivered three days later: the signature had
    // expired when it arrived. (A Received header on top is not signed.)
    let mut late = b"Received: from a.example (a.example [192.0.2.1]) by mx.example.net;\r\n Thu, 10 Nov 2022 12:00:00 +0000\r\n".to_vec();
    late.extend_from_slice(&raw);
    let r = check(&late, &snap);
    assert_eq!(r.judged_at_source, "top Received header");
    assert_eq!(statuses(&r), [DkimStatus::Expired]);

    // Delivered within the day, by the Received time.
    let mut on_time = b"Received: from a.example (a.example [192.0.2.1]) by mx.example.net;\r\n Mon, 7 Nov 2022 18:00:00 +0000\r\n".to_vec();
    on_time.extend_from_slice(&raw);
    assert_eq!(statuses(&check(&on_time, &snap)), [DkimStatus::Pass]);
}

#[test]
fn snapshot_file_round_trip() {
    let Some(dir) = common::testdata() else {
        return;
    };
    // The documented zone-file-like format, quoted strings split in two.
    let key = fs::read_to_string(dir.join("dkimpy/test.txt")).unwrap();
    let key = key.trim();
    let (a, b) = key.split_at(40);
    let snap = DnsSnapshot::parse(&format!(
        "; exported 2024-06-03\ntest._domainkey.football.example.com. 300 IN TXT \"{a}\" \"{b}\"\n"
    ));
    let raw = fs::read(dir.join("dkimpy/rfc6376.signed.rsa.msg")).unwrap();
    assert_eq!(statuses(&check(&raw, &snap)), [DkimStatus::Pass]);
}

#[test]
fn hostile_signatures_do_not_panic() {
    let snap = DnsSnapshot::parse("s._domainkey.x.com TXT \"v=DKIM1; p=\"\n");
    for raw in [
        &b"DKIM-Signature: v=1; a=rsa-sha256; d=x.com; s=s; h=from; bh=; b=\r\nFrom: a@x.com\r\n\r\nbody"[..],
        b"DKIM-Signature: v=1; a=rsa-sha256; d=x.com; s=s; h=from; bh=AAAA; b=AAAA; x=1; t=2\r\nFrom: a@x.com\r\n\r\n",
        b"DKIM-Signature: \r\nFrom: a@x.com\r\n\r\n",
        b"DKIM-Signature: v=1; a=ed25519-sha256; d=x.com; s=s; h=subject; bh=AAAA; b=AAAA\r\nFrom: a@x.com\r\n\r\n",
        b"DKIM-Signature: v=1; a=rsa-sha256; d=x.com; s=s; h=from; l=999999999; bh=47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=; b=AAAA\r\nFrom: a@x.com\r\n\r\n",
    ] {
        let msg = parse_message(raw).unwrap();
        let r = verify_dkim(raw, &msg, &snap, None);
        for v in &r.verdicts {
            assert_ne!(v.status, DkimStatus::Pass);
        }
    }
}
