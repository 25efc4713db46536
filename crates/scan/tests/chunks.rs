//! Chunked, parallel scanning finds exactly what a single pass finds:
//! features crossing chunk boundaries once, at the right offset; objects
//! running past the chunk and its margin decoded from the source.

mod common;

use common::*;
use exhibit_scan::{Kind, ScanConfig};

fn clean_noise(n: usize, seed: u64) -> Vec<u8> {
    let mut d = noise(n, seed);
    for b in d.iter_mut() {
        if (0x20..0x7f).contains(b) {
            *b |= 0x80;
        }
    }
    d
}

fn put(d: &mut [u8], at: usize, p: &[u8]) {
    d[at..at + p.len()].copy_from_slice(p);
}

#[test]
fn straddling_feature_reported_once() {
    let mut d = clean_noise(10_000, 3);
    put(&mut d, 990, b" analyst@example.org ");
    for chunk in [1000, 997, 1001, 64] {
        for threads in [1, 2, 3] {
            let cfg = ScanConfig {
                chunk,
                threads,
                ..Default::default()
            };
            let fs = scan_chunked(&d, &cfg).0;
            assert_eq!(
                brief(&fs, Kind::Email),
                [("991".into(), 991, "analyst@example.org".into(), None)],
                "chunk {chunk} threads {threads}"
            );
        }
    }
}

/// Everything at once, in noise, scanned whole and in chunks.
fn corpus() -> Vec<u8> {
    let mut d = clean_noise(300_000, 11);
    let text = "mail a.b@example.com, web https://www.example.co.th/x?y=1 ip 10.1.2.3 \
                v6 2001:db8::42 tel +66 81 234 5678 card 4539 1488 0343 6467 \
                iban GB82 WEST 1234 5698 7654 32 onion expyuzz4wqqyqhjn.onion \
                    btc 1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa i2p stats.i2p ";
    let mut at = 100;
    while at + 2000 < d.len() {
        match (at / 1000) % 5 {
            0 => put(&mut d, at, text.as_bytes()),
            1 => put(&mut d, at, &utf16le(text)),
            2 => put(&mut d, at, &gzip(text.repeat(3).as_bytes())),
            3 => {
                let mut p = b"b64: ".to_vec();
                p.extend(base64(text.as_bytes(), 64));
                p.push(b' ');
                put(&mut d, at, &p)
            }
            _ => put(
                &mut d,
                at,
                &zip_member("f.txt", text.repeat(2).as_bytes(), true, true),
            ),
        }
        at += 1777;
    }
    d
}

#[test]
fn chunked_equals_single_pass() {
    let d = corpus();
    let whole = scan(&d, &ScanConfig::default()).0;
    assert!(whole.len() > 1000, "{}", whole.len());
    for (chunk, threads) in [(4096, 2), (1000, 3), (65_536, 1), (12_345, 2), (1 << 20, 2)] {
        let cfg = ScanConfig {
            chunk,
            threads,
            ..Default::default()
        };
        let got = scan_chunked(&d, &cfg).0;
        assert_eq!(got.len(), whole.len(), "chunk {chunk}");
        assert!(got == whole, "chunk {chunk}: results differ");
    }
}

#[test]
fn objects_running_past_the_chunk() {
    let mut d = clean_noise(400_000, 5);
    let big = format!(
        "{}the end: far@example.net\n",
        "lorem ipsum dolor sit amet, ".repeat(5000)
    );
    let g = gzip(big.as_bytes());
    put(&mut d, 8000, &g);
    let mut b = b"x: ".to_vec();
    b.extend(base64(big.as_bytes(), 76));
    b.push(b' ');
    put(&mut d, 100_000, &b);
    let z = zip_member("doc.xml", big.as_bytes(), true, true);
    put(&mut d, 300_000, &z);
    let inner = big.find("far@").unwrap();
    let want = vec![
        (
            format!("8000-GZIP-{inner}"),
            8000,
            "far@example.net".to_string(),
            None,
        ),
        (
            format!("100003-BASE64-{inner}"),
            100_003,
            "far@example.net".to_string(),
            None,
        ),
        (
            format!("300000-ZIP-{inner}"),
            300_000,
            "far@example.net".to_string(),
            None,
        ),
    ];
    assert_eq!(
        brief(&scan(&d, &ScanConfig::default()).0, Kind::Email),
        want
    );
    for chunk in [8192, 4096, 100_001] {
        let cfg = ScanConfig {
            chunk,
            threads: 2,
            ..Default::default()
        };
        assert_eq!(
            brief(&scan_chunked(&d, &cfg).0, Kind::Email),
            want,
            "chunk {chunk}"
        );
    }
}
