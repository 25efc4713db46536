//! I2P host names: `NAME.i2p` (address-book names, shape only) and
//! `B32.b32.i2p` with 52 base32 characters (the SHA-256 of a destination;
//! there is no checksum to validate).

use memchr::memchr;

use super::domain::valid_label;
use super::Out;
use crate::classes::{at, before, is, ALNUM, B32};
use crate::Kind;

pub(crate) fn scan(t: &[u8], out: &mut dyn Out) {
    let mut i = 0;
    while let Some(off) = memchr(b'.', &t[i..]) {
        let d = i + off;
        i = d + 1;
        let e = d + 4;
        if !t
            .get(d + 1..e)
            .is_some_and(|s| s.eq_ignore_ascii_case(b"i2p"))
        {
            continue;
        }
        if is(at(t, e), ALNUM) || at(t, e) == b'-' {
            continue;
        }
        if d >= 4 && t[d - 4..d].eq_ignore_ascii_case(b".b32") {
            let b = d - 4;
            let mut s = b;
            while s > 0 && is(t[s - 1], B32) && b - s <= 52 {
                s -= 1;
            }
            if b - s == 52 && !is(before(t, s), ALNUM) && before(t, s) != b'.' {
                let norm = String::from_utf8_lossy(&t[s..e]).to_ascii_lowercase();
                out.hit(Kind::I2p, s, e, norm, false);
            }
            continue;
        }
        // NAME(.NAME)*.i2p
        let mut s = d;
        while s > 0 && (is(t[s - 1], ALNUM) || t[s - 1] == b'-' || t[s - 1] == b'.') && d - s < 67 {
            s -= 1;
        }
        while s < d && t[s] == b'.' {
            s += 1;
        }
        if s == d || is(before(t, s), ALNUM) {
            continue;
        }
        if !t[s..d].split(|&b| b == b'.').all(valid_label) {
            continue;
        }
        let norm = String::from_utf8_lossy(&t[s..e]).to_ascii_lowercase();
        out.hit(Kind::I2p, s, e, norm, false);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::text::testing::values;

    #[test]
    fn names() {
        let b32 = "ukeu3k5oycgaauneqgtnvselmt4yemvoilkln7jpvamvfx7dnkdq";
        assert_eq!(
            values(
                &format!("see http://stats.i2p/ and {b32}.b32.i2p."),
                Kind::I2p,
                scan
            ),
            ["stats.i2p".to_string(), format!("{b32}.b32.i2p")]
        );
        assert_eq!(values("forum.i2p", Kind::I2p, scan), ["forum.i2p"]);
    }

    #[test]
    fn decoys() {
        for s in ["x.i2px", ".i2p", "-bad-.i2p", "ukeu3k5oycg.b32.i2p"] {
            assert!(values(s, Kind::I2p, scan).is_empty(), "{s}");
        }
    }
}
