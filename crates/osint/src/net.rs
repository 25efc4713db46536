//! IP networks (CIDR) and a set of networks that answers "which entries
//! contain this address" with one hash look-up per prefix length in use.

use std::collections::HashMap;
use std::fmt;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

/// The address an IPv4-mapped IPv6 address (`::ffff:a.b.c.d`) stands for;
/// any other address unchanged. Every look-up goes through this, so a mapped
/// address is enriched as the IPv4 address it is.
pub fn canonical_ip(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => IpAddr::V4(v4),
            None => IpAddr::V6(v6),
        },
        v4 => v4,
    }
}

/// Parses an IP address as leads and lists write it: surrounding brackets
/// (`[2001:db8::1]`) and an IPv6 zone (`fe80::1%eth0`) are accepted, and the
/// result is [`canonical_ip`].
pub fn parse_ip(s: &str) -> Option<IpAddr> {
    let s = s.trim();
    let s = s
        .strip_prefix('[')
        .and_then(|r| r.strip_suffix(']'))
        .unwrap_or(s);
    let s = match s.find('%') {
        Some(i) if s.contains(':') => &s[..i],
        _ => s,
    };
    s.parse::<IpAddr>().ok().map(canonical_ip)
}

/// An IP network: an address and a prefix length, host bits cleared.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Cidr {
    v6: bool,
    bits: u128,
    prefix: u8,
}

fn to_bits(ip: IpAddr) -> (bool, u128) {
    match ip {
        IpAddr::V4(a) => (false, u32::from(a) as u128),
        IpAddr::V6(a) => (true, u128::from(a)),
    }
}

fn mask(v6: bool, prefix: u8) -> u128 {
    let width: u32 = if v6 { 128 } else { 32 };
    let all: u128 = if v6 { u128::MAX } else { u32::MAX as u128 };
    let host = width.saturating_sub(prefix as u32);
    if host >= width {
        0
    } else if host == 0 {
        all
    } else {
        all & !((1u128 << host) - 1)
    }
}

impl Cidr {
    /// A network from an address and prefix length (host bits are cleared);
    /// `None` when the prefix is longer than the address. An IPv4-mapped
    /// IPv6 network (`::ffff:0:0/96` or longer) becomes the IPv4 network.
    pub fn new(ip: IpAddr, prefix: u8) -> Option<Cidr> {
        let (ip, prefix) = match ip {
            IpAddr::V6(v6) if prefix >= 96 && v6.to_ipv4_mapped().is_some() => {
                (IpAddr::V4(v6.to_ipv4_mapped()?), prefix - 96)
            }
            other => (other, prefix),
        };
        let (v6, bits) = to_bits(ip);
        if prefix > if v6 { 128 } else { 32 } {
            return None;
        }
        Some(Cidr {
            v6,
            bits: bits & mask(v6, prefix),
            prefix,
        })
    }

    /// Parses `a.b.c.d/n`, `x::y/n`, or a bare address (a host network).
    pub fn parse(s: &str) -> Option<Cidr> {
        let s = s.trim();
        match s.split_once('/') {
            Some((addr, len)) => {
                if len.is_empty() || !len.bytes().all(|b| b.is_ascii_digit()) || len.len() > 3 {
                    return None;
                }
                let ip: IpAddr = addr.trim().parse().ok()?;
                Cidr::new(ip, len.parse().ok()?)
            }
            None => {
                let ip = parse_ip(s)?;
                Cidr::new(ip, if ip.is_ipv6() { 128 } else { 32 })
            }
        }
    }

    /// True when `ip` ([`canonical_ip`] first) lies in this network.
    pub fn contains(&self, ip: IpAddr) -> bool {
        let (v6, bits) = to_bits(canonical_ip(ip));
        v6 == self.v6 && bits & mask(v6, self.prefix) == self.bits
    }

    /// The prefix length.
    pub fn prefix(&self) -> u8 {
        self.prefix
    }

    /// The network address.
    pub fn addr(&self) -> IpAddr {
        if self.v6 {
            IpAddr::V6(Ipv6Addr::from(self.bits))
        } else {
            IpAddr::V4(Ipv4Addr::from(self.bits as u32))
        }
    }
}

impl fmt::Display for Cidr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.addr(), self.prefix)
    }
}

/// Networks with a value each, looked up by address.
#[derive(Debug, Clone)]
pub(crate) struct CidrSet<T> {
    /// One table per (family, prefix length) in use, longest prefix first.
    tables: Vec<(bool, u8, HashMap<u128, Vec<T>>)>,
    len: usize,
}

impl<T> Default for CidrSet<T> {
    fn default() -> Self {
        CidrSet {
            tables: Vec::new(),
            len: 0,
        }
    }
}

impl<T> CidrSet<T> {
    pub(crate) fn insert(&mut self, cidr: Cidr, value: T) {
        let key = (cidr.v6, cidr.prefix);
        let pos = match self.tables.iter().position(|(v6, p, _)| (*v6, *p) == key) {
            Some(pos) => pos,
            None => {
                // Keep the tables longest prefix first.
                let at = self
                    .tables
                    .iter()
                    .position(|(_, p, _)| *p < cidr.prefix)
                    .unwrap_or(self.tables.len());
                self.tables
                    .insert(at, (cidr.v6, cidr.prefix, HashMap::new()));
                at
            }
        };
        self.tables[pos].2.entry(cidr.bits).or_default().push(value);
        self.len += 1;
    }

    /// Every value whose network contains `ip`, most specific network first
    /// (values of one network in insertion order).
    pub(crate) fn lookup(&self, ip: IpAddr) -> Vec<&T> {
        let (v6, bits) = to_bits(canonical_ip(ip));
        let mut out = Vec::new();
        for (t6, prefix, table) in &self.tables {
            if *t6 != v6 {
                continue;
            }
            if let Some(values) = table.get(&(bits & mask(v6, *prefix))) {
                out.extend(values.iter());
            }
        }
        out
    }

    pub(crate) fn len(&self) -> usize {
        self.len
    }
}

/// Undoes the usual ways of defanging indicators in threat reports:
/// `hxxp`/`hxxps`, `[.]`, `(.)`, `{.}`, `[dot]`, `[:]`, `[@]`, `[at]`.
pub fn refang(s: &str) -> String {
    let mut out = s.trim().to_string();
    if !out.contains(['[', '(', '{'])
        && !out.get(..4).is_some_and(|p| p.eq_ignore_ascii_case("hxxp"))
    {
        return out;
    }
    for (from, to) in [
        ("[.]", "."),
        ("(.)", "."),
        ("{.}", "."),
        ("[dot]", "."),
        ("[DOT]", "."),
        ("[:]", ":"),
        ("[://]", "://"),
        ("[@]", "@"),
        ("[at]", "@"),
        ("[AT]", "@"),
    ] {
        if out.contains(from) {
            out = out.replace(from, to);
        }
    }
    if out.get(..4).is_some_and(|p| p.eq_ignore_ascii_case("hxxp")) {
        out.replace_range(..4, "http");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cidr_contains() {
        let c = Cidr::parse("10.0.0.0/8").unwrap();
        assert!(c.contains("10.255.1.2".parse().unwrap()));
        assert!(!c.contains("11.0.0.0".parse().unwrap()));
        assert!(c.contains("::ffff:10.1.2.3".parse().unwrap()));
        let c = Cidr::parse("2001:db8::/32").unwrap();
        assert!(c.contains("2001:db8:ffff::1".parse().unwrap()));
        assert!(!c.contains("2001:db9::1".parse().unwrap()));
        assert_eq!(
            Cidr::parse("192.168.1.77/24").unwrap().to_string(),
            "192.168.1.0/24"
        );
        assert_eq!(Cidr::parse("0.0.0.0/0").unwrap().to_string(), "0.0.0.0/0");
        assert!(Cidr::parse("0.0.0.0/0")
            .unwrap()
            .contains("8.8.8.8".parse().unwrap()));
        assert!(Cidr::parse("::/0")
            .unwrap()
            .contains("2001::1".parse().unwrap()));
        assert!(Cidr::parse("1.2.3.4/33").is_none());
        assert!(Cidr::parse("1.2.3.4/").is_none());
        assert!(Cidr::parse("::1/128")
            .unwrap()
            .contains("::1".parse().unwrap()));
        assert_eq!(Cidr::parse("1.2.3.4").unwrap().prefix(), 32);
        assert_eq!(
            Cidr::parse("::ffff:1.2.3.0/120").unwrap().to_string(),
            "1.2.3.0/24"
        );
    }

    #[test]
    fn set_lookup_most_specific_first() {
        let mut s = CidrSet::default();
        s.insert(Cidr::parse("10.0.0.0/8").unwrap(), 1);
        s.insert(Cidr::parse("10.1.0.0/16").unwrap(), 2);
        s.insert(Cidr::parse("10.1.2.3").unwrap(), 3);
        s.insert(Cidr::parse("2001:db8::/32").unwrap(), 4);
        let hits: Vec<i32> = s
            .lookup("10.1.2.3".parse().unwrap())
            .into_iter()
            .copied()
            .collect();
        assert_eq!(hits, vec![3, 2, 1]);
        assert!(s.lookup("11.0.0.1".parse().unwrap()).is_empty());
        assert_eq!(s.lookup("2001:db8::5".parse().unwrap()), vec![&4]);
    }

    #[test]
    fn refang_forms() {
        assert_eq!(
            refang("hxxps://evil[.]example(.)com/x"),
            "https://evil.example.com/x"
        );
        assert_eq!(refang("user[@]example[.]com"), "user@example.com");
        assert_eq!(refang("1.2.3[.]4"), "1.2.3.4");
        assert_eq!(refang("plain.example"), "plain.example");
    }
}
