//! Outlook `.msg` files (OLE compound files), read with `msg_parser` behind
//! `catch_unwind` and mapped onto the same [`Message`] as `.eml`.
//!
//! The headers are the transport headers Outlook kept
//! (`PR_TRANSPORT_MESSAGE_HEADERS`), so the route and the authentication
//! headers read as for any message. A message that was never sent (a
//! draft) has none: its headers are then rebuilt from the `.msg` properties
//! and a warning says so. Header offsets count within the transport header
//! text. Parts are `body` (the text) and `attach.1`, `attach.2`… (the
//! attachments, in the file's order); attached `.msg` messages are listed
//! and hashed, not opened.

use std::fs;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::{Path, PathBuf};

use exhibit_hash::{hash_bytes, Algorithm};
use msg_parser::Outlook;

use crate::message::{create_new, safe_file_name, sha256_hex, sniff_script};
use crate::{parse_message, Attachment, MailError, Message, Part};

/// The first bytes of every OLE compound file (`.msg`, `.doc`, `.xls`…).
pub const OLE_MAGIC: [u8; 8] = [0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1];

fn read_outlook(raw: &[u8]) -> Result<Outlook, MailError> {
    if !raw.starts_with(&OLE_MAGIC) {
        return Err(MailError::Malformed {
            what: "not an Outlook .msg file (no OLE compound-file signature)".into(),
            offset: Some(0),
        });
    }
    match catch_unwind(AssertUnwindSafe(|| Outlook::from_slice(raw))) {
        Ok(Ok(o)) => Ok(o),
        Ok(Err(e)) => Err(MailError::Malformed {
            what: format!("unreadable .msg file: {e}"),
            offset: None,
        }),
        Err(_) => Err(MailError::Malformed {
            what: "the .msg parser gave up on this file (internal panic caught)".into(),
            offset: None,
        }),
    }
}

fn person(name: &str, email: &str) -> String {
    let name = name.replace(['"', '\r', '\n'], " ");
    match (name.trim().is_empty(), email.trim().is_empty()) {
        (false, false) => format!("\"{}\" <{}>", name.trim(), email.trim()),
        (true, false) => email.trim().to_string(),
        (false, true) => format!("\"{}\" <>", name.trim()),
        (true, true) => String::new(),
    }
}

fn one_line(s: &str) -> String {
    s.split(['\r', '\n']).collect::<Vec<_>>().join(" ")
}

/// Headers for a message that has no transport headers, from its
/// properties.
fn synthetic_headers(o: &Outlook) -> String {
    let mut h = String::new();
    let from = person(&o.sender.name, &o.sender.email);
    if !from.is_empty() {
        h.push_str(&format!("From: {}\r\n", one_line(&from)));
    }
    for (name, list) in [("To", &o.to), ("Cc", &o.cc), ("Bcc", &o.bcc)] {
        let v: Vec<String> = list
            .iter()
            .map(|p| person(&p.name, &p.email))
            .filter(|s| !s.is_empty())
            .collect();
        if !v.is_empty() {
            h.push_str(&format!("{name}: {}\r\n", one_line(&v.join(", "))));
        }
    }
    if !o.subject.is_empty() {
        h.push_str(&format!("Subject: {}\r\n", one_line(&o.subject)));
    }
    let t = if o.client_submit_time.is_empty() {
        &o.creation_time
    } else {
        &o.client_submit_time
    };
    if let Ok(ts) = t.parse::<jiff::Timestamp>() {
        h.push_str(&format!(
            "Date: {}\r\n",
            ts.strftime("%a, %d %b %Y %H:%M:%S +0000")
        ));
    }
    h
}

/// Parses an Outlook `.msg` file into a [`Message`] (see the module
/// documentation for how fields map). The id is the SHA-256 of the `.msg`
/// file. Never panics.
pub fn parse_msg(raw: &[u8]) -> Result<Message, MailError> {
    let o = read_outlook(raw)?;
    let mut warnings = Vec::new();
    let transport = o.headers.raw.trim_start();
    let mut head = if transport.trim().is_empty() {
        warnings.push(
            "no transport headers (never sent, or a draft): headers rebuilt from the .msg properties"
                .to_string(),
        );
        synthetic_headers(&o)
    } else {
        let mut t = transport.trim_end().to_string();
        t.push_str("\r\n");
        t
    };
    if head.trim().is_empty() {
        head = "X-Exhibit-Note: no headers in this .msg file\r\n".into();
    }
    head.push_str("\r\n");
    let mut msg = parse_message(head.as_bytes())?;
    msg.warnings
        .retain(|w| !w.starts_with("no Date header") || transport.is_empty());
    msg.id = sha256_hex(raw);
    msg.size = raw.len() as u64;
    if !o.subject.is_empty() {
        msg.subject = Some(o.subject.clone());
    }
    if msg.from.is_empty() && !o.sender.email.is_empty() {
        msg.from.push(crate::Address {
            name: (!o.sender.name.is_empty()).then(|| o.sender.name.clone()),
            address: Some(o.sender.email.clone()),
        });
        msg.warnings.retain(|w| w != "no From header");
    }
    msg.body_text = o.body.clone();
    msg.body_html = (!o.html.is_empty()).then(|| o.html.clone());
    if msg.body_text.is_empty() {
        if let Some(h) = &msg.body_html {
            msg.body_text = mail_parser::decoders::html::html_to_text(h);
        }
    }
    msg.parts.clear();
    msg.attachments.clear();
    msg.parts.push(Part {
        path: "body".into(),
        content_type: Some("text/plain".into()),
        charset: Some("utf-8".into()),
        size: o.body.len() as u64,
        is_attachment: false,
        name: None,
        encoding_problem: false,
    });
    for (i, a) in o.attachments.iter().enumerate() {
        let path = format!("attach.{}", i + 1);
        let name = [&a.long_file_name, &a.file_name, &a.display_name]
            .into_iter()
            .find(|s| !s.is_empty())
            .cloned();
        let declared = (!a.mime_tag.is_empty()).then(|| a.mime_tag.to_ascii_lowercase());
        let bytes = &a.payload_bytes;
        let detected = if a.is_embedded_message() {
            Some("application/vnd.ms-outlook".to_string())
        } else {
            infer::get(bytes)
                .map(|t| t.mime_type().to_string())
                .or_else(|| sniff_script(bytes).map(str::to_string))
        };
        let d = hash_bytes(bytes, &Algorithm::DEFAULT);
        msg.parts.push(Part {
            path: path.clone(),
            content_type: declared.clone(),
            charset: None,
            size: bytes.len() as u64,
            is_attachment: true,
            name: name.clone(),
            encoding_problem: false,
        });
        msg.attachments.push(Attachment {
            part: path,
            name,
            declared_type: declared,
            detected_type: detected,
            size: bytes.len() as u64,
            md5: d.hex(Algorithm::Md5).unwrap_or_default(),
            sha1: d.hex(Algorithm::Sha1).unwrap_or_default(),
            sha256: d.hex(Algorithm::Sha256).unwrap_or_default(),
        });
    }
    msg.warnings.append(&mut warnings);
    Ok(msg)
}

/// Writes the attachments of an Outlook `.msg` file into `dir`, as
/// [`crate::extract_attachments`] does for MIME messages (same naming, never
/// overwriting, nothing outside `dir`).
pub fn extract_msg_attachments(raw: &[u8], dir: &Path) -> Result<Vec<PathBuf>, MailError> {
    let o = read_outlook(raw)?;
    fs::create_dir_all(dir).map_err(|source| MailError::Io {
        path: Some(dir.to_path_buf()),
        source,
    })?;
    let mut written = Vec::new();
    for (i, a) in o.attachments.iter().enumerate() {
        let name = [&a.long_file_name, &a.file_name, &a.display_name]
            .into_iter()
            .find(|s| !s.is_empty())
            .map(String::as_str);
        let file = safe_file_name(&format!("attach.{}", i + 1), name);
        written.push(create_new(dir, &file, &a.payload_bytes)?);
    }
    Ok(written)
}
