//! Hostile input: bombs are cut off and noted, nothing panics.

mod common;

use common::*;
use exhibit_scan::{scan_bytes, CollectSink, Kind, ScanConfig};

#[test]
fn gzip_bomb_is_cut_and_noted() {
    let zeros = vec![0u8; 10_000_000];
    let mut bomb = gzip(&zeros);
    assert!(bomb.len() < 20_000);
    bomb.extend_from_slice(&[0xAA; 64]);
    let cfg = ScanConfig {
        max_decoded: 1_000_000,
        ..Default::default()
    };
    let (fs, notes) = scan(&bomb, &cfg);
    assert!(fs.is_empty());
    assert_eq!(notes.len(), 1, "{notes:?}");
    assert_eq!(notes[0].path, "0-GZIP");
    assert_eq!(
        notes[0].what,
        "decompression stopped at 1000000 bytes (size limit)"
    );
}

#[test]
fn ratio_limit() {
    let zeros = vec![0u8; 50_000_000];
    let bomb = zlib(&zeros);
    let cfg = ScanConfig {
        max_decoded: 1 << 30,
        max_ratio: 100,
        ..Default::default()
    };
    let (_, notes) = scan(&bomb, &cfg);
    assert_eq!(notes.len(), 1);
    assert!(notes[0].what.contains("ratio limit"), "{notes:?}");
}

#[test]
fn nested_bomb_is_bounded() {
    // gzip of gzip of 8 MB of zeros, nested five times in base64/zip
    let mut p = gzip(&vec![0u8; 8_000_000]);
    for k in 0..5 {
        p = if k % 2 == 0 {
            zip_member("z", &p, true, false)
        } else {
            gzip(&p)
        };
    }
    let cfg = ScanConfig {
        max_decoded: 2_000_000,
        ..Default::default()
    };
    let (_, notes) = scan(&p, &cfg);
    assert!(!notes.is_empty());
}

#[test]
fn random_bytes_do_not_panic() {
    for seed in 1..40u64 {
        let d = noise(200_000, seed);
        let (fs, _) = scan(&d, &ScanConfig::default());
        // noise must not produce validated leads
        assert!(
            fs.iter()
                .all(|f| f.kind != Kind::Ccn && f.kind != Kind::Iban),
            "{fs:?}"
        );
    }
}

#[test]
fn truncated_and_mangled_streams_do_not_panic() {
    let text = "lorem ipsum dolor sit amet a.b@example.com ".repeat(200);
    let mut objects = vec![
        gzip(text.as_bytes()),
        zlib(text.as_bytes()),
        zip_member("a.txt", text.as_bytes(), true, true),
        zip_member("a.txt", text.as_bytes(), false, false),
        base64(&gzip(text.as_bytes()), 76),
    ];
    let mut pdf = b"1 0 obj << /Filter /FlateDecode /Length 9 >>\nstream\n".to_vec();
    pdf.extend(zlib(text.as_bytes()));
    objects.push(pdf);
    let sink = CollectSink::new();
    let cfg = ScanConfig::default();
    for o in &objects {
        for cut in (0..o.len()).step_by(7) {
            scan_bytes(&o[..cut], 0, &cfg, &sink);
        }
        for seed in 0..50u64 {
            let mut m = o.clone();
            let r = noise(8, seed);
            let at = (u64::from_le_bytes(r.try_into().unwrap()) % m.len() as u64) as usize;
            m[at] ^= 1 << (seed % 8);
            scan_bytes(&m, 0, &cfg, &sink);
        }
    }
    // headers lying about sizes
    let mut z = zip_member("a.txt", b"hello", false, false);
    z[18..22].copy_from_slice(&u32::MAX.to_le_bytes());
    z[26..28].copy_from_slice(&u16::MAX.to_le_bytes());
    scan_bytes(&z, 0, &cfg, &sink);
    let mut g = gzip(b"hello");
    g[3] = 0x1e; // every optional field, none present
    scan_bytes(&g, 0, &cfg, &sink);
    scan_bytes(b"\x1f\x8b\x08", 0, &cfg, &sink);
    scan_bytes(b"x\x9c", 0, &cfg, &sink);
    scan_bytes(b"PK\x03\x04", 0, &cfg, &sink);
    scan_bytes(b"", 0, &cfg, &sink);
}

#[test]
fn signature_soup_does_not_panic() {
    // every position a signature, text and UTF-16 fragments between
    let mut d = Vec::new();
    for k in 0..20_000u32 {
        match k % 7 {
            0 => d.extend_from_slice(b"\x1f\x8b\x08\x1e"),
            1 => d.extend_from_slice(b"x\x9c\x05"),
            2 => d.extend_from_slice(b"PK\x03\x04\x14\x00\x08\x00\x08\x00"),
            3 => d.extend_from_slice(b"stream\r\n"),
            4 => d.extend_from_slice(b"QUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFB"),
            5 => d.extend_from_slice(&utf16le("a@b.cd ")),
            _ => d.extend_from_slice(&noise(5, k as u64)),
        }
    }
    let (_, _) = scan(&d, &ScanConfig::default());
    let cfg = ScanConfig {
        chunk: 4096,
        threads: 2,
        ..Default::default()
    };
    let _ = scan_chunked(&d, &cfg);
}

#[test]
fn all_zero_and_all_text() {
    let (fs, _) = scan(&vec![0u8; 1 << 20], &ScanConfig::default());
    assert!(fs.is_empty());
    let (fs, _) = scan(&vec![b'A'; 1 << 20], &ScanConfig::default());
    assert!(fs.is_empty());
    let (fs, _) = scan(&b"A\0".repeat(1 << 19), &ScanConfig::default());
    assert!(fs.is_empty());
}
