//! `scan_str` as a reference finder, the candidate hints, serialisation, and
//! robustness on random input.

mod common;

use common::Rng;
use exhibit_wallets::{
    candidates_hint, scan_bytes, scan_str, validate, validate_bytes, Address, Chain, Confidence,
    Network,
};

const BTC: &str = "1FsSia9rv4NeEwvJ2GvXrX7LyxYspbN2mo";
const SEGWIT: &str = "bc1qvyq0cc6rahyvsazfdje0twl7ez82ndmuac2lhv";
const ETH: &str = "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed";
const BCH: &str = "bitcoincash:qp3wjpa3tjlj042z2wv7hahsldgwhwy0rq9sywjpyy";
const XMR: &str = "4ADT1BtbxqEWeMKp9GgPr2NeyJXXtNxvoDawpyA4WpzFcGcoHUvXeijE66DNfohE9r1bQYaBiQjEtKE7CtkTdLwiDznFzra";
const TRX: &str = "TNUC9Qb1rRpS5CbWLmNMxXBjyFoydXjWFR";
const XRP: &str = "rMQ98K56yXJbDGv49ZSmW51sLn94Xe1mu1";
const SOL: &str = "9xgyLDkZ7YRZnkWnYcLP33qVoxkDhkUSmpCv1WfgJodc";

fn found(text: &str) -> Vec<&str> {
    scan_str(text)
        .into_iter()
        .map(|(off, len, a)| {
            assert!(validate(&text[off..off + len]).is_some_and(|b| b == a));
            &text[off..off + len]
        })
        .collect()
}

#[test]
fn finds_addresses_in_a_paragraph() {
    let text = format!(
        "Chat log, 14:02. Send 0.5 BTC to {BTC}, or segwit <{SEGWIT}>.\n\
         USDT (TRC-20): {TRX}; ETH: \"{ETH}\". Cash: {BCH}.\n\
         XMR only → {XMR}\tXRP {XRP} (tag 12345). SOL:{SOL}!\n\
         Bitcoin URI: bitcoin:{BTC}?amount=0.1 — thanks ✓"
    );
    let got = found(&text);
    assert_eq!(got, vec![BTC, SEGWIT, TRX, ETH, BCH, XMR, XRP, SOL, BTC]);
    let chains: Vec<Chain> = scan_str(&text).iter().map(|(_, _, a)| a.chain()).collect();
    assert_eq!(
        chains,
        vec![
            Chain::Bitcoin,
            Chain::Bitcoin,
            Chain::Tron,
            Chain::Ethereum,
            Chain::BitcoinCash,
            Chain::Monero,
            Chain::Xrp,
            Chain::Solana,
            Chain::Bitcoin,
        ]
    );
    // Offsets are byte offsets into the UTF-8 text.
    let (off, len, _) = scan_str(&text).pop().unwrap_or_else(|| panic!("none"));
    assert_eq!(&text[off..off + len], BTC);
}

#[test]
fn ignores_addresses_inside_longer_alphanumeric_runs() {
    for addr in [
        BTC,
        SEGWIT,
        ETH,
        XMR,
        TRX,
        XRP,
        SOL,
        "qp3wjpa3tjlj042z2wv7hahsldgwhwy0rq9sywjpyy",
    ] {
        for text in [
            format!("x{addr}"),
            format!("{addr}x"),
            format!("9{addr}"),
            format!("{addr}0 "),
            format!("abc{addr}def"),
        ] {
            assert!(found(&text).is_empty(), "{text}");
        }
        // Punctuation, whitespace and non-ASCII characters are boundaries.
        for text in [
            format!("({addr})"),
            format!("_{addr}_"),
            format!("é{addr}é"),
            format!("█{addr}▓"),
            format!("-{addr}."),
        ] {
            assert_eq!(found(&text), vec![addr], "{text}");
        }
    }
    // A CashAddr prefix glued to a longer word is not a prefix.
    let glued = format!("x{BCH}");
    assert_eq!(found(&glued), vec![&BCH["bitcoincash:".len()..]]);
    // An address cut short or extended by one character is nothing.
    assert!(found(&BTC[..BTC.len() - 1]).is_empty());
    assert!(found(&format!("{BTC}2")).is_empty());
}

#[test]
fn scan_bytes_handles_binary_data() {
    let mut data = vec![0u8, 0xff, 0xfe];
    data.extend_from_slice(ETH.as_bytes());
    data.extend_from_slice(&[0x00, 0x80]);
    data.extend_from_slice(SEGWIT.as_bytes());
    data.push(0xc3);
    let got: Vec<usize> = scan_bytes(&data).iter().map(|(o, _, _)| *o).collect();
    assert_eq!(got, vec![3, 3 + ETH.len() + 2]);
    assert_eq!(
        validate_bytes(ETH.as_bytes()).map(|a| a.chain()),
        Some(Chain::Ethereum)
    );
    assert_eq!(validate_bytes(&[0xff; 40]), None);
}

#[test]
fn validate_requires_the_exact_string() {
    for s in [
        format!(" {BTC}"),
        format!("{BTC}\n"),
        format!("bitcoin:{BTC}"),
        String::new(),
    ] {
        assert_eq!(validate(&s), None, "{s:?}");
    }
    let a: Address = BTC.parse().unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(a.to_string(), BTC);
    assert!("hello".parse::<Address>().is_err());
}

#[test]
fn solana_is_shape_only_and_last() {
    let a = validate(SOL).unwrap_or_else(|| panic!("{SOL}"));
    assert_eq!(
        (a.chain(), a.confidence()),
        (Chain::Solana, Confidence::Shape)
    );
    // The system program: 32 zero bytes.
    let sys =
        validate("11111111111111111111111111111111").map(|a| (a.chain(), a.payload_hex().len()));
    assert_eq!(sys, Some((Chain::Solana, 64)));
    // 31 or 33 bytes are not a Solana key.
    assert_eq!(validate("1111111111111111111111111111111"), None);
    assert_eq!(validate("111111111111111111111111111111111"), None);
}

#[test]
fn serializes_to_json() {
    let a = validate(SEGWIT).unwrap_or_else(|| panic!("{SEGWIT}"));
    let v = serde_json::to_value(&a).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(v["chain"], "bitcoin");
    assert_eq!(v["kind"], "p2wpkh");
    assert_eq!(v["network"], "mainnet");
    assert_eq!(v["normalized"], SEGWIT);
    assert_eq!(v["confidence"], "checksum");
    assert_eq!(v["payload"], "6100fc6343edc8c874496cb2f5bbfec88ea9b77c");
    assert_eq!(Chain::BitcoinCash.name(), "Bitcoin Cash");
    assert_eq!(Chain::Monero.ticker(), "XMR");
    assert!(Network::Mainnet.is_mainnet() && !Network::Regtest.is_mainnet());
    let hints = serde_json::to_string(candidates_hint()).unwrap_or_default();
    assert!(hints.contains("\"format\":\"segwit\""));
}

#[test]
fn hints_are_consistent() {
    for h in candidates_hint() {
        assert!(h.min_len <= h.max_len && !h.chains.is_empty(), "{h:?}");
        assert!(h.prefixes.iter().all(|p| p.len() < h.min_len), "{h:?}");
    }
    let formats: Vec<&str> = candidates_hint().iter().map(|h| h.format).collect();
    for f in [
        "base58check",
        "segwit",
        "cashaddr",
        "ethereum",
        "monero",
        "xrp-classic",
        "solana",
    ] {
        assert!(formats.contains(&f), "{f}");
    }
}

#[test]
fn random_input_never_panics() {
    let mut rng = Rng(0x2545_f491_4f6c_dd1d);
    let alphabets: [&[u8]; 4] = [
        b"123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz",
        b"qpzry9x8gf2tvdw0s3jn54khce6mua7lQPZRY9X8GF2TVDW0S3JN54KHCE6MUA7L1:",
        b"0123456789abcdefABCDEFx",
        b"rpshnaf39wBUDNEGHJKLM4PQRST7VWXYZ2bcdeCg65jkm8oFqi1tuvAxyz",
    ];
    let prefixes: [&[u8]; 8] = [
        b"",
        b"bc1",
        b"BC1",
        b"bitcoincash:",
        b"0x",
        b"4",
        b"ltc1",
        b"bcrt1",
    ];
    for round in 0..40_000 {
        let len = rng.below(140);
        let mut s: Vec<u8> = prefixes[rng.below(prefixes.len())].to_vec();
        if round % 4 == 0 {
            s.extend((0..len).map(|_| rng.next() as u8));
        } else {
            let a = alphabets[rng.below(alphabets.len())];
            s.extend((0..len).map(|_| a[rng.below(a.len())]));
        }
        let _ = validate_bytes(&s);
        let _ = scan_bytes(&s);
        if let Ok(text) = std::str::from_utf8(&s) {
            let _ = validate(text);
            let _ = scan_str(text);
        }
    }
    // Random mutations (insert, delete, replace with any byte) of valid ones.
    let valid = [BTC, SEGWIT, ETH, BCH, XMR, TRX, XRP, SOL];
    for _ in 0..20_000 {
        let mut s = valid[rng.below(valid.len())].as_bytes().to_vec();
        for _ in 0..1 + rng.below(3) {
            let i = rng.below(s.len());
            match rng.below(3) {
                0 => {
                    s.remove(i);
                }
                1 => s.insert(i, rng.next() as u8),
                _ => s[i] = rng.next() as u8,
            }
        }
        let _ = validate_bytes(&s);
        let _ = scan_bytes(&s);
    }
    // Long inputs are rejected cheaply and scanned without trouble.
    let long = "1".repeat(100_000);
    assert_eq!(validate(&long), None);
    assert!(scan_str(&long).is_empty());
}
