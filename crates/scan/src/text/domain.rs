//! Host-name shape rules shared by the e-mail and URL scanners.

use crate::classes::{is, ALNUM, ALPHA, DOMAIN};

/// Longest TLD accepted (the longest delegated TLDs are 24 letters).
pub(crate) const MAX_TLD: usize = 24;

/// True when `label` is a valid DNS label: 1–63 of `A-Za-z0-9-_`, not
/// starting or ending with `-`.
pub(crate) fn valid_label(label: &[u8]) -> bool {
    !label.is_empty()
        && label.len() <= 63
        && label[0] != b'-'
        && label[label.len() - 1] != b'-'
        && label
            .iter()
            .all(|&b| is(b, ALNUM) || b == b'-' || b == b'_')
}

/// True when `tld` looks like a top-level domain: 2–24 letters, all in
/// one case (`com`, `COM`; `cOm` is noise), and a two-letter one is a
/// country code (from libphonenumber's region list) or `uk`, `eu`, `su`.
pub(crate) fn valid_tld(tld: &[u8]) -> bool {
    if !(2..=MAX_TLD).contains(&tld.len())
        || !tld.iter().all(|&b| is(b, ALPHA))
        || !(tld.iter().all(u8::is_ascii_lowercase) || tld.iter().all(u8::is_ascii_uppercase))
    {
        return false;
    }
    if tld.len() == 2 {
        let up = [tld[0].to_ascii_uppercase(), tld[1].to_ascii_uppercase()];
        return matches!(&up, b"UK" | b"EU" | b"SU")
            || std::str::from_utf8(&up)
                .is_ok_and(|c| c.parse::<phonenumber::country::Id>().is_ok());
    }
    true
}

/// True when `host` (already refanged) is a domain name: at least two
/// valid labels, the last a TLD-shaped one, at most 253 bytes.
pub(crate) fn is_domain_name(host: &[u8]) -> bool {
    if host.len() > 253 || host.len() < 4 {
        return false;
    }
    let mut labels = host.split(|&b| b == b'.');
    let mut n = 0;
    let mut last: &[u8] = &[];
    for l in labels.by_ref() {
        if !valid_label(l) {
            return false;
        }
        n += 1;
        last = l;
    }
    n >= 2 && valid_tld(last)
}

/// Longest host-character run examined after an `@`.
const MAX_SCAN: usize = 4096;

/// The domain of an e-mail address starting at `t[s]`, as `grep -E
/// '@[A-Za-z0-9.-]+\.[A-Za-z]{2,}'` takes it: the longest run of host
/// characters that ends in `.` and two or more letters (a TLD glued to
/// digits, `example.com2024`, ends before the digits). Returns its end and
/// whether it is a valid domain name (labels valid, TLD at most 24 letters,
/// at most 253 bytes); `None` if grep would see no domain at all.
pub(crate) fn email_domain(t: &[u8], s: usize) -> Option<(usize, bool)> {
    let mut j = s;
    let max = (s + MAX_SCAN).min(t.len());
    while j < max && is(t[j], DOMAIN) {
        j += 1;
    }
    // Try the dots right to left: the last one followed by 2+ letters wins.
    let mut d = j;
    while d > s + 1 {
        d -= 1;
        if t[d] != b'.' {
            continue;
        }
        let mut e = d + 1;
        while e < j && is(t[e], ALPHA) {
            e += 1;
        }
        let tld = e - d - 1;
        if tld < 2 {
            continue;
        }
        let valid = valid_tld(&t[d + 1..e])
            && e - s <= 253
            && t[s..d].split(|&b| b == b'.').all(valid_label);
        return Some((e, valid));
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn domain_names() {
        assert!(is_domain_name(b"example.com"));
        assert!(is_domain_name(b"mail.go.th"));
        assert!(!is_domain_name(b"example"));
        assert!(!is_domain_name(b"example.c"));
        assert!(!is_domain_name(b"example.123"));
        assert!(!is_domain_name(b"-bad.com"));
        assert!(!is_domain_name(b"a..com"));
        assert!(is_domain_name(b"bbc.co.uk"));
        assert!(is_domain_name(b"europa.eu"));
        assert!(is_domain_name(b"x.io"));
        assert!(!is_domain_name(b"example.lw"));
        assert!(!is_domain_name(b"example.Co"));
    }

    #[test]
    fn email_domains() {
        fn end(s: &str) -> Option<&str> {
            match email_domain(s.as_bytes(), 0) {
                Some((e, true)) => Some(&s[..e]),
                _ => None,
            }
        }
        assert_eq!(end("example.com"), Some("example.com"));
        assert_eq!(end("example.com."), Some("example.com"));
        assert_eq!(end("example.com2024"), Some("example.com"));
        assert_eq!(end("mail.example.co.th>"), Some("mail.example.co.th"));
        assert_eq!(end("example.c"), None);
        assert_eq!(end("a..com"), None);
        assert_eq!(end("123.456"), None);
        assert_eq!(end("x.Kt"), None);
        assert_eq!(end("EXAMPLE.COM"), Some("EXAMPLE.COM"));
    }
}
