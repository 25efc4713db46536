//! End-to-end checks of a generated image against its truth, with decoders
//! and validators written independently of the generator.

use std::collections::HashSet;
use std::io::Read;
use std::net::{Ipv4Addr, Ipv6Addr};
use std::path::Path;

use exhibit_plant::{generate, score, Form, Kind, Truth, TruthFeature};
use sha2::{Digest, Sha256};
use sha3::{Keccak256, Sha3_256};

const SIZE: u64 = 40 << 20;

// ---------- independent decoders ----------

fn b64_value(c: u8) -> Option<u32> {
    Some(match c {
        b'A'..=b'Z' => c - b'A',
        b'a'..=b'z' => c - b'a' + 26,
        b'0'..=b'9' => c - b'0' + 52,
        b'+' => 62,
        b'/' => 63,
        _ => return None,
    } as u32)
}

/// Decodes the base64 run starting at `data[0]` (line breaks allowed).
fn decode_base64_run(data: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    let (mut acc, mut bits) = (0u32, 0u32);
    for &c in data {
        if c == b'\r' || c == b'\n' {
            continue;
        }
        if c == b'=' {
            break;
        }
        let Some(v) = b64_value(c) else { break };
        acc = (acc << 6) | v;
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
        }
    }
    out
}

fn gunzip(data: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    flate2::read::GzDecoder::new(data)
        .read_to_end(&mut out)
        .expect("gzip member");
    out
}

fn unzip_first_member(data: &[u8]) -> Vec<u8> {
    assert_eq!(&data[..4], b"PK\x03\x04", "local file header");
    let u16at = |i: usize| u16::from_le_bytes([data[i], data[i + 1]]) as usize;
    let u32at =
        |i: usize| u32::from_le_bytes([data[i], data[i + 1], data[i + 2], data[i + 3]]) as usize;
    assert_eq!(u16at(8), 8, "deflate");
    let (csize, usize_, name, extra) = (u32at(18), u32at(22), u16at(26), u16at(28));
    let start = 30 + name + extra;
    let mut out = Vec::new();
    flate2::read::DeflateDecoder::new(&data[start..start + csize])
        .read_to_end(&mut out)
        .expect("deflate");
    assert_eq!(out.len(), usize_);
    let mut crc = flate2::Crc::new();
    crc.update(&out);
    assert_eq!(crc.sum() as usize, u32at(14), "crc32");
    // The central directory and end record follow.
    let rest = &data[start + csize..];
    assert_eq!(&rest[..4], b"PK\x01\x02");
    assert!(rest.windows(4).any(|w| w == b"PK\x05\x06"));
    out
}

/// The bytes a forensic path points at, in the buffer that holds them.
fn resolve<'a>(image: &'a [u8], path: &str, scratch: &'a mut Vec<Vec<u8>>) -> (usize, &'a [u8]) {
    let parts: Vec<&str> = path.split('-').collect();
    let mut pos: usize = parts[0].parse().expect("offset");
    let mut buf: Vec<u8> = Vec::new();
    let mut in_image = true;
    for pair in parts[1..].chunks(2) {
        let data: &[u8] = if in_image { &image[pos..] } else { &buf[pos..] };
        let decoded = match pair[0] {
            "GZIP" => gunzip(data),
            "ZIP" => unzip_first_member(data),
            "BASE64" => decode_base64_run(data),
            other => panic!("unexpected layer {other}"),
        };
        buf = decoded;
        in_image = false;
        pos = pair[1].parse().expect("inner offset");
    }
    if in_image {
        (pos, image)
    } else {
        scratch.push(buf);
        (pos, scratch.last().expect("pushed"))
    }
}

// ---------- independent validators ----------

fn luhn(d: &str) -> bool {
    let sum: u32 = d
        .bytes()
        .rev()
        .enumerate()
        .map(|(i, c)| {
            let v = u32::from(c - b'0');
            if i % 2 == 1 {
                let x = v * 2;
                if x > 9 {
                    x - 9
                } else {
                    x
                }
            } else {
                v
            }
        })
        .sum();
    !d.is_empty() && sum.is_multiple_of(10)
}

fn iban_ok(s: &str) -> bool {
    let s: String = s.chars().filter(|c| *c != ' ').collect();
    let lens = [
        ("DE", 22),
        ("GB", 22),
        ("NL", 18),
        ("CH", 21),
        ("AE", 23),
        ("SA", 24),
        ("PK", 24),
        ("TR", 26),
    ];
    let Some(&(_, len)) = lens.iter().find(|(c, _)| s.starts_with(c)) else {
        return false;
    };
    if s.len() != len {
        return false;
    }
    let moved = format!("{}{}", &s[4..], &s[..4]);
    let mut rem = 0u64;
    for c in moved.chars() {
        let v = c.to_digit(36).expect("alnum") as u64;
        rem = if v >= 10 {
            (rem * 100 + v) % 97
        } else {
            (rem * 10 + v) % 97
        };
    }
    rem == 1
}

fn base58check_ok(s: &str) -> bool {
    const A: &str = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz";
    // big-endian base-256 accumulator
    let mut n: Vec<u8> = vec![];
    for c in s.chars() {
        let Some(v) = A.find(c) else { return false };
        let mut carry = v as u32;
        for b in n.iter_mut().rev() {
            carry += u32::from(*b) * 58;
            *b = carry as u8;
            carry >>= 8;
        }
        while carry > 0 {
            n.insert(0, carry as u8);
            carry >>= 8;
        }
    }
    let zeros = s.chars().take_while(|&c| c == '1').count();
    let mut full = vec![0u8; zeros];
    full.extend(n);
    if full.len() != 25 {
        return false;
    }
    let h = Sha256::digest(Sha256::digest(&full[..21]));
    h[..4] == full[21..]
}

fn bech32_ok(s: &str) -> Option<u32> {
    const C: &str = "qpzry9x8gf2tvdw0s3jn54khce6mua7l";
    let sep = s.rfind('1')?;
    let hrp = &s[..sep];
    let mut v: Vec<u32> = hrp.bytes().map(|c| u32::from(c) >> 5).collect();
    v.push(0);
    v.extend(hrp.bytes().map(|c| u32::from(c) & 31));
    for c in s[sep + 1..].chars() {
        v.push(C.find(c)? as u32);
    }
    let gen = [
        0x3b6a57b2u32,
        0x26508e6d,
        0x1ea119fa,
        0x3d4233dd,
        0x2a1462b3,
    ];
    let mut chk = 1u32;
    for x in v {
        let b = chk >> 25;
        chk = ((chk & 0x1ffffff) << 5) ^ x;
        for (i, g) in gen.iter().enumerate() {
            if (b >> i) & 1 == 1 {
                chk ^= g;
            }
        }
    }
    Some(chk)
}

fn eip55_ok(s: &str) -> bool {
    let body = &s[2..];
    let lower = body.to_ascii_lowercase();
    let h = Keccak256::digest(lower.as_bytes());
    body.chars().enumerate().all(|(i, c)| {
        let nib = (h[i / 2] >> if i % 2 == 0 { 4 } else { 0 }) & 15;
        !c.is_ascii_alphabetic() || c.is_ascii_uppercase() == (nib >= 8)
    })
}

fn base32_decode(s: &str) -> Option<Vec<u8>> {
    let mut out = Vec::new();
    let (mut acc, mut bits) = (0u64, 0);
    for c in s.chars() {
        let v = "abcdefghijklmnopqrstuvwxyz234567".find(c)? as u64;
        acc = (acc << 5) | v;
        bits += 5;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
        }
    }
    Some(out)
}

fn onion_ok(s: &str) -> bool {
    let Some(b) = s.strip_suffix(".onion") else {
        return false;
    };
    if b.len() != 56 {
        return false;
    }
    let Some(raw) = base32_decode(b) else {
        return false;
    };
    let mut h = Sha3_256::new();
    h.update(b".onion checksum");
    h.update(&raw[..32]);
    h.update([raw[34]]);
    let d = h.finalize();
    raw[34] == 3 && d[..2] == raw[32..34]
}

fn wallet_ok(v: &str, normalized: &str) -> bool {
    if let Some(hex) = v.strip_prefix("0x") {
        let eip = hex.len() == 40 && (eip55_ok(v) || hex.chars().all(|c| !c.is_ascii_uppercase()));
        return eip && eip55_ok(normalized) && normalized.eq_ignore_ascii_case(v);
    }
    if v.starts_with("bc1") || v.starts_with("ltc1") {
        let c = bech32_ok(v);
        return if v.starts_with("bc1p") {
            c == Some(0x2bc830a3)
        } else {
            c == Some(1)
        };
    }
    base58check_ok(v) && ['1', '3', 'T', 'L', 'M'].contains(&v.chars().next().unwrap_or(' '))
}

fn region(id: &str) -> phonenumber::country::Id {
    use phonenumber::country::Id;
    match id {
        "TH" => Id::TH,
        "VN" => Id::VN,
        "ID" => Id::ID,
        "MY" => Id::MY,
        "PH" => Id::PH,
        "SG" => Id::SG,
        "KH" => Id::KH,
        "LA" => Id::LA,
        _ => Id::MM,
    }
}

const REGIONS: [&str; 9] = ["TH", "VN", "ID", "MY", "PH", "SG", "KH", "LA", "MM"];

fn phone_ok(value: &str, normalized: &str) -> Result<(), String> {
    let n = phonenumber::parse(None, normalized).map_err(|e| format!("{normalized}: {e:?}"))?;
    if !phonenumber::is_valid(&n) {
        return Err(format!("{normalized} not valid"));
    }
    if value.starts_with('+') {
        let v = phonenumber::parse(None, value).map_err(|e| format!("{value}: {e:?}"))?;
        if v.format().mode(phonenumber::Mode::E164).to_string() != normalized {
            return Err(format!("{value} != {normalized}"));
        }
        return Ok(());
    }
    // National format: resolved by the first region, in the documented
    // priority order, whose parse gives a valid number of that region.
    let first = REGIONS.iter().copied().find_map(|r| {
        let p = phonenumber::parse(Some(region(r)), value).ok()?;
        (phonenumber::is_valid(&p) && p.country().id() == Some(region(r)))
            .then(|| (r, p.format().mode(phonenumber::Mode::E164).to_string()))
    });
    match first {
        Some((_, e)) if e == normalized => Ok(()),
        _ => Err(format!(
            "national {value} ({normalized}) resolves to {first:?}"
        )),
    }
}

/// GPS rationals of the EXIF TIFF structure at `t[0]` (written
/// independently of the generator): per axis the ref and three (num, den).
type Axis = (u8, [(u32, u32); 3]);

fn exif_gps(t: &[u8]) -> (Axis, Axis) {
    let be = match &t[..4] {
        b"II*\0" => false,
        b"MM\0*" => true,
        other => panic!("no TIFF header: {other:?}"),
    };
    let u16at = |o: usize| {
        let b = [t[o], t[o + 1]];
        if be {
            u16::from_be_bytes(b)
        } else {
            u16::from_le_bytes(b)
        }
    };
    let u32at = |o: usize| {
        let b = [t[o], t[o + 1], t[o + 2], t[o + 3]];
        if be {
            u32::from_be_bytes(b)
        } else {
            u32::from_le_bytes(b)
        }
    };
    let ifd0 = u32at(4) as usize;
    let gps = (0..u16at(ifd0) as usize)
        .map(|k| ifd0 + 2 + 12 * k)
        .find(|&e| u16at(e) == 0x8825)
        .map(|e| u32at(e + 8) as usize)
        .expect("GPS IFD pointer");
    let mut axes = [(0u8, [(0u32, 0u32); 3]); 2];
    for k in 0..u16at(gps) as usize {
        let e = gps + 2 + 12 * k;
        let tag = u16at(e);
        if tag == 1 || tag == 3 {
            assert_eq!((u16at(e + 2), u32at(e + 4)), (2, 2));
            axes[usize::from(tag / 2)].0 = t[e + 8];
        } else if tag == 2 || tag == 4 {
            assert_eq!((u16at(e + 2), u32at(e + 4)), (5, 3));
            let o = u32at(e + 8) as usize;
            for (j, r) in axes[usize::from(tag / 2 - 1)].1.iter_mut().enumerate() {
                *r = (u32at(o + 8 * j), u32at(o + 8 * j + 4));
            }
        }
    }
    (axes[0], axes[1])
}

fn degrees(a: &Axis, neg: u8) -> f64 {
    let q = |k: usize| f64::from(a.1[k].0) / f64::from(a.1[k].1);
    let v = q(0) + q(1) / 60.0 + q(2) / 3600.0;
    if a.0 == neg {
        -v
    } else {
        v
    }
}

fn check_gps(tiff: &[u8], normalized: &str) {
    let (lat, lon) = exif_gps(tiff);
    assert!(matches!(lat.0, b'N' | b'S') && matches!(lon.0, b'E' | b'W'));
    assert!(lat.1.iter().chain(lon.1.iter()).all(|r| r.1 != 0));
    let (la, lo) = (degrees(&lat, b'S'), degrees(&lon, b'W'));
    assert!(la.abs() <= 90.0 && lo.abs() <= 180.0);
    let (a, b) = normalized.split_once(',').expect("lat,lon");
    let close = |s: &str, v: f64| (s.parse::<f64>().expect("number") - v).abs() < 0.6e-6;
    assert!(close(a, la) && close(b, lo), "{normalized} vs {la},{lo}");
    assert!(a.split_once('.').is_some_and(|(_, d)| d.len() == 6));
    assert!(b.split_once('.').is_some_and(|(_, d)| d.len() == 6));
}

fn check_feature(f: &TruthFeature) {
    let v = f.value.as_str();
    let n = f.normalized.as_str();
    match f.kind {
        Kind::Email => {
            assert_eq!(v.to_ascii_lowercase(), n);
            assert!(n.contains('@') && !n.contains(' '));
        }
        Kind::Url => {
            let refanged = v
                .replace("[.]", ".")
                .replace("[:]", ":")
                .replacen("hxxp", "http", 1);
            // a scheme, or a bare `www.` host (derived from a domain)
            let i = match refanged.find("://") {
                Some(i) => i + 3,
                None => {
                    assert!(f.derived && refanged.to_ascii_lowercase().starts_with("www."));
                    0
                }
            };
            let host_end = refanged[i..].find('/').map_or(refanged.len(), |j| i + j);
            let expect = format!(
                "{}{}",
                refanged[..host_end].to_ascii_lowercase(),
                &refanged[host_end..]
            );
            assert_eq!(expect, n);
        }
        Kind::Domain => {
            assert_eq!(v.replace("[.]", ".").to_ascii_lowercase(), n);
            assert!(n.contains('.') && !n.ends_with(".onion") && !n.ends_with(".i2p"));
        }
        Kind::Ip => assert_eq!(v.parse::<Ipv4Addr>().expect("ipv4").to_string(), n),
        Kind::Ipv6 => assert_eq!(v.parse::<Ipv6Addr>().expect("ipv6").to_string(), n),
        Kind::Phone => {
            if let Err(e) = phone_ok(v, n) {
                panic!("{e}");
            }
        }
        Kind::Ccn => {
            let d: String = v.chars().filter(char::is_ascii_digit).collect();
            assert_eq!(d, n);
            assert!(luhn(n), "{n}");
            assert!(matches!(n.len(), 14..=16));
        }
        Kind::Iban => {
            assert_eq!(v.replace(' ', ""), n);
            assert!(iban_ok(n), "{n}");
        }
        Kind::Wallet => {
            assert!(wallet_ok(v, n), "{v}");
            let a = exhibit_wallets::validate(v)
                .unwrap_or_else(|| panic!("exhibit-wallets rejects {v}"));
            assert_eq!(a.normalized(), n, "{v}");
            let lower_eth = v.starts_with("0x") && !v.chars().any(|c| c.is_ascii_uppercase());
            let expect = if lower_eth {
                exhibit_wallets::Confidence::Shape
            } else {
                exhibit_wallets::Confidence::Checksum
            };
            assert_eq!(a.confidence(), expect, "{v}");
            let chain = match v.as_bytes()[0] {
                b'0' => exhibit_wallets::Chain::Ethereum,
                b'T' => exhibit_wallets::Chain::Tron,
                b'L' | b'M' => exhibit_wallets::Chain::Litecoin,
                _ if v.starts_with("ltc1") => exhibit_wallets::Chain::Litecoin,
                _ => exhibit_wallets::Chain::Bitcoin,
            };
            assert_eq!(a.chain(), chain, "{v}");
        }
        Kind::Onion => assert!(onion_ok(n) && v == n, "{v}"),
        Kind::I2p => {
            let b = n.strip_suffix(".b32.i2p").expect("b32.i2p");
            assert_eq!(b.len(), 52);
            assert!(base32_decode(b).is_some());
        }
        // checked against the bytes at its path (check_gps)
        Kind::Gps => assert_eq!(v, n),
    }
}

fn decoy_is_invalid(kind: Kind, what: &str, v: &str) -> bool {
    match what {
        "ccn-luhn-off" => !luhn(&v.chars().filter(char::is_ascii_digit).collect::<String>()),
        "iban-bad-mod97" => !iban_ok(v),
        "base58-changed" => !base58check_ok(v),
        "bech32-changed" => !matches!(bech32_ok(v), Some(1) | Some(0x2bc830a3)),
        "eth-bad-checksum" => !eip55_ok(v) && v[2..].chars().any(|c| c.is_ascii_uppercase()),
        "wallet-truncated" => {
            !base58check_ok(v) && !matches!(bech32_ok(v), Some(1) | Some(0x2bc830a3))
        }
        "onion-bad-checksum" | "onion-truncated" => !onion_ok(v),
        "i2p-short" => v.strip_suffix(".b32.i2p").is_some_and(|b| b.len() < 52),
        "version-string" => v.split('.').count() == 5 && v.parse::<Ipv4Addr>().is_err(),
        "ip-bad-octet" => {
            v.parse::<Ipv4Addr>().is_err()
                && v.split('.')
                    .any(|o| o.parse::<u32>().is_ok_and(|x| x > 255))
        }
        "time" => kind == Kind::Ipv6 && v.parse::<Ipv6Addr>().is_err() && v.len() == 8,
        "gps-zero-denominator" => kind == Kind::Gps && v.contains("/0"),
        "gps-latitude-range" => {
            kind == Kind::Gps
                && v[2..]
                    .split('/')
                    .next()
                    .and_then(|d| d.parse::<u32>().ok())
                    .is_some_and(|d| d > 90)
        }
        other => panic!("unknown decoy type {other}"),
    }
}

fn gen(dir: &Path, name: &str, seed: u64) -> (Vec<u8>, Truth, Vec<u8>) {
    let img = dir.join(format!("{name}.img"));
    let truth = dir.join(format!("{name}.jsonl"));
    let summary = generate(SIZE, seed, &img, &truth).expect("generate");
    assert_eq!(summary.size, SIZE);
    let image = std::fs::read(&img).expect("image");
    assert_eq!(image.len() as u64, SIZE);
    (
        image,
        Truth::read(&truth).expect("truth"),
        std::fs::read(&truth).expect("truth bytes"),
    )
}

#[test]
fn truth_round_trips_and_is_deterministic() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (image, truth, truth_bytes) = gen(dir.path(), "a", 7);
    assert!(truth.header.is_some());

    // Every kind in every one of its forms, and decoys of every type.
    let mut combos = HashSet::new();
    for f in truth.features.iter().filter(|f| !f.derived) {
        combos.insert((f.kind, f.form));
    }
    for k in Kind::ALL {
        for &form in Form::for_kind(k) {
            assert!(combos.contains(&(k, form)), "{k} {form} missing");
        }
    }
    let whats: HashSet<&str> = truth.decoys.iter().map(|d| d.what.as_str()).collect();
    assert_eq!(whats.len(), 14, "{whats:?}");

    // Every planted feature is at its path, valid, with the truth rules.
    let mut scratch = Vec::new();
    for f in &truth.features {
        let (pos, buf) = resolve(&image, &f.path, &mut scratch);
        if f.kind == Kind::Gps {
            // A JPEG's EXIF block: the path points at the TIFF header.
            assert_eq!(&buf[pos - 6..pos], b"Exif\0\0", "{f:?}");
            assert_eq!(&buf[pos - 10..pos - 8], b"\xff\xe1", "{f:?}");
            assert!(buf[..pos].windows(3).any(|w| w == b"\xff\xd8\xff"));
            check_gps(&buf[pos..], &f.normalized);
            check_feature(f);
            scratch.clear();
            continue;
        }
        let expect: Vec<u8> = if f.form == Form::Utf16le {
            f.value
                .encode_utf16()
                .flat_map(|u| u.to_le_bytes())
                .collect()
        } else {
            f.value.as_bytes().to_vec()
        };
        assert_eq!(&buf[pos..pos + expect.len()], &expect[..], "{f:?}");
        // Delimited: the byte before and after is not part of a token.
        let delim = |b: u8| matches!(b, b' ' | b'\n' | b'\r' | b'\t' | 0);
        if !f.derived {
            assert!(pos > 0 && delim(buf[pos - 1]), "{f:?}");
            assert!(delim(buf[pos + expect.len()]), "{f:?}");
        }
        assert_eq!(f.encoding.is_some(), f.form == Form::Utf16le);
        assert!(f
            .path
            .split('-')
            .next()
            .and_then(|o| o.parse::<u64>().ok())
            .is_some_and(|o| o >= f.item && o < f.item + f.item_len));
        check_feature(f);
        if matches!(f.kind, Kind::Url | Kind::Email) && !f.derived {
            // The host of every URL and the domain of every e-mail are
            // expected as a derived domain.
            assert!(truth
                .features
                .iter()
                .any(|d| d.derived && d.kind == Kind::Domain && d.item == f.item));
        }
        if f.kind == Kind::Domain && !f.derived && f.normalized.starts_with("www.") {
            // A bare `www.` host is also a scheme-less URL.
            assert!(truth
                .features
                .iter()
                .any(|d| d.derived && d.kind == Kind::Url && d.item == f.item && d.path == f.path));
        }
        if f.boundary {
            let b = f.item / (16 << 20) + 1;
            assert!(f.item + f.item_len > b * (16 << 20), "{f:?} does not cross");
        }
        scratch.clear();
    }
    assert_eq!(
        truth
            .features
            .iter()
            .filter(|f| f.boundary && !f.derived)
            .count() as u64,
        (SIZE - 1) / (16 << 20)
    );

    // Decoys are where the truth says and really invalid.
    for d in &truth.decoys {
        let o = d.offset as usize;
        if d.kind == Kind::Gps {
            // binary EXIF: the value describes the rationals found there
            let (lat, lon) = exif_gps(&image[o..]);
            let r = |a: &Axis| {
                a.1.iter()
                    .map(|(n, d)| format!("{n}/{d}"))
                    .collect::<Vec<_>>()
                    .join(" ")
            };
            let desc = format!(
                "{} {}, {} {}",
                char::from(lat.0),
                r(&lat),
                char::from(lon.0),
                r(&lon)
            );
            assert_eq!(desc, d.value);
            assert!(decoy_is_invalid(d.kind, &d.what, &d.value), "{d:?}");
            continue;
        }
        assert_eq!(&image[o..o + d.value.len()], d.value.as_bytes());
        assert!(decoy_is_invalid(d.kind, &d.what, &d.value), "{d:?}");
        if d.kind == Kind::Wallet {
            let got = exhibit_wallets::validate(&d.value);
            assert!(
                got.is_none(),
                "exhibit-wallets accepts decoy {d:?}: {got:?}"
            );
        }
    }

    // Items never overlap; outside them the background holds no feature material.
    let mut spans: Vec<(u64, u64)> = truth
        .features
        .iter()
        .map(|f| (f.item, f.item + f.item_len))
        .collect();
    spans.extend(truth.decoys.iter().map(|d| {
        let end = if d.kind == Kind::Gps {
            // the JPEG runs from its TIFF header to EOI, then `\n`
            let o = d.offset as usize + 140;
            let eoi = image[o..]
                .windows(2)
                .position(|w| w == b"\xff\xd9")
                .expect("EOI");
            (o + eoi + 3) as u64
        } else {
            d.offset + d.value.len() as u64 + 1
        };
        (d.offset - 16, end)
    }));
    spans.sort();
    spans.dedup();
    for w in spans.windows(2) {
        assert!(w[0].1 <= w[1].0, "overlap {w:?}");
    }
    let mut at = 0u64;
    for &(s, e) in spans.iter().chain(std::iter::once(&(SIZE, SIZE))) {
        let gap = &image[at as usize..s as usize];
        assert!(
            !gap.iter()
                .any(|b| b.is_ascii_digit() || b"@/_[]=".contains(b)),
            "feature-like byte in background {at}..{s}"
        );
        for w in gap.windows(2) {
            if b".,:".contains(&w[0]) {
                assert!(
                    !w[1].is_ascii_alphanumeric(),
                    "punctuation before a word in background at {at}"
                );
            }
        }
        at = e;
    }

    // Determinism: same seed, same bytes; another seed, other bytes.
    let (image2, _, truth_bytes2) = gen(dir.path(), "b", 7);
    assert!(image == image2, "image differs between runs");
    assert_eq!(truth_bytes, truth_bytes2);
    let (image3, _, _) = gen(dir.path(), "c", 8);
    assert!(image != image3);
}

#[test]
fn scoring_a_perfect_and_a_flawed_scan() {
    let dir = tempfile::tempdir().expect("tempdir");
    let img = dir.path().join("s.img");
    let truth_path = dir.path().join("s.jsonl");
    generate(8 << 20, 3, &img, &truth_path).expect("generate");
    let truth = Truth::read(&truth_path).expect("truth");
    let line = |kind: &str, n: &str, p: &str| {
        format!("{{\"kind\":\"{kind}\",\"value\":\"{n}\",\"normalized\":\"{n}\",\"path\":\"{p}\",\"offset\":0,\"encoding\":null,\"validated\":true}}\n")
    };
    let perfect: String = truth
        .features
        .iter()
        .map(|f| line(f.kind.as_str(), &f.normalized, &f.path))
        .collect();
    let feats = dir.path().join("perfect.jsonl");
    std::fs::write(&feats, &perfect).expect("write");
    let r = score(&truth_path, &feats).expect("score");
    assert!(r.targets_met(), "{r}");
    assert_eq!(r.total_reported, truth.features.len() as u64);
    assert!(r
        .kinds
        .iter()
        .all(|k| k.recall() == 1.0 && k.precision() == 1.0));

    // Drop every gzip finding, report a decoy and a background finding.
    let mut flawed: String = truth
        .features
        .iter()
        .filter(|f| f.form != Form::Gzip)
        .map(|f| line(f.kind.as_str(), &f.normalized, &f.path))
        .collect();
    let d = &truth.decoys[0];
    flawed.push_str(&line(d.kind.as_str(), &d.value, &d.offset.to_string()));
    flawed.push_str(&line("email", "x@y.com", "5"));
    std::fs::write(&feats, &flawed).expect("write");
    let r = score(&truth_path, &feats).expect("score");
    assert!(!r.targets_met());
    let gz = r
        .rows
        .iter()
        .find(|x| x.kind == "email" && x.form == "gzip")
        .expect("row");
    assert_eq!((gz.found, gz.recall()), (0, 0.0));
    assert_eq!(r.decoy_hits.len(), 1);
    assert!(r
        .rows
        .iter()
        .any(|x| x.form == "background" && x.reported == 1));
    let text = r.to_string();
    assert!(
        text.contains("NOT met") && text.contains("email/gzip"),
        "{text}"
    );
}
