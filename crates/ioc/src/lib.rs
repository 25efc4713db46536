//! Indicator-of-compromise hygiene and saved registration data, offline.
//!
//! Investigators receive indicators in threat reports, e-mails from partner
//! agencies and chat logs, usually *defanged* (`hxxps://evil[.]example/x`,
//! `user[@]example[.]com`, `192.168.1[.]1`) so that nobody clicks them by
//! accident. This crate turns such text back into clean indicators and
//! parses the registration data (RDAP JSON, WHOIS text) that the
//! investigator saved about them:
//!
//! - [`refang`]: finds URLs, domains, IP addresses and e-mail addresses in
//!   free text, defanged or not, and returns each fanged and normalised with
//!   its exact byte span in the input and whether the source defanged it.
//!   [`defang`] does the opposite for reports.
//! - [`normalise`]: one canonical spelling per indicator (lower-case hosts,
//!   RFC 5952 IPv6, no default port, …) and a deterministic [`dedup`].
//! - [`rdap`] ([`parse_rdap`]): RDAP responses (RFC 9083) — domain, IP network, autnum,
//!   entity, nameserver, search results, error and help — into a
//!   [`Registration`], including RFC 9537 redactions.
//! - [`whois`] ([`parse_whois`]): the common WHOIS text layouts (ICANN gTLD, RIPE/APNIC,
//!   ARIN, `[Key] value` registries) into the same [`Registration`] shape.
//!
//! ```
//! use exhibit_ioc::{defang, dedup, refang, Kind};
//!
//! let note = "C2 hxxps://evil[.]example[.]com/gate, then 203.0.113[.]7 and 203.0.113.7";
//! let found = refang(note);
//! assert_eq!(found[0].kind, Kind::Url);
//! assert_eq!(found[0].value, "https://evil.example.com/gate");
//! assert!(found[0].defanged);
//! assert_eq!(&note[found[0].span.0..found[0].span.1], "hxxps://evil[.]example[.]com/gate");
//! assert_eq!(dedup(&found).len(), 2); // the address twice, once defanged
//! assert_eq!(defang(Kind::Ip, "203.0.113.7"), "203.0.113[.]7");
//! ```
//!
//! What this crate must never do:
//! - **No network.** Nothing here resolves a name, opens a socket or fetches
//!   RDAP/WHOIS; it only reads text the investigator already holds. The
//!   indicators it returns are never visited.
//! - **No guessing presented as fact.** A value that a registry replaced by
//!   a privacy placeholder ("REDACTED FOR PRIVACY", "Data Protected", …) is
//!   flagged as a [`Redaction`], never reported as the registrant's name.
//!   Refanging is deliberately conservative: prose such as "at the bank" or
//!   "see [.] below" must not become an indicator (precision is measured by
//!   the corpus test in `tests/data/refang_corpus.tsv`).
//! - It never panics on any input (truncated JSON, random bytes, huge
//!   text); parsers return an [`Error`] naming what failed.
//! - Output is deterministic: the same input always gives the same list in
//!   the same order (no hash-map iteration order anywhere).
#![deny(missing_docs)]

pub mod normalise;
pub mod rdap;
pub mod refang;
mod registration;
mod tld;
pub mod whois;

pub use normalise::{dedup, normalise};
pub use rdap::{parse as parse_rdap, Notice, RdapResponse};
pub use refang::{defang, refang, Indicator};
pub use registration::{
    is_redacted_placeholder, AsnRange, Contact, Event, IpRange, ObjectClass, Redaction,
    RedactionSource, Registrar, Registration, SourceFormat,
};
pub use whois::parse as parse_whois;

use serde::Serialize;
use std::fmt;
use std::str::FromStr;

/// What an indicator is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    /// A URL with a scheme (`http`, `https`, `ftp`, …).
    Url,
    /// A host name (no scheme, no path).
    Domain,
    /// An IPv4 or IPv6 address.
    Ip,
    /// An e-mail address.
    Email,
}

impl Kind {
    /// The lower-case name used in reports and the corpus (`url`, `domain`, `ip`, `email`).
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Url => "url",
            Kind::Domain => "domain",
            Kind::Ip => "ip",
            Kind::Email => "email",
        }
    }
}

impl fmt::Display for Kind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Kind {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self, Error> {
        match s.trim().to_ascii_lowercase().as_str() {
            "url" => Ok(Kind::Url),
            "domain" => Ok(Kind::Domain),
            "ip" => Ok(Kind::Ip),
            "email" => Ok(Kind::Email),
            _ => Err(Error::UnknownKind(s.to_string())),
        }
    }
}

/// Everything that can go wrong in this crate.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A value is not a valid indicator of the given kind.
    #[error("invalid {kind} {value:?}: {reason}")]
    Invalid {
        /// The kind the value was checked as.
        kind: Kind,
        /// The value as given (truncated to 200 bytes).
        value: String,
        /// Why it was rejected.
        reason: &'static str,
    },
    /// An indicator kind name that is not `url`, `domain`, `ip` or `email`.
    #[error("unknown indicator kind {0:?} (expected url, domain, ip or email)")]
    UnknownKind(String),
    /// The RDAP input is not valid JSON.
    #[error("RDAP response is not valid JSON: {0}")]
    Json(#[from] serde_json::Error),
    /// The RDAP input is JSON but not an RDAP response.
    #[error("not an RDAP response: {0}")]
    NotRdap(String),
    /// The WHOIS input holds no recognisable WHOIS data.
    #[error("not a WHOIS response: {0}")]
    NotWhois(String),
    /// The input is larger than this crate agrees to parse.
    #[error("{what} is {len} bytes, more than the {max}-byte limit")]
    TooLarge {
        /// Which input.
        what: &'static str,
        /// Its length in bytes.
        len: usize,
        /// The limit.
        max: usize,
    },
}

impl Error {
    fn invalid(kind: Kind, value: &str, reason: &'static str) -> Error {
        let mut end = value.len().min(200);
        while !value.is_char_boundary(end) {
            end -= 1;
        }
        Error::Invalid {
            kind,
            value: value[..end].to_string(),
            reason,
        }
    }
}
