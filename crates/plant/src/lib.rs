//! Ground truth for the Exhibit lead scanner (`exhibit scan`): a generator of
//! synthetic evidence images with planted, checksum-valid features and decoys,
//! and a scorer that measures recall and precision of a `features.jsonl`.
//!
//! # Image
//!
//! The background is pseudo-random bytes with the high bit set (`0x80..=0xFF`),
//! sprinkled (about one per KiB) with short phrases of plain words (letters
//! only, no digits; `.`, `,` and `:` never directly before a letter or digit).
//! Neither can form any feature,
//! so **every reported feature that is not in the truth is a false positive**.
//!
//! Into it, at deterministic pseudo-random offsets, items are planted; items
//! never overlap and are separated by at least 16 background bytes. Each item
//! is one feature in one *form*, framed by whitespace (space, tab, `\n`,
//! `\r\n`) so a token boundary exists on both sides:
//!
//! | form | bytes | truth `path` |
//! |---|---|---|
//! | `plain` | `{context} {value}` as ASCII | offset of the value's first byte |
//! | `upper` | as plain, value upper-cased (email, domain; URL scheme and host) | same |
//! | `defanged` | URL with `hxxp`, `[.]`, `[:]` | same |
//! | `utf16le` | ` {context} {value} \n` as UTF-16LE, any alignment | offset of the value's first byte |
//! | `gzip` | a gzip member of a short text holding `{context} {value}` | `{gzip header}-GZIP-{offset in text}` |
//! | `zip` | a minimal ZIP (one deflated member, central directory, EOCD) | `{local file header}-ZIP-{offset in member}` |
//! | `base64` | base64 of such a text, one line or wrapped at 64/76 (`\n` or `\r\n`) | `{first base64 char}-BASE64-{offset in decoded}` |
//! | `zip-base64` | a ZIP whose member holds a wrapped base64 of such a text | `{local file header}-ZIP-{offset of base64 in member}-BASE64-{offset in decoded}` |
//!
//! Every kind is planted in `plain`, `utf16le`, `gzip`, `zip`, `base64` and
//! `zip-base64`; e-mails, domains and URLs also in `upper`; URLs also
//! `defanged`. `gps` is binary (an EXIF block in a JPEG), so it has no
//! `upper` or `utf16le` form: its item is the JPEG itself (`plain`), or the
//! JPEG as the gzip/ZIP member or base64 payload in place of the short text,
//! and its truth `path` points at the TIFF header (`II`/`MM`) instead of a
//! value's first byte. Compressed containers are re-rolled until their binary bytes
//! hold nothing text-like (no `x.ab`, `@`, `::`, digit or long alphanumeric
//! runs, nested magic). One extra item is planted across every multiple of
//! 16 MiB (the plain/UTF-16 value, or the container, straddles the boundary);
//! those truth records have `boundary: true`.
//!
//! # Truth rules (what the scanner must report)
//!
//! * `email`: the e-mail, normalized lower-case; **plus** a derived `domain`
//!   for its domain part (`derived: true`; bulk_extractor's domain.txt holds
//!   e-mail domains too), path at the domain's first byte (after the `@`),
//!   normalized lower-case.
//! * `url`: the URL, normalized refanged (`hxxp`→`http`, `[.]`→`.`,
//!   `[:]`→`:`) with scheme and host lower-case, path as found; **plus** a
//!   derived `domain` for its host (`derived: true`), path at the host's first
//!   byte (inside the defanged text when defanged), normalized lower-case
//!   refanged, without the port. URL hosts are always names, never IPs.
//! * `domain`: bare host names (`shop.mekong-pay.co.th`), lower-case. A bare
//!   host name starting with `www.` is also a scheme-less URL: a derived
//!   `url` at the same path, normalized as found with the host lower-case
//!   (no scheme is invented).
//! * `ip` (IPv4, public ranges, last octet 1–254) and `ipv6` (global unicast
//!   `2400::/6`, written compressed, full, unpadded or upper-case; never
//!   with an embedded IPv4), normalized as Rust's `Ipv6Addr` displays.
//! * `phone`: E.164 compact, international with spaces or dashes, or the
//!   national format (trunk `0`; SG, which has none, always as two groups
//!   of four digits, `9123 4567` or `9123-4567`) of TH, VN, ID, MY, PH, SG,
//!   KH, LA, MM; always normalized E.164. National formats are ambiguous across
//!   these regions (a ten-digit `08…` number is valid in several), so the
//!   contract is a **region priority**: a national number belongs to the first
//!   region of TH, VN, ID, MY, PH, SG, KH, LA, MM in which it parses as a
//!   valid number *of that region* (libphonenumber metadata; a parse that
//!   yields another country code, e.g. SG reading `012…` as an international
//!   prefix, does not count). Planted national numbers are drawn from mobile
//!   prefix families that resolve to their own region under that rule
//!   (TH 06x/08x/09x, VN 03x/05x/07x, ID 08xx, MY 01x, PH 09xx, SG 8/9,
//!   KH 01x/06x/07x/081, LA 030, MM 09); the tests check every planted number
//!   with the `phonenumber` crate.
//! * `ccn`: Luhn-valid, real IIN ranges (Visa, Mastercard 51–55/2221–2720,
//!   Amex, Discover, JCB, UnionPay, Diners Club International 36/38/39/300–305
//!   with 14 digits), compact or grouped by spaces
//!   or dashes; normalized digits only.
//! * `iban`: mod-97-valid (DE, GB, NL, CH, AE, SA, PK, TR), compact or in
//!   groups of four; normalized upper-case without spaces.
//! * `wallet`: Bitcoin P2PKH/P2SH, bech32 v0 (20 and 32 bytes), bech32m v1,
//!   Ethereum EIP-55 (a quarter written all lower-case, normalized EIP-55),
//!   Tron, Litecoin P2PKH/P2SH/bech32; never upper-cased.
//! * `onion`: v3 with correct checksum, lower-case; `i2p`: `….b32.i2p`. Neither
//!   yields a `domain`.
//! * `gps`: a minimal JPEG — SOI, APP1 holding `Exif\0\0` + a TIFF
//!   structure (little- or big-endian) whose IFD0 holds only the GPS IFD
//!   pointer (0x8825), a GPS IFD with GPSVersionID, GPSLatitudeRef,
//!   GPSLatitude, GPSLongitudeRef, GPSLongitude (three RATIONALs each:
//!   degrees, minutes, seconds; seconds in 1/100 or 1/1000, or decimal
//!   minutes and zero seconds), then a few scan bytes and EOI. Path: the
//!   offset of the TIFF header. Normalized: `lat,lon` in decimal degrees,
//!   `d + m/60 + s/3600` computed in `f64` from each rational's quotient,
//!   negative for `S`/`W`, six decimals (`-13.756331,100.501765`). `value`
//!   is the same string. The background cannot form one: it has no zero
//!   bytes.
//! * Nothing else: no `phone` or `ccn` inside card numbers, IBANs or wallets, no `ip`
//!   inside anything. The surrounding context words never hold features.
//!
//! Decoys (truth records `decoy`, always plain, ASCII but for GPS) must not be reported at
//! all, in whole or in part: Luhn-off card
//! numbers, IBANs with wrong check digits, base58/bech32 wallets with one
//! character changed, EIP-55 with one letter's case flipped, truncated
//! wallets and onions, onions with a bad checksum, short I2P names, version
//! strings `1.2.3.4.5`, dotted quads with an octet above 255, times `12:34:56`.
//!
//! # Truth file
//!
//! JSON Lines: one `{"record":"image",…}` header, then one
//! `{"record":"feature","kind","normalized","value","path","form","encoding","boundary","derived","item","item_len"}`
//! per expected finding (sorted by item offset), then one
//! `{"record":"decoy","kind","what","value","offset"}` per decoy. The same size
//! and seed always produce byte-identical image and truth.
//!
//! # Scoring
//!
//! A reported feature matches a truth feature on `kind` + `normalized` +
//! `path` (each truth record matches at most once; duplicates are false
//! positives). Unmatched reports are attributed to a form for the table: the
//! form of a truth record at the same kind and path (a normalization error),
//! else the form of the planted item containing the outermost path offset, else
//! `decoy` (inside a decoy) or `background`. Recall = found / planted and
//! precision = found / reported, per kind and form and per kind overall.
#![deny(missing_docs)]
#![cfg_attr(not(test), deny(clippy::unwrap_used, clippy::expect_used))]

mod bulk;
mod codec;
mod features;
mod layout;
mod rng;
mod score;

use std::collections::BTreeMap;
use std::fmt;
use std::path::Path;

use serde::{Deserialize, Serialize};

pub use bulk::convert_bulk_extractor;
pub use score::{compare_table, score, DecoyHit, Example, Report, Row};

/// A kind of finding, as named in `features.jsonl`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    /// E-mail address.
    Email,
    /// URL.
    Url,
    /// Host name.
    Domain,
    /// IPv4 address.
    Ip,
    /// IPv6 address.
    Ipv6,
    /// Telephone number.
    Phone,
    /// Payment card number.
    Ccn,
    /// International bank account number.
    Iban,
    /// Cryptocurrency address.
    Wallet,
    /// Tor v3 onion host.
    Onion,
    /// I2P b32 host.
    I2p,
    /// GPS coordinates in an EXIF block.
    Gps,
}

impl Kind {
    /// All kinds, in report order.
    pub const ALL: [Kind; 12] = [
        Kind::Email,
        Kind::Url,
        Kind::Domain,
        Kind::Ip,
        Kind::Ipv6,
        Kind::Phone,
        Kind::Ccn,
        Kind::Iban,
        Kind::Wallet,
        Kind::Onion,
        Kind::I2p,
        Kind::Gps,
    ];

    /// The name used in JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Email => "email",
            Kind::Url => "url",
            Kind::Domain => "domain",
            Kind::Ip => "ip",
            Kind::Ipv6 => "ipv6",
            Kind::Phone => "phone",
            Kind::Ccn => "ccn",
            Kind::Iban => "iban",
            Kind::Wallet => "wallet",
            Kind::Onion => "onion",
            Kind::I2p => "i2p",
            Kind::Gps => "gps",
        }
    }
}

impl fmt::Display for Kind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// How a planted feature is written (see the crate documentation).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Form {
    /// ASCII as is.
    Plain,
    /// Upper-cased where the kind is case-insensitive.
    Upper,
    /// Defanged URL.
    Defanged,
    /// UTF-16 little-endian text.
    Utf16le,
    /// Inside a gzip member.
    Gzip,
    /// Inside a deflated ZIP member.
    Zip,
    /// Inside base64 text.
    Base64,
    /// Inside base64 text inside a ZIP member.
    ZipBase64,
}

impl Form {
    /// All forms, in report order.
    pub const ALL: [Form; 8] = [
        Form::Plain,
        Form::Upper,
        Form::Defanged,
        Form::Utf16le,
        Form::Gzip,
        Form::Zip,
        Form::Base64,
        Form::ZipBase64,
    ];

    /// The name used in JSON and tables.
    pub fn as_str(self) -> &'static str {
        match self {
            Form::Plain => "plain",
            Form::Upper => "upper",
            Form::Defanged => "defanged",
            Form::Utf16le => "utf16le",
            Form::Gzip => "gzip",
            Form::Zip => "zip",
            Form::Base64 => "base64",
            Form::ZipBase64 => "zip-base64",
        }
    }

    /// The forms planted for `kind`.
    pub fn for_kind(kind: Kind) -> &'static [Form] {
        const COMMON: &[Form] = &[
            Form::Plain,
            Form::Utf16le,
            Form::Gzip,
            Form::Zip,
            Form::Base64,
            Form::ZipBase64,
        ];
        const CASED: &[Form] = &[
            Form::Plain,
            Form::Upper,
            Form::Utf16le,
            Form::Gzip,
            Form::Zip,
            Form::Base64,
            Form::ZipBase64,
        ];
        const URL: &[Form] = &[
            Form::Plain,
            Form::Upper,
            Form::Defanged,
            Form::Utf16le,
            Form::Gzip,
            Form::Zip,
            Form::Base64,
            Form::ZipBase64,
        ];
        // EXIF is binary: no upper-case or UTF-16 form applies.
        const BINARY: &[Form] = &[
            Form::Plain,
            Form::Gzip,
            Form::Zip,
            Form::Base64,
            Form::ZipBase64,
        ];
        match kind {
            Kind::Url => URL,
            Kind::Gps => BINARY,
            Kind::Email | Kind::Domain => CASED,
            _ => COMMON,
        }
    }
}

impl fmt::Display for Form {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Errors of generation, scoring and conversion.
#[derive(Debug)]
pub enum Error {
    /// Reading or writing a file failed.
    Io(std::io::Error),
    /// A JSON line could not be parsed or written.
    Json(serde_json::Error),
    /// A parse error at a line of an input file.
    Line {
        /// The file.
        file: String,
        /// 1-based line number.
        line: usize,
        /// What was wrong.
        message: String,
    },
    /// Invalid arguments or an impossible layout.
    Invalid(String),
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Io(e) => write!(f, "I/O error: {e}"),
            Error::Json(e) => write!(f, "JSON error: {e}"),
            Error::Line {
                file,
                line,
                message,
            } => write!(f, "{file}:{line}: {message}"),
            Error::Invalid(m) => f.write_str(m),
        }
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Error::Io(e) => Some(e),
            Error::Json(e) => Some(e),
            _ => None,
        }
    }
}

impl From<std::io::Error> for Error {
    fn from(e: std::io::Error) -> Self {
        Error::Io(e)
    }
}

impl From<serde_json::Error> for Error {
    fn from(e: serde_json::Error) -> Self {
        Error::Json(e)
    }
}

/// What [`generate`] planted.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Summary {
    /// Image size in bytes.
    pub size: u64,
    /// Seed.
    pub seed: u64,
    /// Planted items (features and decoys).
    pub items: u64,
    /// Truth feature records (including derived ones).
    pub features: u64,
    /// Decoys.
    pub decoys: u64,
    /// Items planted across a multiple of 16 MiB.
    pub boundary_items: u64,
    /// Truth feature records per kind.
    pub per_kind: BTreeMap<String, u64>,
}

/// First line of a truth file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TruthHeader {
    /// Image size in bytes.
    pub size: u64,
    /// Seed.
    pub seed: u64,
    /// Generator name and version.
    pub generator: String,
    /// Number of feature records.
    pub features: u64,
    /// Number of decoy records.
    pub decoys: u64,
}

/// One expected finding.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TruthFeature {
    /// Kind the scanner must report.
    pub kind: Kind,
    /// Normalized value the scanner must report.
    pub normalized: String,
    /// The value as written (before encoding).
    pub value: String,
    /// Forensic path the scanner must report.
    pub path: String,
    /// How the item was written.
    pub form: Form,
    /// `utf16le` for UTF-16 items, else null.
    pub encoding: Option<String>,
    /// Planted across a multiple of 16 MiB.
    pub boundary: bool,
    /// Derived from another feature (the domain of a URL).
    pub derived: bool,
    /// Offset of the planted item.
    pub item: u64,
    /// Length of the planted item.
    pub item_len: u64,
}

/// A decoy that must not be reported.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TruthDecoy {
    /// The kind it imitates.
    pub kind: Kind,
    /// Decoy type (`ccn-luhn-off`, `version-string`, …).
    pub what: String,
    /// The bytes written (ASCII); for `gps` decoys, a description of the
    /// rationals (the bytes are binary EXIF at `offset`).
    pub value: String,
    /// Offset of its first byte.
    pub offset: u64,
}

/// One line of a truth file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "record", rename_all = "lowercase")]
pub enum Record {
    /// The header.
    Image(TruthHeader),
    /// An expected finding.
    Feature(TruthFeature),
    /// A decoy.
    Decoy(TruthDecoy),
}

/// A parsed truth file.
#[derive(Debug, Clone, Default)]
pub struct Truth {
    /// The header, when present.
    pub header: Option<TruthHeader>,
    /// Expected findings.
    pub features: Vec<TruthFeature>,
    /// Decoys.
    pub decoys: Vec<TruthDecoy>,
}

impl Truth {
    /// Reads a truth file written by [`generate`].
    pub fn read(path: &Path) -> Result<Truth, Error> {
        let text = std::fs::read_to_string(path)?;
        let mut t = Truth::default();
        for (i, line) in text.lines().enumerate() {
            if line.trim().is_empty() {
                continue;
            }
            let rec: Record = serde_json::from_str(line).map_err(|e| Error::Line {
                file: path.display().to_string(),
                line: i + 1,
                message: e.to_string(),
            })?;
            match rec {
                Record::Image(h) => t.header = Some(h),
                Record::Feature(f) => t.features.push(f),
                Record::Decoy(d) => t.decoys.push(d),
            }
        }
        Ok(t)
    }
}

/// Writes a pseudo-random image of `size` bytes to `image` with planted
/// features and decoys, and its ground truth (JSON Lines) to `truth`.
///
/// Deterministic: the same `size` and `seed` give identical bytes.
pub fn generate(size: u64, seed: u64, image: &Path, truth: &Path) -> Result<Summary, Error> {
    layout::generate(size, seed, image, truth)
}

/// Parses a size: a number of bytes with an optional binary suffix
/// (`K`, `M`, `G`, `T`, optionally followed by `iB` or `B`).
pub fn parse_size(s: &str) -> Result<u64, Error> {
    let t = s.trim();
    let digits_end = t.find(|c: char| !c.is_ascii_digit()).unwrap_or(t.len());
    let (num, unit) = t.split_at(digits_end);
    let n: u64 = num
        .parse()
        .map_err(|_| Error::Invalid(format!("bad size {s:?}")))?;
    let shift = match unit
        .to_ascii_uppercase()
        .trim_end_matches("IB")
        .trim_end_matches('B')
    {
        "" => 0,
        "K" => 10,
        "M" => 20,
        "G" => 30,
        "T" => 40,
        _ => return Err(Error::Invalid(format!("bad size unit in {s:?}"))),
    };
    n.checked_mul(1u64 << shift)
        .ok_or_else(|| Error::Invalid(format!("size {s:?} too large")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes() {
        assert_eq!(parse_size("1G").unwrap(), 1 << 30);
        assert_eq!(parse_size("40MiB").unwrap(), 40 << 20);
        assert_eq!(parse_size("512k").unwrap(), 512 << 10);
        assert_eq!(parse_size("1000").unwrap(), 1000);
        assert!(parse_size("1X").is_err());
        assert!(parse_size("").is_err());
    }
}
