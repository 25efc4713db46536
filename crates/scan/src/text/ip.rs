//! IP addresses.
//!
//! IPv4: dotted quads, each octet 0–255 without leading zeros, not part of
//! a longer dotted or digit run (`1.2.3.4.5`, `v1.2.3.4`), and not preceded
//! by a version word (`version 1.2.3.4`). IPv6: runs of hex digits and
//! colons (optionally ending in a dotted quad) with at least two colons,
//! accepted by the standard library's parser; times (`12:34:56`) and MAC
//! addresses do not parse.

use memchr::memchr;

use super::Out;
use crate::classes::{at, before, is, ALNUM, ALPHA, DIGIT, HEX};
use crate::Kind;

pub(crate) fn scan_v4(t: &[u8], out: &mut dyn Out) {
    let mut i = 0;
    while let Some(off) = memchr(b'.', &t[i..]) {
        let d = i + off;
        i = d + 1;
        if d == 0 || !is(t[d - 1], DIGIT) {
            continue;
        }
        let mut s = d - 1;
        while s > 0 && is(t[s - 1], DIGIT) && d - s <= 3 {
            s -= 1;
        }
        if let Some(end) = quad(t, s) {
            if !version_before(t, s) {
                let v = String::from_utf8_lossy(&t[s..end]).into_owned();
                out.hit(Kind::Ipv4, s, end, v, false);
            }
            i = end;
        }
    }
}

/// The end of a valid dotted quad starting at `s`, with the run-boundary
/// rules applied.
fn quad(t: &[u8], s: usize) -> Option<usize> {
    let b = before(t, s);
    if is(b, ALNUM) || b == b'.' || (b == b'-' && is(before(t, s - 1), DIGIT)) {
        return None;
    }
    let mut j = s;
    for k in 0..4 {
        let o = j;
        let mut v = 0u32;
        while j < t.len() && is(t[j], DIGIT) && j - o < 4 {
            v = v * 10 + (t[j] - b'0') as u32;
            j += 1;
        }
        let len = j - o;
        if len == 0 || len > 3 || v > 255 || (len > 1 && t[o] == b'0') {
            return None;
        }
        if k < 3 {
            if at(t, j) != b'.' {
                return None;
            }
            j += 1;
        }
    }
    let a = at(t, j);
    if is(a, ALNUM) || (a == b'.' || a == b'-') && is(at(t, j + 1), DIGIT) {
        return None;
    }
    Some(j)
}

/// True when the word before `s` (skipping spaces, `:` and `=`) names a
/// version, build or release.
fn version_before(t: &[u8], s: usize) -> bool {
    let mut e = s;
    while e > 0 && matches!(t[e - 1], b' ' | b':' | b'=' | b'\t') && s - e < 4 {
        e -= 1;
    }
    let mut w = e;
    while w > 0 && is(t[w - 1], ALPHA) && e - w < 12 {
        w -= 1;
    }
    let word = t[w..e].to_ascii_lowercase();
    matches!(
        &word[..],
        b"ver" | b"version" | b"build" | b"release" | b"rev" | b"revision" | b"firmware" | b"fw"
    )
}

pub(crate) fn scan_v6(t: &[u8], out: &mut dyn Out) {
    let mut i = 0;
    while let Some(off) = memchr(b':', &t[i..]) {
        let c = i + off;
        i = c + 1;
        let tok = |b: u8| is(b, HEX) || b == b':';
        let mut s = c;
        while s > 0 && tok(t[s - 1]) && c - s < 40 {
            s -= 1;
        }
        let mut e = c + 1;
        while e < t.len() && (tok(t[e]) || t[e] == b'.') && e - s < 46 {
            e += 1;
        }
        i = e.max(i);
        if is(before(t, s), ALNUM) || before(t, s) == b'.' || is(at(t, e), ALNUM) {
            continue;
        }
        // trailing sentence punctuation
        while e > s && (t[e - 1] == b'.' || (t[e - 1] == b':' && before(t, e - 1) != b':')) {
            e -= 1;
        }
        let cand = &t[s..e];
        if cand.iter().filter(|&&b| b == b':').count() < 2 {
            continue;
        }
        let Ok(text) = std::str::from_utf8(cand) else {
            continue;
        };
        let Ok(addr) = text.parse::<std::net::Ipv6Addr>() else {
            continue;
        };
        // Short compressed forms ("c::7", "a::b") are mostly noise: with
        // fewer than three groups one must be a full four-digit group
        // ("fe80::1", "ff02::2"); "::1" is kept.
        let groups: Vec<&str> = text.split(':').filter(|g| !g.is_empty()).collect();
        if groups.len() < 3
            && !groups.iter().any(|g| g.len() == 4 || g.contains('.'))
            && text != "::1"
        {
            continue;
        }
        out.hit(Kind::Ipv6, s, e, addr.to_string(), false);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::text::testing::values;

    #[test]
    fn v4() {
        assert_eq!(
            values(
                "from 192.168.1.10, to 8.8.8.8. (10.0.0.1:8080) 0.0.0.0",
                Kind::Ipv4,
                scan_v4
            ),
            ["192.168.1.10", "8.8.8.8", "10.0.0.1", "0.0.0.0"]
        );
        assert_eq!(
            values("ip=203.0.113.5/24", Kind::Ipv4, scan_v4),
            ["203.0.113.5"]
        );
    }

    #[test]
    fn v4_decoys() {
        for s in [
            "1.2.3.4.5",
            "v1.2.3.4",
            "version 1.2.3.4",
            "Version: 10.0.19041.1",
            "256.1.1.1",
            "01.2.3.4",
            "1.2.3",
            "1.2.3.4a",
            "12.2024.1.1",
            "a1.2.3.4",
            "3.14.15.92.65",
        ] {
            assert!(values(s, Kind::Ipv4, scan_v4).is_empty(), "{s}");
        }
    }

    #[test]
    fn v6() {
        assert_eq!(
            values(
                "gw fe80::1ff:fe23:4567:890a and 2001:0db8:0000:0000:0000:ff00:0042:8329.",
                Kind::Ipv6,
                scan_v6
            ),
            [
                "fe80::1ff:fe23:4567:890a",
                "2001:0db8:0000:0000:0000:ff00:0042:8329"
            ]
        );
        let h = crate::text::testing::run("2001:0DB8:0:0:0:0:0:1", scan_v6);
        assert_eq!(h[0].3, "2001:db8::1");
        assert_eq!(
            values("::ffff:192.0.2.1", Kind::Ipv6, scan_v6),
            ["::ffff:192.0.2.1"]
        );
    }

    #[test]
    fn v6_decoys() {
        for s in [
            "12:34:56",
            "00:1a:2b:3c:4d:5e",
            "std::vector",
            "a::b::c",
            "::",
            "Foo::Bar",
            "10:30 am",
        ] {
            assert!(values(s, Kind::Ipv6, scan_v6).is_empty(), "{s}");
        }
    }
}
