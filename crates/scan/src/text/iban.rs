//! IBANs: a known country code, two check digits and the country's BBAN
//! length, solid or in groups of four separated by single spaces; the
//! ISO 13616 mod-97 check must give 1. Normalised without spaces.

use super::Out;
use crate::classes::{at, before, is, ALNUM, DIGIT};
use crate::Kind;

/// IBAN length per country (SWIFT IBAN registry).
const LENGTHS: &[(&[u8; 2], usize)] = &[
    (b"AD", 24),
    (b"AE", 23),
    (b"AL", 28),
    (b"AT", 20),
    (b"AZ", 28),
    (b"BA", 20),
    (b"BE", 16),
    (b"BG", 22),
    (b"BH", 22),
    (b"BI", 27),
    (b"BR", 29),
    (b"BY", 28),
    (b"CH", 21),
    (b"CR", 22),
    (b"CY", 28),
    (b"CZ", 24),
    (b"DE", 22),
    (b"DJ", 27),
    (b"DK", 18),
    (b"DO", 28),
    (b"EE", 20),
    (b"EG", 29),
    (b"ES", 24),
    (b"FI", 18),
    (b"FK", 18),
    (b"FO", 18),
    (b"FR", 27),
    (b"GB", 22),
    (b"GE", 22),
    (b"GI", 23),
    (b"GL", 18),
    (b"GR", 27),
    (b"GT", 28),
    (b"HR", 21),
    (b"HU", 28),
    (b"IE", 22),
    (b"IL", 23),
    (b"IQ", 23),
    (b"IS", 26),
    (b"IT", 27),
    (b"JO", 30),
    (b"KW", 30),
    (b"KZ", 20),
    (b"LB", 28),
    (b"LC", 32),
    (b"LI", 21),
    (b"LT", 20),
    (b"LU", 20),
    (b"LV", 21),
    (b"LY", 25),
    (b"MC", 27),
    (b"MD", 24),
    (b"ME", 22),
    (b"MK", 19),
    (b"MN", 20),
    (b"MR", 27),
    (b"MT", 31),
    (b"MU", 30),
    (b"NI", 28),
    (b"NL", 18),
    (b"NO", 15),
    (b"OM", 23),
    (b"PK", 24),
    (b"PL", 28),
    (b"PS", 29),
    (b"QA", 29),
    (b"RO", 24),
    (b"RS", 22),
    (b"RU", 33),
    (b"SA", 24),
    (b"SC", 31),
    (b"SD", 18),
    (b"SE", 24),
    (b"SI", 19),
    (b"SK", 24),
    (b"SM", 27),
    (b"SO", 23),
    (b"ST", 25),
    (b"SV", 28),
    (b"TL", 23),
    (b"TN", 24),
    (b"TR", 26),
    (b"UA", 29),
    (b"VA", 22),
    (b"VG", 24),
    (b"XK", 20),
    (b"YE", 30),
];

fn length(cc: &[u8]) -> Option<usize> {
    LENGTHS.iter().find(|(c, _)| &c[..] == cc).map(|&(_, n)| n)
}

#[cfg(test)]
pub(crate) fn scan(t: &[u8], out: &mut dyn Out) {
    scan_with_shapes(t, out, &mut Vec::new());
}

/// Reports the valid IBANs of `t`, and pushes to `shapes` the span of every
/// IBAN-shaped string (country, check digits, the country's length), valid
/// or not: the digit groups of a mistyped IBAN are no phone or card either.
pub(crate) fn scan_with_shapes(t: &[u8], out: &mut dyn Out, shapes: &mut Vec<(usize, usize)>) {
    let mut i = 0;
    while i + 15 <= t.len() {
        let c0 = t[i];
        if !c0.is_ascii_uppercase()
            || !t[i + 1].is_ascii_uppercase()
            || !is(t[i + 2], DIGIT)
            || !is(t[i + 3], DIGIT)
            || is(before(t, i), ALNUM)
        {
            i += 1;
            continue;
        }
        let Some(len) = length(&t[i..i + 2]) else {
            i += 1;
            continue;
        };
        if let Some((end, compact)) = collect(t, i, len) {
            shapes.push((i, end));
            if mod97(&compact) == 1 {
                let norm = String::from_utf8_lossy(&compact).into_owned();
                out.hit(Kind::Iban, i, end, norm, true);
                i = end;
                continue;
            }
        }
        i += 1;
    }
}

/// `len` IBAN characters from `s`, either solid or with one space after
/// every fourth character; returns the end and the characters.
fn collect(t: &[u8], s: usize, len: usize) -> Option<(usize, Vec<u8>)> {
    let mut v = Vec::with_capacity(len);
    let mut j = s;
    let grouped = at(t, s + 4) == b' ';
    while v.len() < len {
        if grouped && !v.is_empty() && v.len() % 4 == 0 {
            if at(t, j) != b' ' {
                return None;
            }
            j += 1;
        }
        let b = at(t, j);
        if !(b.is_ascii_uppercase() || b.is_ascii_digit()) {
            return None;
        }
        v.push(b);
        j += 1;
    }
    // The IBAN must end here: no further character of the same token.
    let n = at(t, j);
    if is(n, ALNUM) {
        return None;
    }
    Some((j, v))
}

/// ISO 7064 mod 97-10 over the rearranged IBAN.
fn mod97(iban: &[u8]) -> u32 {
    let mut r = 0u32;
    for &b in iban[4..].iter().chain(&iban[..4]) {
        if b.is_ascii_digit() {
            r = (r * 10 + (b - b'0') as u32) % 97;
        } else {
            r = (r * 100 + (b - b'A' + 10) as u32) % 97;
        }
    }
    r
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::text::testing::run;

    fn ibans(s: &str) -> Vec<(String, String)> {
        run(s, scan).into_iter().map(|h| (h.2, h.3)).collect()
    }

    #[test]
    fn finds_ibans() {
        assert_eq!(
            ibans("pay to GB82 WEST 1234 5698 7654 32 today"),
            [(
                "GB82 WEST 1234 5698 7654 32".into(),
                "GB82WEST12345698765432".into()
            )]
        );
        assert_eq!(
            ibans("DE89370400440532013000.")[0].1,
            "DE89370400440532013000"
        );
        assert_eq!(ibans("NO9386011117947")[0].1, "NO9386011117947");
    }

    #[test]
    fn decoys() {
        for s in [
            "GB83 WEST 1234 5698 7654 32", // check digits wrong
            "DE8937040044053201300",       // too short
            "DE893704004405320130001",     // too long
            "XX82WEST12345698765432",      // unknown country
            "aGB82WEST12345698765432",
            "GB82 WEST12345698765432", // mixed grouping
        ] {
            assert!(ibans(s).is_empty(), "{s}");
        }
    }
}
