//! The same address planted in every encoding and container the scanner
//! understands is found with the right path, offset and encoding.

mod common;

use common::*;
use exhibit_scan::{Kind, ScanConfig};

const ADDR: &str = "somchai.k@police.go.th";

fn text() -> String {
    format!("contact {ADDR} now")
}

/// Puts `payload` at `at` in 64 KiB of noise with no accidental text.
fn plant(payload: &[u8], at: usize) -> Vec<u8> {
    let mut d = noise(65536, 7);
    // keep the surroundings free of printable runs
    for b in d.iter_mut() {
        if (0x20..0x7f).contains(b) {
            *b |= 0x80;
        }
    }
    d[at..at + payload.len()].copy_from_slice(payload);
    d
}

fn emails(d: &[u8]) -> Vec<(String, u64, String, Option<&'static str>)> {
    brief(&scan(d, &ScanConfig::default()).0, Kind::Email)
}

/// Hits inside decoded objects only. (Short payloads are often deflated as
/// stored blocks, whose text is also a plain hit.)
fn decoded(d: &[u8]) -> Vec<(String, u64, String, Option<&'static str>)> {
    let mut v = emails(d);
    v.retain(|h| h.0.contains('-'));
    v
}

#[test]
fn plain_and_upper_case() {
    let d = plant(text().as_bytes(), 1000);
    assert_eq!(emails(&d), [("1008".into(), 1008, ADDR.into(), None)]);
    let up = text().to_uppercase();
    let d = plant(up.as_bytes(), 1000);
    let fs = scan(&d, &ScanConfig::default()).0;
    let e = of(&fs, Kind::Email);
    assert_eq!(e.len(), 1);
    assert_eq!(e[0].value, ADDR.to_uppercase());
    assert_eq!(e[0].normalized, ADDR);
    assert_eq!(e[0].path, "1008");
}

#[test]
fn utf16_both_orders() {
    let d = plant(&utf16le(&text()), 2000);
    assert_eq!(
        emails(&d),
        [("2016".into(), 2016, ADDR.into(), Some("utf16le"))]
    );
    let d = plant(&utf16be(&text()), 2000);
    assert_eq!(
        emails(&d),
        [("2016".into(), 2016, ADDR.into(), Some("utf16be"))]
    );
    // odd offsets too
    let d = plant(&utf16le(&text()), 2001);
    assert_eq!(
        emails(&d),
        [("2017".into(), 2017, ADDR.into(), Some("utf16le"))]
    );
    let fs = scan(&d, &ScanConfig::default()).0;
    let ctx = &of(&fs, Kind::Email)[0].context;
    assert!(
        ctx.len() >= 2 * ADDR.len() + 32,
        "context spans the UTF-16 bytes"
    );
}

#[test]
fn gzip_member() {
    let d = plant(&gzip(text().as_bytes()), 4096);
    assert_eq!(
        decoded(&d),
        [("4096-GZIP-8".into(), 4096, ADDR.into(), None)]
    );
}

#[test]
fn concatenated_gzip_members() {
    let mut g = gzip(b"first member, nothing here");
    let second = g.len();
    g.extend(gzip(text().as_bytes()));
    let d = plant(&g, 4096);
    assert_eq!(
        decoded(&d),
        [(
            format!("{}-GZIP-8", 4096 + second),
            4096 + second as u64,
            ADDR.into(),
            None
        )]
    );
}

#[test]
fn zlib_stream() {
    let d = plant(&zlib(text().as_bytes()), 300);
    assert_eq!(decoded(&d), [("300-ZLIB-8".into(), 300, ADDR.into(), None)]);
}

#[test]
fn zip_members() {
    for (deflated, descriptor) in [(true, false), (true, true), (false, false)] {
        let mut z = zip_member("readme.txt", b"nothing", true, false);
        let at = z.len();
        z.extend(zip_member(
            "word/document.xml",
            text().as_bytes(),
            deflated,
            descriptor,
        ));
        let d = plant(&z, 8192);
        let got = decoded(&d);
        assert_eq!(
            got,
            [(
                format!("{}-ZIP-8", 8192 + at),
                8192 + at as u64,
                ADDR.into(),
                None
            )],
            "deflated={deflated} descriptor={descriptor}"
        );
    }
}

#[test]
fn base64_block() {
    let mut p = b"Content-Transfer-Encoding: base64\r\n\r\n".to_vec();
    let at = p.len();
    p.extend(base64(
        format!("Hello,\r\nplease write to {ADDR} today.\r\n").as_bytes(),
        76,
    ));
    p.extend_from_slice(b"\r\n\r\n");
    let d = plant(&p, 500);
    let inner = "Hello,\r\nplease write to ".len();
    assert_eq!(
        emails(&d),
        [(
            format!("{}-BASE64-{inner}", 500 + at),
            500 + at as u64,
            ADDR.into(),
            None
        )]
    );
}

#[test]
fn multiline_base64() {
    let body = format!("{}\n{ADDR}\n", "lorem ipsum dolor sit amet ".repeat(20));
    let mut p = b"begin\n".to_vec();
    let at = p.len();
    p.extend(base64(body.as_bytes(), 76));
    p.extend_from_slice(b"\n\n");
    let d = plant(&p, 500);
    let inner = body.find(ADDR).unwrap();
    assert_eq!(
        emails(&d),
        [(
            format!("{}-BASE64-{inner}", 500 + at),
            500 + at as u64,
            ADDR.into(),
            None
        )]
    );
}

#[test]
fn base64_inside_gzip() {
    let mut inner = "lorem ipsum ".repeat(20).into_bytes();
    inner.extend_from_slice(b"data:text/plain;base64,");
    let b64_at = inner.len();
    inner.extend(base64(text().as_bytes(), 0));
    inner.extend_from_slice(b"\" end");
    let d = plant(&gzip(&inner), 1024);
    assert_eq!(
        decoded(&d),
        [(
            format!("1024-GZIP-{b64_at}-BASE64-8"),
            1024,
            ADDR.into(),
            None
        )]
    );
}

#[test]
fn gzip_inside_zip_inside_base64() {
    let z = zip_member("a.gz", &gzip(text().as_bytes()), true, false);
    let mut p = b"attachment: ".to_vec();
    let at = p.len();
    p.extend(base64(&z, 76));
    p.extend_from_slice(b"\r\n");
    let d = plant(&p, 100);
    // (the deflated member is a stored block: the gzip is also visible in
    // the decoded base64 and is found there too)
    assert!(emails(&d).contains(&(
        format!("{}-BASE64-0-ZIP-0-GZIP-8", 100 + at),
        100 + at as u64,
        ADDR.into(),
        None
    )));
}

#[test]
fn pdf_flate_stream() {
    let z = zlib(format!("BT /F1 12 Tf ({ADDR}) Tj ET").as_bytes());
    let mut p = format!(
        "%PDF-1.4\n4 0 obj\n<< /Length {} /Filter /FlateDecode >>\nstream\r\n",
        z.len()
    )
    .into_bytes();
    let at = p.len();
    p.extend(&z);
    p.extend_from_slice(b"\r\nendstream\nendobj\n");
    let d = plant(&p, 0);
    let inner = "BT /F1 12 Tf (".len();
    assert_eq!(
        decoded(&d),
        [(format!("{at}-PDF-{inner}"), at as u64, ADDR.into(), None)]
    );
}

#[test]
fn utf16_inside_zip() {
    let z = zip_member("x.txt", &utf16le(&text()), true, false);
    let d = plant(&z, 64);
    assert_eq!(
        emails(&d),
        [("64-ZIP-16".into(), 64, ADDR.into(), Some("utf16le"))]
    );
}

#[test]
fn depth_limit() {
    let mut p = b"x: ".to_vec();
    p.extend(base64(&gzip(text().repeat(10).as_bytes()), 0));
    p.push(b' ');
    let d = plant(&p, 64);
    let cfg = ScanConfig {
        max_depth: 1,
        ..Default::default()
    };
    assert!(brief(&scan(&d, &cfg).0, Kind::Email).is_empty());
    let cfg = ScanConfig {
        max_depth: 0,
        ..Default::default()
    };
    assert!(brief(&scan(&d, &cfg).0, Kind::Email).is_empty());
    let cfg = ScanConfig {
        max_depth: 2,
        ..Default::default()
    };
    assert_eq!(
        brief(&scan(&d, &cfg).0, Kind::Email)[0].0,
        "67-BASE64-0-GZIP-8"
    );
}

#[test]
fn utf16_at_every_alignment_and_neighbour() {
    let t = text();
    for (enc, bytes) in [("utf16le", utf16le(&t)), ("utf16be", utf16be(&t))] {
        for at in 2000..2008 {
            for before in [0x28u8, 0xD3, 0x41, 0x00] {
                for after in [0x00u8, 0x41, 0xD3] {
                    let mut d = plant(&bytes, at);
                    d[at - 1] = before;
                    d[at + bytes.len()] = after;
                    let got = emails(&d);
                    let case =
                        format!("{enc} at {at} before {before:#x} after {after:#x}: {got:?}");
                    assert_eq!(got.len(), 1, "{case}");
                    assert_eq!(got[0].2, ADDR, "{case}");
                    // the offset is that of the first code unit; when the
                    // bytes allow both orders it may be read in the other
                    assert!(got[0].1.abs_diff(at as u64 + 16) <= 1, "{case}");
                }
            }
        }
    }
}
