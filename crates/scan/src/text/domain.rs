//! Host-name shape rules shared by the e-mail and URL scanners, and bare
//! host names in text (`shop.mekong-pay.co.th`).
//!
//! A bare name has no `@` or scheme to vouch for it, so it is held to more:
//! it stands alone (not after `@`, `/`, `:`, `=`, `.`, `\\` and the like, not
//! before `@` or `(`), and its TLD is a country code or a well-known generic
//! TLD (a list, not any word: `obj.method`, `file.exe` are not hosts); a
//! two-label name whose country-code TLD is a common file extension
//! (`readme.md`, `setup.py`, `run.sh`) is not reported. Names starting with
//! `www.` are left to the URL scanner, which reports them as a URL and a
//! domain. Every domain is normalized lower-case.

use memchr::memchr;

use super::Out;
use crate::classes::{before, is, ALNUM, ALPHA, DOMAIN};
use crate::Kind;

/// Generic TLDs accepted for bare host names (country codes are all
/// accepted, see [`valid_tld`]).
const GENERIC_TLDS: &[&[u8]] = &[
    b"com",
    b"net",
    b"org",
    b"info",
    b"biz",
    b"edu",
    b"gov",
    b"mil",
    b"int",
    b"name",
    b"pro",
    b"mobi",
    b"asia",
    b"tel",
    b"travel",
    b"xyz",
    b"top",
    b"online",
    b"shop",
    b"site",
    b"club",
    b"app",
    b"dev",
    b"store",
    b"tech",
    b"blog",
    b"cloud",
    b"live",
    b"news",
    b"link",
    b"click",
    b"vip",
    b"win",
    b"bet",
    b"casino",
    b"money",
    b"finance",
    b"bank",
    b"ltd",
    b"email",
    b"world",
    b"life",
    b"space",
    b"website",
    b"icu",
    b"cyou",
    b"fun",
    b"work",
    b"agency",
    b"digital",
    b"network",
    b"group",
    b"media",
    b"today",
    b"services",
    b"solutions",
    b"company",
    b"global",
    b"page",
    b"loan",
    b"trade",
    b"market",
    b"exchange",
    b"wallet",
    b"crypto",
    b"games",
];

/// Country-code TLDs that are also common file extensions.
const FILE_LIKE_CC: &[&[u8]] = &[
    b"ai", b"am", b"cc", b"md", b"mk", b"ml", b"ms", b"pl", b"ps", b"py", b"rs", b"sh", b"so",
    b"ts",
];

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
    let (mut prev, mut last): (&[u8], &[u8]) = (&[], &[]);
    for l in labels.by_ref() {
        // A label of only `_` and `-` (`_.mr` in binary noise) is no name.
        if !valid_label(l) || !l.iter().any(|&b| is(b, ALNUM)) {
            return false;
        }
        n += 1;
        prev = last;
        last = l;
    }
    // The registered name before the TLD is a host name: no `_` (service
    // labels such as `_dmarc` only come before it).
    n >= 2 && valid_tld(last) && !prev.contains(&b'_')
}

/// Host-name characters of a bare name (`_` too, as in DNS labels).
fn host_byte(b: u8) -> bool {
    is(b, DOMAIN) || b == b'_'
}

/// Reports bare host names in `t` (see the module documentation).
pub(crate) fn scan(t: &[u8], out: &mut dyn Out) {
    let mut i = 0;
    while let Some(off) = memchr(b'.', &t[i..]) {
        let dot = i + off;
        let mut s = dot;
        while s > 0 && host_byte(t[s - 1]) && dot - s < MAX_SCAN {
            s -= 1;
        }
        let mut e = dot + 1;
        while e < t.len() && host_byte(t[e]) && e - s < MAX_SCAN {
            e += 1;
        }
        i = e.max(dot + 1);
        let token_end = e;
        while e > s && t[e - 1] == b'.' {
            e -= 1;
        }
        if e <= dot || s == dot {
            continue;
        }
        let p = before(t, s);
        let next = t.get(token_end).copied().unwrap_or(b' ');
        if matches!(
            p,
            b'@' | b'/'
                | b'\\'
                | b':'
                | b'='
                | b'%'
                | b'&'
                | b'?'
                | b'#'
                | b'+'
                | b'~'
                | b'$'
                | b'['
        ) || matches!(next, b'@' | b'(' | b'[')
        {
            continue;
        }
        let name = &t[s..e];
        if name.len() >= 4 && name[..4].eq_ignore_ascii_case(b"www.") {
            continue;
        }
        if is_bare_domain(name) {
            let norm = String::from_utf8_lossy(name).to_ascii_lowercase();
            out.hit(Kind::Domain, s, e, norm, false);
        }
    }
}

/// [`is_domain_name`], with the TLD rules for bare names.
fn is_bare_domain(name: &[u8]) -> bool {
    if !is_domain_name(name) {
        return false;
    }
    let labels = name.split(|&b| b == b'.').count();
    let tld_at = name.iter().rposition(|&b| b == b'.').map_or(0, |p| p + 1);
    let tld = name[tld_at..].to_ascii_lowercase();
    if tld.len() == 2 {
        !(labels == 2 && FILE_LIKE_CC.contains(&tld.as_slice()))
    } else {
        GENERIC_TLDS.contains(&tld.as_slice())
    }
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
    fn underscore_noise_is_no_domain() {
        assert!(!is_domain_name(b"_.mr"));
        assert!(!is_domain_name(b"a_b.com"));
        assert!(is_domain_name(b"_dmarc.example.com"));
    }

    #[test]
    fn bare_names() {
        use crate::text::testing::run;
        let found = |s: &str| -> Vec<(usize, String)> {
            run(s, scan).into_iter().map(|h| (h.1, h.3)).collect()
        };
        assert_eq!(
            found("host shop.mekong-pay.co.th\n"),
            [(5, "shop.mekong-pay.co.th".to_string())]
        );
        assert_eq!(
            found("Domain: MAIL.LUCKYCARGO.COM.PH."),
            [(8, "mail.luckycargo.com.ph".to_string())]
        );
        assert_eq!(found("visit harbor59.my"), [(6, "harbor59.my".to_string())]);
        for s in [
            "john.doe@example.com",
            "x@example.com",
            "https://example.com/a.html",
            "see www.example.com",
            "obj.method(1)",
            "readme.md",
            "file.exe",
            "Mr.Smith",
            "e.g. i.e. 1.2.3.4",
            "abc.onion",
            "x.b32.i2p",
            "Hello. World",
        ] {
            assert!(found(s).is_empty(), "{s}: {:?}", found(s));
        }
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
