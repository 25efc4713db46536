//! DKIM verified offline: keys come from a DNS snapshot file the user
//! supplies, and signatures are judged at the time the message was received.
//!
//! `mail-auth` does the parsing of signatures and key records, the
//! canonicalisation, the body hashes and the cryptography. Its own
//! verification entry point is not used: it asks the DNS for keys and
//! judges `x=` expiry against today's clock, so that every old signature
//! reads "expired". The loop here does what it does (body hash, key,
//! `i=`/`t=s` rule, signature) with the key from the snapshot and the expiry
//! judged against the receive time. Every call into `mail-auth` runs behind
//! `catch_unwind`.

use std::collections::BTreeMap;
use std::panic::{catch_unwind, AssertUnwindSafe};

use jiff::Timestamp;
use mail_auth::common::crypto::{Algorithm, HashAlgorithm};
use mail_auth::common::parse::TxtRecordParser;
use mail_auth::common::verify::DomainKey;
use mail_auth::dkim::Canonicalization;
use mail_auth::AuthenticatedMessage;
use serde::Serialize;

use crate::received::parse_received;
use crate::Message;

/// The `t=s` flag of a key record (RFC 6376 §3.6.1: the `i=` domain must be
/// the `d=` domain exactly); `mail-auth` keeps its flag enum private.
const FLAG_MATCH_DOMAIN: u64 = 0x20;

/// TXT records taken offline: `name → [record text]`.
///
/// The file format is one record per line, `#` or `;` starting a comment:
///
/// ```text
/// # name                                 [ttl] [IN] TXT  value
/// sel._domainkey.example.com                       TXT  "v=DKIM1; k=rsa; p=MIGf…"
/// sel2._domainkey.example.org.           3600  IN  TXT  "v=DKIM1; k=rsa; " "p=MIIB…"
/// brisbane._domainkey.football.example.com  v=DKIM1; k=ed25519; p=11qY…
/// ```
///
/// A value may be written as one or more quoted strings (joined, as DNS
/// does with the strings of one TXT record), or bare up to the end of the
/// line (the layout of the `mail-auth` test data). A zone-file value in
/// parentheses may continue over several lines. Names are compared without
/// case and without the trailing dot. A JSON object
/// `{"domain": {"sub": [["txt", "value"], …]}}` (the `mail-auth` DKIM2 test
/// layout) is read too.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct DnsSnapshot {
    records: BTreeMap<String, Vec<String>>,
    /// Lines that could not be read, with their line number.
    pub warnings: Vec<String>,
}

fn normalise_name(name: &str) -> String {
    name.trim().trim_end_matches('.').to_ascii_lowercase()
}

/// Joins the quoted strings of a TXT value, or gives the bare text.
fn txt_value(rest: &str) -> String {
    let rest = rest.trim();
    let rest = rest
        .strip_prefix('(')
        .map(|r| r.trim_end().trim_end_matches(')'))
        .unwrap_or(rest)
        .trim();
    if !rest.starts_with('"') {
        return rest.to_string();
    }
    let mut out = String::new();
    let mut in_quote = false;
    let mut chars = rest.chars();
    while let Some(c) = chars.next() {
        match c {
            '"' => in_quote = !in_quote,
            '\\' if in_quote => {
                if let Some(n) = chars.next() {
                    out.push(n);
                }
            }
            c if in_quote => out.push(c),
            _ => {} // whitespace between strings
        }
    }
    out
}

impl DnsSnapshot {
    /// An empty snapshot.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds one TXT record.
    pub fn add(&mut self, name: &str, value: &str) {
        self.records
            .entry(normalise_name(name))
            .or_default()
            .push(value.to_string());
    }

    /// The TXT records of `name`.
    pub fn get(&self, name: &str) -> &[String] {
        self.records
            .get(&normalise_name(name))
            .map(Vec::as_slice)
            .unwrap_or(&[])
    }

    /// How many names the snapshot holds.
    pub fn len(&self) -> usize {
        self.records.len()
    }

    /// Whether the snapshot holds no record.
    pub fn is_empty(&self) -> bool {
        self.records.is_empty()
    }

    /// Reads a snapshot file's text (see the type's documentation). Never
    /// fails: unreadable lines are listed in [`DnsSnapshot::warnings`].
    pub fn parse(text: &str) -> Self {
        let mut snap = Self::new();
        let trimmed = text.trim_start_matches('\u{feff}').trim_start();
        if trimmed.starts_with('{') {
            snap.parse_json(trimmed);
            return snap;
        }
        let mut lines = text.lines().enumerate();
        while let Some((n, line)) = lines.next() {
            let line = line.trim();
            if line.is_empty() || line.starts_with('#') || line.starts_with(';') {
                continue;
            }
            let mut record = line.to_string();
            // A parenthesised zone-file value continues until `)`.
            if record.contains('(') && !record.contains(')') {
                for (_, more) in lines.by_ref() {
                    record.push(' ');
                    record.push_str(more.trim());
                    if more.contains(')') {
                        break;
                    }
                }
            }
            let Some((name, mut rest)) = record.split_once(char::is_whitespace) else {
                snap.warnings
                    .push(format!("line {}: a name without a value", n + 1));
                continue;
            };
            // Optional TTL, class and type, in the zone-file order.
            loop {
                let r = rest.trim_start();
                let (word, after) = r.split_once(char::is_whitespace).unwrap_or((r, ""));
                let is_ttl = !word.is_empty() && word.bytes().all(|b| b.is_ascii_digit());
                let is_class = word.eq_ignore_ascii_case("IN");
                let is_txt = word.eq_ignore_ascii_case("TXT");
                if is_ttl || is_class || is_txt {
                    rest = after;
                    if is_txt {
                        break;
                    }
                } else {
                    break;
                }
            }
            let value = txt_value(rest);
            if value.is_empty() {
                snap.warnings
                    .push(format!("line {}: no TXT value for {name}", n + 1));
                continue;
            }
            snap.add(name, &value);
        }
        snap
    }

    fn parse_json(&mut self, text: &str) {
        let v: serde_json::Value = match serde_json::from_str(text) {
            Ok(v) => v,
            Err(e) => {
                self.warnings.push(format!("not a JSON snapshot: {e}"));
                return;
            }
        };
        let Some(domains) = v.as_object() else {
            self.warnings
                .push("JSON snapshot is not an object of domains".into());
            return;
        };
        for (domain, subs) in domains {
            let Some(subs) = subs.as_object() else {
                continue;
            };
            for (sub, records) in subs {
                let name = if sub.is_empty() || sub == "@" {
                    domain.clone()
                } else {
                    format!("{sub}.{domain}")
                };
                for r in records.as_array().into_iter().flatten() {
                    let Some(r) = r.as_array() else { continue };
                    let kind = r.first().and_then(|k| k.as_str()).unwrap_or("");
                    if let (true, Some(value)) = (
                        kind.eq_ignore_ascii_case("txt"),
                        r.get(1).and_then(|v| v.as_str()),
                    ) {
                        self.add(&name, value);
                    }
                }
            }
        }
    }
}

/// The verdict on one DKIM signature.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum DkimStatus {
    /// The signature verifies with the key from the snapshot.
    Pass,
    /// The body hash or the signature does not match: the message was
    /// altered after signing, or the signature is forged.
    Fail,
    /// The signature had expired (`x=`) when the message was received.
    Expired,
    /// The snapshot has no key for the selector: cannot be verified offline.
    NoKey,
    /// The signature or the key record is unusable (malformed, unsupported
    /// algorithm, revoked key, `i=` outside `d=`…).
    PermError,
}

impl DkimStatus {
    /// A lower-case word for reports (`pass`, `fail`, `expired`, `no_key`,
    /// `permerror`).
    pub fn as_str(self) -> &'static str {
        match self {
            DkimStatus::Pass => "pass",
            DkimStatus::Fail => "fail",
            DkimStatus::Expired => "expired",
            DkimStatus::NoKey => "no_key",
            DkimStatus::PermError => "permerror",
        }
    }
}

/// One DKIM signature and its verdict.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DkimVerdict {
    /// The signing domain (`d=`), as written.
    pub domain: Option<String>,
    /// The selector (`s=`).
    pub selector: Option<String>,
    /// The algorithm (`a=`), e.g. `rsa-sha256`.
    pub algorithm: Option<String>,
    /// The signed header names (`h=`), lower-case.
    pub signed_headers: Vec<String>,
    /// When the signer says it signed (`t=`).
    pub signed_at: Option<Timestamp>,
    /// When the signature expires (`x=`).
    pub expires_at: Option<Timestamp>,
    /// The verdict.
    pub status: DkimStatus,
    /// Why, in plain words.
    pub reason: String,
    /// Byte offset of the DKIM-Signature header line within the message.
    pub header_offset: Option<u64>,
}

/// The DKIM verdicts of one message.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DkimReport {
    /// The instant the signatures were judged at (expiry).
    pub judged_at: Option<Timestamp>,
    /// Where that instant comes from: "top Received header", "Date
    /// header", "given by the caller", or "unknown".
    pub judged_at_source: String,
    /// One verdict per DKIM-Signature header, top first.
    pub verdicts: Vec<DkimVerdict>,
    /// Remarks.
    pub notes: Vec<String>,
}

/// The instant a message was received: the time of the topmost `Received`
/// header that has one (the server that delivered it), else the Date
/// header. Returns the instant and where it came from.
pub fn receive_time(msg: &Message) -> (Option<Timestamp>, &'static str) {
    for h in &msg.headers {
        if h.name.eq_ignore_ascii_case("received") {
            if let Some(t) = parse_received(&h.raw).time {
                return (Some(t), "top Received header");
            }
        }
    }
    match msg.date {
        Some(d) => (Some(d), "Date header"),
        None => (None, "unknown"),
    }
}

/// Whether `d` is a syntactically valid domain name (letters, digits,
/// hyphens, underscores, dots; at least two labels). `d=` values such as
/// `legitimate.com(.attacker.com` are refused.
fn is_domain_name(d: &str) -> bool {
    let d = d.trim_end_matches('.');
    !d.is_empty()
        && d.len() <= 253
        && d.contains('.')
        && d.split('.').all(|l| {
            !l.is_empty()
                && l.len() <= 63
                && l.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        })
}

/// The DKIM-Signature value with the value of its `b=` tag removed and the
/// final line ending dropped (RFC 6376 §3.7), as it is hashed.
fn strip_b_value(value: &[u8]) -> Vec<u8> {
    let v = value
        .strip_suffix(b"\r\n")
        .or_else(|| value.strip_suffix(b"\n"))
        .unwrap_or(value);
    let mut out = Vec::with_capacity(v.len());
    let mut rest = v;
    while !rest.is_empty() {
        let (segment, terminated, tail) = match memchr::memchr(b';', rest) {
            Some(i) => (&rest[..i], true, &rest[i + 1..]),
            None => (rest, false, &rest[rest.len()..]),
        };
        rest = tail;
        let tag = segment
            .iter()
            .position(|c| !c.is_ascii_whitespace())
            .unwrap_or(segment.len());
        let is_b = matches!(segment.get(tag), Some(b'b' | b'B')) && {
            let after = &segment[tag + 1..];
            after
                .iter()
                .find(|c| !c.is_ascii_whitespace())
                .is_some_and(|c| *c == b'=')
        };
        if is_b {
            let eq = segment
                .iter()
                .position(|c| *c == b'=')
                .unwrap_or(segment.len());
            out.extend_from_slice(&segment[..eq.saturating_add(1).min(segment.len())]);
        } else {
            out.extend_from_slice(segment);
        }
        if terminated {
            out.push(b';');
        }
    }
    out
}

fn algorithm_name(a: Algorithm) -> &'static str {
    match a {
        Algorithm::RsaSha1 => "rsa-sha1",
        Algorithm::RsaSha256 => "rsa-sha256",
        Algorithm::Ed25519Sha256 => "ed25519-sha256",
    }
}

fn ts(secs: u64) -> Option<Timestamp> {
    i64::try_from(secs)
        .ok()
        .and_then(|s| Timestamp::from_second(s).ok())
}

fn offset_in(raw: &[u8], name: &[u8]) -> Option<u64> {
    let base = raw.as_ptr() as usize;
    let p = name.as_ptr() as usize;
    p.checked_sub(base)
        .filter(|o| *o < raw.len())
        .map(|o| o as u64)
}

/// Verifies every DKIM signature of the raw message `raw` (parsed as `msg`)
/// with the keys of `snapshot`, judged at `at` when given, else at the
/// message's [`receive_time`]. Never touches the network; never panics.
pub fn verify_dkim(
    raw: &[u8],
    msg: &Message,
    snapshot: &DnsSnapshot,
    at: Option<Timestamp>,
) -> DkimReport {
    let (judged_at, source) = match at {
        Some(t) => (Some(t), "given by the caller"),
        None => receive_time(msg),
    };
    let mut report = DkimReport {
        judged_at,
        judged_at_source: source.to_string(),
        verdicts: Vec::new(),
        notes: Vec::new(),
    };
    // Signatures are made over the wire form, CRLF line endings; messages
    // kept on disk often have bare LF.
    let (wire, inserted) = to_crlf(raw);
    if !inserted.is_empty() {
        report.notes.push(
            "the message is stored with bare LF line endings: verified in its wire form (CRLF)"
                .into(),
        );
    }
    let result = catch_unwind(AssertUnwindSafe(|| {
        verify_inner(&wire, snapshot, judged_at, &mut report)
    }));
    if !inserted.is_empty() {
        for v in &mut report.verdicts {
            if let Some(o) = v.header_offset {
                // Back to an offset in the message as stored.
                let before = inserted.partition_point(|&p| p < o as usize);
                v.header_offset = Some(o - before as u64);
            }
        }
    }
    if result.is_err() {
        report.notes.push(
            "the DKIM library gave up on this message (internal panic caught); verdicts may be missing"
                .into(),
        );
    }
    if judged_at.is_none() && !report.verdicts.is_empty() {
        report.notes.push(
            "no receive time (no dated Received header, no Date): signature expiry was not judged"
                .into(),
        );
    }
    report
}

/// The message with every bare LF turned into CRLF, and the positions (in
/// the new buffer) of the CRs inserted. Borrowed when there is none.
fn to_crlf(raw: &[u8]) -> (std::borrow::Cow<'_, [u8]>, Vec<usize>) {
    let bare = memchr::memchr_iter(b'\n', raw).any(|i| i == 0 || raw[i - 1] != b'\r');
    if !bare {
        return (std::borrow::Cow::Borrowed(raw), Vec::new());
    }
    let mut out = Vec::with_capacity(raw.len() + raw.len() / 40);
    let mut inserted = Vec::new();
    let mut last = 0;
    for i in memchr::memchr_iter(b'\n', raw) {
        out.extend_from_slice(&raw[last..i]);
        if i == 0 || raw[i - 1] != b'\r' {
            inserted.push(out.len());
            out.push(b'\r');
        }
        out.push(b'\n');
        last = i + 1;
    }
    out.extend_from_slice(&raw[last..]);
    (std::borrow::Cow::Owned(out), inserted)
}

fn verify_inner(
    raw: &[u8],
    snapshot: &DnsSnapshot,
    judged_at: Option<Timestamp>,
    report: &mut DkimReport,
) {
    let Some(am) = AuthenticatedMessage::parse(raw) else {
        report
            .notes
            .push("the message could not be read for DKIM (no header block)".into());
        return;
    };
    let now = Timestamp::now();
    // Malformed signatures, as mail-auth reports them.
    let mut verdicts: Vec<DkimVerdict> = Vec::new();
    for e in &am.errors {
        if let mail_auth::Error::Dkim(_) = &e.header {
            verdicts.push(DkimVerdict {
                domain: None,
                selector: None,
                algorithm: None,
                signed_headers: Vec::new(),
                signed_at: None,
                expires_at: None,
                status: DkimStatus::PermError,
                reason: format!("malformed DKIM-Signature: {}", e.header),
                header_offset: offset_in(raw, e.name),
            });
        }
    }
    for header in &am.dkim_headers {
        let sig = &header.header;
        let mut v = DkimVerdict {
            domain: Some(sig.d.clone()),
            selector: Some(sig.s.clone()),
            algorithm: Some(algorithm_name(sig.a).to_string()),
            signed_headers: sig.h.iter().map(|h| h.to_ascii_lowercase()).collect(),
            signed_at: (sig.t != 0).then(|| ts(sig.t)).flatten(),
            expires_at: (sig.x != 0).then(|| ts(sig.x)).flatten(),
            status: DkimStatus::PermError,
            reason: String::new(),
            header_offset: offset_in(raw, header.name),
        };
        v.reason = judge(&am, header, snapshot, judged_at, now, &mut v.status);
        verdicts.push(v);
    }
    verdicts.sort_by_key(|v| v.header_offset);
    report.verdicts = verdicts;
}

fn judge(
    am: &AuthenticatedMessage<'_>,
    header: &mail_auth::common::headers::Header<'_, mail_auth::dkim::Signature>,
    snapshot: &DnsSnapshot,
    judged_at: Option<Timestamp>,
    now: Timestamp,
    status: &mut DkimStatus,
) -> String {
    let sig = &header.header;
    *status = DkimStatus::PermError;
    if !is_domain_name(&sig.d) {
        return format!("d={:?} is not a domain name", sig.d);
    }
    if !sig.h.iter().any(|h| h.eq_ignore_ascii_case("from")) {
        return "the From header is not signed (h= lacks From; RFC 6376 §5.4)".into();
    }
    // Expiry, at the receive time.
    let mut expiry_note = String::new();
    if sig.x != 0 {
        if sig.x <= sig.t {
            return format!("x= ({}) is not after t= ({})", sig.x, sig.t);
        }
        let x = ts(sig.x);
        match (judged_at, x) {
            (Some(at), Some(x)) if at > x => {
                *status = DkimStatus::Expired;
                return format!(
                    "the signature expired at {x}, before the message was received ({at})"
                );
            }
            (Some(at), Some(x)) if now > x => {
                expiry_note = format!(
                    "; expired today (x={x}) but still valid when received ({at}): judged at the receive time"
                );
            }
            _ => {}
        }
    }
    // Body hash.
    let ha = HashAlgorithm::from(sig.a);
    let Some(bh) = am
        .body_hashes
        .iter()
        .find(|(c, h, l, _)| *c == sig.cb && *h == ha && *l == sig.l)
        .map(|(_, _, _, bh)| bh)
    else {
        return "the body hash could not be computed".into();
    };
    let body_ok = *bh == sig.bh;
    // Key from the snapshot.
    let key_name = format!("{}._domainkey.{}", sig.s, sig.d);
    let records = snapshot.get(&key_name);
    if records.is_empty() {
        *status = DkimStatus::NoKey;
        return format!(
            "cannot verify offline: no key for {key_name} in the DNS snapshot{}",
            if body_ok {
                " (the body hash matches)"
            } else {
                " (and the body hash does not match: the body was altered)"
            }
        );
    }
    if !body_ok {
        *status = DkimStatus::Fail;
        return "the body hash does not match: the body was altered after signing".into();
    }
    let mut last_err = String::new();
    let mut key: Option<DomainKey> = None;
    for r in records {
        match DomainKey::parse(r.as_bytes()) {
            Ok(k) => {
                key = Some(k);
                break;
            }
            Err(e) => last_err = e.to_string(),
        }
    }
    let Some(key) = key else {
        return format!("the key record for {key_name} is unusable: {last_err}");
    };
    // i= must be within d= (exactly d= under t=s).
    if !sig.i.is_empty() {
        let auid_domain = sig.i.rsplit_once('@').map_or("", |(_, d)| d);
        let d = sig.d.as_str();
        let ok = auid_domain.eq_ignore_ascii_case(d)
            || (key.f & FLAG_MATCH_DOMAIN == 0
                && auid_domain.len() > d.len()
                && auid_domain.is_char_boundary(auid_domain.len() - d.len())
                && auid_domain[auid_domain.len() - d.len()..].eq_ignore_ascii_case(d)
                && auid_domain[..auid_domain.len() - d.len()].ends_with('.'));
        if !ok {
            *status = DkimStatus::Fail;
            return format!("i={} is not within d={}", sig.i, sig.d);
        }
    }
    let stripped = strip_b_value(header.value);
    let mut headers = am.signed_headers(&sig.h, header.name, &stripped);
    let canon: Canonicalization = sig.ch;
    match key.p.verify(&mut headers, &sig.b, canon, sig.a) {
        Ok(()) => {
            *status = DkimStatus::Pass;
            let bits = key.p.public_key_bits();
            let size = if bits != usize::MAX {
                format!(" ({bits}-bit key)")
            } else {
                String::new()
            };
            let l = if sig.l != 0 {
                format!(
                    "; only the first {} bytes of the body are signed (l=): content may have been appended",
                    sig.l
                )
            } else {
                String::new()
            };
            format!("verified offline with the key of {key_name}{size}{expiry_note}{l}")
        }
        Err(e) => {
            *status = DkimStatus::Fail;
            format!("the signature does not verify with the key of {key_name}: {e}")
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn snapshot_formats() {
        let s = DnsSnapshot::parse(
            "# comment\n\
             a._domainkey.example.com TXT \"v=DKIM1; k=rsa; \" \"p=AB\"\n\
             b._domainkey.example.com. 300 IN TXT \"p=CD\"\n\
             c._domainkey.example.com v=DKIM1; p=EF\n\
             d._domainkey.example.com IN TXT ( \"p=\"\n  \"GH\" )\n\
             lonely\n",
        );
        assert_eq!(s.get("A._domainkey.example.com."), ["v=DKIM1; k=rsa; p=AB"]);
        assert_eq!(s.get("b._domainkey.example.com"), ["p=CD"]);
        assert_eq!(s.get("c._domainkey.example.com"), ["v=DKIM1; p=EF"]);
        assert_eq!(s.get("d._domainkey.example.com"), ["p=GH"]);
        assert_eq!(s.warnings.len(), 1);
        let j = DnsSnapshot::parse(
            r#"{"x.com": {"s._domainkey": [["txt", "p=1"], ["a", "1.2.3.4"]]}}"#,
        );
        assert_eq!(j.get("s._domainkey.x.com"), ["p=1"]);
    }

    #[test]
    fn strip_b() {
        assert_eq!(
            strip_b_value(b" v=1; b=abc\r\n def; bh=xyz;\r\n"),
            b" v=1; b=; bh=xyz;".to_vec()
        );
        assert_eq!(strip_b_value(b"a=1; B = zz"), b"a=1; B =".to_vec());
        assert_eq!(strip_b_value(b""), b"".to_vec());
    }

    #[test]
    fn domain_names() {
        assert!(is_domain_name("football.example.com"));
        assert!(!is_domain_name("legitimate.com(.attacker.com"));
        assert!(!is_domain_name("com"));
    }
}
