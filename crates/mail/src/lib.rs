//! # exhibit-mail
//!
//! E-mail for investigators: read `.eml` files and (huge) mbox mailboxes,
//! parse each message fully, and reconstruct where it really came from.
//!
//! * **Input.** [`sniff`] tells an `.eml` from an mbox by content;
//!   [`read_mbox`] streams an mbox of any size with bounded memory, giving
//!   each message with the byte offset where it starts.
//! * **Parsing.** [`parse_message`] gives a [`Message`]: every header in
//!   order (decoded, raw, and its byte offset), addresses, the date in UTC
//!   and the sender's zone as written, bodies as text, the flattened MIME
//!   tree ([`Part`], IMAP-style paths like `2.1`), and the attachments with
//!   their type detected from content and their MD5/SHA-1/SHA-256. Headers
//!   and bodies are decoded from RFC 2047 and the charsets used in the
//!   region (UTF-8, TIS-620/windows-874, GB2312/GBK, Big5, Shift-JIS,
//!   windows-1252…). [`attachment_bytes`] and [`extract_attachments`] give
//!   the content.
//! * **The route.** [`parse_received`] reads one `Received` header;
//!   [`route`] orders the hops as travelled, computes per-hop delays and the
//!   total transit time (negative delays are kept and flagged as clock
//!   skew), and picks the originating IP: the first hop outside the
//!   recipient's own infrastructure, with `X-Originating-IP`-like headers
//!   considered and labelled, and private/reserved addresses flagged.
//! * **Authentication headers.** [`authentication`] reads
//!   `Authentication-Results` (trusting only the receiving server's own, by
//!   authserv-id), ARC sets and `Received-SPF`.
//! * **DKIM, offline.** [`verify_dkim`] checks every DKIM signature with
//!   keys from a [`DnsSnapshot`] (a TXT-record file the user supplies),
//!   judged at the time the message was received ([`receive_time`]: the top
//!   `Received` header, else `Date`), not today; a signature whose key is
//!   not in the snapshot is reported as "cannot verify offline".
//! * **Deception.** [`indicators`] lists the ways a message lies (From /
//!   Sender / Reply-To / Return-Path organisations, display-name
//!   impersonation, lookalike domains, links whose text shows another
//!   domain, attachment tricks, Message-ID domain), each with the header
//!   lines or parts that show it. [`registrable_domain`] uses the public
//!   suffix list.
//! * **Leads.** [`leads`] extracts URLs, IP addresses, domains and e-mail
//!   addresses with where they were found.
//! * **More inputs.** [`parse_msg`] reads Outlook `.msg` files into the same
//!   [`Message`]; [`mail_files`] finds `.eml`, Maildir, mbox and `.msg`
//!   files in a folder.
//!
//! The MIME work is done by `mail-parser`, DKIM cryptography by `mail-auth`
//! (both Stalwart Labs) and `.msg` reading by `msg_parser`, each wrapped in
//! `catch_unwind`.
//!
//! ## What this crate must never do
//!
//! * **Never panic on any input.** A parser panic or unreadable input
//!   becomes a [`MailError`]; lesser damage is listed in
//!   [`Message::warnings`]. Nothing taken from a message sizes an
//!   allocation beyond the message itself (mbox messages are capped by the
//!   caller's `max_message`).
//! * **Never touch the network**: no DNS, no fetching of linked content.
//! * **Never write outside an extraction folder the caller names**
//!   ([`extract_attachments`]), and never overwrite a file there.
//!
//! ```
//! let raw = b"From: Alice <alice@example.com>\r\nTo: bob@example.org\r\n\
//! Subject: hi\r\nDate: Mon, 3 Jun 2024 10:00:00 +0700\r\n\
//! Received: from mail.example.com (mail.example.com [192.0.2.10]) by mx.example.org\r\n\
//!  with ESMTPS id abc; Mon, 3 Jun 2024 03:00:05 +0000\r\n\r\nHello\r\n";
//! let msg = exhibit_mail::parse_message(raw).unwrap();
//! assert_eq!(msg.subject.as_deref(), Some("hi"));
//! assert_eq!(msg.date_zone.as_deref(), Some("+07:00"));
//! let route = exhibit_mail::route(&msg);
//! assert_eq!(route.hops[0].from_ip, Some("192.0.2.10".parse().unwrap()));
//! ```
#![deny(missing_docs)]
#![forbid(unsafe_code)]

mod auth;
mod date;
mod dkim;
mod domain;
mod files;
mod indicators;
mod leads;
mod mbox;
mod message;
mod outlook;
mod received;
mod route;

use std::path::PathBuf;

pub use auth::{
    authentication, parse_authentication_results, parse_received_spf, ArcSet, AuthResult,
    AuthResults, Authentication, ReceivedSpf,
};
pub use dkim::{receive_time, verify_dkim, DkimReport, DkimStatus, DkimVerdict, DnsSnapshot};
pub use domain::{lookalike_reasons, registrable_domain};
pub use files::{detect_mail_file, mail_files, read_head, MailFileKind};
pub use indicators::{indicators, Indicator, IndicatorKind, Severity};
pub use leads::{leads, Lead, LeadKind, LeadLocation};
pub use mbox::{read_mbox, sniff, MailboxKind, MboxItem};
pub use message::{
    attachment_bytes, extract_attachments, parse_message, Address, Attachment, Header, Message,
    Part, MAX_MESSAGE_SIZE,
};
pub use outlook::{extract_msg_attachments, parse_msg, OLE_MAGIC};
pub use received::{parse_received, ReceivedFields};
pub use route::{describe_delay, is_non_public, route, Hop, Origin, Route};

/// An error from this crate. Damage inside a message that can be worked
/// around is not an error: it is a warning on the [`Message`].
#[derive(Debug, thiserror::Error)]
pub enum MailError {
    /// The input is not a message that can be read (no header at all), or
    /// the MIME parser gave up on it. `offset` is the byte offset of the
    /// problem within the input, when known.
    #[error("malformed message: {what}{}", .offset.map(|o| format!(" (at byte {o})")).unwrap_or_default())]
    Malformed {
        /// What is wrong.
        what: String,
        /// Byte offset of the problem, when known.
        offset: Option<u64>,
    },
    /// Reading a mailbox or writing an extracted file failed.
    #[error("I/O error{}: {source}", .path.as_ref().map(|p| format!(" on {}", p.display())).unwrap_or_default())]
    Io {
        /// The file concerned, when there is one.
        path: Option<PathBuf>,
        /// The underlying error.
        source: std::io::Error,
    },
    /// The input is larger than this crate can parse as one message.
    #[error("message of {size} bytes exceeds the limit of {limit} bytes")]
    TooLarge {
        /// The size of the input.
        size: u64,
        /// The limit.
        limit: u64,
    },
    /// No part has the path that was asked for.
    #[error("no MIME part {part:?} in this message")]
    NoSuchPart {
        /// The path asked for.
        part: String,
    },
}
