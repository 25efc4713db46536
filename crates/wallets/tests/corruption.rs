//! Every single-character substitution (and every adjacent transposition) of
//! valid checksummed addresses must be rejected, systematically, for a few
//! addresses of every checksummed format.

use exhibit_wallets::{validate, Chain, Confidence};

const BASE58: &str = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz";
const RIPPLE: &str = "rpshnaf39wBUDNEGHJKLM4PQRST7VWXYZ2bcdeCg65jkm8oFqi1tuvAxyz";
const BECH32: &str = "qpzry9x8gf2tvdw0s3jn54khce6mua7l";
const HEX: &str = "0123456789abcdefABCDEF";

/// (format alphabet, addresses). Each address must itself be valid with
/// checksum confidence.
fn cases() -> Vec<(&'static str, Vec<&'static str>)> {
    vec![
        (
            BASE58,
            vec![
                "1FsSia9rv4NeEwvJ2GvXrX7LyxYspbN2mo",
                "36j4NfKv6Akva9amjWrLG6MuSQym1GuEmm",
                "mzK2FFDEhxqHcmrJw1ysqFkVyhUULo45hZ",
                "2NC2hEhe28ULKAJkW5MjZ3jtTMJdvXmByvK",
                "LM2WMpR1Rp6j3Sa59cMXMs1SPzj9eXpGc1",
                "MTf4tP1TCNBn8dNkyxeBVoPrFCcVzxJvvh",
                "DEgDVFa2DoW1533dxeDVdTxQFhMzs1pMke",
                "9xqCpm3DpUYSzcoQSPb5SEGDwn9NRqwZnH",
                "TNUC9Qb1rRpS5CbWLmNMxXBjyFoydXjWFR",
                "4ADT1BtbxqEWeMKp9GgPr2NeyJXXtNxvoDawpyA4WpzFcGcoHUvXeijE66DNfohE9r1bQYaBiQjEtKE7CtkTdLwiDznFzra",
                "4Byr22j9M2878Mtyb3fEPcBNwBZf5EXqn1Yi6VzR46618SFBrYysab2Cs1474CVDbsh94AJq7vuV3Z2DRq4zLcY3LHzo1Nbv3d8J6VhvCV",
                "8AW7SotwFrqfAKnibspuuhfowW4g3asvpQvdrTmPcpNr2GmXPtBBSxUPZQATAt8Vw2hiX9GDyxB4tMNgHjwt8qYsCeFDVvn",
            ],
        ),
        (
            RIPPLE,
            vec![
                "rMQ98K56yXJbDGv49ZSmW51sLn94Xe1mu1",
                "rGWrZyQqhTp9Xu7G5Pkayo7bXjH4k4QYpf",
                "XVLhHMPHU98es4dbozjVtdWzVrDjtV18pX8yuPT7y4xaEHi",
            ],
        ),
        (
            BECH32,
            vec![
                "bc1qvyq0cc6rahyvsazfdje0twl7ez82ndmuac2lhv",
                "bc1qyucykdlhp62tezs0hagqury402qwhk589q80tqs5myh3rxq34nwqhkdhv7",
                "bc1p83n3au0rjylefxq2nc2xh2y4jzz4pm6zxj4mw5pagdjjr2a9f36s6jjnnu",
                "bcrt1qdavt4j2sd7dlhqsavtnfxvzppw6k7qy97tmnu9",
                "ltc1qr07zu594qf63xm7l7x6pu3a2v39m2z6hh5pp4t",
                "qqeht8vnwag20yv8dvtcrd4ujx09fwxwsqqqw93w88",
                "bitcoincash:qp3wjpa3tjlj042z2wv7hahsldgwhwy0rq9sywjpyy",
                "prh43sha9vu3u4p2q6c5ejf3rkx5w4vwgv29gg3823",
            ],
        ),
        (
            HEX,
            vec![
                "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed",
                "0xfB6916095ca1df60bB79Ce92cE3Ea74c37c5d359",
                "0xC02aaA39b223FE8D0A0e5C4F27eAD9083C756Cc2",
            ],
        ),
    ]
}

#[test]
fn single_character_substitutions_fail() {
    let mut tried = 0usize;
    let mut eip55_false_passes = Vec::new();
    for (alphabet, addrs) in cases() {
        for addr in addrs {
            let a = validate(addr).unwrap_or_else(|| panic!("fixture invalid: {addr}"));
            assert_eq!(a.confidence(), Confidence::Checksum, "{addr}");
            let chars: Vec<char> = addr.chars().collect();
            for i in 0..chars.len() {
                for c in alphabet.chars().filter(|&c| c != chars[i]) {
                    let mut v = chars.clone();
                    v[i] = c;
                    let s: String = v.into_iter().collect();
                    tried += 1;
                    match validate(&s) {
                        None => {}
                        // EIP-55 protects each letter with one bit only: a
                        // substitution passes with probability 2^-letters.
                        // Tolerated, but only rarely.
                        Some(b) if b.chain() == Chain::Ethereum && i >= 2 => {
                            eip55_false_passes.push(s)
                        }
                        Some(b) => panic!("{addr} corrupted at {i} to {s} still valid: {b:?}"),
                    }
                }
            }
        }
    }
    assert!(tried > 20_000, "{tried}");
    assert!(eip55_false_passes.len() <= 2, "{eip55_false_passes:?}");
}

#[test]
fn adjacent_transpositions_fail() {
    for (_, addrs) in cases() {
        for addr in addrs {
            let chars: Vec<char> = addr.chars().collect();
            for i in 0..chars.len() - 1 {
                if chars[i] == chars[i + 1] || (i < 2 && addr.starts_with("0x")) {
                    continue;
                }
                let mut v = chars.clone();
                v.swap(i, i + 1);
                let s: String = v.into_iter().collect();
                assert_eq!(validate(&s), None, "{addr} transposed at {i}: {s}");
            }
        }
    }
}

#[test]
fn ethereum_case_flips_fail() {
    for addr in [
        "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed",
        "0xdbF03B407c01E7cD3CBea99509d93f8DDDC8C6FB",
        "0xD1220A0cf47c7B9Be7A2E6BA89F429762e7b9aDb",
    ] {
        for (i, ch) in addr
            .char_indices()
            .skip(2)
            .filter(|(_, c)| c.is_ascii_alphabetic())
        {
            let flipped = if ch.is_ascii_lowercase() {
                ch.to_ascii_uppercase()
            } else {
                ch.to_ascii_lowercase()
            };
            let s = format!("{}{flipped}{}", &addr[..i], &addr[i + 1..]);
            assert_eq!(validate(&s), None, "{s}");
        }
    }
}

#[test]
fn bech32_case_mixing_fails() {
    for addr in [
        "bc1qvyq0cc6rahyvsazfdje0twl7ez82ndmuac2lhv",
        "bitcoincash:qp3wjpa3tjlj042z2wv7hahsldgwhwy0rq9sywjpyy",
    ] {
        assert!(validate(&addr.to_ascii_uppercase()).is_some(), "{addr}");
        for (i, ch) in addr.char_indices().filter(|(_, c)| c.is_ascii_lowercase()) {
            let s = format!(
                "{}{}{}",
                &addr[..i],
                ch.to_ascii_uppercase(),
                &addr[i + 1..]
            );
            assert_eq!(validate(&s), None, "{s}");
        }
    }
}
