//! Deception indicators: the ways a message lies about who sent it or what
//! it carries, each with the header lines or parts that show it.

use std::sync::OnceLock;

use regex::Regex;
use serde::Serialize;

use crate::domain::{
    address_domain, brand_owns, brands_named, lookalike_reasons, registrable_domain, FREE_MAIL,
    SENDING_SERVICES,
};
use crate::{Attachment, Message};

/// What kind of deception an [`Indicator`] points at.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum IndicatorKind {
    /// From, Sender, Reply-To and Return-Path name different organisations.
    DomainMismatch,
    /// The display name names a brand or an address that the real address
    /// does not belong to.
    DisplayNameImpersonation,
    /// A domain built to look like another (punycode, mixed scripts,
    /// confusable characters, digit-for-letter typos).
    LookalikeDomain,
    /// An HTML link shows one domain and leads to another.
    LinkTextMismatch,
    /// An attachment hides what it is (double extension, right-to-left
    /// override, executable content behind a document name).
    AttachmentTrick,
    /// The Message-ID was made by another organisation than the sender's.
    MessageIdMismatch,
}

impl IndicatorKind {
    /// The snake_case name, as in JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            IndicatorKind::DomainMismatch => "domain_mismatch",
            IndicatorKind::DisplayNameImpersonation => "display_name_impersonation",
            IndicatorKind::LookalikeDomain => "lookalike_domain",
            IndicatorKind::LinkTextMismatch => "link_text_mismatch",
            IndicatorKind::AttachmentTrick => "attachment_trick",
            IndicatorKind::MessageIdMismatch => "message_id_mismatch",
        }
    }
}

/// How much an indicator weighs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    /// Worth knowing; common in legitimate mail.
    Info,
    /// Unusual, often legitimate.
    Low,
    /// Seldom legitimate.
    Medium,
    /// A deliberate deception.
    High,
}

impl Severity {
    /// The lower-case name, as in JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Low => "low",
            Severity::Medium => "medium",
            Severity::High => "high",
        }
    }
}

/// One deception indicator with its evidence.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Indicator {
    /// What kind of deception.
    pub kind: IndicatorKind,
    /// How much it weighs.
    pub severity: Severity,
    /// One sentence, in plain words.
    pub summary: String,
    /// The header lines (`Name: value as written`) or parts (`part 2: …`)
    /// that show it.
    pub evidence: Vec<String>,
}

/// The first header `name` as a line `Name: raw value`.
fn line(msg: &Message, name: &str) -> Option<String> {
    msg.headers
        .iter()
        .find(|h| h.name.eq_ignore_ascii_case(name))
        .map(|h| format!("{}: {}", h.name, crate::message::unfold(&h.raw)))
}

fn has_header(msg: &Message, name: &str) -> bool {
    msg.headers
        .iter()
        .any(|h| h.name.eq_ignore_ascii_case(name))
}

/// The deception indicators of `msg`, strongest first (then in the order
/// they were found). Built to keep false positives low: differences within
/// one organisation (same registrable domain) are not reported, mailing
/// lists and bulk-mail services are graded low.
pub fn indicators(msg: &Message) -> Vec<Indicator> {
    let mut out = Vec::new();
    domain_alignment(msg, &mut out);
    display_names(msg, &mut out);
    let found_links = msg.body_html.as_deref().map(html_links).unwrap_or_default();
    lookalikes(msg, &found_links, &mut out);
    links(msg, &found_links, &mut out);
    attachments(msg, &mut out);
    message_id(msg, &mut out);
    out.sort_by_key(|i| std::cmp::Reverse(i.severity));
    out
}

fn from_domain(msg: &Message) -> Option<(String, String)> {
    let a = msg.from.iter().find_map(|a| a.address.as_deref())?;
    let d = address_domain(a)?;
    let reg = registrable_domain(&d).unwrap_or_else(|| d.clone());
    Some((d, reg))
}

fn reg_of_addr(addr: &str) -> Option<String> {
    let d = address_domain(addr)?;
    Some(registrable_domain(&d).unwrap_or(d))
}

fn domain_alignment(msg: &Message, out: &mut Vec<Indicator>) {
    let Some((_, from_reg)) = from_domain(msg) else {
        return;
    };
    let from_line = line(msg, "from").unwrap_or_default();
    let is_list = has_header(msg, "list-id")
        || msg
            .headers
            .iter()
            .any(|h| h.name.eq_ignore_ascii_case("precedence") && h.value.contains("list"));
    let from_free = is_free_mail(&from_reg);

    // Sender: legitimate "on behalf of", still worth a note.
    if let Some(reg) = msg
        .sender
        .iter()
        .find_map(|a| a.address.as_deref())
        .and_then(reg_of_addr)
    {
        if reg != from_reg {
            out.push(Indicator {
                kind: IndicatorKind::DomainMismatch,
                severity: Severity::Low,
                summary: format!(
                    "Sender ({reg}) is another organisation than From ({from_reg}): sent on its behalf"
                ),
                evidence: vec![from_line.clone(), line(msg, "sender").unwrap_or_default()],
            });
        }
    }
    // Reply-To: replies go elsewhere.
    let reply: Vec<String> = msg
        .reply_to
        .iter()
        .filter_map(|a| a.address.as_deref())
        .filter_map(reg_of_addr)
        .filter(|r| *r != from_reg)
        .collect();
    if let Some(reg) = reply.first() {
        if same_brand(reg, &from_reg) {
            return domain_alignment_rest(msg, &from_reg, is_list, &from_line, out);
        }
        let free = is_free_mail(reg);
        let (severity, why) = if is_list {
            (
                Severity::Low,
                " (a mailing list: replies to the list are usual)",
            )
        } else if free && !from_free {
            (
                Severity::High,
                " (a free-mail mailbox behind an organisation's name: the business e-mail compromise pattern)",
            )
        } else {
            (Severity::Medium, "")
        };
        out.push(Indicator {
            kind: IndicatorKind::DomainMismatch,
            severity,
            summary: format!("replies go to {reg}, not to the From domain {from_reg}{why}"),
            evidence: vec![from_line.clone(), line(msg, "reply-to").unwrap_or_default()],
        });
    }
    domain_alignment_rest(msg, &from_reg, is_list, &from_line, out);
}

/// Free-mail providers, with the regional domains of the big ones
/// (`yahoo.com.mx`, `hotmail.co.th`…).
fn is_free_mail(reg: &str) -> bool {
    FREE_MAIL.contains(&reg)
        || [
            "yahoo.", "hotmail.", "outlook.", "live.", "gmx.", "yandex.", "aol.",
        ]
        .iter()
        .any(|p| reg.starts_with(p) && reg[p.len()..].split('.').all(|l| l.len() <= 3))
}

/// Two registrable domains of one brand (`google.com` and `gmail.com`).
fn same_brand(a: &str, b: &str) -> bool {
    crate::domain::BRANDS
        .iter()
        .any(|br| brand_owns(br, a) && brand_owns(br, b))
}

fn domain_alignment_rest(
    msg: &Message,
    from_reg: &str,
    is_list: bool,
    from_line: &str,
    out: &mut Vec<Indicator>,
) {
    let from_line = from_line.to_string();
    // Return-Path: the envelope sender, where bounces go.
    if let Some(rp) = msg.return_path.as_deref().filter(|r| !r.is_empty()) {
        if let Some(reg) = reg_of_addr(rp) {
            if reg != from_reg && !same_brand(&reg, from_reg) {
                let service = SENDING_SERVICES.contains(&reg.as_str());
                let (severity, why) = if service {
                    (
                        Severity::Info,
                        " (a bulk-mail or provider bounce address: common)",
                    )
                } else if is_list {
                    (Severity::Info, " (a mailing list)")
                } else {
                    (Severity::Low, "")
                };
                out.push(Indicator {
                    kind: IndicatorKind::DomainMismatch,
                    severity,
                    summary: format!(
                        "the envelope sender (Return-Path) is at {reg}, not at the From domain {from_reg}{why}"
                    ),
                    evidence: vec![from_line, line(msg, "return-path").unwrap_or_default()],
                });
            }
        }
    }
}

fn email_re() -> &'static Regex {
    static RE: OnceLock<Regex> = OnceLock::new();
    RE.get_or_init(|| {
        Regex::new(r"(?i)[a-z0-9._%+\-]+@([a-z0-9\-]+(?:\.[a-z0-9\-]+)+)")
            .expect("constant pattern")
    })
}

fn display_names(msg: &Message, out: &mut Vec<Indicator>) {
    let from_line = line(msg, "from").unwrap_or_default();
    // "Brand team ,_<x@y>": a comma splits the name into a mailbox of its
    // own, without an address; clients show the name alone.
    let bare_names: Vec<&str> = msg
        .from
        .iter()
        .filter(|a| a.address.is_none())
        .filter_map(|a| a.name.as_deref())
        .collect();
    let first_addr = msg.from.iter().find_map(|a| a.address.as_deref());
    let mut entries: Vec<(String, &str)> = Vec::new();
    if let (false, Some(addr)) = (bare_names.is_empty(), first_addr) {
        out.push(Indicator {
            kind: IndicatorKind::DisplayNameImpersonation,
            severity: Severity::Medium,
            summary: format!(
                "the From header puts the name {:?} in a mailbox of its own, before the real address {addr}: mail clients show the name alone",
                bare_names.join(", ")
            ),
            evidence: vec![from_line.clone()],
        });
        entries.push((bare_names.join(" "), addr));
    }
    for a in &msg.from {
        if let (Some(name), Some(addr)) = (a.name.as_deref(), a.address.as_deref()) {
            entries.push((name.to_string(), addr));
        }
    }
    for (name, addr) in &entries {
        let (name, addr) = (name.as_str(), *addr);
        let Some(real) = reg_of_addr(addr) else {
            continue;
        };
        // An address in the display name that is not the real one.
        if let Some(c) = email_re().captures(name) {
            let shown = c.get(0).map(|m| m.as_str()).unwrap_or_default();
            let shown_reg = c
                .get(1)
                .and_then(|m| registrable_domain(m.as_str()))
                .unwrap_or_default();
            if !shown_reg.is_empty() && shown_reg != real {
                out.push(Indicator {
                    kind: IndicatorKind::DisplayNameImpersonation,
                    severity: Severity::High,
                    summary: format!(
                        "the display name shows the address {shown}, but the message is from {addr}"
                    ),
                    evidence: vec![from_line.clone()],
                });
                continue;
            }
        }
        // A brand named in the display name that the address does not
        // belong to.
        for (brand, via_skeleton) in brands_named(name) {
            if brand_owns(brand, &real) {
                continue;
            }
            let (severity, how) = if via_skeleton {
                (
                    Severity::High,
                    " written with look-alike characters from another script",
                )
            } else {
                (Severity::Medium, "")
            };
            out.push(Indicator {
                kind: IndicatorKind::DisplayNameImpersonation,
                severity,
                summary: format!(
                    "the display name {name:?} names {}{how}, but the address is at {real}",
                    brand.key
                ),
                evidence: vec![from_line.clone()],
            });
            break;
        }
    }
}

fn lookalikes(msg: &Message, found_links: &[Link], out: &mut Vec<Indicator>) {
    let mut seen: Vec<String> = Vec::new();
    let mut check = |domain: &str, evidence: String, out: &mut Vec<Indicator>| {
        let d = domain.to_lowercase();
        if seen.contains(&d) {
            return;
        }
        seen.push(d.clone());
        let reasons = lookalike_reasons(&d);
        if reasons.is_empty() {
            return;
        }
        let only_punycode = reasons.len() == 1 && reasons[0].starts_with("punycode");
        out.push(Indicator {
            kind: IndicatorKind::LookalikeDomain,
            severity: if only_punycode {
                Severity::Medium
            } else {
                Severity::High
            },
            summary: format!("{d}: {}", reasons.join("; ")),
            evidence: vec![evidence],
        });
    };
    let lists: [(&str, &[crate::Address]); 3] = [
        ("from", &msg.from),
        ("sender", &msg.sender),
        ("reply-to", &msg.reply_to),
    ];
    for (name, list) in lists {
        for a in list {
            if let Some(d) = a.address.as_deref().and_then(address_domain) {
                check(&d, line(msg, name).unwrap_or_default(), out);
            }
        }
    }
    if let Some(d) = msg.return_path.as_deref().and_then(address_domain) {
        check(&d, line(msg, "return-path").unwrap_or_default(), out);
    }
    for l in found_links {
        if let Some(h) = url_host(&l.href) {
            check(&h, format!("HTML link href=\"{}\"", l.href), out);
        }
    }
}

/// One `<a href>` of an HTML body: the target and the visible text.
pub(crate) struct Link {
    pub href: String,
    pub text: String,
}

/// The text with `<…>` tags removed.
fn strip_tags(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut in_tag = false;
    for c in s.chars() {
        match c {
            '<' => in_tag = true,
            '>' if in_tag => in_tag = false,
            c if !in_tag => out.push(c),
            _ => {}
        }
    }
    out
}

fn decode_entities(s: &str) -> String {
    s.replace("&amp;", "&")
        .replace("&#46;", ".")
        .replace("&#x2e;", ".")
        .replace("&#47;", "/")
        .replace("&nbsp;", " ")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
}

/// Finds `needle` (ASCII, lower-case) in `hay` ignoring ASCII case.
fn find_ci(hay: &[u8], needle: &[u8]) -> Option<usize> {
    let first = needle.first()?;
    let mut from = 0;
    while let Some(i) = memchr::memchr2(*first, first.to_ascii_uppercase(), &hay[from..]) {
        let at = from + i;
        if hay
            .get(at..at + needle.len())
            .is_some_and(|w| w.eq_ignore_ascii_case(needle))
        {
            return Some(at);
        }
        from = at + 1;
    }
    None
}

/// The value of the `href` attribute inside one tag's text.
fn href_of(tag: &str) -> Option<&str> {
    let b = tag.as_bytes();
    let mut from = 0;
    while let Some(i) = find_ci(&b[from..], b"href") {
        let at = from + i;
        from = at + 4;
        let before_ok = at == 0 || b[at - 1].is_ascii_whitespace();
        let rest = tag[at + 4..].trim_start();
        let (true, Some(rest)) = (before_ok, rest.strip_prefix('=')) else {
            continue;
        };
        let rest = rest.trim_start();
        return Some(match rest.chars().next() {
            Some(q @ ('"' | '\'')) => rest[1..].split(q).next().unwrap_or(""),
            _ => rest
                .split(|c: char| c.is_whitespace() || c == '>')
                .next()
                .unwrap_or(""),
        });
    }
    None
}

/// The links of an HTML body (at most 2,000), found by a linear scan.
pub(crate) fn html_links(html: &str) -> Vec<Link> {
    let b = html.as_bytes();
    let mut out = Vec::new();
    let mut pos = 0;
    while out.len() < 2000 {
        let Some(i) = find_ci(&b[pos..], b"<a") else {
            break;
        };
        let start = pos + i;
        pos = start + 2;
        if !b.get(pos).is_some_and(|c| c.is_ascii_whitespace()) {
            continue;
        }
        let Some(close) = memchr::memchr(b'>', &b[pos..]) else {
            break;
        };
        let tag_end = pos + close;
        let Some(href) = html.get(pos..tag_end).and_then(href_of) else {
            pos = tag_end;
            continue;
        };
        let text_start = tag_end + 1;
        let text_end = find_ci(&b[text_start..], b"</a")
            .map(|j| text_start + j)
            .unwrap_or(b.len());
        let text = html.get(text_start..text_end).unwrap_or("");
        let text = decode_entities(&strip_tags(text));
        out.push(Link {
            href: decode_entities(href.trim()),
            text: text.split_whitespace().collect::<Vec<_>>().join(" "),
        });
        pos = text_end.max(pos);
    }
    out
}

/// The host of a URL (`scheme://host…`), lower-case.
pub(crate) fn url_host(url: &str) -> Option<String> {
    let u = url.trim();
    let rest = u
        .split_once("://")
        .filter(|(s, _)| {
            s.eq_ignore_ascii_case("http")
                || s.eq_ignore_ascii_case("https")
                || s.eq_ignore_ascii_case("ftp")
        })
        .map(|(_, r)| r)
        .or_else(|| u.strip_prefix("//"))?;
    let authority = rest.split(['/', '?', '#', '\\']).next()?;
    let host = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
    let host = if host.starts_with('[') {
        host
    } else {
        host.split(':').next()?
    };
    let host = host.trim_end_matches('.').to_lowercase();
    (!host.is_empty()).then_some(host)
}

/// The domain a link's visible text shows, when the text looks like a URL
/// or a bare domain.
fn shown_host(text: &str) -> Option<String> {
    let t = text.trim().trim_matches(|c: char| c == '<' || c == '>');
    if t.contains(char::is_whitespace) {
        return None;
    }
    if let Some(h) = url_host(t) {
        return Some(h);
    }
    let first = t.split(['/', '?', '#']).next()?;
    let first = first
        .strip_prefix("www.")
        .map_or(first.to_string(), |r| format!("www.{r}"));
    if first.contains('@') || !first.contains('.') {
        return None;
    }
    // A bare domain only counts with a known public suffix (so that
    // "invoice.pdf" or "v1.2" do not).
    let lower = first.to_lowercase();
    psl::suffix_str(&lower)?;
    psl::suffix(lower.as_bytes())
        .filter(|s| s.is_known())
        .map(|_| lower.clone())
}

fn links(_msg: &Message, found_links: &[Link], out: &mut Vec<Indicator>) {
    let mut evidence = Vec::new();
    let mut pairs = Vec::new();
    let (mut tracked, mut tracked_example) = (0usize, String::new());
    for l in found_links {
        let Some(shown) = shown_host(&l.text) else {
            continue;
        };
        let Some(target) = url_host(&l.href) else {
            continue;
        };
        let (Some(a), Some(b)) = (registrable_domain(&shown), registrable_domain(&target)) else {
            continue;
        };
        if a != b {
            if is_link_service(&target) {
                tracked += 1;
                if tracked_example.is_empty() {
                    tracked_example = format!("HTML link: text {:?} → href {:?}", l.text, l.href);
                }
                continue;
            }
            if !pairs.contains(&(a.clone(), b.clone())) {
                pairs.push((a, b));
            }
            if evidence.len() < 5 {
                evidence.push(format!("HTML link: text {:?} → href {:?}", l.text, l.href));
            }
        }
    }
    if let Some((a, b)) = pairs.first() {
        out.push(Indicator {
            kind: IndicatorKind::LinkTextMismatch,
            severity: Severity::High,
            summary: format!(
                "{} link(s) show one domain and lead to another (e.g. shows {a}, leads to {b})",
                pairs.len()
            ),
            evidence,
        });
    } else if tracked > 0 {
        out.push(Indicator {
            kind: IndicatorKind::LinkTextMismatch,
            severity: Severity::Low,
            summary: format!(
                "{tracked} link(s) show one domain and pass through a click-tracking or link-protection service (common in bulk mail; the final target is not visible)"
            ),
            evidence: vec![tracked_example],
        });
    }
}

/// Click-tracking and link-protection services that legitimately rewrite
/// links.
fn is_link_service(host: &str) -> bool {
    const SERVICES: &[&str] = &[
        "safelinks.protection.outlook.com",
        "urldefense.com",
        "urldefense.proofpoint.com",
        "clicktime.symantec.com",
        "awstrack.me",
        "list-manage.com",
        "sendgrid.net",
        "mandrillapp.com",
        "mailchimp.com",
        "sparkpostmail.com",
        "hubspotlinks.com",
        "hs-sites.com",
        "mailgun.org",
        "exacttarget.com",
        "rs6.net",
        "mimecastprotect.com",
        "linkprotect.cudasvc.com",
        "emltrk.com",
        "mktoweb.com",
        "createsend1.com",
    ];
    let reg = registrable_domain(host).unwrap_or_default();
    SERVICES
        .iter()
        .any(|s| host == *s || host.ends_with(&format!(".{s}")) || reg == *s)
}

/// Extensions of programs and scripts that run when opened on Windows (or
/// Unix), and of shortcuts and disk images that carry them.
const EXECUTABLE_EXT: &[&str] = &[
    "exe", "scr", "com", "pif", "bat", "cmd", "js", "jse", "vbs", "vbe", "wsf", "wsh", "hta",
    "lnk", "msi", "msp", "ps1", "psm1", "jar", "cpl", "dll", "reg", "scf", "iso", "img", "vhd",
    "vhdx", "appx", "msix", "sh", "app", "apk", "url", "chm", "xll", "one",
];

/// Extensions of documents and media a victim expects to open safely.
const DOCUMENT_EXT: &[&str] = &[
    "pdf", "doc", "docx", "xls", "xlsx", "ppt", "pptx", "rtf", "txt", "csv", "jpg", "jpeg", "png",
    "gif", "bmp", "tif", "tiff", "mp3", "mp4", "avi", "mov", "wav", "htm", "html", "odt", "ods",
    "zip", "rar", "7z", "eml", "xml", "json",
];

/// Bidirectional control characters that reorder what a file name shows.
fn has_bidi_control(s: &str) -> bool {
    s.chars().any(|c| {
        matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}' | '\u{200e}' | '\u{200f}')
    })
}

/// Types detected from content that run as programs.
fn is_executable_type(t: &str) -> bool {
    matches!(
        t,
        "application/vnd.microsoft.portable-executable"
            | "application/x-msdownload"
            | "application/x-executable"
            | "application/x-mach-binary"
            | "application/x-sharedlib"
            | "application/x-elf"
            | "text/x-shellscript"
            | "text/x-script"
            | "application/hta"
            | "application/x-ms-shortcut"
    )
}

fn ext_of(name: &str) -> Option<String> {
    name.rsplit_once('.')
        .map(|(_, e)| e.trim().to_ascii_lowercase())
        .filter(|e| !e.is_empty() && e.len() <= 6)
}

fn attachment_evidence(a: &Attachment) -> String {
    format!(
        "part {}: name {:?}, declared {}, detected {}, {} bytes, sha256 {}",
        a.part,
        a.name.as_deref().unwrap_or(""),
        a.declared_type.as_deref().unwrap_or("?"),
        a.detected_type.as_deref().unwrap_or("unknown"),
        a.size,
        a.sha256
    )
}

fn attachments(msg: &Message, out: &mut Vec<Indicator>) {
    for a in &msg.attachments {
        let name = a.name.as_deref().unwrap_or("");
        let mut push = |severity, summary: String| {
            out.push(Indicator {
                kind: IndicatorKind::AttachmentTrick,
                severity,
                summary,
                evidence: vec![attachment_evidence(a)],
            })
        };
        if has_bidi_control(name) {
            let shown: String = name
                .chars()
                .map(|c| {
                    if has_bidi_control(&c.to_string()) {
                        '⟲'
                    } else {
                        c
                    }
                })
                .collect();
            push(
                Severity::High,
                format!("the file name {shown:?} holds a right-to-left override (marked ⟲): it displays with a false extension"),
            );
        }
        let lower = name.to_lowercase();
        let mut exts: Vec<&str> = lower.rsplit('.').collect();
        let ext = ext_of(&lower);
        if exts.len() >= 3 {
            exts.truncate(2);
            let (last, before) = (exts[0].trim(), exts[1].trim());
            if EXECUTABLE_EXT.contains(&last) && DOCUMENT_EXT.contains(&before) {
                push(
                    Severity::High,
                    format!("double extension: {name:?} looks like a .{before} but is a .{last}"),
                );
            }
        }
        if lower.contains("     ") && ext.as_deref().is_some_and(|e| EXECUTABLE_EXT.contains(&e)) {
            push(
                Severity::High,
                format!("the file name {name:?} pads with spaces to push the real extension out of sight"),
            );
        }
        let detected_exec = a.detected_type.as_deref().is_some_and(is_executable_type);
        let doc_name = ext.as_deref().is_some_and(|e| DOCUMENT_EXT.contains(&e));
        if detected_exec && doc_name {
            push(
                Severity::High,
                format!(
                    "executable content ({}) behind a document name {name:?}",
                    a.detected_type.as_deref().unwrap_or("")
                ),
            );
        } else if ext.as_deref().is_some_and(|e| EXECUTABLE_EXT.contains(&e)) || detected_exec {
            push(
                Severity::Medium,
                format!("an executable or script attachment {name:?}"),
            );
        }
    }
}

fn message_id(msg: &Message, out: &mut Vec<Indicator>) {
    let Some(mid) = msg.message_id.as_deref() else {
        return;
    };
    let Some((_, right)) = mid.rsplit_once('@') else {
        return;
    };
    let right = right.trim_end_matches('>').trim();
    let Some((_, from_reg)) = from_domain(msg) else {
        return;
    };
    let mid_reg = registrable_domain(right);
    let evidence = vec![
        line(msg, "message-id").unwrap_or_default(),
        line(msg, "from").unwrap_or_default(),
    ];
    match mid_reg {
        Some(reg) if reg != from_reg => {
            let service = SENDING_SERVICES.contains(&reg.as_str())
                || reg.ends_with("outlook.com")
                || msg
                    .return_path
                    .as_deref()
                    .and_then(reg_of_addr)
                    .is_some_and(|r| r == reg);
            out.push(Indicator {
                kind: IndicatorKind::MessageIdMismatch,
                severity: if service { Severity::Info } else { Severity::Low },
                summary: format!(
                    "the Message-ID was made at {reg}, not at the From domain {from_reg}{}",
                    if service {
                        " (the sending service's or envelope sender's domain: common)"
                    } else {
                        ""
                    }
                ),
                evidence,
            });
        }
        None if !right.contains('.') && !right.is_empty() => out.push(Indicator {
            kind: IndicatorKind::MessageIdMismatch,
            severity: Severity::Low,
            summary: format!(
                "the Message-ID names no domain ({right:?}): made by a script or a client, not by {from_reg}'s mail system"
            ),
            evidence,
        }),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hosts() {
        assert_eq!(
            url_host("https://User@Evil.example.com:8443/x?y").as_deref(),
            Some("evil.example.com")
        );
        assert_eq!(url_host("mailto:a@b.c"), None);
        assert_eq!(
            shown_host("www.paypal.com").as_deref(),
            Some("www.paypal.com")
        );
        assert_eq!(shown_host("invoice.pdf"), None);
        assert_eq!(shown_host("Click here"), None);
    }

    #[test]
    fn anchors() {
        let l = html_links(
            r#"<p><A HREF="http://evil.example.net/login">https://<b>www.bank.co.th</b>/</a> <a href='x'>y</a>"#,
        );
        assert_eq!(l.len(), 2);
        assert_eq!(l[0].href, "http://evil.example.net/login");
        assert_eq!(l[0].text, "https://www.bank.co.th/");
    }
}
