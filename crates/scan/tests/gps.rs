//! GPS coordinates in EXIF blocks of JPEGs, plain and inside containers.

mod common;

use common::*;
use exhibit_scan::{Kind, ScanConfig};

/// A minimal JPEG: SOI, APP1 `Exif\0\0` + TIFF (IFD0 → GPS IFD), EOI.
/// Returns the JPEG and the offset of its TIFF header.
fn jpeg(be: bool, lat_ref: u8, lon_ref: u8) -> (Vec<u8>, usize) {
    let w16 =
        |v: &mut Vec<u8>, x: u16| v.extend(if be { x.to_be_bytes() } else { x.to_le_bytes() });
    let w32 =
        |v: &mut Vec<u8>, x: u32| v.extend(if be { x.to_be_bytes() } else { x.to_le_bytes() });
    let mut t = Vec::new();
    t.extend_from_slice(if be { b"MM\0*" } else { b"II*\0" });
    w32(&mut t, 8);
    w16(&mut t, 1);
    w16(&mut t, 0x8825);
    w16(&mut t, 4);
    w32(&mut t, 1);
    w32(&mut t, 26);
    w32(&mut t, 0);
    w16(&mut t, 4);
    for (tag, r, off) in [(1u16, lat_ref, 80u32), (3, lon_ref, 104)] {
        w16(&mut t, tag);
        w16(&mut t, 2);
        w32(&mut t, 2);
        t.extend([r, 0, 0, 0]);
        w16(&mut t, tag + 1);
        w16(&mut t, 5);
        w32(&mut t, 3);
        w32(&mut t, off);
    }
    w32(&mut t, 0);
    for (n, d) in [
        (13, 1),
        (45, 1),
        (2279, 100),
        (100, 1),
        (30, 1),
        (6354, 1000),
    ] {
        w32(&mut t, n);
        w32(&mut t, d);
    }
    let mut j = vec![0xFF, 0xD8, 0xFF, 0xE1];
    j.extend(((2 + 6 + t.len()) as u16).to_be_bytes());
    j.extend_from_slice(b"Exif\0\0");
    let at = j.len();
    j.extend(t);
    j.extend([0xFF, 0xDA, 0, 2, 0x11, 0x22, 0xFF, 0xD9]);
    (j, at)
}

fn quiet_noise(n: usize) -> Vec<u8> {
    noise(n, 9).into_iter().map(|b| b | 0x80).collect()
}

fn gps(fs: &[exhibit_scan::Feature]) -> Vec<(String, String, u64)> {
    of(fs, Kind::Gps)
        .into_iter()
        .map(|f| (f.path.clone(), f.normalized.clone(), f.offset))
        .collect()
}

#[test]
fn plain_jpeg_both_byte_orders() {
    let (le, a) = jpeg(false, b'N', b'E');
    let (be, b) = jpeg(true, b'S', b'W');
    let mut d = quiet_noise(1000);
    d.extend(&le);
    d.extend(quiet_noise(500));
    let second = d.len();
    d.extend(&be);
    d.extend(quiet_noise(100));
    let (fs, _) = scan(&d, &ScanConfig::default());
    assert_eq!(
        gps(&fs),
        [
            (
                (1000 + a).to_string(),
                "13.756331,100.501765".into(),
                (1000 + a) as u64
            ),
            (
                (second + b).to_string(),
                "-13.756331,-100.501765".into(),
                (second + b) as u64
            ),
        ]
    );
    let f = of(&fs, Kind::Gps)[0];
    assert!(f.validated && f.value == f.normalized && f.encoding.is_none());
    assert!(fs.iter().all(|f| f.kind == Kind::Gps), "{fs:?}");
    // only GPS wanted, decoding off
    let cfg = ScanConfig {
        kinds: vec![Kind::Gps],
        max_depth: 0,
        ..ScanConfig::default()
    };
    assert_eq!(gps(&scan(&d, &cfg).0).len(), 2);
    // not wanted
    let cfg = ScanConfig {
        kinds: vec![Kind::Email],
        ..ScanConfig::default()
    };
    assert!(gps(&scan(&d, &cfg).0).is_empty());
}

#[test]
fn jpeg_in_containers_composes_paths() {
    let (j, a) = jpeg(false, b'N', b'W');
    let want = "13.756331,-100.501765".to_string();
    for deflated in [false, true] {
        let mut d = quiet_noise(300);
        d.extend(zip_member("DCIM/IMG_0001.JPG", &j, deflated, false));
        d.extend(quiet_noise(300));
        let (fs, _) = scan(&d, &ScanConfig::default());
        let mut expect = vec![(format!("300-ZIP-{a}"), want.clone(), 300)];
        if !deflated {
            // a stored member's bytes are also plain bytes of the image
            let at = 300 + 30 + "DCIM/IMG_0001.JPG".len() + a;
            expect.push((at.to_string(), want.clone(), at as u64));
        }
        assert_eq!(gps(&fs), expect);
    }
    let mut d = quiet_noise(64);
    d.extend(gzip(&j));
    d.extend(quiet_noise(64));
    assert_eq!(
        gps(&scan(&d, &ScanConfig::default()).0),
        [(format!("64-GZIP-{a}"), want.clone(), 64)]
    );
    let mut d = b"\n".to_vec();
    d.extend(base64(&j, 76));
    d.extend(b"\n");
    assert_eq!(
        gps(&scan(&d, &ScanConfig::default()).0),
        [(format!("1-BASE64-{a}"), want.clone(), 1)]
    );
}

#[test]
fn exif_across_chunk_boundaries_is_found_once() {
    let (j, a) = jpeg(true, b'N', b'E');
    let cfg = ScanConfig {
        chunk: 1 << 16,
        ..ScanConfig::default()
    };
    for shift in [1usize, 8, 20, 60, 100, j.len() - 2] {
        let mut d = quiet_noise(3 << 16);
        let at = (1 << 16) - shift;
        d[at..at + j.len()].copy_from_slice(&j);
        let (fs, _) = scan_chunked(&d, &cfg);
        assert_eq!(
            gps(&fs),
            [(
                (at + a).to_string(),
                "13.756331,100.501765".into(),
                (at + a) as u64
            )],
            "{shift}"
        );
    }
}

#[test]
fn hostile_exif_in_noise_does_not_panic() {
    let (j, _) = jpeg(false, b'N', b'E');
    let mut d = Vec::new();
    for i in 0..j.len() {
        let mut k = j.clone();
        k[i] ^= 0xA5;
        d.extend(k);
        d.extend(&j[..i]); // truncated copy
    }
    let _ = scan(&d, &ScanConfig::default());
    let _ = scan_chunked(&d, &ScanConfig::default());
}
