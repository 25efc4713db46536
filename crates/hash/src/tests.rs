//! Unit tests: known vectors, pipelined vs reference, odd-sized updates,
//! readers that misbehave, formats.

use std::io::{self, Read};

use ::md5::Digest as _;

use super::*;

const EMPTY: [(Algorithm, &str); 4] = [
    (Algorithm::Md5, "d41d8cd98f00b204e9800998ecf8427e"),
    (Algorithm::Sha1, "da39a3ee5e6b4b0d3255bfef95601890afd80709"),
    (
        Algorithm::Sha256,
        "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
    ),
    (
        Algorithm::Blake3,
        "af1349b9f5f9a1a6a0404dea36dcc9499bcb25c9adc112b7cc9a93cae41f3262",
    ),
];

const ABC: [(Algorithm, &str); 4] = [
    (Algorithm::Md5, "900150983cd24fb0d6963f7d28e17f72"),
    (Algorithm::Sha1, "a9993e364706816aba3e25717850c26c9cd0d89d"),
    (
        Algorithm::Sha256,
        "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
    ),
    (
        Algorithm::Blake3,
        "6437b3ac38465133ffb63b75273a8db548c558465d79db03fd359c6cd5bd9d85",
    ),
];

/// A deterministic pseudo-random pattern (xorshift64*).
fn pattern(len: usize) -> Vec<u8> {
    let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
    let mut out = Vec::with_capacity(len + 8);
    while out.len() < len {
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        out.extend_from_slice(&x.wrapping_mul(0x2545_F491_4F6C_DD1D).to_le_bytes());
    }
    out.truncate(len);
    out
}

/// Single-threaded reference digests straight from the upstream crates.
fn reference(data: &[u8]) -> Vec<(Algorithm, String)> {
    vec![
        (Algorithm::Md5, hex::encode(::md5::Md5::digest(data))),
        (Algorithm::Sha1, hex::encode(sha1::Sha1::digest(data))),
        (Algorithm::Sha256, hex::encode(sha2::Sha256::digest(data))),
        (Algorithm::Blake3, blake3::hash(data).to_hex().to_string()),
    ]
}

fn check(d: &Digests, expected: &[(Algorithm, String)]) {
    assert_eq!(d.len(), expected.len());
    for (alg, hex) in expected {
        assert_eq!(d.hex(*alg).as_deref(), Some(hex.as_str()), "{alg}");
    }
}

fn owned(v: &[(Algorithm, &str)]) -> Vec<(Algorithm, String)> {
    v.iter().map(|(a, h)| (*a, (*h).to_owned())).collect()
}

#[test]
fn known_vectors_all_algorithms() {
    for (input, expected) in [(&b""[..], EMPTY), (&b"abc"[..], ABC)] {
        let d = hash_bytes(input, &Algorithm::ALL);
        check(&d, &owned(&expected));
        // Each algorithm alone (direct mode).
        for (alg, hex) in expected {
            let d = hash_bytes(input, &[alg]);
            assert_eq!(d.len(), 1);
            assert_eq!(d.hex(alg).as_deref(), Some(hex));
            assert_eq!(d.get(alg).map(<[u8]>::len), Some(alg.digest_len()));
        }
    }
}

#[test]
fn reference_crates_agree_with_known_vectors() {
    check(
        &hash_bytes(b"abc", &Algorithm::ALL),
        &reference(b"abc").into_iter().collect::<Vec<_>>(),
    );
}

#[test]
fn ten_mib_pipelined_matches_reference() {
    let data = pattern(10 << 20);
    let expected = reference(&data);
    let mut h = MultiHasher::new(&Algorithm::ALL);
    h.update(&data);
    check(&h.finish(), &expected);

    let (d, n) = hash_reader(&data[..], &Algorithm::ALL, &mut |_| {}).unwrap();
    assert_eq!(n, data.len() as u64);
    check(&d, &expected);
}

#[test]
fn odd_sized_updates_give_identical_results() {
    let len = (3 << 20) + 12_345;
    let data = pattern(len);
    let expected = reference(&data);
    let sizes = [1usize, 7, 63, 64, 65, 4095, (1 << 20) + 3, 333_333, 0, 2];
    let mut h = MultiHasher::new(&Algorithm::ALL);
    let mut rest = &data[..];
    let mut i = 0;
    while !rest.is_empty() {
        let n = sizes[i % sizes.len()].min(rest.len());
        h.update(&rest[..n]);
        rest = &rest[n..];
        i += 1;
    }
    check(&h.finish(), &expected);
}

#[test]
fn every_grouping_gives_identical_results() {
    use Algorithm::*;
    let data = pattern((5 << 20) + 17);
    let expected = reference(&data);
    let layouts: [&[&[Algorithm]]; 4] = [
        &[&[Md5], &[Sha1, Sha256, Blake3]],
        &[&[Md5], &[Sha1], &[Sha256], &[Blake3]],
        &[&[Md5, Sha1, Sha256, Blake3]],
        &[&[Sha256, Md5], &[Blake3, Sha1], &[Md5]],
    ];
    for layout in layouts {
        for caller in [false, true] {
            let mut h = if caller {
                MultiHasher::with_groups_last_on_caller(layout)
            } else {
                MultiHasher::with_groups(layout)
            };
            assert_eq!(h.algorithms(), Algorithm::ALL.to_vec());
            for chunk in data.chunks(999_999) {
                h.update(chunk);
            }
            check(&h.try_finish().unwrap(), &expected);
        }
    }
}

#[test]
fn default_set_and_duplicates() {
    let data = pattern(2 << 20);
    let d = hash_bytes(
        &data,
        &[
            Algorithm::Sha256,
            Algorithm::Md5,
            Algorithm::Sha1,
            Algorithm::Md5,
        ],
    );
    let expected: Vec<_> = reference(&data).into_iter().take(3).collect();
    check(&d, &expected);
    assert_eq!(
        d.algorithms().collect::<Vec<_>>(),
        Algorithm::DEFAULT.to_vec()
    );
    assert!(d.get(Algorithm::Blake3).is_none());
}

#[test]
fn no_algorithms_is_empty() {
    let d = hash_bytes(&pattern(3 << 20), &[]);
    assert!(d.is_empty());
    let (d, n) = hash_reader(&b"xyz"[..], &[], &mut |_| {}).unwrap();
    assert!(d.is_empty());
    assert_eq!(n, 3);
}

#[test]
fn drop_without_finish_does_not_hang() {
    let mut h = MultiHasher::new(&Algorithm::ALL);
    h.update(&pattern(6 << 20));
    drop(h);
}

/// Yields the data in uneven pieces, with `Interrupted` errors in between.
struct Awkward {
    data: Vec<u8>,
    pos: usize,
    calls: usize,
}

impl Read for Awkward {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        self.calls += 1;
        if self.calls.is_multiple_of(3) {
            return Err(io::Error::from(io::ErrorKind::Interrupted));
        }
        let want = [1usize, 4096, 70_001, 1 << 20][self.calls % 4];
        let n = want.min(buf.len()).min(self.data.len() - self.pos);
        buf[..n].copy_from_slice(&self.data[self.pos..self.pos + n]);
        self.pos += n;
        Ok(n)
    }
}

#[test]
fn hash_reader_retries_interrupted_and_reports_progress() {
    let data = pattern((4 << 20) + 5);
    let expected = reference(&data);
    for algs in [&Algorithm::ALL[..], &[Algorithm::Sha256]] {
        let reader = Awkward {
            data: data.clone(),
            pos: 0,
            calls: 0,
        };
        let mut seen = Vec::new();
        let (d, n) = hash_reader(reader, algs, &mut |t| seen.push(t)).unwrap();
        assert_eq!(n, data.len() as u64);
        assert_eq!(seen.last().copied(), Some(n));
        assert!(seen.windows(2).all(|w| w[0] < w[1]));
        let want: Vec<_> = expected
            .iter()
            .filter(|(a, _)| algs.contains(a))
            .cloned()
            .collect();
        check(&d, &want);
    }
}

/// Fails after `ok` bytes.
struct Failing {
    ok: usize,
}

impl Read for Failing {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if self.ok == 0 {
            return Err(io::Error::other("disk on fire"));
        }
        let n = self.ok.min(buf.len()).min(1000);
        buf[..n].fill(7);
        self.ok -= n;
        Ok(n)
    }
}

#[test]
fn read_error_reports_offset() {
    for algs in [&Algorithm::DEFAULT[..], &[Algorithm::Md5]] {
        let err = hash_reader(Failing { ok: 2_500_000 }, algs, &mut |_| {}).unwrap_err();
        match &err {
            HashError::Io { offset, source } => {
                assert_eq!(*offset, 2_500_000);
                assert_eq!(source.to_string(), "disk on fire");
            }
            other => panic!("unexpected {other:?}"),
        }
        assert!(err.to_string().contains("2500000"));
    }
}

/// Claims to have read more than it was given.
struct Liar;

impl Read for Liar {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        Ok(buf.len() + 10)
    }
}

#[test]
fn lying_reader_does_not_panic() {
    let mut r = Liar.take(0);
    assert!(hash_reader(&mut r, &Algorithm::ALL, &mut |_| {}).is_ok());
    // `Take` limits calls, not the claimed lengths: stop after a few MiB.
    let mut calls = 0;
    let mut progress = |_| calls += 1;
    let mut h = MultiHasher::new(&Algorithm::ALL);
    let mut liar = Liar;
    for _ in 0..10 {
        let n = h.update_with(|buf| liar.read(buf)).unwrap();
        assert!(n <= 1 << 20);
        progress(n as u64);
    }
    let _ = h.finish();
    assert_eq!(calls, 10);
}

#[test]
fn hash_file_reads_and_reports_missing() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("evidence.bin");
    let data = pattern((1 << 20) * 2 + 99);
    std::fs::write(&path, &data).unwrap();
    let (d, n) = hash_file(&path, &Algorithm::DEFAULT, &mut |_| {}).unwrap();
    assert_eq!(n, data.len() as u64);
    check(
        &d,
        &reference(&data).into_iter().take(3).collect::<Vec<_>>(),
    );
    // The file is untouched.
    assert_eq!(std::fs::read(&path).unwrap(), data);

    let missing = dir.path().join("nope");
    match hash_file(&missing, &Algorithm::DEFAULT, &mut |_| {}) {
        Err(HashError::Open { path, .. }) => assert_eq!(path, missing),
        other => panic!("unexpected {other:?}"),
    }
}

#[test]
fn algorithm_names_parse_and_display() {
    for alg in Algorithm::ALL {
        assert_eq!(alg.name().parse::<Algorithm>().unwrap(), alg);
        assert_eq!(alg.to_string(), alg.name());
        assert_eq!(alg.name().to_uppercase().parse::<Algorithm>().unwrap(), alg);
    }
    assert_eq!("SHA-256".parse::<Algorithm>().unwrap(), Algorithm::Sha256);
    assert_eq!("sha-1".parse::<Algorithm>().unwrap(), Algorithm::Sha1);
    let err = "crc32".parse::<Algorithm>().unwrap_err();
    assert!(err.to_string().contains("crc32"));
    assert_eq!(
        Algorithm::DEFAULT,
        [Algorithm::Md5, Algorithm::Sha1, Algorithm::Sha256]
    );
}

#[test]
fn serde_fixed_order_and_round_trip() {
    let d = hash_bytes(
        b"abc",
        &[Algorithm::Sha256, Algorithm::Sha1, Algorithm::Md5],
    );
    let json = serde_json::to_string(&d).unwrap();
    assert_eq!(
        json,
        format!(
            r#"{{"md5":"{}","sha1":"{}","sha256":"{}"}}"#,
            ABC[0].1, ABC[1].1, ABC[2].1
        )
    );
    let back: Digests = serde_json::from_str(&json).unwrap();
    assert_eq!(back, d);
    assert_eq!(serde_json::to_string(&d.to_hex_map()).unwrap(), json);
    assert!(serde_json::from_str::<Digests>(r#"{"md5":"00"}"#).is_err());
    assert!(serde_json::from_str::<Digests>(r#"{"crc":"00"}"#).is_err());
    assert_eq!(
        d.to_string(),
        format!("md5:{}\nsha1:{}\nsha256:{}", ABC[0].1, ABC[1].1, ABC[2].1)
    );
}

#[test]
fn insert_checks_length() {
    let mut d = Digests::new();
    assert!(d.insert(Algorithm::Md5, vec![0; 16]).is_ok());
    let err = d.insert(Algorithm::Sha1, vec![0; 16]).unwrap_err();
    assert_eq!(err.len, 16);
    assert_eq!(d.len(), 1);
}

#[test]
fn sum_line_format() {
    assert_eq!(
        sum_line(ABC[0].1, "disk.img"),
        format!("{}  disk.img", ABC[0].1)
    );
    assert_eq!(sum_line("ab", "a\nb\\c"), "\\ab  a\\nb\\\\c");
}

#[test]
fn hasher_and_digests_are_send() {
    fn send<T: Send>() {}
    send::<MultiHasher>();
    send::<Digests>();
    send::<HashError>();
}
