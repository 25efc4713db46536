//! One `Received` header → its fields.
//!
//! Two readers are combined. mail-parser's RFC 5321 grammar-driven parser
//! reads the clauses of well-formed headers (and knows the HELO, reverse-DNS,
//! TLS and ident conventions of the common MTAs); our own keyword scanner
//! fills whatever it leaves empty, for the free-form headers that Exchange,
//! SendGrid and home-grown relays write (`with Microsoft SMTP Server`,
//! `by host with SMTP id … <date without a semicolon>`). Dates are always
//! read by our own tolerant parser (fractional seconds, US order, ISO forms),
//! falling back to mail-parser's.

use std::net::IpAddr;
use std::panic::{catch_unwind, AssertUnwindSafe};

use jiff::Timestamp;
use mail_parser::{parsers::MessageStream, HeaderValue, Host};
use serde::Serialize;

use crate::date::parse_date;

/// The fields of one `Received` header, as far as they could be read.
///
/// Every field is optional: real headers omit, reorder and invent clauses.
/// `from_ip` is only ever taken from the `from` clause (its comment or an
/// address literal), never from an `id` or any other clause.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct ReceivedFields {
    /// The host named in the `from` clause (the sending side's HELO name or
    /// its reverse-DNS name, whichever the receiving server wrote first). An
    /// address literal is given as the address.
    pub from_host: Option<String>,
    /// The connecting IP address recorded by the receiving server.
    pub from_ip: Option<IpAddr>,
    /// The reverse-DNS name of `from_ip` when the server wrote one apart
    /// from the HELO name.
    pub from_iprev: Option<String>,
    /// The HELO/EHLO name when written apart from `from_host`.
    pub helo: Option<String>,
    /// The receiving host (`by` clause).
    pub by_host: Option<String>,
    /// The protocol (`with` clause): `ESMTP`, `ESMTPSA`, `HTTPS`, or the
    /// free text a server wrote (`Microsoft SMTP Server`).
    pub protocol: Option<String>,
    /// The TLS version, when recorded.
    pub tls_version: Option<String>,
    /// The TLS cipher, when recorded.
    pub tls_cipher: Option<String>,
    /// The queue id the receiving server gave the message (`id` clause).
    pub id: Option<String>,
    /// The ident (RFC 1413) user, when recorded.
    pub ident: Option<String>,
    /// The recipient (`for` clause), without angle brackets.
    pub for_addr: Option<String>,
    /// The `via` clause.
    pub via: Option<String>,
    /// When the receiving server says it received the message (UTC).
    pub time: Option<Timestamp>,
    /// The zone of that time as written (`-07:00`, or an abbreviation).
    pub zone: Option<String>,
    /// The date text as written (after the last `;`).
    pub date_raw: Option<String>,
}

/// Parses one `Received` header value (with or without the `Received:`
/// name; folded or unfolded). Never fails and never panics: what cannot be
/// read stays `None`.
pub fn parse_received(line: &str) -> ReceivedFields {
    let value = strip_name(line);
    let unfolded = unfold(value);
    let (clauses, date_text) = split_date(&unfolded);
    let scan = scan_clauses(clauses);
    let mut out = from_mail_parser(value).unwrap_or_default();

    // Fill the gaps from our own scan.
    if out.from_host.is_none() && out.from_ip.is_none() {
        out.from_host = scan.from_host.clone();
    }
    if out.from_ip.is_none() {
        out.from_ip = scan.from_ip;
    }
    if out.by_host.is_none() {
        out.by_host = scan.by_host;
    }
    // mail-parser maps the clause onto its list of protocols, so "with
    // Microsoft SMTP Server" would read as "SMTP": keep free text as written.
    match (&out.protocol, scan.protocol) {
        (None, p) => out.protocol = p,
        (Some(_), Some(p)) if p.contains(' ') => out.protocol = Some(p),
        _ => {}
    }
    if out.id.is_none() {
        out.id = scan.id;
    }
    if out.for_addr.is_none() {
        out.for_addr = scan.for_addr;
    }
    if out.via.is_none() {
        out.via = scan.via;
    }

    // Our own date reader first (fractions of a second, odd forms).
    let date_text = date_text.map(str::to_string).or(scan.trailing_date);
    if let Some(text) = date_text {
        let text = text.trim();
        if !text.is_empty() {
            out.date_raw = Some(text.to_string());
        }
        if let Some(d) = parse_date(text) {
            out.time = Some(d.time);
            out.zone = d.zone;
        }
    }
    out
}

fn strip_name(line: &str) -> &str {
    let t = line.trim_start();
    match t.get(..9) {
        Some(p) if p.eq_ignore_ascii_case("received:") => &t[9..],
        _ => t,
    }
}

fn unfold(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    let mut last_space = false;
    for c in value.chars() {
        let c = if c == '\r' || c == '\n' || c == '\t' {
            ' '
        } else {
            c
        };
        if c == ' ' {
            if !last_space {
                out.push(' ');
            }
            last_space = true;
        } else {
            out.push(c);
            last_space = false;
        }
    }
    out.trim().to_string()
}

/// Splits at the last `;` outside comments: (clauses, date text).
fn split_date(v: &str) -> (&str, Option<&str>) {
    let mut depth = 0usize;
    let mut last = None;
    for (i, c) in v.char_indices() {
        match c {
            '(' => depth += 1,
            ')' => depth = depth.saturating_sub(1),
            ';' if depth == 0 => last = Some(i),
            _ => {}
        }
    }
    match last {
        Some(i) => (&v[..i], Some(&v[i + 1..])),
        None => (v, None),
    }
}

fn from_mail_parser(value: &str) -> Option<ReceivedFields> {
    let mut bytes = value.as_bytes().to_vec();
    if !bytes.ends_with(b"\n") {
        bytes.push(b'\n');
    }
    let parsed = catch_unwind(AssertUnwindSafe(|| {
        match MessageStream::new(&bytes).parse_received() {
            HeaderValue::Received(r) => Some(r.into_owned()),
            _ => None,
        }
    }))
    .ok()??;
    let host = |h: &Option<Host<'_>>| {
        h.as_ref().map(|h| match h {
            Host::Name(n) => n.to_string(),
            Host::IpAddr(ip) => ip.to_string(),
        })
    };
    let from_ip = parsed.from_ip.or(match &parsed.from {
        Some(Host::IpAddr(ip)) => Some(*ip),
        _ => None,
    });
    let time = parsed
        .date
        .filter(|d| d.is_valid())
        .and_then(|d| Timestamp::from_second(d.to_timestamp()).ok());
    Some(ReceivedFields {
        from_host: host(&parsed.from),
        from_ip,
        from_iprev: parsed.from_iprev.map(|s| s.to_string()),
        helo: host(&parsed.helo),
        by_host: host(&parsed.by),
        protocol: parsed.with.map(|p| p.as_str().to_string()),
        tls_version: parsed.tls_version.map(|t| t.as_str().to_string()),
        tls_cipher: parsed.tls_cipher.map(|s| s.to_string()),
        id: parsed.id.map(|s| s.to_string()),
        ident: parsed.ident.map(|s| s.to_string()),
        for_addr: parsed.for_.map(|s| s.to_string()),
        via: parsed.via.map(|s| s.to_string()),
        time,
        zone: None,
        date_raw: None,
    })
}

#[derive(Debug)]
enum Token<'a> {
    Word(&'a str),
    Comment(&'a str),
}

fn tokenize(s: &str) -> Vec<Token<'_>> {
    let mut out = Vec::new();
    let mut depth = 0usize;
    let mut start: Option<usize> = None;
    let mut comment_start = 0usize;
    for (i, c) in s.char_indices() {
        if depth > 0 {
            match c {
                '(' => depth += 1,
                ')' => {
                    depth -= 1;
                    if depth == 0 {
                        out.push(Token::Comment(&s[comment_start..i]));
                    }
                }
                _ => {}
            }
            continue;
        }
        match c {
            '(' => {
                if let Some(st) = start.take() {
                    out.push(Token::Word(&s[st..i]));
                }
                depth = 1;
                comment_start = i + 1;
            }
            c if c.is_whitespace() => {
                if let Some(st) = start.take() {
                    out.push(Token::Word(&s[st..i]));
                }
            }
            _ => {
                if start.is_none() {
                    start = Some(i);
                }
            }
        }
    }
    if let Some(st) = start {
        out.push(Token::Word(&s[st..]));
    } else if depth > 0 {
        out.push(Token::Comment(&s[comment_start..]));
    }
    out
}

#[derive(Debug, Default)]
struct Scan {
    from_host: Option<String>,
    from_ip: Option<IpAddr>,
    by_host: Option<String>,
    protocol: Option<String>,
    id: Option<String>,
    for_addr: Option<String>,
    via: Option<String>,
    trailing_date: Option<String>,
}

#[derive(Clone, Copy, PartialEq)]
enum Kw {
    From,
    By,
    With,
    Id,
    For,
    Via,
}

fn keyword(w: &str) -> Option<Kw> {
    Some(match w.to_ascii_lowercase().as_str() {
        "from" => Kw::From,
        "by" => Kw::By,
        "with" => Kw::With,
        "id" => Kw::Id,
        "for" => Kw::For,
        "via" => Kw::Via,
        _ => return None,
    })
}

/// An IP address written as `1.2.3.4`, `[1.2.3.4]`, `[IPv6:2001:db8::1]`,
/// possibly with trailing punctuation.
pub(crate) fn ip_literal(s: &str) -> Option<IpAddr> {
    let t = s.trim_matches(|c: char| c == '[' || c == ']' || c == ',' || c == ';' || c == '.');
    let t = t
        .strip_prefix("IPv6:")
        .or_else(|| t.strip_prefix("ipv6:"))
        .unwrap_or(t);
    t.parse().ok()
}

fn ip_in_text(s: &str) -> Option<IpAddr> {
    // Bracketed literals first: "host.example. [192.0.2.1]".
    let mut rest = s;
    while let Some(i) = rest.find('[') {
        let after = &rest[i + 1..];
        let Some(j) = after.find(']') else { break };
        if let Some(ip) = ip_literal(&after[..j]) {
            return Some(ip);
        }
        rest = &after[j + 1..];
    }
    s.split(|c: char| c.is_whitespace() || c == '=' || c == '(' || c == ')')
        .find_map(ip_literal)
}

/// A host name or address literal, not a stray word.
fn looks_like_host(s: &str) -> bool {
    !s.is_empty()
        && s.chars()
            .all(|c| c.is_alphanumeric() || matches!(c, '-' | '.' | '_' | '[' | ']' | ':'))
}

fn scan_clauses(clauses: &str) -> Scan {
    let tokens = tokenize(clauses);
    let mut scan = Scan::default();
    let mut current: Option<Kw> = None;
    let mut words: Vec<&str> = Vec::new();
    let mut comments: Vec<&str> = Vec::new();
    let mut trailing: Vec<&str> = Vec::new();
    let mut seen = Vec::new();
    let flush = |kw: Option<Kw>, words: &[&str], comments: &[&str], scan: &mut Scan| {
        let Some(kw) = kw else { return };
        let words: Vec<&str> = words
            .iter()
            .map(|w| w.trim_matches(|c| c == ',' || c == ';'))
            .filter(|w| !w.is_empty())
            .collect();
        let first = words.first().map(|w| w.to_string());
        let host = first.clone().filter(|h| looks_like_host(h));
        match kw {
            Kw::From => {
                scan.from_ip = first
                    .as_deref()
                    .and_then(ip_literal)
                    .or_else(|| comments.iter().find_map(|c| ip_in_text(c)));
                scan.from_host = host;
            }
            Kw::By => scan.by_host = host,
            Kw::With => {
                if !words.is_empty() {
                    scan.protocol = Some(words.join(" "));
                }
            }
            Kw::Id => {
                scan.id = first.map(|w| {
                    w.trim_matches(|c| c == '<' || c == '>' || c == ';')
                        .to_string()
                })
            }
            Kw::For => {
                scan.for_addr = first.map(|w| {
                    w.trim_matches(|c| c == '<' || c == '>' || c == ';')
                        .to_string()
                })
            }
            Kw::Via => {
                if !words.is_empty() {
                    scan.via = Some(words.join(" "));
                }
            }
        }
    };
    for tok in &tokens {
        match tok {
            Token::Word(w) => {
                if let Some(kw) = keyword(w) {
                    if !seen.contains(&(kw as u8)) {
                        flush(current, &words, &comments, &mut scan);
                        seen.push(kw as u8);
                        current = Some(kw);
                        words.clear();
                        comments.clear();
                        trailing.clear();
                        continue;
                    }
                }
                // A single-valued clause ends after its value; later words
                // (e.g. a date written without ';') are kept aside.
                let single = matches!(current, Some(Kw::From | Kw::By | Kw::Id | Kw::For));
                if single && !words.is_empty() {
                    trailing.push(w);
                } else {
                    words.push(w);
                }
            }
            Token::Comment(c) => comments.push(c),
        }
    }
    flush(current, &words, &comments, &mut scan);
    if !trailing.is_empty() {
        scan.trailing_date = Some(trailing.join(" "));
    }
    scan
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exchange_style() {
        let f = parse_received(
            "from vmta6.response.nfcu.org (199.204.166.217) by\n BN3NAM04FT003.mail.protection.outlook.com (10.152.92.112) with Microsoft SMTP\n Server id 15.20.696.11 via Frontend Transport; Sat, 21 Apr 2018 03:01:32\n +0000",
        );
        assert_eq!(f.from_host.as_deref(), Some("vmta6.response.nfcu.org"));
        assert_eq!(f.from_ip, "199.204.166.217".parse().ok());
        assert_eq!(
            f.by_host.as_deref(),
            Some("BN3NAM04FT003.mail.protection.outlook.com")
        );
        assert_eq!(f.id.as_deref(), Some("15.20.696.11"));
        assert_eq!(f.time.map(|t| t.as_second()), Some(1524279692));
    }

    #[test]
    fn never_panics_on_odd_input() {
        for s in [
            "",
            ";",
            "(",
            ")",
            "from",
            "from (",
            "by [",
            "from [IPv6:",
            "((((",
            "Received:",
            "from a by b with c id d for e via f; ((",
        ] {
            let _ = parse_received(s);
        }
    }
}
