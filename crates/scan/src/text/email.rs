//! E-mail addresses: `local@domain.tld`.
//!
//! Trigger: `@`. The local part is the run of `A-Za-z0-9._%+-` before it
//! (at most 64 bytes, leading dots dropped), the domain the longest run of
//! host characters after it ending in a TLD-shaped label. Also reports the
//! domain as [`Kind::Domain`].

use memchr::memchr;

use super::domain::email_domain;
use super::Out;
use crate::classes::{is, LOCAL};
use crate::Kind;

/// Longest local part (RFC 5321).
const MAX_LOCAL: usize = 64;

/// Longest local-part run examined before an `@`.
const MAX_SCAN: usize = 4096;

pub(crate) fn scan(t: &[u8], out: &mut dyn Out) {
    // As with `grep -o`, a match ends where the next may begin: local parts
    // do not reach back into the previous match (valid or not).
    let mut floor = 0;
    let mut i = 0;
    while let Some(off) = memchr(b'@', &t[i..]) {
        let at = i + off;
        i = at + 1;
        let mut ls = at;
        while ls > floor && is(t[ls - 1], LOCAL) && at - ls < MAX_SCAN {
            ls -= 1;
        }
        if ls == at {
            continue;
        }
        let Some((end, domain_ok)) = email_domain(t, at + 1) else {
            continue;
        };
        floor = end;
        i = end;
        while ls < at && t[ls] == b'.' {
            ls += 1;
        }
        if ls == at || at - ls > MAX_LOCAL || !domain_ok {
            continue;
        }
        let addr = String::from_utf8_lossy(&t[ls..end]).to_ascii_lowercase();
        let dom = addr[at - ls + 1..].to_string();
        out.hit(Kind::Email, ls, end, addr, false);
        out.hit(Kind::Domain, at + 1, end, dom, false);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::text::testing::{run, values};

    #[test]
    fn finds_addresses() {
        let v = values(
            "mail john.doe+x@Example.CO.TH, or <somchai_k@mail.go.th>.",
            Kind::Email,
            scan,
        );
        assert_eq!(v, ["john.doe+x@Example.CO.TH", "somchai_k@mail.go.th"]);
        let h = run("x John@Example.com", scan);
        assert_eq!(h[0].1, 2);
        assert_eq!(h[0].3, "john@example.com");
        assert_eq!(h[1].0, Kind::Domain);
        assert_eq!(h[1].2, "Example.com");
    }

    #[test]
    fn decoys() {
        for s in [
            "a@b",
            "a@b.c",
            "user@localhost",
            "@example.com",
            "x@.com",
            "x@example.123",
            "x@-bad.com",
            "price 5@3.50",
        ] {
            assert!(values(s, Kind::Email, scan).is_empty(), "{s}");
        }
    }

    #[test]
    fn trims_edges() {
        assert_eq!(
            values("...bob@example.org.", Kind::Email, scan),
            ["bob@example.org"]
        );
        assert_eq!(
            values("bob@example.org2024", Kind::Email, scan),
            ["bob@example.org"]
        );
        let long = format!("{}@example.org", "a".repeat(70));
        assert!(values(&long, Kind::Email, scan).is_empty());
        assert_eq!(
            values("a@b.co@c.org", Kind::Email, scan),
            ["a@b.co"],
            "no address reaching back into the previous one"
        );
    }
}
