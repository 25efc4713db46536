//! The route a message travelled: its `Received` chain as hops, delays, and
//! the originating IP.

use std::net::IpAddr;

use jiff::Timestamp;
use serde::Serialize;

use crate::received::{ip_literal, parse_received};
use crate::Message;

/// One hop: one `Received` header, in travel order.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Hop {
    /// Hop number in travel order, starting at 1 (hop 1 is the bottom-most
    /// `Received` header: the first server the message reached), as in
    /// Microsoft's Message Header Analyzer.
    pub index: usize,
    /// The sending host as the receiving server wrote it.
    pub from_host: Option<String>,
    /// The sending IP address as the receiving server recorded it.
    pub from_ip: Option<IpAddr>,
    /// The receiving server.
    pub by_host: Option<String>,
    /// The protocol (`with` clause).
    pub protocol: Option<String>,
    /// The receiving server's queue id.
    pub id: Option<String>,
    /// The recipient named in the `for` clause.
    pub for_addr: Option<String>,
    /// When the receiving server says it received the message (UTC).
    pub time: Option<Timestamp>,
    /// Seconds since the previous hop that has a time (`None` for the first
    /// timed hop). Negative values are kept: see `clock_skew`.
    pub delay_seconds: Option<f64>,
    /// The delay is negative: this server's clock is behind the previous
    /// one's (or a header was forged). The value is kept as written.
    pub clock_skew: bool,
    /// The header value as written.
    pub raw: String,
    /// Byte offset of the header line within the message.
    pub header_offset: Option<u64>,
}

/// Where a message came from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Origin {
    /// The originating IP address.
    pub ip: IpAddr,
    /// How it was found, e.g. "first hop outside the recipient's
    /// infrastructure (hop 3 …)" or "X-Originating-IP header".
    pub how: String,
    /// The address is private, loopback, link-local, shared or otherwise
    /// reserved: not a place on the Internet.
    pub private: bool,
}

/// The reconstructed route of a message.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Route {
    /// The hops in travel order: oldest (bottom-most header) first.
    pub hops: Vec<Hop>,
    /// Seconds from the first timed hop to the last timed hop.
    pub total_seconds: Option<f64>,
    /// The originating IP: the first hop outside the recipient's own
    /// infrastructure; failing that, an `X-Originating-IP`-like header.
    pub origin: Option<Origin>,
    /// Other candidate origins, each labelled: sender-side headers such as
    /// `X-Originating-IP`, and the earliest public IP in the chain when it
    /// differs from `origin`.
    pub other_origins: Vec<Origin>,
    /// Plain-language remarks (clock skew, hops without a time, how the
    /// recipient's infrastructure was recognised…).
    pub notes: Vec<String>,
}

/// Whether an address is not a public Internet address: private (RFC 1918,
/// IPv6 ULA), loopback, link-local, shared (CGNAT, RFC 6598), documentation,
/// benchmarking, multicast, unspecified or otherwise reserved.
pub fn is_non_public(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => {
            let o = v4.octets();
            v4.is_private()
                || v4.is_loopback()
                || v4.is_link_local()
                || v4.is_unspecified()
                || v4.is_broadcast()
                || v4.is_documentation()
                || v4.is_multicast()
                || o[0] == 0
                || (o[0] == 100 && (64..128).contains(&o[1]))
                || (o[0] == 192 && o[1] == 0 && o[2] == 0)
                || (o[0] == 198 && (o[1] == 18 || o[1] == 19))
                || o[0] >= 240
        }
        IpAddr::V6(v6) => {
            if let Some(v4) = v6.to_ipv4_mapped() {
                return is_non_public(IpAddr::V4(v4));
            }
            let s = v6.segments();
            v6.is_loopback()
                || v6.is_unspecified()
                || v6.is_multicast()
                || (s[0] & 0xfe00) == 0xfc00 // unique local
                || (s[0] & 0xffc0) == 0xfe80 // link-local
                || (s[0] == 0x2001 && s[1] == 0x0db8) // documentation
                || (s[0] == 0x0100 && s[1] == 0 && s[2] == 0 && s[3] == 0) // discard
        }
    }
}

/// Provider domains that belong to one infrastructure.
const GROUPS: &[&[&str]] = &[
    &[
        "outlook.com",
        "office365.com",
        "hotmail.com",
        "live.com",
        "microsoft.com",
        "exchangelabs.com",
    ],
    &["google.com", "gmail.com", "googlemail.com"],
    &["yahoo.com", "yahoodns.net", "yahoo.net"],
];

/// The organisation a host belongs to: its registrable domain by the
/// public suffix list, with the domains of one provider folded onto one
/// name (Microsoft's `outlook.com`, `office365.com`… are one
/// infrastructure).
fn org_domain(host: &str) -> Option<String> {
    let h = host.trim_end_matches('.').to_ascii_lowercase();
    if h.parse::<IpAddr>().is_ok() || ip_literal(&h).is_some() {
        return None;
    }
    let d = crate::domain::registrable_domain(&h)?;
    for group in GROUPS {
        if group.contains(&d.as_str()) {
            return Some(group[0].to_string());
        }
    }
    Some(d)
}

/// Headers in which a sender's mail system records the client's address.
const ORIGINATING_HEADERS: &[&str] = &[
    "x-originating-ip",
    "x-sender-ip",
    "x-source-ip",
    "x-client-ip",
    "x-real-ip",
    "x-ms-exchange-organization-originalclientipaddress",
];

/// Reconstructs the route of `msg` from its top-level `Received` headers.
pub fn route(msg: &Message) -> Route {
    let mut notes = Vec::new();
    let received: Vec<_> = msg
        .headers
        .iter()
        .filter(|h| h.name.eq_ignore_ascii_case("received"))
        .collect();
    let mut hops: Vec<Hop> = received
        .iter()
        .rev()
        .enumerate()
        .map(|(i, h)| {
            let f = parse_received(&h.raw);
            Hop {
                index: i + 1,
                from_host: f.from_host,
                from_ip: f.from_ip,
                by_host: f.by_host,
                protocol: f.protocol,
                id: f.id,
                for_addr: f.for_addr,
                time: f.time,
                delay_seconds: None,
                clock_skew: false,
                raw: h.raw.clone(),
                header_offset: Some(h.offset),
            }
        })
        .collect();

    // Delays.
    let mut prev: Option<Timestamp> = None;
    let mut first: Option<Timestamp> = None;
    let mut last: Option<Timestamp> = None;
    for hop in &mut hops {
        match hop.time {
            Some(t) => {
                if let Some(p) = prev {
                    let d = seconds_between(p, t);
                    hop.delay_seconds = Some(d);
                    if d < 0.0 {
                        hop.clock_skew = true;
                        notes.push(format!(
                            "hop {}: received {:.3} s before the previous hop says it was: clock skew (or a forged header)",
                            hop.index, -d
                        ));
                    }
                }
                prev = Some(t);
                first.get_or_insert(t);
                last = Some(t);
            }
            None => notes.push(format!("hop {}: no readable time", hop.index)),
        }
    }
    let total_seconds = match (first, last) {
        (Some(a), Some(b)) if hops.iter().filter(|h| h.time.is_some()).count() >= 2 => {
            Some(seconds_between(a, b))
        }
        _ => None,
    };

    let (mut origin, mut other_origins) = (find_origin(&hops, &mut notes), Vec::new());

    // The earliest public IP anywhere in the chain (often the sender's own
    // machine, recorded by its submission server).
    if let Some((hop, ip)) = hops
        .iter()
        .find_map(|h| h.from_ip.filter(|ip| !is_non_public(*ip)).map(|ip| (h, ip)))
    {
        if origin.as_ref().map(|o| o.ip) != Some(ip) {
            other_origins.push(Origin {
                ip,
                how: format!(
                    "earliest public IP in the Received chain (hop {}, written by {}; only as trustworthy as that server)",
                    hop.index,
                    hop.by_host.as_deref().unwrap_or("an unnamed server")
                ),
                private: false,
            });
        }
    }

    for h in &msg.headers {
        let lname = h.name.to_ascii_lowercase();
        if !ORIGINATING_HEADERS.contains(&lname.as_str()) {
            continue;
        }
        let Some(ip) = ip_literal(h.value.trim()) else {
            notes.push(format!("{}: {:?} is not an IP address", h.name, h.value));
            continue;
        };
        let o = Origin {
            ip,
            how: format!(
                "{} header (written by the sending side; not verified)",
                h.name
            ),
            private: is_non_public(ip),
        };
        if !other_origins.iter().any(|x| x.ip == ip) {
            other_origins.push(o);
        }
    }

    if origin.is_none() {
        if let Some(pos) = other_origins
            .iter()
            .position(|o| !o.how.starts_with("earliest"))
        {
            let o = other_origins.remove(pos);
            notes.push(format!(
                "no origin could be read from the Received chain; using the {}",
                o.how
            ));
            origin = Some(o);
        }
    }

    Route {
        hops,
        total_seconds,
        origin,
        other_origins,
        notes,
    }
}

/// Words a delay the way Microsoft's Message Header Analyzer does, so that
/// reports can be set side by side: whole seconds (truncated toward zero),
/// minutes without hours ("166 minutes 31 seconds"), a minus sign for a
/// negative delay ("-1 minute 31 seconds"), "0 seconds" under a second.
pub fn describe_delay(seconds: f64) -> String {
    let whole = seconds.abs().trunc() as u64;
    let (m, s) = (whole / 60, whole % 60);
    let sign = if seconds < 0.0 && whole > 0 { "-" } else { "" };
    let plural = |n: u64, unit: &str| format!("{n} {unit}{}", if n == 1 { "" } else { "s" });
    match (m, s) {
        (0, s) => format!("{sign}{}", plural(s, "second")),
        (m, 0) => format!("{sign}{}", plural(m, "minute")),
        (m, s) => format!("{sign}{} {}", plural(m, "minute"), plural(s, "second")),
    }
}

fn seconds_between(a: Timestamp, b: Timestamp) -> f64 {
    let ns = b.as_nanosecond() - a.as_nanosecond();
    ns as f64 / 1e9
}

/// Walks back from the last hop (the recipient's own server) while the
/// sending side still belongs to the recipient's infrastructure; the first
/// hop whose sender is outside it gives the origin.
fn find_origin(hops: &[Hop], notes: &mut Vec<String>) -> Option<Origin> {
    let mut inside: Vec<String> = Vec::new();
    // The recipient's infrastructure starts with the last receiving server.
    for hop in hops.iter().rev() {
        if let Some(d) = hop.by_host.as_deref().and_then(org_domain) {
            inside.push(d);
            break;
        }
    }
    if inside.is_empty() {
        notes.push(
            "the recipient's infrastructure could not be recognised (no named receiving server)"
                .into(),
        );
    }
    for hop in hops.iter().rev() {
        let from_dom = hop.from_host.as_deref().and_then(org_domain);
        let by_dom = hop.by_host.as_deref().and_then(org_domain);
        if hop.from_ip.is_none() && hop.from_host.is_none() {
            // "by host with SMTP id …": a server handing to itself.
            continue;
        }
        let by_inside = by_dom.as_ref().is_none_or(|d| inside.contains(d));
        // A relay of the recipient introduces itself with its host name;
        // a bare domain ("outlook.com") from a public address is a sender
        // borrowing the recipient's name.
        let bare_claim = hop.from_host.as_deref().is_some_and(|h| {
            from_dom.as_deref() == Some(h.trim_end_matches('.').to_ascii_lowercase().as_str())
        }) && hop.from_ip.is_some_and(|ip| !is_non_public(ip));
        if let Some(d) = &from_dom {
            if inside.contains(d) && !bare_claim {
                continue;
            }
        }
        if by_inside && hop.from_ip.is_some_and(is_non_public) && from_dom.is_none() {
            // An internal relay known only by a private address.
            continue;
        }
        if by_inside && hop.from_ip.is_some_and(is_non_public) {
            // A named relay on a private address, received by the recipient:
            // internal to the recipient.
            if let Some(d) = from_dom {
                inside.push(d);
            }
            continue;
        }
        let ip = match hop.from_ip {
            Some(ip) => ip,
            None => {
                notes.push(format!(
                    "hop {}: the first sender outside the recipient's infrastructure ({}) has no IP address recorded",
                    hop.index,
                    hop.from_host.as_deref().unwrap_or("?")
                ));
                return None;
            }
        };
        let forged = if bare_claim {
            "; the sender named itself with the bare domain, a forged name"
        } else {
            ""
        };
        return Some(Origin {
            ip,
            how: format!(
                "first hop outside the recipient's infrastructure (hop {}: from {} by {}{forged})",
                hop.index,
                hop.from_host.as_deref().unwrap_or("?"),
                hop.by_host.as_deref().unwrap_or("?")
            ),
            private: is_non_public(ip),
        });
    }
    // Every sender was inside: sender and recipient use the same provider
    // (or forged names claim so). The earliest sender is then the origin.
    // The earliest sender with a public address (a sender's mailbox server
    // handing over on a link-local address is not a place on the Internet).
    let first = hops
        .iter()
        .find(|h| h.from_ip.is_some_and(|ip| !is_non_public(ip)))
        .or_else(|| {
            hops.iter()
                .find(|h| h.from_host.is_some() || h.from_ip.is_some())
        })?;
    let Some(ip) = first.from_ip else {
        notes.push(format!(
            "hop {}: the earliest sender ({}) has no IP address recorded",
            first.index,
            first.from_host.as_deref().unwrap_or("?")
        ));
        return None;
    };
    Some(Origin {
        ip,
        how: format!(
            "earliest hop; every hop is within {} (sender and recipient share that provider, or a forged name claims so) (hop {}: from {} by {})",
            inside.first().map(String::as_str).unwrap_or("the recipient's infrastructure"),
            first.index,
            first.from_host.as_deref().unwrap_or("?"),
            first.by_host.as_deref().unwrap_or("?")
        ),
        private: is_non_public(ip),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn org_domains() {
        assert_eq!(
            org_domain("mx.example.co.th").as_deref(),
            Some("example.co.th")
        );
        assert_eq!(
            org_domain("a.b.example.com").as_deref(),
            Some("example.com")
        );
        assert_eq!(
            org_domain("BN3NAM04FT003.mail.protection.outlook.com").as_deref(),
            Some("outlook.com")
        );
        assert_eq!(
            org_domain("MW4PR03CA0311.outlook.office365.com").as_deref(),
            Some("outlook.com")
        );
        assert_eq!(org_domain("localhost"), None);
        assert_eq!(org_domain("10.0.0.1"), None);
    }

    #[test]
    fn non_public() {
        for ip in [
            "10.1.2.3",
            "127.0.0.1",
            "100.64.0.1",
            "169.254.1.1",
            "::1",
            "fd00::1",
            "fe80::1",
            "192.168.0.1",
            "::ffff:10.0.0.1",
        ] {
            assert!(is_non_public(ip.parse().unwrap()), "{ip}");
        }
        for ip in ["8.8.8.8", "2a01:111:e400:c418::34", "199.204.166.217"] {
            assert!(!is_non_public(ip.parse().unwrap()), "{ip}");
        }
    }
}
