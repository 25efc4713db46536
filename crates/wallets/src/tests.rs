//! Tests that need the crate's internal encoders and decoders. Tests of the
//! public API against the shared vectors are in `tests/`.

use std::path::PathBuf;

use serde_json::Value;
use sha3::{Digest, Keccak256};

use crate::bech32::{self, Variant};
use crate::chains::BASE58_VERSIONS;
use crate::monero::NETWORK_BYTES;
use crate::{base58, candidates_hint, cashaddr, validate, Chain, Confidence, Network};

fn vectors(name: &str) -> Value {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/testdata/crypto/vectors")
        .join(name);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn strings(v: &Value) -> Vec<String> {
    v.as_array()
        .unwrap_or_else(|| panic!("not an array: {v}"))
        .iter()
        .map(|s| {
            s.as_str()
                .unwrap_or_else(|| panic!("not a string: {s}"))
                .to_owned()
        })
        .collect()
}

fn unhex(s: &str) -> Vec<u8> {
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap_or_else(|e| panic!("{s}: {e}")))
        .collect()
}

/// Tiny deterministic PRNG for sampling.
struct XorShift(u64);
impl XorShift {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn bytes(&mut self, n: usize) -> Vec<u8> {
        (0..n).map(|_| self.next() as u8).collect()
    }
}

#[test]
fn bech32_checksum_vectors() {
    let v = vectors("bech32_bip173_bip350.json");
    for s in strings(&v["VALID_BECH32"]) {
        let d = bech32::decode(&s).unwrap_or_else(|| panic!("valid bech32 rejected: {s}"));
        assert_eq!(d.variant, Variant::Bech32, "{s}");
    }
    for s in strings(&v["VALID_BECH32M"]) {
        let d = bech32::decode(&s).unwrap_or_else(|| panic!("valid bech32m rejected: {s}"));
        assert_eq!(d.variant, Variant::Bech32m, "{s}");
    }
    for s in strings(&v["INVALID_BECH32"]) {
        let d = bech32::decode(&s);
        assert!(d.is_none_or(|d| d.variant != Variant::Bech32), "{s:?}");
    }
    for s in strings(&v["INVALID_BECH32M"]) {
        let d = bech32::decode(&s);
        assert!(d.is_none_or(|d| d.variant != Variant::Bech32m), "{s:?}");
    }
}

#[test]
fn bech32_invalid_address_encodings() {
    // Each entry is [hrp, version, program length]: encoding it must not
    // give a valid address (upper-case HRP, bad lengths, version 17).
    let v = vectors("bech32_bip173_bip350.json");
    let entries = v["INVALID_ADDRESS_ENC"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    assert_eq!(entries.len(), 5);
    for e in entries {
        let hrp = e[0].as_str().unwrap_or_default();
        let version = e[1].as_u64().unwrap_or_default() as u8;
        let len = e[2].as_u64().unwrap_or_default() as usize;
        let mut data = vec![version];
        data.extend(bech32::convert_bits(&vec![0u8; len], 8, 5, true).unwrap_or_default());
        for variant in [Variant::Bech32, Variant::Bech32m] {
            let s = bech32::encode(hrp, &data, variant);
            assert!(bech32::decode_segwit(&s).is_none(), "{e}: {s}");
            assert!(validate(&s).is_none(), "{e}: {s}");
        }
    }
}

#[test]
fn bip173_v1_plus_examples_are_invalid_under_bip350() {
    // The BIP-173 document's own v1+ examples used the Bech32 checksum. Their
    // checksum is intact, but BIP-350 requires Bech32m for v1+.
    for s in [
        "bc1pw508d6qejxtdg4y5r3zarvary0c5xw7kw508d6qejxtdg4y5r3zarvary0c5xw7k7grplx",
        "BC1SW50QA3JX3S",
        "bc1zw508d6qejxtdg4y5r3zarvaryvg6kdaj",
    ] {
        let d = bech32::decode(s).unwrap_or_else(|| panic!("checksum should hold: {s}"));
        assert_eq!(d.variant, Variant::Bech32, "{s}");
        assert!(validate(s).is_none(), "{s}");
    }
    // And systematically: every valid v1+ vector re-encoded with the Bech32
    // checksum, every v0 vector with Bech32m.
    let v = vectors("bech32_bip173_bip350.json");
    for pair in v["VALID_ADDRESS"].as_array().cloned().unwrap_or_default() {
        let addr = pair[0].as_str().unwrap_or_default();
        let Some(d) = bech32::decode(addr) else {
            panic!("{addr}")
        };
        let wrong = match d.variant {
            Variant::Bech32 => Variant::Bech32m,
            Variant::Bech32m => Variant::Bech32,
        };
        let s = bech32::encode(&d.hrp, &d.data, wrong);
        assert_eq!(bech32::decode(&s).map(|x| x.variant), Some(wrong));
        assert!(validate(&s).is_none(), "{s}");
    }
}

#[test]
fn base58_encode_decode_vectors() {
    let v = vectors("misc_vectors.json");
    let pairs = v["base58_encode_decode"]["pairs"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    assert_eq!(pairs.len(), 16);
    for p in pairs {
        let bytes = unhex(p[0].as_str().unwrap_or_default());
        let text = p[1].as_str().unwrap_or_default();
        assert_eq!(base58::encode(&bytes, &base58::BITCOIN), text);
        assert_eq!(
            base58::decode(text.as_bytes(), &base58::BITCOIN),
            Some(bytes)
        );
    }
    assert!(base58::decode(b"0OIl", &base58::BITCOIN).is_none());
}

#[test]
fn cashaddr_matches_legacy_hash() {
    // CashAddr specification examples: the same hash as the legacy address.
    for (legacy, cash) in [
        (
            "1BpEi6DfDAUFd7GtittLSdBeYJvcoaVggu",
            "bitcoincash:qpm2qsznhks23z7629mms6s4cwef74vcwvy22gdx6a",
        ),
        (
            "1KXrWXciRDZUpQwQmuM1DbwsKDLYAYsVLR",
            "bitcoincash:qr95sy3j9xwd2ap32xkykttr4cvcu7as4y0qverfuy",
        ),
        (
            "16w1D5WRVKJuZUsSRzdLp9w3YGcgoxDXb",
            "bitcoincash:qqq3728yw0y47sqn6l2na30mcw6zm78dzqre909m2r",
        ),
        (
            "3CWFddi6m4ndiGyKqzYvsFYagqDLPVMTzC",
            "bitcoincash:ppm2qsznhks23z7629mms6s4cwef74vcwvn0h829pq",
        ),
        (
            "3LDsS579y7sruadqu11beEJoTjdFiFCdX4",
            "bitcoincash:pr95sy3j9xwd2ap32xkykttr4cvcu7as4yc93ky28e",
        ),
        (
            "31nwvkZwyPdgzjBJZXfDmSWsC4ZLKpYyUw",
            "bitcoincash:pqq3728yw0y47sqn6l2na30mcw6zm78dzq5ucqzc37",
        ),
    ] {
        let l = validate(legacy).unwrap_or_else(|| panic!("{legacy}"));
        let c = validate(cash).unwrap_or_else(|| panic!("{cash}"));
        assert_eq!(l.payload_hex(), c.payload_hex(), "{legacy} / {cash}");
        assert_eq!(c.chain(), Chain::BitcoinCash);
        let want = if l.kind() == "p2pkh" {
            "cashaddr-p2pkh"
        } else {
            "cashaddr-p2sh"
        };
        assert_eq!(c.kind(), want);
        // Without the prefix, and in upper case, it is the same address.
        let bare = cash.trim_start_matches("bitcoincash:");
        assert_eq!(
            validate(bare).map(|a| a.normalized().to_owned()).as_deref(),
            Some(cash)
        );
        let upper = cash.to_ascii_uppercase();
        assert_eq!(
            validate(&upper)
                .map(|a| a.normalized().to_owned())
                .as_deref(),
            Some(cash)
        );
        // Re-encoding the legacy hash gives the CashAddr.
        let hash = unhex(l.payload_hex());
        let kind = u8::from(l.kind() == "p2sh");
        assert_eq!(
            cashaddr::encode("bitcoincash", kind, &hash).as_deref(),
            Some(cash)
        );
    }
}

#[test]
fn cashaddr_networks_and_token_types() {
    let hash = [0x42u8; 20];
    for (prefix, network) in [
        ("bitcoincash", Network::Mainnet),
        ("bchtest", Network::Testnet),
        ("bchreg", Network::Regtest),
    ] {
        for (t, kind) in [
            (0, "cashaddr-p2pkh"),
            (1, "cashaddr-p2sh"),
            (2, "cashaddr-p2pkh-tokens"),
            (3, "cashaddr-p2sh-tokens"),
        ] {
            let s = cashaddr::encode(prefix, t, &hash).unwrap_or_default();
            let a = validate(&s).unwrap_or_else(|| panic!("{s}"));
            assert_eq!((a.network(), a.kind()), (network, kind), "{s}");
        }
    }
    // Type 4+ is undefined.
    let s = cashaddr::encode("bitcoincash", 4, &hash).unwrap_or_default();
    assert!(validate(&s).is_none());
}

fn monero_address(tag: u8, keys: &[u8]) -> String {
    let mut raw = vec![tag];
    raw.extend_from_slice(keys);
    let check = Keccak256::digest(&raw);
    raw.extend_from_slice(&check[..4]);
    base58::monero_encode(&raw)
}

#[test]
fn monero_stagenet_and_unknown_network_bytes() {
    // Keys from a testnet vector, re-encoded with the stagenet bytes.
    let testnet = "9szghg3GN35i7zk8aci6gE76QQ68YsqaJTcSxJ5f6iUsTnYUZrPrh3CecdoQbGNi8HNoamaJZUne3iVqYve5kCH42a5e3qZ";
    let raw = base58::monero_decode(testnet.as_bytes()).unwrap_or_default();
    assert_eq!(raw[0], 53);
    let keys = &raw[1..65];
    for (tag, kind) in [(24u8, "standard"), (36, "subaddress")] {
        let s = monero_address(tag, keys);
        let a = validate(&s).unwrap_or_else(|| panic!("{s}"));
        assert_eq!(
            (a.chain(), a.kind(), a.network()),
            (Chain::Monero, kind, Network::Stagenet)
        );
    }
    let mut with_id = keys.to_vec();
    with_id.extend_from_slice(&[1, 2, 3, 4, 5, 6, 7, 8]);
    let s = monero_address(25, &with_id);
    assert_eq!(s.len(), 106);
    let a = validate(&s).unwrap_or_else(|| panic!("{s}"));
    assert_eq!((a.kind(), a.network()), ("integrated", Network::Stagenet));
    // A valid checksum with an unknown network byte, or an integrated byte
    // on a standard-length address, is not an address.
    assert!(validate(&monero_address(17, keys)).is_none());
    assert!(validate(&monero_address(19, keys)).is_none());
}

fn fits_a_hint(s: &str) -> bool {
    candidates_hint().iter().any(|h| {
        let t = if h.case_insensitive {
            s.to_ascii_lowercase()
        } else {
            s.to_owned()
        };
        let rest = if h.prefixes.is_empty() {
            Some(t.as_str())
        } else {
            h.prefixes
                .iter()
                .find_map(|p| t.strip_prefix(p).map(|_| &t[p.len()..]))
        };
        // For prefixes that are themselves payload characters (Base58 first
        // characters), the whole string must be in the charset.
        let body_ok = rest.is_some_and(|r| r.chars().all(|c| h.charset.contains(c)));
        body_ok && (h.min_len..=h.max_len).contains(&s.len())
    })
}

#[test]
fn hints_cover_every_generated_address() {
    let mut rng = XorShift(0x9e37_79b9_7f4a_7c15);
    let mut samples = Vec::new();
    for &(version, ..) in BASE58_VERSIONS.iter() {
        for fill in [0x00u8, 0xff] {
            let mut p = vec![version];
            p.extend([fill; 20]);
            samples.push(base58::check_encode(&p, &base58::BITCOIN));
        }
        for _ in 0..500 {
            let mut p = vec![version];
            p.extend(rng.bytes(20));
            samples.push(base58::check_encode(&p, &base58::BITCOIN));
        }
    }
    for _ in 0..500 {
        let mut p = vec![0u8];
        p.extend(rng.bytes(20));
        samples.push(base58::check_encode(&p, &base58::RIPPLE));
        for (a, b) in [(0x05, 0x44), (0x04, 0x93)] {
            let mut x = vec![a, b];
            x.extend(rng.bytes(20));
            x.push(1);
            x.extend(rng.bytes(4));
            x.extend([0u8; 4]);
            samples.push(base58::check_encode(&x, &base58::RIPPLE));
        }
    }
    for &(tag, kind, _) in NETWORK_BYTES.iter() {
        let n = if kind == "integrated" { 72 } else { 64 };
        for fill in [0x00u8, 0xff] {
            samples.push(monero_address(tag, &vec![fill; n]));
        }
        for _ in 0..200 {
            samples.push(monero_address(tag, &rng.bytes(n)));
        }
    }
    for hrp in ["bc", "tb", "bcrt", "ltc", "tltc", "rltc"] {
        for (v, n) in [(0u8, 20usize), (0, 32), (1, 32), (1, 2), (16, 40), (2, 40)] {
            let s = bech32::encode_segwit(hrp, v, &rng.bytes(n)).unwrap_or_default();
            samples.push(s.to_ascii_uppercase());
            samples.push(s);
        }
    }
    for prefix in ["bitcoincash", "bchtest", "bchreg"] {
        for n in [20usize, 24, 28, 32, 40, 48, 56, 64] {
            for t in 0..4 {
                let s = cashaddr::encode(prefix, t, &rng.bytes(n)).unwrap_or_default();
                let bare = s[prefix.len() + 1..].to_owned();
                samples.extend([s, bare]);
            }
        }
    }
    for _ in 0..200 {
        let key = rng.bytes(32);
        samples.push(base58::encode(&key, &base58::BITCOIN));
        samples.push(format!("0x{}", crate::chains::to_hex(&rng.bytes(20))));
    }
    samples.push(base58::encode(&[0u8; 32], &base58::BITCOIN));
    for s in &samples {
        let a = validate(s).unwrap_or_else(|| panic!("generated address rejected: {s}"));
        assert!(
            fits_a_hint(s),
            "{s} ({:?} {}) fits no hint",
            a.chain(),
            a.kind()
        );
        if a.chain() != Chain::Solana && a.chain() != Chain::Ethereum {
            assert_eq!(a.confidence(), Confidence::Checksum, "{s}");
        }
    }
}
