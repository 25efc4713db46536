//! Payment card numbers: 13–19 digits, written solid or in groups separated
//! by single spaces or dashes, passing the Luhn check and falling in an
//! issuer range of Visa, Mastercard, American Express, JCB, UnionPay,
//! Discover or Diners Club with a length that issuer uses. Runs of eight or more identical
//! digits (`4000000000000002`, padding, test patterns) are rejected.

use super::Out;
use crate::classes::{at, before, is, ALNUM, DIGIT};
use crate::Kind;

/// Most digit groups considered in one written number.
const MAX_GROUPS: usize = 8;

pub(crate) fn scan(t: &[u8], out: &mut dyn Out) {
    let mut i = 0;
    while i < t.len() {
        if !is(t[i], DIGIT) {
            i += 1;
            continue;
        }
        let p = before(t, i);
        let left_ok =
            !(is(p, ALNUM) || p == b'.' || p == b'+' || (p == b',' && is(before(t, i - 1), DIGIT)));
        // groups: (start, end) of each digit run, same separator between
        let mut groups = [(0usize, 0usize); MAX_GROUPS];
        let mut ng = 0;
        let mut sep = 0u8;
        let mut j = i;
        loop {
            let g = j;
            while j < t.len() && is(t[j], DIGIT) {
                j += 1;
            }
            groups[ng] = (g, j);
            ng += 1;
            let s = at(t, j);
            if ng == MAX_GROUPS
                || !(s == b' ' || s == b'-')
                || (sep != 0 && s != sep)
                || !is(at(t, j + 1), DIGIT)
            {
                break;
            }
            sep = s;
            j += 1;
        }
        let groups = &groups[..ng];
        let seq_end = groups.last().map_or(i, |g| g.1);
        // A number glued to a word or a decimal point cannot start at the
        // first group; it may still start at a later one ("no. 1 4539 …").
        let from = usize::from(!left_ok);
        let digits: usize = groups[from..].iter().map(|g| g.1 - g.0).sum();
        if digits >= 13 {
            find_in_groups(t, &groups[from..], out);
        }
        i = seq_end.max(i + 1);
    }
}

/// Tries every run of consecutive groups, longest first from each start.
fn find_in_groups(t: &[u8], groups: &[(usize, usize)], out: &mut dyn Out) {
    let mut a = 0;
    while a < groups.len() {
        let mut found = None;
        for b in (a + 1..=groups.len()).rev() {
            let gs = &groups[a..b];
            let ndig: usize = gs.iter().map(|g| g.1 - g.0).sum();
            if !(13..=19).contains(&ndig) {
                continue;
            }
            if gs.len() > 1 {
                let first = gs[0].1 - gs[0].0;
                if !(4..=6).contains(&first) || gs.iter().any(|g| !(3..=7).contains(&(g.1 - g.0))) {
                    continue;
                }
            }
            let (s, e) = (gs[0].0, gs[gs.len() - 1].1);
            // a decimal fraction or a longer token after it
            let n = at(t, e);
            if is(n, ALNUM) || ((n == b'.' || n == b',') && is(at(t, e + 1), DIGIT)) {
                continue;
            }
            let digits: Vec<u8> = t[s..e].iter().copied().filter(u8::is_ascii_digit).collect();
            if valid(&digits) {
                found = Some(b);
                let norm = String::from_utf8_lossy(&digits).into_owned();
                out.hit(Kind::Ccn, s, e, norm, true);
                break;
            }
        }
        a = found.unwrap_or(a + 1);
    }
}

/// Luhn, issuer range and length, no long same-digit run.
pub(crate) fn valid(d: &[u8]) -> bool {
    issuer(d) && luhn(d) && longest_run(d) < 8
}

fn luhn(d: &[u8]) -> bool {
    let mut sum = 0u32;
    for (k, &c) in d.iter().rev().enumerate() {
        let mut v = (c - b'0') as u32;
        if k % 2 == 1 {
            v *= 2;
            if v > 9 {
                v -= 9;
            }
        }
        sum += v;
    }
    sum.is_multiple_of(10)
}

fn longest_run(d: &[u8]) -> usize {
    let mut best = 0;
    let mut cur = 0;
    for (k, &c) in d.iter().enumerate() {
        cur = if k > 0 && d[k - 1] == c { cur + 1 } else { 1 };
        best = best.max(cur);
    }
    best
}

fn prefix(d: &[u8], n: usize) -> u32 {
    d.iter().take(n).fold(0, |a, &c| a * 10 + (c - b'0') as u32)
}

fn issuer(d: &[u8]) -> bool {
    let len = d.len();
    let p1 = prefix(d, 1);
    let p2 = prefix(d, 2);
    let p3 = prefix(d, 3);
    let p4 = prefix(d, 4);
    let p6 = prefix(d, 6);
    // Visa
    (p1 == 4 && matches!(len, 13 | 16 | 19))
        // Mastercard
        || (((51..=55).contains(&p2) || (2221..=2720).contains(&p4)) && len == 16)
        // American Express
        || ((p2 == 34 || p2 == 37) && len == 15)
        // JCB
        || ((3528..=3589).contains(&p4) && (16..=19).contains(&len))
        // Discover
        || ((p4 == 6011 || (644..=649).contains(&p3) || p2 == 65 || (622126..=622925).contains(&p6))
            && (16..=19).contains(&len))
        // UnionPay
        || (p2 == 62 && (16..=19).contains(&len))
        // Diners Club International (14 digits; 16 in the 36/38/39 ranges
        // co-issued in North America)
        || (((300..=305).contains(&p3) || p4 == 3095 || matches!(p2, 36 | 38 | 39))
            && matches!(len, 14 | 16))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::text::testing::run;

    fn cards(s: &str) -> Vec<(String, String)> {
        run(s, scan).into_iter().map(|h| (h.2, h.3)).collect()
    }

    #[test]
    fn finds_cards() {
        // public test numbers of each issuer
        for (s, v, n) in [
            (
                "card 4539 1488 0343 6467 exp",
                "4539 1488 0343 6467",
                "4539148803436467",
            ),
            (
                "5425-2334-3010-9903",
                "5425-2334-3010-9903",
                "5425233430109903",
            ),
            ("2223000048410010", "2223000048410010", "2223000048410010"),
            (
                "amex 3782 822463 10005.",
                "3782 822463 10005",
                "378282246310005",
            ),
            (
                "jcb 3566002020360505",
                "3566002020360505",
                "3566002020360505",
            ),
            ("(6011000990139424)", "6011000990139424", "6011000990139424"),
            ("6212345678901265", "6212345678901265", "6212345678901265"),
            (
                "diners 3056 930902 5904",
                "3056 930902 5904",
                "30569309025904",
            ),
            ("36148900647913", "36148900647913", "36148900647913"),
        ] {
            assert_eq!(cards(s), [(v.to_string(), n.to_string())], "{s}");
        }
        assert_eq!(cards("order 12 4539148803436467")[0].1, "4539148803436467");
        assert_eq!(cards("4539 1488 0343 6467 99")[0].1, "4539148803436467");
    }

    #[test]
    fn decoys() {
        for s in [
            "4539 1488 0343 6468", // Luhn fails
            "4000000000000002",    // same-digit run
            "1234567812345670",    // no issuer
            "45391488034364670",   // Visa length 17
            "3.4539148803436467",  // decimal
            "x4539148803436467",
            "4539148803436467123456", // longer number
            "4539 1488 03436 46 7",   // groups too short
        ] {
            assert!(cards(s).is_empty(), "{s}: {:?}", cards(s));
        }
    }
}
