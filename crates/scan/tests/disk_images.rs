//! On every test image: each e-mail address that
//! `grep -a -o -E '[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}'` finds
//! in the media bytes is found by the scanner at the same offset.

use std::path::{Path, PathBuf};

use exhibit_evidence::Source;
use exhibit_scan::{scan_source, CollectSink, Kind, ScanConfig};

fn images() -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/testdata/disk");
    let mut found = Vec::new();
    let mut dirs = vec![dir];
    while let Some(d) = dirs.pop() {
        let Ok(rd) = std::fs::read_dir(&d) else {
            continue;
        };
        for e in rd.flatten() {
            let p = e.path();
            if p.is_dir() {
                dirs.push(p);
                continue;
            }
            let name = p.file_name().unwrap().to_string_lossy().to_lowercase();
            let first_segment = name.ends_with(".e01") || name.ends_with(".000");
            let raw = name.ends_with(".dd") || name.ends_with(".raw");
            if first_segment || raw {
                found.push(p);
            }
        }
    }
    found.sort();
    found
}

fn local(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b"._%+-".contains(&b)
}

fn host(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'.' || b == b'-'
}

/// POSIX leftmost-longest matches of the grep pattern: (start, end).
fn grep_emails(t: &[u8]) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    let mut pos = 0;
    while let Some(k) = t[pos..].iter().position(|&b| b == b'@') {
        let a = pos + k;
        let mut s = a;
        while s > pos && local(t[s - 1]) {
            s -= 1;
        }
        // longest `[host]+\.[A-Za-z]{2,}` after the '@'
        let mut r = a + 1;
        while r < t.len() && host(t[r]) {
            r += 1;
        }
        let mut end = None;
        for e in (a + 1..=r).rev() {
            // t[a+1..e] must end with '.' + 2 or more letters, something before the dot
            let mut l = e;
            while l > a + 1 && t[l - 1].is_ascii_alphabetic() {
                l -= 1;
            }
            if e - l >= 2 && l >= a + 3 && t[l - 1] == b'.' {
                end = Some(e);
                break;
            }
        }
        match (s < a, end) {
            (true, Some(e)) => {
                out.push((s, e));
                pos = e;
            }
            _ => pos = a + 1,
        }
    }
    out
}

/// True when a grep match is an e-mail address by the rules the scanner
/// applies (after dropping leading dots, which RFC 5322 does not allow): a
/// local part of 1–64 bytes, valid labels, a TLD of at most 24 letters in
/// one case (a two-letter one a country code), a domain of at most 253
/// bytes. Returns the offset of its first byte.
fn well_formed(t: &[u8], s: usize, e: usize) -> Option<usize> {
    let m = &t[s..e];
    let dots = m.iter().take_while(|&&b| b == b'.').count();
    let at = m.iter().position(|&b| b == b'@')?;
    let (localpart, domain) = (&m[dots..at], &m[at + 1..]);
    let labels: Vec<&[u8]> = domain.split(|&b| b == b'.').collect();
    let tld = labels.last()?;
    let one_case = tld.iter().all(u8::is_ascii_lowercase) || tld.iter().all(u8::is_ascii_uppercase);
    let country = |t: &[u8]| {
        let up = String::from_utf8_lossy(t).to_uppercase();
        ["UK", "EU", "SU"].contains(&up.as_str()) || up.parse::<phonenumber::country::Id>().is_ok()
    };
    let ok = (1..=64).contains(&localpart.len())
        && domain.len() <= 253
        && tld.len() <= 24
        && one_case
        && (tld.len() != 2 || country(tld))
        && labels
            .iter()
            .all(|l| !l.is_empty() && l.len() <= 63 && l[0] != b'-' && l[l.len() - 1] != b'-');
    ok.then_some(s + dots)
}

/// Checks one source; returns the number of grep matches.
fn check(name: &str, src: &dyn Source, cfg: &ScanConfig) -> usize {
    let mut bytes = vec![0u8; src.len() as usize];
    src.read_exact_at(0, &mut bytes).unwrap();
    let want = grep_emails(&bytes);
    let sink = CollectSink::new();
    scan_source(src, cfg, &sink, &|_| {}).unwrap();
    let got: std::collections::HashSet<u64> = sink
        .features()
        .into_iter()
        .filter(|f| f.kind == Kind::Email && !f.path.contains('-') && f.encoding.is_none())
        .map(|f| f.offset)
        .collect();
    let mut checked = 0;
    for &(s, e) in &want {
        let Some(at) = well_formed(&bytes, s, e) else {
            continue;
        };
        checked += 1;
        assert!(
            got.contains(&(at as u64)),
            "{name}: {:?} at {s} not found",
            String::from_utf8_lossy(&bytes[s..e])
        );
    }
    eprintln!(
        "{name}: {} grep matches, {checked} well-formed, {} found",
        want.len(),
        got.len()
    );
    want.len()
}

#[test]
fn grep_reference_matcher() {
    let t = b"x a.b@example.com. .c@d.ef @@ q@w.e1 long@host.comabc9";
    let m: Vec<&[u8]> = grep_emails(t).into_iter().map(|(s, e)| &t[s..e]).collect();
    assert_eq!(
        m,
        [&b"a.b@example.com"[..], b".c@d.ef", b"long@host.comabc"]
    );
}

#[test]
fn every_grep_email_is_found_at_its_offset() {
    let imgs = images();
    assert!(!imgs.is_empty(), "no test images found");
    let cfg = ScanConfig {
        kinds: vec![Kind::Email],
        chunk: 1 << 20,
        threads: 2,
        ..Default::default()
    };
    for p in imgs {
        let src = exhibit_evidence::open(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()));
        check(&p.display().to_string(), &src, &cfg);
    }
}

/// The test images hold no addresses, so the same check runs on a raw
/// image full of them: planted addresses and address-like junk, in text and
/// among binary bytes, crossing chunk boundaries.
#[test]
fn every_grep_email_in_a_synthetic_image() {
    let mut x = 0x9E37_79B9_7F4A_7C15u64;
    let mut rnd = move || {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        x
    };
    let alphabet = b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-_%+@@@...--  \n<>:;,\x00\xff\x80";
    let tlds = [
        "com", "co.th", "go.th", "vn", "com.my", "ph", "org", "COM", "info", "x", "c0m",
    ];
    let mut d = Vec::with_capacity(3 << 20);
    while d.len() < 3 << 20 {
        match rnd() % 4 {
            0 | 1 => {
                let n = (rnd() % 40) as usize;
                for _ in 0..n {
                    d.push(alphabet[(rnd() % alphabet.len() as u64) as usize]);
                }
            }
            2 => {
                let l = (rnd() % 12 + 1) as usize;
                for _ in 0..l {
                    d.push(b"abcxyz019._-+%"[(rnd() % 14) as usize]);
                }
                d.push(b'@');
                let h = (rnd() % 10 + 1) as usize;
                for _ in 0..h {
                    d.push(b"mailhost01-"[(rnd() % 11) as usize]);
                }
                d.push(b'.');
                d.extend_from_slice(tlds[(rnd() % tlds.len() as u64) as usize].as_bytes());
            }
            _ => d.extend_from_slice(&(rnd() as u32).to_le_bytes()),
        }
    }
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("synthetic.dd");
    std::fs::write(&path, &d).unwrap();
    let src = exhibit_evidence::open(&path).unwrap();
    for (chunk, threads) in [(1 << 20, 2), (65_536, 2), (4096, 3)] {
        let cfg = ScanConfig {
            kinds: vec![Kind::Email],
            chunk,
            threads,
            ..Default::default()
        };
        let n = check("synthetic", &src, &cfg);
        assert!(n > 10_000, "{n}");
    }
}
