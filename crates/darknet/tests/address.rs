//! Address recognition against third-party vectors: iocsearcher's onion
//! list and the Tor rend-spec-v3 / little-t-tor vectors in
//! `misc_vectors.json` (read in place from ../shared/testdata).

use exhibit_darknet::{
    find_addresses, i2p_from_destination, onion_from_pubkey, parse, parse_i2p, parse_onion,
    AddrError, DarknetAddress, I2pKind,
};

const TESTDATA: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/testdata");

fn vectors() -> serde_json::Value {
    let path = format!("{TESTDATA}/crypto/vectors/misc_vectors.json");
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

fn ioc_onions() -> Vec<String> {
    let path = format!("{TESTDATA}/osint/ioc/iocsearcher_onion_valid.ioc");
    let list: Vec<String> = std::fs::read_to_string(path)
        .unwrap()
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(str::to_string)
        .collect();
    assert_eq!(list.len(), 8);
    list
}

/// Every valid v3 address of both files, with `.onion`.
fn all_v3() -> Vec<String> {
    let v = vectors();
    let onion = &v["onion_v3"];
    let mut out: Vec<String> = ioc_onions()
        .into_iter()
        .map(|id| format!("{id}.onion"))
        .collect();
    for a in onion["spec_examples(rend-spec-v3 s.6)"].as_array().unwrap() {
        out.push(a.as_str().unwrap().to_string());
    }
    out.push(
        onion["ctor_test_build_address"]["onion"]
            .as_str()
            .unwrap()
            .to_string(),
    );
    let known = onion
        .as_object()
        .unwrap()
        .iter()
        .find(|(k, _)| k.starts_with("well_known_services"))
        .unwrap()
        .1;
    for a in known.as_object().unwrap().values() {
        out.push(a.as_str().unwrap().to_string());
    }
    out
}

#[test]
fn iocsearcher_onions_validate_bare_and_with_suffix() {
    for id in ioc_onions() {
        for s in [
            id.clone(),
            format!("{id}.onion"),
            format!("{}.ONION", id.to_uppercase()),
        ] {
            let o = parse_onion(&s).unwrap_or_else(|e| panic!("{s}: {e}"));
            assert_eq!(o.version, 3);
            assert_eq!(o.address, format!("{id}.onion"));
            assert!(o.checksum_verified());
            // The address is the key: re-encoding the key gives it back.
            assert_eq!(onion_from_pubkey(&o.pubkey.unwrap()), o.address);
        }
    }
}

#[test]
fn tor_vectors_validate() {
    let all = all_v3();
    assert!(all.len() >= 8 + 3 + 1 + 13, "{}", all.len());
    for a in &all {
        let o = parse_onion(a).unwrap_or_else(|e| panic!("{a}: {e}"));
        assert_eq!(&o.address, a);
        assert_eq!(o.subdomain, None);
    }
}

#[test]
fn little_t_tor_build_address_vector() {
    // hs_build_address test in tor's test_hs_common.c: this key gives this address.
    let v = vectors();
    let t = &v["onion_v3"]["ctor_test_build_address"];
    let hexkey = t["pubkey_hex"].as_str().unwrap();
    let mut key = [0u8; 32];
    for (i, b) in key.iter_mut().enumerate() {
        *b = u8::from_str_radix(&hexkey[2 * i..2 * i + 2], 16).unwrap();
    }
    assert_eq!(onion_from_pubkey(&key), t["onion"].as_str().unwrap());
    assert_eq!(
        parse_onion(t["onion"].as_str().unwrap()).unwrap().pubkey,
        Some(key)
    );
}

#[test]
fn flipping_any_character_of_every_v3_address_fails() {
    const ALPHA: &[u8] = b"abcdefghijklmnopqrstuvwxyz234567";
    for a in all_v3() {
        let id = &a.as_bytes()[..56];
        for pos in 0..56 {
            let v = ALPHA.iter().position(|&c| c == id[pos]).unwrap();
            let mut bad = id.to_vec();
            bad[pos] = ALPHA[(v + 1) % 32];
            let s = format!("{}.onion", String::from_utf8(bad).unwrap());
            let err = parse_onion(&s).expect_err(&s);
            if pos < 54 {
                // Characters 0..53 carry only key and checksum bits.
                assert!(matches!(err, AddrError::BadChecksum { .. }), "{s}: {err:?}");
            } else {
                assert!(
                    matches!(
                        err,
                        AddrError::BadChecksum { .. } | AddrError::BadVersion(_)
                    ),
                    "{s}: {err:?}"
                );
            }
        }
    }
}

#[test]
fn tor_invalid_vectors_fail_for_the_right_reason() {
    let v = vectors();
    let inv = &v["onion_v3"]["invalid"];
    let get = |k: &str| inv[k].as_str().unwrap().to_string();
    assert!(matches!(
        parse_onion(&get("bad_checksum")),
        Err(AddrError::BadChecksum { .. })
    ));
    assert_eq!(
        parse_onion(&get("bad_version_4")),
        Err(AddrError::BadVersion(4))
    );
    assert_eq!(
        parse_onion(&get("too_short")),
        Err(AddrError::BadLength { len: 8 })
    );
    assert_eq!(
        parse_onion(&get("bad_base32_char")),
        Err(AddrError::BadChar { pos: 10, ch: '1' })
    );
    let sub = parse_onion(&get("with_subdomain(valid host, but not bare HsId)")).unwrap();
    assert_eq!(sub.subdomain.as_deref(), Some("www"));
    assert_eq!(
        sub.address,
        "25njqamcweflpvkl73j4szahhihoc4xt3ktcgjnpaingr5yhkenl5sid.onion"
    );
    let v2 = parse_onion(&get("v2_16char_deprecated")).unwrap();
    assert_eq!(
        (v2.version, v2.pubkey, v2.checksum_verified()),
        (2, None, false)
    );
    assert!(v2.note().contains("shape only"));
}

#[test]
fn subdomains_and_odd_forms() {
    let id = "25njqamcweflpvkl73j4szahhihoc4xt3ktcgjnpaingr5yhkenl5sid";
    let o = parse_onion(&format!("a.b-c.{id}.onion")).unwrap();
    assert_eq!(o.subdomain.as_deref(), Some("a.b-c"));
    assert!(matches!(
        parse_onion(&format!("-x.{id}.onion")),
        Err(AddrError::BadLabel(_))
    ));
    assert!(matches!(
        parse_onion(&format!(".{id}.onion")),
        Err(AddrError::BadLabel(_))
    ));
    // A bare 16-character string is not claimed as a v2 id (no checksum).
    assert_eq!(parse_onion("expyuzz4wqqyqhjn"), Err(AddrError::NotDarknet));
    assert_eq!(parse_onion(""), Err(AddrError::NotDarknet));
    assert_eq!(parse_onion(".onion"), Err(AddrError::BadLength { len: 0 }));
    assert!(matches!(
        parse_onion(&"a".repeat(300)),
        Err(AddrError::TooLong { .. })
    ));
    // A key that is no curve point is refused even with a right checksum.
    let bogus = onion_from_pubkey(&[0xff; 32]);
    assert_eq!(parse_onion(&bogus), Err(AddrError::BadKey));
}

#[test]
fn i2p_names() {
    let dest = vec![7u8; 391];
    let b32 = i2p_from_destination(&dest);
    assert_eq!(b32.len(), 52 + 8);
    let i = parse_i2p(&b32.to_uppercase()).unwrap();
    assert_eq!(i.kind, I2pKind::Destination);
    assert_eq!(i.address, b32);
    assert!(i.hash.is_some());
    let ext = format!("{}.b32.i2p", "a".repeat(56));
    assert_eq!(parse_i2p(&ext).unwrap().kind, I2pKind::Extended);
    assert!(parse_i2p(&ext).unwrap().note().contains("length only"));
    assert!(matches!(
        parse_i2p(&format!("{}.b32.i2p", "a".repeat(53))),
        Err(AddrError::BadI2pLength { len: 53 })
    ));
    // 52 characters leave 4 unused bits that must be zero.
    assert_eq!(
        parse_i2p(&format!("{}b.b32.i2p", "a".repeat(51))),
        Err(AddrError::NonCanonical)
    );
    assert!(matches!(parse(&b32), Ok(DarknetAddress::I2p(_))));
    assert_eq!(parse_i2p("stats.i2p"), Err(AddrError::NotDarknet));
}

#[test]
fn finds_addresses_in_text() {
    let b32 = i2p_from_destination(&[1u8; 387]);
    let text = format!(
        "visit http://www.25njqamcweflpvkl73j4szahhihoc4xt3ktcgjnpaingr5yhkenl5sid.onion/x, \
         not 25njqamcweflpvkl73j4szahhihoc4xt3ktcgjnpaingr5yhkenl5xid.onion; \
         also expyuzz4wqqyqhjn.onion and <{b32}> and again 25NJQAMCWEFLPVKL73J4SZAHHIHOC4XT3KTCGJNPAINGR5YHKENL5SID.onion."
    );
    let found: Vec<String> = find_addresses(&text)
        .iter()
        .map(|a| a.address().to_string())
        .collect();
    let mut want = vec![
        "25njqamcweflpvkl73j4szahhihoc4xt3ktcgjnpaingr5yhkenl5sid.onion".to_string(),
        "expyuzz4wqqyqhjn.onion".to_string(),
        b32,
    ];
    want.sort();
    assert_eq!(found, want);
}

#[test]
fn garbage_never_panics() {
    let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
    let pieces = [
        "", ".", ".onion", ".b32.i2p", "é", "\u{0}", "-", "a", "7", "ü.onion", "..", "1",
    ];
    for _ in 0..20_000 {
        let mut s = String::new();
        for _ in 0..(x % 9) {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            s.push_str(pieces[(x % pieces.len() as u64) as usize]);
            if x.is_multiple_of(3) {
                s.push_str(&"q".repeat((x % 60) as usize));
            }
        }
        let _ = parse(&s);
        let _ = parse_onion(&s);
        let _ = parse_i2p(&s);
        let _ = find_addresses(&s);
    }
    for len in 0..70 {
        let s = "é".repeat(len) + ".onion";
        assert!(parse_onion(&s).is_err());
    }
}
