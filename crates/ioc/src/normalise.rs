//! One canonical spelling per indicator, so that the same host written
//! `Example.COM.`, `example.com` and `hxxp://EXAMPLE[.]com:80/` compares equal.
//!
//! Choices (each a documented decision, not an accident):
//! - **Domains**: ASCII letters lower-cased, one trailing root dot removed.
//!   Labels are 1–63 bytes of letters, digits, `-` (not first or last) and
//!   `_` (DNS allows it in service names such as `_dmarc`). Non-ASCII labels
//!   are lower-cased but *not* converted to punycode: that needs the IDNA
//!   tables, which this crate does not carry. A name whose last label is all
//!   digits is rejected (RFC 3696 §2: that is an address, not a name).
//! - **IPv4**: strict dotted quad. Octets with a leading zero (`010.1.1.1`)
//!   are **rejected**: some software reads them as octal (8.1.1.1), others as
//!   decimal, so the address meant is ambiguous and must be checked by hand.
//!   Short forms (`10.1`) and integers are rejected for the same reason.
//! - **IPv6**: parsed by `std::net`, printed in RFC 5952 form (lower case,
//!   longest zero run compressed, IPv4-mapped as `::ffff:1.2.3.4`). Square
//!   brackets are removed; zone ids (`%eth0`) are rejected (meaningless
//!   outside the machine that wrote them).
//! - **URLs**: scheme and host lower-cased (host normalised as above), the
//!   default port dropped (80 http/ws, 443 https/wss, 21 ftp), an empty path
//!   written `/`. User info, path, query and **fragment are kept exactly**:
//!   the fragment never reaches the server, but phishing kits put the
//!   victim's e-mail address in it, which is evidence. No percent-decoding.
//! - **E-mail**: the domain part normalised as a domain; the local part kept
//!   byte for byte (RFC 5321 lets a server treat `John` and `john` as two
//!   mailboxes).

use crate::refang::Indicator;
use crate::{Error, Kind};
use std::collections::BTreeSet;
use std::net::{Ipv4Addr, Ipv6Addr};

/// Normalises `value` as an indicator of `kind` (see the module docs).
pub fn normalise(kind: Kind, value: &str) -> Result<String, Error> {
    match kind {
        Kind::Url => url(value),
        Kind::Domain => domain(value),
        Kind::Ip => ip(value),
        Kind::Email => email(value),
    }
}

/// Normalises a host name: lower case, no trailing dot, labels checked.
pub fn domain(value: &str) -> Result<String, Error> {
    let bad = |reason| Error::invalid(Kind::Domain, value, reason);
    let trimmed = value.trim();
    let name = trimmed.strip_suffix('.').unwrap_or(trimmed);
    if name.is_empty() {
        return Err(bad("empty name"));
    }
    if name.len() > 253 {
        return Err(bad("longer than 253 bytes"));
    }
    let mut out = String::with_capacity(name.len());
    for (i, label) in name.split('.').enumerate() {
        if label.is_empty() {
            return Err(bad("empty label"));
        }
        if label.len() > 63 {
            return Err(bad("label longer than 63 bytes"));
        }
        if label.starts_with('-') || label.ends_with('-') {
            return Err(bad("label starts or ends with '-'"));
        }
        let ok = label
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_' || !c.is_ascii());
        if !ok || label.chars().any(|c| c.is_whitespace() || c.is_control()) {
            return Err(bad("character not allowed in a host name"));
        }
        if i > 0 {
            out.push('.');
        }
        out.push_str(&label.to_lowercase());
    }
    let tld = out.rsplit('.').next().unwrap_or("");
    if tld.bytes().all(|b| b.is_ascii_digit()) {
        return Err(bad("last label is numeric (an address, not a name)"));
    }
    Ok(out)
}

/// Normalises an IPv4 or IPv6 address (see the module docs for what is rejected).
pub fn ip(value: &str) -> Result<String, Error> {
    let v = value.trim();
    let v = v
        .strip_prefix('[')
        .and_then(|s| s.strip_suffix(']'))
        .unwrap_or(v);
    if v.contains(':') {
        if v.contains('%') {
            return Err(Error::invalid(
                Kind::Ip,
                value,
                "IPv6 zone ids are not kept",
            ));
        }
        return v
            .parse::<Ipv6Addr>()
            .map(|a| a.to_string())
            .map_err(|_| Error::invalid(Kind::Ip, value, "not an IPv6 address"));
    }
    parse_ipv4(v).map(|a| a.to_string()).ok_or_else(|| {
        Error::invalid(
            Kind::Ip,
            value,
            "not a dotted-quad IPv4 address without leading zeros",
        )
    })
}

/// Strict dotted quad; `std` already refuses leading zeros and short forms.
pub(crate) fn parse_ipv4(v: &str) -> Option<Ipv4Addr> {
    v.parse::<Ipv4Addr>().ok()
}

/// Default port of the schemes whose default we drop.
fn default_port(scheme: &str) -> Option<u16> {
    match scheme {
        "http" | "ws" => Some(80),
        "https" | "wss" => Some(443),
        "ftp" => Some(21),
        _ => None,
    }
}

/// Normalises a URL `scheme://[user@]host[:port][/path][?query][#fragment]`.
pub fn url(value: &str) -> Result<String, Error> {
    let bad = |reason| Error::invalid(Kind::Url, value, reason);
    let v = value.trim();
    let (scheme, rest) = v.split_once("://").ok_or_else(|| bad("no scheme"))?;
    let scheme_ok = scheme
        .bytes()
        .next()
        .is_some_and(|b| b.is_ascii_alphabetic())
        && scheme
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'+' || b == b'-' || b == b'.');
    if !scheme_ok {
        return Err(bad("invalid scheme"));
    }
    if rest.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(bad("white space or control character"));
    }
    let scheme = scheme.to_ascii_lowercase();
    let auth_end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let (authority, tail) = rest.split_at(auth_end);
    let (userinfo, hostport) = match authority.rfind('@') {
        Some(at) => (Some(&authority[..at]), &authority[at + 1..]),
        None => (None, authority),
    };
    let (host, port) = if let Some(inner) = hostport.strip_prefix('[') {
        let close = inner.find(']').ok_or_else(|| bad("unclosed '[' in host"))?;
        let addr = ip(&inner[..close]).map_err(|_| bad("bad IPv6 literal"))?;
        let after = &inner[close + 1..];
        let port = match after.strip_prefix(':') {
            Some(p) => Some(p),
            None if after.is_empty() => None,
            None => return Err(bad("text after IPv6 literal")),
        };
        (format!("[{addr}]"), port)
    } else {
        let (h, p) = match hostport.rfind(':') {
            Some(c) => (&hostport[..c], Some(&hostport[c + 1..])),
            None => (hostport, None),
        };
        if h.is_empty() {
            return Err(bad("empty host"));
        }
        let looks_numeric = h.bytes().all(|b| b.is_ascii_digit() || b == b'.');
        let host = if looks_numeric {
            ip(h).map_err(|_| bad("host is not a valid IPv4 address"))?
        } else {
            domain(h).map_err(|_| bad("invalid host name"))?
        };
        (host, p)
    };
    let port = match port {
        None | Some("") => None,
        Some(p) => {
            if !p.bytes().all(|b| b.is_ascii_digit()) {
                return Err(bad("port is not a number"));
            }
            let n: u16 = p.parse().map_err(|_| bad("port out of range"))?;
            (default_port(&scheme) != Some(n)).then_some(n)
        }
    };
    let mut out = String::with_capacity(v.len() + 1);
    out.push_str(&scheme);
    out.push_str("://");
    if let Some(u) = userinfo {
        out.push_str(u);
        out.push('@');
    }
    out.push_str(&host);
    if let Some(p) = port {
        out.push(':');
        out.push_str(&p.to_string());
    }
    if !tail.starts_with('/') && default_port(&scheme).is_some() {
        out.push('/');
    }
    out.push_str(tail);
    Ok(out)
}

/// Normalises an e-mail address: domain part normalised, local part kept.
pub fn email(value: &str) -> Result<String, Error> {
    let bad = |reason| Error::invalid(Kind::Email, value, reason);
    let v = value.trim();
    let (local, dom) = v.rsplit_once('@').ok_or_else(|| bad("no '@'"))?;
    if local.is_empty() || local.len() > 64 {
        return Err(bad("local part empty or longer than 64 bytes"));
    }
    if local.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(bad("white space in local part"));
    }
    let dom = domain(dom).map_err(|_| bad("invalid domain part"))?;
    Ok(format!("{local}@{dom}"))
}

/// Removes repeated indicators (same kind and normalised value), keeping the
/// first occurrence of each and the input order: deterministic, and the
/// span kept is that of the first mention in the text.
pub fn dedup(items: &[Indicator]) -> Vec<Indicator> {
    let mut seen = BTreeSet::new();
    items
        .iter()
        .filter(|i| seen.insert((i.kind, i.value.clone())))
        .cloned()
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn domains() {
        assert_eq!(domain("Example.COM.").unwrap(), "example.com");
        assert_eq!(domain("_dmarc.example.com").unwrap(), "_dmarc.example.com");
        assert!(domain("-bad.com").is_err());
        assert!(domain("a..b").is_err());
        assert!(domain("1.2.3.4").is_err());
        assert!(domain("").is_err());
        assert!(domain(".").is_err());
        assert!(domain(&"a".repeat(64)).is_err());
    }

    #[test]
    fn ips() {
        assert_eq!(ip("2001:0DB8:0:0:0:0:0:1").unwrap(), "2001:db8::1");
        assert_eq!(ip("[2001:db8::1]").unwrap(), "2001:db8::1");
        assert_eq!(ip("2001:db8:0:0:1:0:0:1").unwrap(), "2001:db8::1:0:0:1");
        assert_eq!(ip("::FFFF:192.0.2.1").unwrap(), "::ffff:192.0.2.1");
        assert_eq!(ip("192.0.2.1").unwrap(), "192.0.2.1");
        assert!(ip("010.1.1.1").is_err());
        assert!(ip("10.1").is_err());
        assert!(ip("256.1.1.1").is_err());
        assert!(ip("fe80::1%eth0").is_err());
    }

    #[test]
    fn urls() {
        assert_eq!(url("HTTP://Example.COM:80").unwrap(), "http://example.com/");
        assert_eq!(
            url("https://EXAMPLE.com:443/A/b?Q=1#Frag").unwrap(),
            "https://example.com/A/b?Q=1#Frag"
        );
        assert_eq!(
            url("https://example.com:8443/x").unwrap(),
            "https://example.com:8443/x"
        );
        assert_eq!(
            url("http://[2001:DB8::1]:8080/").unwrap(),
            "http://[2001:db8::1]:8080/"
        );
        assert_eq!(
            url("http://User@Host.example?x").unwrap(),
            "http://User@host.example/?x"
        );
        assert_eq!(url("ftp://1.2.3.4:21/f").unwrap(), "ftp://1.2.3.4/f");
        assert!(url("http://").is_err());
        assert!(url("http://exa mple.com/").is_err());
        assert!(url("http://010.0.0.1/").is_err());
        assert!(url("http://example.com:99999/").is_err());
        assert!(url("example.com").is_err());
    }

    #[test]
    fn emails() {
        assert_eq!(
            email("John.Doe@Example.COM").unwrap(),
            "John.Doe@example.com"
        );
        assert!(email("@example.com").is_err());
        assert!(email("john@").is_err());
    }

    #[test]
    fn dedup_keeps_first_mentions_in_order() {
        let found = crate::refang("b[.]com a[.]com hxxp://b[.]com b.com B.COM. 1.2.3.4 1.2.3[.]4");
        let kept: Vec<_> = dedup(&found)
            .into_iter()
            .map(|i| (i.kind, i.value, i.span.0, i.defanged))
            .collect();
        assert_eq!(
            kept,
            [
                (Kind::Domain, "b.com".to_string(), 0, true),
                (Kind::Domain, "a.com".to_string(), 8, true),
                (Kind::Url, "http://b.com/".to_string(), 16, true),
                (Kind::Ip, "1.2.3.4".to_string(), 44, false),
            ]
        );
    }
}
