//! One message: parsing (through mail-parser, behind `catch_unwind`), the
//! flattened MIME tree, attachments with their digests, and extraction.

use std::borrow::Cow;
use std::fs::{self, OpenOptions};
use std::io::{self, Write};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::{Path, PathBuf};

use exhibit_hash::{hash_bytes, Algorithm};
use jiff::Timestamp;
use mail_parser::decoders::{
    base64::base64_decode, html::html_to_text, quoted_printable::quoted_printable_decode,
};
use mail_parser::{
    Encoding, HeaderName, HeaderValue, MessageParser, MessagePart, MimeHeaders, PartType,
};
use serde::Serialize;

use crate::MailError;

/// mail-parser's own header parsers, except for `Received`: the route is
/// built from the raw lines by [`crate::received`], and parsing them twice
/// cost ~5 % of the analysis of a message.
fn parser() -> &'static MessageParser {
    static P: std::sync::OnceLock<MessageParser> = std::sync::OnceLock::new();
    P.get_or_init(|| {
        use HeaderName as H;
        let mut p = MessageParser::new()
            .with_mime_headers()
            .with_date_headers()
            .with_address_headers()
            .with_message_ids()
            .header_text(H::Subject)
            .header_text(H::Comments)
            .header_id(H::ReturnPath)
            .header_comma_separated(H::Keywords)
            .header_comma_separated(H::ContentLanguage)
            .header_raw(H::MimeVersion)
            .ignore_header(H::Received)
            .default_header_raw();
        for h in [
            H::ListArchive,
            H::ListHelp,
            H::ListId,
            H::ListOwner,
            H::ListPost,
            H::ListSubscribe,
            H::ListUnsubscribe,
        ] {
            p = p.header_address(h);
        }
        p
    })
}

/// The largest message [`parse_message`] accepts: mail-parser keeps offsets
/// in `u32`.
pub const MAX_MESSAGE_SIZE: usize = u32::MAX as usize;

/// Nested multiparts and attached messages deeper than this are not walked
/// (a warning says so); it keeps hostile nesting from exhausting the stack.
const MAX_DEPTH: usize = 64;

/// A parsed e-mail message.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Message {
    /// SHA-256 (hex) of the raw bytes: the stable id of the message.
    pub id: String,
    /// Size of the raw message in bytes.
    pub size: u64,
    /// The Message-ID, without angle brackets.
    pub message_id: Option<String>,
    /// The Date header as an instant (UTC), when it could be read.
    pub date: Option<Timestamp>,
    /// The Date header as written.
    pub date_raw: Option<String>,
    /// The sender's zone as written in the Date header, e.g. `+07:00`.
    pub date_zone: Option<String>,
    /// From addresses.
    pub from: Vec<Address>,
    /// Sender addresses.
    pub sender: Vec<Address>,
    /// Reply-To addresses.
    pub reply_to: Vec<Address>,
    /// To addresses.
    pub to: Vec<Address>,
    /// Cc addresses.
    pub cc: Vec<Address>,
    /// Bcc addresses.
    pub bcc: Vec<Address>,
    /// The Return-Path (envelope sender) without angle brackets; `""` is the
    /// null sender `<>`.
    pub return_path: Option<String>,
    /// The decoded Subject.
    pub subject: Option<String>,
    /// Every top-level header, in order.
    pub headers: Vec<Header>,
    /// The text/plain parts joined; HTML converted to text when the message
    /// has no plain part.
    pub body_text: String,
    /// The text/html parts joined, if any.
    pub body_html: Option<String>,
    /// The flattened MIME tree, in document order.
    pub parts: Vec<Part>,
    /// Attachments, including those of attached messages.
    pub attachments: Vec<Attachment>,
    /// Malformed things met while parsing (never fatal).
    pub warnings: Vec<String>,
}

/// A mailbox: display name and address, both as decoded.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Address {
    /// The display name (RFC 2047 decoded).
    pub name: Option<String>,
    /// The address (`local@domain`).
    pub address: Option<String>,
}

/// One header line.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Header {
    /// The name as written (without the colon).
    pub name: String,
    /// The decoded value (RFC 2047 words decoded, folding removed).
    pub value: String,
    /// The value exactly as written (folding kept, line ending removed).
    pub raw: String,
    /// Byte offset of the header line (its name) within the message.
    pub offset: u64,
}

/// One node of the MIME tree.
///
/// Paths follow IMAP (RFC 3501) numbering: the children of the top-level
/// multipart are `1`, `2`, …, their children `2.1`, `2.2`, …; a message that
/// is not multipart has the single part `1`. The top-level multipart itself
/// is `0`; the body of an attached message at `3` is `3.1` (or `3.0` with
/// children `3.1`, `3.2`… when it is multipart).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Part {
    /// The part path (see above).
    pub path: String,
    /// `type/subtype`, lower-case, when declared.
    pub content_type: Option<String>,
    /// The declared charset.
    pub charset: Option<String>,
    /// Size of the decoded content in bytes (0 for multiparts).
    pub size: u64,
    /// Whether the part is an attachment (not a body shown inline).
    pub is_attachment: bool,
    /// The file name (Content-Disposition `filename` or Content-Type `name`).
    pub name: Option<String>,
    /// The part could not be decoded cleanly (bad encoding, unknown
    /// charset, broken nested message).
    pub encoding_problem: bool,
}

/// An attachment with its digests.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Attachment {
    /// The part path (see [`Part`]).
    pub part: String,
    /// The declared file name.
    pub name: Option<String>,
    /// The declared type (`type/subtype`).
    pub declared_type: Option<String>,
    /// The type detected from the content (magic numbers), if recognised.
    pub detected_type: Option<String>,
    /// Size of the decoded content in bytes.
    pub size: u64,
    /// MD5 of the decoded content (hex).
    pub md5: String,
    /// SHA-1 of the decoded content (hex).
    pub sha1: String,
    /// SHA-256 of the decoded content (hex).
    pub sha256: String,
}

pub(crate) fn sha256_hex(bytes: &[u8]) -> String {
    hash_bytes(bytes, &[Algorithm::Sha256])
        .hex(Algorithm::Sha256)
        .unwrap_or_default()
}

/// Runs mail-parser on `raw` behind `catch_unwind` and hands the result to
/// `f` (also behind `catch_unwind`).
fn with_parsed<T>(
    raw: &[u8],
    f: impl FnOnce(&mail_parser::Message<'_>) -> Result<T, MailError>,
) -> Result<T, MailError> {
    if raw.len() > MAX_MESSAGE_SIZE {
        return Err(MailError::TooLarge {
            size: raw.len() as u64,
            limit: MAX_MESSAGE_SIZE as u64,
        });
    }
    let result = catch_unwind(AssertUnwindSafe(|| {
        let parsed = parser().parse(raw);
        match parsed {
            Some(m) => f(&m),
            None => Err(MailError::Malformed {
                what: "no message headers found".into(),
                offset: Some(0),
            }),
        }
    }));
    match result {
        Ok(r) => r,
        Err(_) => Err(MailError::Malformed {
            what: "the MIME parser gave up on this message (internal panic caught)".into(),
            offset: None,
        }),
    }
}

/// Parses one message (RFC 5322 with MIME). Never panics: a parser panic or
/// input without any header becomes [`MailError::Malformed`]; lesser damage
/// is listed in [`Message::warnings`].
pub fn parse_message(raw: &[u8]) -> Result<Message, MailError> {
    with_parsed(raw, |m| Ok(build(raw, m)))
}

fn build(raw: &[u8], m: &mail_parser::Message<'_>) -> Message {
    let mut warnings = Vec::new();
    let root_headers = m.parts.first().map(|p| p.headers.as_slice()).unwrap_or(&[]);
    let headers: Vec<Header> = root_headers.iter().map(|h| header(raw, h)).collect();

    let addresses = |name: HeaderName<'static>| -> Vec<Address> {
        root_headers
            .iter()
            .filter(|h| h.name == name)
            .flat_map(|h| convert_addresses(&h.value))
            .collect()
    };

    // As mail-parser does, the last of repeated single-instance headers wins;
    // a repetition is worth a warning (a classic way to confuse viewers).
    for name in [
        HeaderName::From,
        HeaderName::Sender,
        HeaderName::To,
        HeaderName::Subject,
        HeaderName::Date,
        HeaderName::MessageId,
        HeaderName::ReplyTo,
    ] {
        let n = root_headers.iter().filter(|h| h.name == name).count();
        if n > 1 {
            warnings.push(format!("{} header appears {n} times", name.as_str()));
        }
    }
    let date_header = root_headers
        .iter()
        .rev()
        .find(|h| h.name == HeaderName::Date);
    let date_raw = date_header.map(|h| unfold(raw_value(raw, h)));
    let (date, date_zone) = match date_header.map(|h| &h.value) {
        Some(HeaderValue::DateTime(d)) if d.is_valid() => (
            Timestamp::from_second(d.to_timestamp()).ok(),
            Some(zone_of(d)),
        ),
        Some(_) => {
            warnings.push(format!(
                "Date header could not be read: {:?}",
                date_raw.as_deref().unwrap_or("")
            ));
            (None, None)
        }
        None => {
            warnings.push("no Date header".into());
            (None, None)
        }
    };
    if !root_headers.iter().any(|h| h.name == HeaderName::From) {
        warnings.push("no From header".into());
    }
    let return_path = root_headers
        .iter()
        .find(|h| h.name == HeaderName::ReturnPath)
        .map(|h| {
            let v = match &h.value {
                HeaderValue::Text(t) => t.to_string(),
                HeaderValue::TextList(l) => l.last().map(|t| t.to_string()).unwrap_or_default(),
                _ => unfold(raw_value(raw, h)),
            };
            v.trim()
                .trim_start_matches('<')
                .trim_end_matches('>')
                .trim()
                .to_string()
        });

    let mut parts = Vec::new();
    let mut attachments = Vec::new();
    walk(m, "", 0, &mut parts, &mut attachments, &mut warnings);

    let mut body_text = String::new();
    for id in &m.text_body {
        if let Some(p) = m.parts.get(*id as usize) {
            let text: Cow<'_, str> = match &p.body {
                PartType::Text(t) => Cow::Borrowed(t.as_ref()),
                PartType::Html(h) => Cow::Owned(html_to_text(h)),
                _ => continue,
            };
            if !body_text.is_empty() {
                body_text.push('\n');
            }
            body_text.push_str(&text);
        }
    }
    let mut html = String::new();
    for id in &m.html_body {
        if let Some(PartType::Html(h)) = m.parts.get(*id as usize).map(|p| &p.body) {
            if !html.is_empty() {
                html.push('\n');
            }
            html.push_str(h);
        }
    }

    Message {
        id: sha256_hex(raw),
        size: raw.len() as u64,
        message_id: m.message_id().map(|s| s.to_string()),
        date,
        date_raw,
        date_zone,
        from: addresses(HeaderName::From),
        sender: addresses(HeaderName::Sender),
        reply_to: addresses(HeaderName::ReplyTo),
        to: addresses(HeaderName::To),
        cc: addresses(HeaderName::Cc),
        bcc: addresses(HeaderName::Bcc),
        return_path,
        subject: m.subject().map(|s| s.to_string()),
        headers,
        body_text,
        body_html: (!html.is_empty()).then_some(html),
        parts,
        attachments,
        warnings,
    }
}

pub(crate) fn zone_of(d: &mail_parser::DateTime) -> String {
    format!(
        "{}{:02}:{:02}",
        if d.tz_before_gmt { '-' } else { '+' },
        d.tz_hour,
        d.tz_minute
    )
}

fn raw_value<'a>(raw: &'a [u8], h: &mail_parser::Header<'_>) -> Cow<'a, str> {
    let bytes = raw
        .get(h.offset_start as usize..h.offset_end as usize)
        .unwrap_or_default();
    String::from_utf8_lossy(bytes)
}

pub(crate) fn unfold(s: impl AsRef<str>) -> String {
    let mut out = String::new();
    for (i, line) in s.as_ref().split('\n').enumerate() {
        let line = line.trim_end_matches('\r');
        if i > 0 {
            out.push(' ');
            out.push_str(line.trim_start());
        } else {
            out.push_str(line);
        }
    }
    out.trim().to_string()
}

fn header(raw: &[u8], h: &mail_parser::Header<'_>) -> Header {
    let name = raw
        .get(h.offset_field as usize..h.offset_start as usize)
        .map(|b| {
            String::from_utf8_lossy(b)
                .trim_end()
                .trim_end_matches(':')
                .trim()
                .to_string()
        })
        .filter(|s| !s.is_empty())
        .unwrap_or_else(|| h.name.as_str().to_string());
    let raw_v = raw_value(raw, h);
    let raw_trimmed = raw_v
        .trim_end_matches(['\r', '\n'])
        .trim_start_matches([' ', '\t'])
        .to_string();
    let value = match &h.value {
        HeaderValue::Text(t) => t.to_string(),
        HeaderValue::TextList(l) => l.iter().map(|t| t.as_ref()).collect::<Vec<_>>().join(", "),
        HeaderValue::Address(_) => convert_addresses(&h.value)
            .iter()
            .map(|a| match (&a.name, &a.address) {
                (Some(n), Some(ad)) => format!("{n} <{ad}>"),
                (None, Some(ad)) => ad.clone(),
                (Some(n), None) => n.clone(),
                (None, None) => String::new(),
            })
            .collect::<Vec<_>>()
            .join(", "),
        _ => unfold(&raw_trimmed),
    };
    Header {
        name,
        value,
        raw: raw_trimmed,
        offset: h.offset_field as u64,
    }
}

fn convert_addresses(v: &HeaderValue<'_>) -> Vec<Address> {
    let conv = |a: &mail_parser::Addr<'_>| Address {
        name: a.name.as_ref().map(|s| s.to_string()),
        address: a.address.as_ref().map(|s| s.to_string()),
    };
    match v {
        HeaderValue::Address(mail_parser::Address::List(l)) => l.iter().map(conv).collect(),
        HeaderValue::Address(mail_parser::Address::Group(g)) => g
            .iter()
            .flat_map(|g| g.addresses.iter().map(conv))
            .collect(),
        _ => Vec::new(),
    }
}

fn content_type(p: &MessagePart<'_>) -> Option<String> {
    p.content_type().map(|ct| match &ct.c_subtype {
        Some(st) => format!("{}/{}", ct.c_type, st).to_ascii_lowercase(),
        None => ct.c_type.to_ascii_lowercase(),
    })
}

fn join_path(prefix: &str, n: usize) -> String {
    if prefix.is_empty() {
        n.to_string()
    } else {
        format!("{prefix}.{n}")
    }
}

/// The decoded bytes of a part. For text parts these are the bytes after
/// transfer decoding but before charset conversion (what a file on disk
/// would hold), so digests match other tools; for attached messages the
/// message as it was embedded.
fn part_bytes<'a>(m: &'a mail_parser::Message<'_>, p: &'a MessagePart<'_>) -> Cow<'a, [u8]> {
    let slice = m
        .raw_message
        .get(p.offset_body as usize..p.offset_end as usize);
    match &p.body {
        PartType::Message(nested) => {
            // An inline nested message shares its parent's buffer (offsets are
            // absolute); an encoded one was decoded into a buffer of its own.
            if nested.raw_message.len() == m.raw_message.len() {
                slice.map(Cow::Borrowed).unwrap_or_default()
            } else {
                Cow::Borrowed(nested.raw_message.as_ref())
            }
        }
        PartType::Text(_) | PartType::Html(_) if !p.is_encoding_problem => {
            let decoded = slice.and_then(|s| match p.encoding {
                Encoding::Base64 => base64_decode(s).map(Cow::Owned),
                Encoding::QuotedPrintable => quoted_printable_decode(s).map(Cow::Owned),
                Encoding::None => Some(Cow::Borrowed(s)),
            });
            decoded.unwrap_or(Cow::Borrowed(p.contents()))
        }
        _ => Cow::Borrowed(p.contents()),
    }
}

/// Walks the tree of `m`, numbering parts under `prefix`.
fn walk(
    m: &mail_parser::Message<'_>,
    prefix: &str,
    depth: usize,
    parts: &mut Vec<Part>,
    attachments: &mut Vec<Attachment>,
    warnings: &mut Vec<String>,
) {
    visit(m, 0, prefix, true, depth, parts, attachments, warnings);
}

#[allow(clippy::too_many_arguments)]
fn visit(
    m: &mail_parser::Message<'_>,
    id: u32,
    path: &str,
    is_root: bool,
    depth: usize,
    parts: &mut Vec<Part>,
    attachments: &mut Vec<Attachment>,
    warnings: &mut Vec<String>,
) {
    let Some(p) = m.parts.get(id as usize) else {
        return;
    };
    if depth > MAX_DEPTH {
        warnings.push(format!(
            "MIME tree deeper than {MAX_DEPTH} levels at part {path}: not walked further"
        ));
        return;
    }
    let my_path = match (&p.body, is_root) {
        (PartType::Multipart(_), true) => join_path(path, 0),
        (_, true) => join_path(path, 1),
        _ => path.to_string(),
    };
    let is_attachment = m.attachments.contains(&id);
    let bytes = part_bytes(m, p);
    let ctype = content_type(p);
    let name = p.attachment_name().map(|s| s.to_string());
    if p.is_encoding_problem {
        warnings.push(format!("part {my_path}: could not be decoded cleanly"));
    }
    parts.push(Part {
        path: my_path.clone(),
        content_type: ctype.clone(),
        charset: p
            .content_type()
            .and_then(|ct| ct.attribute("charset"))
            .map(|s| s.to_string()),
        size: bytes.len() as u64,
        is_attachment,
        name: name.clone(),
        encoding_problem: p.is_encoding_problem,
    });
    if is_attachment {
        let d = hash_bytes(&bytes, &Algorithm::DEFAULT);
        let detected = if matches!(p.body, PartType::Message(_)) {
            Some("message/rfc822".to_string())
        } else {
            infer::get(&bytes)
                .map(|t| t.mime_type().to_string())
                .or_else(|| sniff_script(&bytes).map(str::to_string))
        };
        attachments.push(Attachment {
            part: my_path.clone(),
            name,
            declared_type: ctype,
            detected_type: detected,
            size: bytes.len() as u64,
            md5: d.hex(Algorithm::Md5).unwrap_or_default(),
            sha1: d.hex(Algorithm::Sha1).unwrap_or_default(),
            sha256: d.hex(Algorithm::Sha256).unwrap_or_default(),
        });
    }
    match &p.body {
        PartType::Multipart(children) => {
            let base = if is_root { path } else { my_path.as_str() };
            for (i, child) in children.iter().enumerate() {
                if *child == id {
                    continue;
                }
                let child_path = join_path(base, i + 1);
                visit(
                    m,
                    *child,
                    &child_path,
                    false,
                    depth + 1,
                    parts,
                    attachments,
                    warnings,
                );
            }
        }
        PartType::Message(nested) => {
            walk(nested, &my_path, depth + 1, parts, attachments, warnings);
        }
        _ => {}
    }
}

/// Scripts and shortcuts that `infer` does not recognise: they run when
/// opened, whatever their name says.
pub(crate) fn sniff_script(bytes: &[u8]) -> Option<&'static str> {
    let head = &bytes[..bytes.len().min(512)];
    let head = head.strip_prefix(b"\xef\xbb\xbf").unwrap_or(head);
    if head.starts_with(b"#!") {
        return Some("text/x-shellscript");
    }
    if head.starts_with(&[0x4c, 0, 0, 0, 0x01, 0x14, 0x02, 0]) {
        return Some("application/x-ms-shortcut");
    }
    let lower = String::from_utf8_lossy(head).to_ascii_lowercase();
    let t = lower.trim_start();
    if t.contains("<hta:application") {
        return Some("application/hta");
    }
    if t.starts_with("@echo off")
        || t.starts_with("<job")
        || t.starts_with("<package")
        || t.starts_with("<?xml") && t.contains("<job")
    {
        return Some("text/x-script");
    }
    None
}

/// The decoded content of one part (by path, see [`Part`]) of a raw message,
/// for extraction or further analysis.
pub fn attachment_bytes(raw: &[u8], part: &str) -> Result<Vec<u8>, MailError> {
    with_parsed(raw, |m| {
        find_part(m, "", part, 0).ok_or_else(|| MailError::NoSuchPart {
            part: part.to_string(),
        })
    })
}

fn find_part(
    m: &mail_parser::Message<'_>,
    prefix: &str,
    want: &str,
    depth: usize,
) -> Option<Vec<u8>> {
    find_in(m, 0, prefix, true, want, depth)
}

fn find_in(
    m: &mail_parser::Message<'_>,
    id: u32,
    path: &str,
    is_root: bool,
    want: &str,
    depth: usize,
) -> Option<Vec<u8>> {
    let p = m.parts.get(id as usize)?;
    if depth > MAX_DEPTH {
        return None;
    }
    let my_path = match (&p.body, is_root) {
        (PartType::Multipart(_), true) => join_path(path, 0),
        (_, true) => join_path(path, 1),
        _ => path.to_string(),
    };
    if my_path == want {
        return Some(part_bytes(m, p).into_owned());
    }
    match &p.body {
        PartType::Multipart(children) => {
            let base = if is_root { path } else { my_path.as_str() };
            children.iter().enumerate().find_map(|(i, child)| {
                if *child == id {
                    return None;
                }
                let child_path = join_path(base, i + 1);
                // Only descend where the wanted path can be.
                if want == child_path || want.starts_with(&format!("{child_path}.")) {
                    find_in(m, *child, &child_path, false, want, depth + 1)
                } else {
                    None
                }
            })
        }
        PartType::Message(nested) if want.starts_with(&format!("{my_path}.")) => {
            find_part(nested, &my_path, want, depth + 1)
        }
        _ => None,
    }
}

/// A file name safe to create inside the extraction folder: no directory
/// parts, no control or bidirectional-override characters, no leading dot.
pub(crate) fn safe_file_name(part: &str, name: Option<&str>) -> String {
    let base = name
        .map(|n| n.rsplit(['/', '\\']).next().unwrap_or(""))
        .unwrap_or("");
    let mut clean: String = base
        .chars()
        .map(|c| {
            if c.is_control()
                || matches!(c, '<' | '>' | ':' | '"' | '|' | '?' | '*' | '\u{0}')
                || matches!(c, '\u{200e}' | '\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
            {
                '_'
            } else {
                c
            }
        })
        .collect();
    clean = clean.trim().trim_start_matches('.').to_string();
    // Keep names well under file-system limits (255 bytes).
    while clean.len() > 180 {
        clean.pop();
    }
    if clean.is_empty() {
        clean = "attachment.bin".into();
    }
    format!("part{part}_{clean}")
}

/// Writes every attachment of `raw` into `dir` (created if missing) and
/// returns the paths written, in attachment order. File names are
/// `part<path>_<sanitised name>`; an existing file is never overwritten (a
/// ` (2)`, ` (3)`… suffix is added instead), and nothing is written outside
/// `dir`.
pub fn extract_attachments(raw: &[u8], dir: &Path) -> Result<Vec<PathBuf>, MailError> {
    let msg = parse_message(raw)?;
    fs::create_dir_all(dir).map_err(|source| MailError::Io {
        path: Some(dir.to_path_buf()),
        source,
    })?;
    let mut written = Vec::new();
    for a in &msg.attachments {
        let bytes = attachment_bytes(raw, &a.part)?;
        let name = safe_file_name(&a.part, a.name.as_deref());
        let path = create_new(dir, &name, &bytes)?;
        written.push(path);
    }
    Ok(written)
}

pub(crate) fn create_new(dir: &Path, name: &str, bytes: &[u8]) -> Result<PathBuf, MailError> {
    let (stem, ext) = match name.rfind('.') {
        Some(i) if i > 0 => (&name[..i], &name[i..]),
        _ => (name, ""),
    };
    for n in 1..10_000u32 {
        let candidate = if n == 1 {
            name.to_string()
        } else {
            format!("{stem} ({n}){ext}")
        };
        let path = dir.join(&candidate);
        match OpenOptions::new().write(true).create_new(true).open(&path) {
            Ok(mut f) => {
                f.write_all(bytes).map_err(|source| MailError::Io {
                    path: Some(path.clone()),
                    source,
                })?;
                return Ok(path);
            }
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => continue,
            Err(source) => {
                return Err(MailError::Io {
                    path: Some(path),
                    source,
                })
            }
        }
    }
    Err(MailError::Io {
        path: Some(dir.join(name)),
        source: io::Error::new(io::ErrorKind::AlreadyExists, "too many files of that name"),
    })
}
