//! Telephone numbers, validated with libphonenumber's metadata (the
//! `phonenumber` crate) and normalised to E.164.
//!
//! Candidates: a `+` (international), `00` (international prefix) or `0`
//! (national trunk prefix) followed by digits with single spaces, dashes or
//! parentheses between groups; 8–15 digits. International forms are valid
//! for any country; national ones are tried in the configured regions in
//! order (Thailand, Viet Nam, Indonesia, Malaysia, the Philippines,
//! Singapore, Cambodia, Laos, Myanmar by default) and belong to the first
//! region in which they are a valid number of that region. Singapore has no
//! trunk prefix: a national number without one is recognised only as two
//! groups of four digits standing alone (`9123 4567`, `8123-4567`), not as a
//! bare run of eight digits (dates, counters, identifiers). Only candidates
//! reach the validator, never every digit run, and results are remembered
//! per worker.

use memchr::{memchr2, memchr3};
use phonenumber::{country::Id, Mode};

use super::Out;
use crate::classes::{at, before, is, ALNUM, DIGIT};
use crate::Kind;

/// Most bytes a candidate may span.
const MAX_SPAN: usize = 24;

pub(crate) fn scan(t: &[u8], out: &mut dyn Out) {
    let mut i = 0;
    while let Some(off) = memchr3(b'+', b'(', b'0', &t[i..]) {
        i += off;
        let b = t[i];
        let start_ok = match b {
            b'+' => is(at(t, i + 1), DIGIT),
            b'(' => at(t, i + 1) == b'0' || at(t, i + 1) == b'+',
            _ => true,
        };
        let p = before(t, i);
        // National forms must not continue a digit sequence ("… 1488 0343
        // 6467" is a card, not a phone number).
        let continues =
            b != b'+' && matches!(p, b'-' | b'.' | b'/' | b' ') && is(before(t, i - 1), DIGIT);
        if !start_ok || is(p, ALNUM) || p == b'+' || continues {
            i += 1;
            continue;
        }
        let (ends, digits) = candidate(t, i);
        let mut next = i + 1;
        // longest first: a number followed by another group ("… 5678 99")
        for &(end, nd) in ends.iter().rev().take(3) {
            if let Some(e164) = out.phone(&digits[..nd]) {
                out.hit(Kind::Phone, i, end, e164, false);
                next = end;
                break;
            }
        }
        i = next;
    }
    scan_four_four(t, out);
}

/// National numbers without a trunk prefix: `dddd dddd` or `dddd-dddd`,
/// first digit not `0`, not part of a longer group sequence.
fn scan_four_four(t: &[u8], out: &mut dyn Out) {
    let digits4 = |s: usize| {
        t.get(s..s + 4)
            .is_some_and(|g| g.iter().all(u8::is_ascii_digit))
    };
    let sep = |b: u8| matches!(b, b' ' | b'-' | b'.' | b'/' | b',');
    let mut i = 0;
    while let Some(off) = memchr2(b' ', b'-', &t[i..]) {
        let k = i + off;
        i = k + 1;
        if k < 4 || !digits4(k - 4) || !digits4(k + 1) || t[k - 4] == b'0' {
            continue;
        }
        let (s, e) = (k - 4, k + 5);
        let p = before(t, s);
        if is(p, ALNUM) || p == b'+' || p == b'(' || (sep(p) && is(before(t, s - 1), DIGIT)) {
            continue;
        }
        let n = t.get(e).copied().unwrap_or(b' ');
        if is(n, ALNUM) || (sep(n) && t.get(e + 1).is_some_and(u8::is_ascii_digit)) {
            continue;
        }
        let mut digits = String::with_capacity(8);
        digits.extend(t[s..k].iter().map(|&b| b as char));
        digits.extend(t[k + 1..e].iter().map(|&b| b as char));
        if let Some(e164) = out.phone(&digits) {
            out.hit(Kind::Phone, s, e, e164, false);
            i = e;
        }
    }
}

/// The candidate starting at `s`: the places it may end (after a digit
/// group, with the length of `digits` there) and its digits (with a
/// leading `+` when written internationally).
fn candidate(t: &[u8], s: usize) -> (Vec<(usize, usize)>, String) {
    let mut digits = String::with_capacity(16);
    let mut ends = Vec::new();
    let mut j = s;
    if t[j] == b'(' {
        j += 1;
    }
    if t.get(j) == Some(&b'+') {
        digits.push('+');
        j += 1;
    }
    let limit = (s + MAX_SPAN).min(t.len());
    let mut open = t[s] == b'(';
    let mut seps = 0; // separators since the last digit
    let mut group_end = None;
    let mut group_len = 0usize;
    let mut singles = 0usize;
    while j < limit {
        let b = t[j];
        if is(b, DIGIT) {
            digits.push(b as char);
            group_len += 1;
            seps = 0;
            j += 1;
            group_end = Some(j);
            continue;
        }
        let ok = match b {
            b' ' | b'-' => seps == 0 || (seps == 1 && t[j - 1] == b')' && b == b' '),
            b'(' => !open && (seps == 0 || t[j - 1] == b' '),
            b')' => open && seps == 0,
            _ => false,
        };
        if let Some(e) = group_end.take() {
            singles += usize::from(group_len == 1);
            group_len = 0;
            ends.push((e, digits.len()));
            if !ok && is(b, ALNUM) {
                // glued to a word: not a number of its own
                ends.pop();
            }
        }
        if !ok {
            break;
        }
        if b == b'(' {
            open = true;
        } else if b == b')' {
            open = false;
        }
        seps += 1;
        j += 1;
    }
    if let Some(e) = group_end {
        // ran to the end of the text or of the span
        if j >= t.len() || !is(t[j], DIGIT) {
            ends.push((e, digits.len()));
        }
    }
    // "0 1 2 3 4 5 6 7 8 9": digits spaced out one by one (tables, forms)
    if singles >= 3 {
        ends.clear();
    }
    let plus = usize::from(digits.starts_with('+'));
    ends.retain(|&(_, nd)| (8..=15).contains(&(nd - plus)) && !counting(&digits[..nd]));
    (ends, digits)
}

/// True for digit sequences that count up or down for nine or more digits
/// ("0123456789", "0987654321"): character tables, not numbers.
fn counting(digits: &str) -> bool {
    let d = digits.as_bytes();
    let (mut up, mut down) = (1, 1);
    for k in 1..d.len() {
        up = if d[k] == d[k - 1].wrapping_add(1) {
            up + 1
        } else {
            1
        };
        down = if d[k].wrapping_add(1) == d[k - 1] {
            down + 1
        } else {
            1
        };
        if up >= 9 || down >= 9 {
            return true;
        }
    }
    false
}

/// A region whose national format is tried, with the lengths its national
/// significant numbers may have (from libphonenumber's metadata): a cheap
/// filter before the (regex-based) validation.
#[derive(Debug, Clone)]
pub(crate) struct Region {
    pub id: Id,
    pub lengths: Vec<u16>,
}

impl Region {
    /// The region named by an ISO 3166 code, if libphonenumber knows it.
    pub fn new(code: &str) -> Option<Region> {
        let code = code.trim().to_ascii_uppercase();
        let id = code.parse::<Id>().ok()?;
        let lengths = phonenumber::metadata::DATABASE
            .by_id(code.as_str())
            .map(|m| m.descriptors().general().possible_length().to_vec())
            .unwrap_or_default();
        Some(Region { id, lengths })
    }
}

/// E.164 form of `digits` if it is a valid number.
pub(crate) fn validate(digits: &str, regions: &[Region]) -> Option<String> {
    let e164 = |n: phonenumber::PhoneNumber| {
        n.is_valid()
            .then(|| n.format().mode(Mode::E164).to_string())
    };
    if let Some(intl) = digits.strip_prefix('+') {
        return phonenumber::parse(None, format!("+{intl}"))
            .ok()
            .and_then(e164);
    }
    if let Some(intl) = digits.strip_prefix("00") {
        if intl.starts_with('0') {
            return None;
        }
        return phonenumber::parse(None, format!("+{intl}"))
            .ok()
            .and_then(e164);
    }
    // With the trunk prefix `0`, or none (two groups of four, Singapore).
    let national = digits.strip_prefix('0').unwrap_or(digits);
    let n = national.len() as u16;
    regions
        .iter()
        .filter(|r| r.lengths.is_empty() || r.lengths.contains(&n))
        .find_map(|r| {
            phonenumber::parse(Some(r.id), digits)
                .ok()
                .filter(|p| p.country().id() == Some(r.id))
                .and_then(e164)
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::text::testing::run;

    fn phones(s: &str) -> Vec<(String, String)> {
        run(s, scan).into_iter().map(|h| (h.2, h.3)).collect()
    }

    #[test]
    fn international() {
        assert_eq!(
            phones("call +66 81 234 5678 or +84 91 234 56 78."),
            [
                ("+66 81 234 5678".to_string(), "+66812345678".to_string()),
                ("+84 91 234 56 78".to_string(), "+84912345678".to_string())
            ]
        );
        assert_eq!(phones("tel:+6281223344556")[0].1, "+6281223344556");
        assert_eq!(phones("0066812345678")[0].1, "+66812345678");
        assert_eq!(phones("+855 12 345 678")[0].1, "+85512345678");
        assert_eq!(phones("+65 9123 4567")[0].1, "+6591234567");
        // a further group after the number
        assert_eq!(
            phones("+66 81 234 5678 9")[0],
            ("+66 81 234 5678".into(), "+66812345678".into())
        );
        assert_eq!(phones("+66 81 234 5678 99 01")[0].1, "+66812345678");
    }

    #[test]
    fn national() {
        assert_eq!(phones("โทร 081-234-5678 ครับ")[0].1, "+66812345678");
        assert_eq!(phones("(02) 123 4567")[0].1, "+6621234567");
        assert_eq!(phones("0812345678")[0].1, "+66812345678");
        // Singapore: no trunk prefix, two groups of four
        assert_eq!(
            phones("Tel: 9125-7767\n"),
            [("9125-7767".to_string(), "+6591257767".to_string())]
        );
        assert_eq!(phones("call 8053 3555 now")[0].1, "+6580533555");
        for s in [
            "91257767",
            "4539 9125 7767",
            "9125 7767 12",
            "x9125 7767",
            "0812 3456",
        ] {
            assert!(
                phones(s).iter().all(|p| p.1 != "+6591257767"),
                "{s}: {:?}",
                phones(s)
            );
        }
    }

    #[test]
    fn decoys() {
        for s in [
            "2024-01-15",
            "12345678",
            "+1",
            "0000000000",
            "ID 081234567890123456789",
            "x0812345678",
            "3.0812345678",
            "+99 123 456 789",
            "4539 1488 0343 6467 6",
            "0123456789",
            "0 1 2 3 4 5 6 7 8 9",
            "0-1-2-3-4-5-6-7-8-9",
            "0987654321",
        ] {
            assert!(phones(s).is_empty(), "{s}: {:?}", phones(s));
        }
    }
}
