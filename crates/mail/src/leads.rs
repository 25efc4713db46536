//! Leads: URLs, IP addresses, domains and e-mail addresses found in a
//! message's headers and bodies, each with where it was found.

use std::collections::BTreeMap;
use std::net::IpAddr;
use std::sync::OnceLock;

use regex::bytes::Regex;
use serde::Serialize;

use crate::Message;

/// What a lead is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum LeadKind {
    /// An `http`, `https` or `ftp` URL.
    Url,
    /// An IPv4 or IPv6 address.
    Ip,
    /// A domain name with a known public suffix.
    Domain,
    /// An e-mail address.
    Email,
}

impl LeadKind {
    /// The snake_case name, as in JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            LeadKind::Url => "url",
            LeadKind::Ip => "ip",
            LeadKind::Domain => "domain",
            LeadKind::Email => "email",
        }
    }
}

/// Where a lead was found.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct LeadLocation {
    /// `header`, `body_text` or `body_html`.
    pub place: &'static str,
    /// The header name, for `header`.
    pub header: Option<String>,
    /// For `header`: the byte offset of the header line within the message.
    /// For bodies: the byte offset within the decoded body text.
    pub offset: u64,
}

impl std::fmt::Display for LeadLocation {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.header {
            Some(h) => write!(f, "header {h} (byte {})", self.offset),
            None => write!(f, "{} (+{})", self.place, self.offset),
        }
    }
}

/// One lead and every place it was found.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Lead {
    /// What it is.
    pub kind: LeadKind,
    /// The value: URLs as written, addresses and domains lower-case.
    pub value: String,
    /// Where it was found, in message order (at most 20 kept).
    pub locations: Vec<LeadLocation>,
    /// How many times it was found.
    pub count: u64,
}

/// A word byte as `\b` sees it (ASCII, `(?-u)`).
fn word(c: u8) -> bool {
    c.is_ascii_alphanumeric() || c == b'_'
}

/// Bytes a URL runs over: anything but controls, space and
/// `<>"'`{}|\^[]`.
fn url_byte(c: u8) -> bool {
    c > 0x20 && c != 0x7f && !b"<>\"'`{}|\\^[]".contains(&c)
}

/// `http`, `https` and `ftp` URLs (scheme case-insensitive, at a word
/// boundary), as `(start, end)` spans in order: a hand-written scan from
/// each `://`, several times faster than a regex over the whole text.
fn find_urls(t: &[u8]) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    let mut from = 0;
    for c in memchr::memmem::find_iter(t, b"://") {
        if c < from {
            continue;
        }
        let head = &t[..c];
        let scheme = [&b"https"[..], b"http", b"ftp"]
            .into_iter()
            .find(|s| head.len() >= s.len() && head[c - s.len()..].eq_ignore_ascii_case(s));
        let Some(scheme) = scheme else { continue };
        let start = c - scheme.len();
        if start > 0 && word(t[start - 1]) {
            continue;
        }
        let mut end = c + 3;
        while end < t.len() && url_byte(t[end]) {
            end += 1;
        }
        if end == c + 3 {
            continue;
        }
        out.push((start, end));
        from = end;
    }
    out
}

fn v6_byte(c: u8) -> bool {
    c.is_ascii_hexdigit() || c == b':' || c == b'.'
}

/// Maximal runs of hex digits, colons and dots that hold `::` or at least
/// seven colons: the only places an IPv6 address can be.
fn colon_runs(t: &[u8]) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    let mut from = 0;
    for c in memchr::memchr_iter(b':', t) {
        if c < from {
            continue;
        }
        let mut a = c;
        while a > 0 && v6_byte(t[a - 1]) {
            a -= 1;
        }
        let mut b = c;
        while b < t.len() && v6_byte(t[b]) {
            b += 1;
        }
        from = b;
        let run = &t[a..b];
        if memchr::memmem::find(run, b"::").is_some() || memchr::memchr_iter(b':', run).count() >= 7
        {
            out.push((a, b));
        }
    }
    out
}

/// Bytes of an address's local part.
fn local_byte(c: u8) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, b'.' | b'_' | b'%' | b'+' | b'-')
}

/// Where the domain after an `@` at `at` ends: labels of letters, digits
/// and inner hyphens (up to 63 bytes), at least two, ending at a word
/// boundary. `None` when there is no such domain.
fn domain_end(t: &[u8], at: usize) -> Option<usize> {
    let mut ends: Vec<usize> = Vec::new();
    let mut i = at + 1;
    loop {
        let start = i;
        if !t.get(i).is_some_and(u8::is_ascii_alphanumeric) {
            break;
        }
        while i < t.len() && (t[i].is_ascii_alphanumeric() || t[i] == b'-') && i - start < 64 {
            i += 1;
        }
        // Back off trailing hyphens: a label ends with a letter or digit.
        let mut e = i;
        while t[e - 1] == b'-' {
            e -= 1;
        }
        ends.push(e);
        if e == i && t.get(i) == Some(&b'.') {
            i += 1;
            continue;
        }
        break;
    }
    // The last label may end inside its run (before a hyphen) so that a
    // boundary follows; otherwise fall back to the label before it.
    while ends.len() >= 2 {
        let last = ends.len() - 1;
        let label_start = ends[last - 1] + 1;
        let mut e = ends[last];
        loop {
            if !t.get(e).copied().is_some_and(word) && t[e - 1].is_ascii_alphanumeric() {
                return Some(e);
            }
            match t[label_start..e - 1].iter().rposition(|&c| c == b'-') {
                Some(h) => e = label_start + h,
                None => break,
            }
            if e <= label_start {
                break;
            }
        }
        ends.pop();
    }
    None
}

/// E-mail addresses as `(start, end)` spans in order: local part of up to
/// 64 bytes starting with a letter or digit at a word boundary, `@`, a
/// domain of at least two labels. Hand-written from each `@`.
fn find_emails(t: &[u8]) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    let mut from = 0;
    for at in memchr::memchr_iter(b'@', t) {
        if at < from {
            continue;
        }
        let mut s = at;
        while s > from && at - s < 64 && local_byte(t[s - 1]) {
            s -= 1;
        }
        let Some(start) =
            (s..at).find(|&i| t[i].is_ascii_alphanumeric() && (i == 0 || !word(t[i - 1])))
        else {
            continue;
        };
        let Some(end) = domain_end(t, at) else {
            continue;
        };
        out.push((start, end));
        from = end;
    }
    out
}

fn ipv6_re() -> &'static Regex {
    static RE: OnceLock<Regex> = OnceLock::new();
    RE.get_or_init(|| {
        Regex::new(r"(?i-u)(?:[0-9a-f]{0,4}:){2,7}[0-9a-f]{0,4}(?:\.[0-9]{1,3}){0,3}")
            .expect("constant pattern")
    })
}

/// Headers that hold only signatures or opaque data: no leads there.
const SKIP_HEADERS: &[&str] = &[
    "dkim-signature",
    "arc-seal",
    "arc-message-signature",
    "x-google-dkim-signature",
    "domainkey-signature",
    "x-ms-exchange-antispam-messagedata-0",
    "x-ms-exchange-antispam-messagedata-chunkcount",
    "x-microsoft-antispam-message-info",
    "x-ms-exchange-crosstenant-network-message-id",
];

/// Where a lead was seen, borrowed until it is kept.
#[derive(Clone, Copy)]
struct At<'a> {
    place: &'static str,
    header: Option<&'a str>,
    offset: u64,
}

impl At<'_> {
    fn is(&self, l: &LeadLocation) -> bool {
        l.place == self.place && l.offset == self.offset && l.header.as_deref() == self.header
    }

    fn owned(&self) -> LeadLocation {
        LeadLocation {
            place: self.place,
            header: self.header.map(str::to_string),
            offset: self.offset,
        }
    }
}

/// Leads by kind, then value (a repeat is found without allocating).
#[derive(Default)]
struct Collector {
    leads: [BTreeMap<String, (usize, Lead)>; 4],
    order: usize,
}

impl Collector {
    fn add(&mut self, kind: LeadKind, value: String, at: At<'_>) {
        self.order += 1;
        let order = self.order;
        let map = &mut self.leads[kind as usize];
        let e = match map.get_mut(value.as_str()) {
            Some(e) => e,
            None => map.entry(value.clone()).or_insert((
                order,
                Lead {
                    kind,
                    value,
                    locations: Vec::new(),
                    count: 0,
                },
            )),
        };
        e.1.count += 1;
        if e.1.locations.len() < 20 && !e.1.locations.iter().any(|l| at.is(l)) {
            e.1.locations.push(at.owned());
        }
    }

    /// Scans `text`; `base` is the location of its start (the offset of a
    /// match is added for bodies).
    fn scan(&mut self, text_str: &str, place: &'static str, header: Option<&str>, base: u64) {
        // Message ids look like addresses but are not mailboxes.
        let ids = header.is_some_and(|h| {
            [
                "message-id",
                "references",
                "in-reply-to",
                "content-id",
                "x-ms-exchange-organization-network-message-id",
            ]
            .iter()
            .any(|n| h.eq_ignore_ascii_case(n))
        });
        let loc = |start: usize| At {
            place,
            header,
            offset: if header.is_some() {
                base
            } else {
                base + start as u64
            },
        };
        let text = text_str.as_bytes();
        // Every lead has a dot or a colon: most header values (dates,
        // tokens, encodings) have neither and need no regex at all.
        if memchr::memchr2(b'.', b':', text).is_none() {
            return;
        }
        // Spans already taken by URLs and addresses, so that their hosts are
        // counted as domains once, not again as bare words.
        let mut taken: Vec<(usize, usize)> = Vec::new();
        for (a, b) in find_urls(text) {
            // Spans start and end at ASCII bytes, so they are char boundaries.
            let url = text_str
                .get(a..b)
                .unwrap_or_default()
                .trim_end_matches(['.', ',', ';', ':', ')', '!', '?', '\'']);
            taken.push((a, b));
            self.add(LeadKind::Url, url.to_string(), loc(a));
            if let Some(h) = crate::indicators::url_host(url) {
                let h = h.trim_matches(['[', ']']).to_string();
                if let Ok(ip) = h.parse::<IpAddr>() {
                    self.add(LeadKind::Ip, ip.to_string(), loc(a));
                } else if known_suffix(&h) {
                    self.add(LeadKind::Domain, h, loc(a));
                }
            }
        }
        for (a, b) in find_emails(text) {
            if inside(&taken, a) {
                continue;
            }
            taken.push((a, b));
            let addr = text_str.get(a..b).unwrap_or_default().to_ascii_lowercase();
            if let Some((_, d)) = addr.rsplit_once('@') {
                if known_suffix(d) {
                    self.add(LeadKind::Domain, d.to_string(), loc(a));
                    if !ids {
                        self.add(LeadKind::Email, addr.clone(), loc(a));
                    }
                }
            }
        }
        // IPv6: the pattern only spans hex digits, colons and dots, so it
        // runs over each such run that could hold an address, not the text.
        for (ra, rb) in colon_runs(text) {
            let run = &text[ra..rb];
            for m in ipv6_re().find_iter(run) {
                let v = s(&m);
                let start = ra + m.start();
                if inside(&taken, start) || !v.contains("::") && v.matches(':').count() < 7 {
                    continue;
                }
                if let Ok(IpAddr::V6(ip)) = v.parse::<IpAddr>() {
                    if !ip.is_unspecified() {
                        taken.push((start, ra + m.end()));
                        self.add(LeadKind::Ip, ip.to_string(), loc(start));
                    }
                }
            }
        }
        // IPv4 addresses and bare domains: runs of letters, digits, dots
        // and hyphens (a linear scan; faster than a regex here). Not in
        // HTML: bare names there are mostly markup (class and file names),
        // and its text is in body_text when there is no plain part.
        if place == "body_html" {
            return;
        }
        let mut i = 0;
        while i < text.len() {
            if !is_name_byte(text[i]) {
                i += 1;
                continue;
            }
            let start = i;
            while i < text.len() && is_name_byte(text[i]) {
                i += 1;
            }
            let (mut a, mut b) = (start, i);
            while a < b && matches!(text[a], b'.' | b'-') {
                a += 1;
            }
            while b > a && matches!(text[b - 1], b'.' | b'-') {
                b -= 1;
            }
            let tok = &text[a..b];
            if tok.len() < 4 || !tok.contains(&b'.') || inside(&taken, a) {
                continue;
            }
            // Part of an address or a longer word (`user@`, `_x.y`).
            if text.get(i).is_some_and(|c| *c == b'@' || *c == b'_')
                || (start > 0 && matches!(text[start - 1], b'@' | b'_' | b'/' | b'\\'))
            {
                continue;
            }
            let Ok(tok) = std::str::from_utf8(tok) else {
                continue;
            };
            if tok.bytes().all(|c| c.is_ascii_digit() || c == b'.') {
                if let Ok(ip) = tok.parse::<std::net::Ipv4Addr>() {
                    self.add(LeadKind::Ip, ip.to_string(), loc(a));
                }
                continue;
            }
            let d = tok.to_ascii_lowercase();
            if valid_labels(&d)
                && known_suffix(&d)
                && crate::domain::registrable_domain(&d).is_some()
            {
                self.add(LeadKind::Domain, d, loc(a));
            }
        }
    }
}

/// The text of a match: the patterns match ASCII only, so it is UTF-8.
fn s<'a>(m: &regex::bytes::Match<'a>) -> &'a str {
    std::str::from_utf8(m.as_bytes()).unwrap_or_default()
}

fn is_name_byte(c: u8) -> bool {
    c.is_ascii_alphanumeric() || c == b'.' || c == b'-'
}

fn valid_labels(d: &str) -> bool {
    d.split('.')
        .all(|l| !l.is_empty() && l.len() <= 63 && !l.starts_with('-') && !l.ends_with('-'))
        && d.rsplit('.')
            .next()
            .is_some_and(|t| t.bytes().any(|c| c.is_ascii_alphabetic()))
}

fn inside(spans: &[(usize, usize)], pos: usize) -> bool {
    spans.iter().any(|&(a, b)| pos >= a && pos < b)
}

/// Whether the name ends in a public suffix the list knows (so that
/// `invoice.pdf` or `index.html` are not taken for domains).
fn known_suffix(name: &str) -> bool {
    let n = name.trim_end_matches('.').to_ascii_lowercase();
    n.contains('.') && psl::suffix(n.as_bytes()).is_some_and(|s| s.is_known())
}

/// The leads of `msg`: URLs, IP addresses, domains and e-mail addresses in
/// its top-level headers (signature headers excepted) and bodies, in order
/// of first appearance, each with the places it was found.
pub fn leads(msg: &Message) -> Vec<Lead> {
    let mut c = Collector::default();
    for h in &msg.headers {
        let lname = h.name.to_ascii_lowercase();
        if SKIP_HEADERS.contains(&lname.as_str()) {
            continue;
        }
        c.scan(&h.value, "header", Some(&h.name), h.offset);
    }
    c.scan(&msg.body_text, "body_text", None, 0);
    if let Some(html) = &msg.body_html {
        c.scan(html, "body_html", None, 0);
    }
    let mut out: Vec<(usize, Lead)> = c.leads.into_iter().flat_map(|m| m.into_values()).collect();
    out.sort_by_key(|(o, _)| *o);
    out.into_iter().map(|(_, l)| l).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_each_kind() {
        let raw = b"From: a@Example.com\r\nReceived: from x (mail.example.org [203.0.113.5]) by mx; Mon, 3 Jun 2024 10:00:00 +0000\r\nX-IP: 2001:db8::1\r\n\r\nSee https://evil.example.net/login?a=1. Or invoice.pdf, bank.co.th\r\n";
        let msg = crate::parse_message(raw).unwrap();
        let l = leads(&msg);
        let has = |k: LeadKind, v: &str| l.iter().any(|x| x.kind == k && x.value == v);
        assert!(has(LeadKind::Email, "a@example.com"));
        assert!(has(LeadKind::Domain, "example.com"));
        assert!(has(LeadKind::Ip, "203.0.113.5"));
        assert!(has(LeadKind::Ip, "2001:db8::1"));
        assert!(has(LeadKind::Domain, "mail.example.org"));
        assert!(has(LeadKind::Url, "https://evil.example.net/login?a=1"));
        assert!(has(LeadKind::Domain, "evil.example.net"));
        assert!(has(LeadKind::Domain, "bank.co.th"));
        assert!(!l.iter().any(|x| x.value == "invoice.pdf"));
        let ip = l.iter().find(|x| x.value == "203.0.113.5").unwrap();
        assert_eq!(ip.locations[0].header.as_deref(), Some("Received"));
        assert!(!l.iter().any(|x| x.value.starts_with("10:00")));
    }
}
