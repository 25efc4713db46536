//! Tor onion service addresses.
//!
//! v3: 56 base32 characters + `.onion`; the 35 decoded bytes are
//! `pubkey(32) ‖ checksum(2) ‖ version(1)`, version 3 and checksum =
//! SHA3-256(".onion checksum" ‖ pubkey ‖ version)[..2] (validated). v2: 16
//! base32 characters + `.onion`, shape only (not validated).

use memchr::memchr;
use sha3::{Digest, Sha3_256};

use super::Out;
use crate::classes::{at, before, is, ALNUM, B32};
use crate::Kind;

pub(crate) fn scan(t: &[u8], out: &mut dyn Out) {
    let mut i = 0;
    while let Some(off) = memchr(b'.', &t[i..]) {
        let d = i + off;
        i = d + 1;
        let e = d + 6;
        if !t
            .get(d + 1..e)
            .is_some_and(|s| s.eq_ignore_ascii_case(b"onion"))
        {
            continue;
        }
        if is(at(t, e), ALNUM) || at(t, e) == b'-' {
            continue;
        }
        let mut s = d;
        while s > 0 && is(t[s - 1], B32) && d - s <= 56 {
            s -= 1;
        }
        if is(before(t, s), ALNUM) {
            continue;
        }
        let label = &t[s..d];
        let norm = String::from_utf8_lossy(&t[s..e]).to_ascii_lowercase();
        match label.len() {
            56 if v3_valid(label) => out.hit(Kind::Onion, s, e, norm, true),
            16 => out.hit(Kind::Onion, s, e, norm, false),
            _ => {}
        }
    }
}

/// Decodes RFC 4648 base32 (either case, no padding) into `out`; false on a
/// bad character.
pub(crate) fn base32_decode(s: &[u8], out: &mut Vec<u8>) -> bool {
    let mut acc = 0u64;
    let mut bits = 0;
    for &c in s {
        let v = match c {
            b'a'..=b'z' => c - b'a',
            b'A'..=b'Z' => c - b'A',
            b'2'..=b'7' => c - b'2' + 26,
            _ => return false,
        };
        acc = (acc << 5) | v as u64;
        bits += 5;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
        }
    }
    true
}

fn v3_valid(label: &[u8]) -> bool {
    let mut raw = Vec::with_capacity(35);
    if !base32_decode(label, &mut raw) || raw.len() != 35 || raw[34] != 3 {
        return false;
    }
    let mut h = Sha3_256::new();
    h.update(b".onion checksum");
    h.update(&raw[..32]);
    h.update([3u8]);
    let sum = h.finalize();
    sum[..2] == raw[32..34]
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::text::testing::run;

    /// A v3 address for `pubkey`, built the way Tor does.
    pub(crate) fn make_v3(pubkey: [u8; 32]) -> String {
        let mut h = Sha3_256::new();
        h.update(b".onion checksum");
        h.update(pubkey);
        h.update([3u8]);
        let sum = h.finalize();
        let mut raw = pubkey.to_vec();
        raw.extend_from_slice(&sum[..2]);
        raw.push(3);
        let alpha = b"abcdefghijklmnopqrstuvwxyz234567";
        let mut s = String::new();
        let (mut acc, mut bits) = (0u64, 0);
        for b in raw {
            acc = (acc << 8) | b as u64;
            bits += 8;
            while bits >= 5 {
                bits -= 5;
                s.push(alpha[((acc >> bits) & 31) as usize] as char);
            }
        }
        s + ".onion"
    }

    #[test]
    fn v3_and_v2() {
        // DuckDuckGo's published onion address.
        let ddg = "duckduckgogg42xjoc72x3sjasowoarfbgcmvfimaftt6twagswzczad.onion";
        let h = run(&format!("visit http://{ddg}/ now"), scan);
        assert_eq!(h.len(), 1);
        assert_eq!(h[0].2, ddg);
        assert!(h[0].4, "checksum validated");
        let made = make_v3([7u8; 32]);
        assert_eq!(run(&made.to_uppercase(), scan)[0].3, made);
        let v2 = run("old: expyuzz4wqqyqhjn.onion.", scan);
        assert_eq!(v2[0].2, "expyuzz4wqqyqhjn.onion");
        assert!(!v2[0].4);
    }

    #[test]
    fn decoys() {
        let ddg = "duckduckgogg42xjoc72x3sjasowoarfbgcmvfimaftt6twagswzczad";
        let bad = ddg.replace("gogg", "gogh");
        for s in [
            format!("{bad}.onion"),
            format!("{}.onion", &ddg[1..]),
            format!("x{ddg}.onion"),
            format!("{ddg}.onionx"),
            "expyuzz4wqqyqhj.onion".to_string(),
            "expyuzz4wqqyqhjn1.onion".to_string(),
        ] {
            assert!(run(&s, scan).is_empty(), "{s}");
        }
    }
}
