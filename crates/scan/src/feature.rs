//! What a scan finds: [`Feature`]s of a [`Kind`].

use serde::{Deserialize, Serialize};

/// The kinds of lead the scanner recognises.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    /// An e-mail address.
    Email,
    /// A URL (`http`, `https`, `ftp`, `www.`, and defanged `hxxp` forms).
    Url,
    /// A host name taken from a URL or an e-mail address.
    Domain,
    /// An IPv4 address in dotted-quad form.
    Ipv4,
    /// An IPv6 address (full or `::`-compressed).
    Ipv6,
    /// A telephone number (normalised to E.164).
    Phone,
    /// A payment card number (Luhn-valid, known issuer range).
    Ccn,
    /// An International Bank Account Number (mod-97 valid).
    Iban,
    /// A cryptocurrency address (validated by `exhibit-wallets`).
    Wallet,
    /// A Tor onion service address (v3 checksummed, v2 by shape).
    Onion,
    /// An I2P host name (`*.i2p`, `*.b32.i2p`).
    I2p,
    /// GPS coordinates from an EXIF block (`lat,lon`, decimal degrees).
    Gps,
}

impl Kind {
    /// Every kind, in output order.
    pub const ALL: [Kind; 12] = [
        Kind::Email,
        Kind::Url,
        Kind::Domain,
        Kind::Ipv4,
        Kind::Ipv6,
        Kind::Phone,
        Kind::Ccn,
        Kind::Iban,
        Kind::Wallet,
        Kind::Onion,
        Kind::I2p,
        Kind::Gps,
    ];

    /// The short name used for feature files (`email.txt`) and in JSON
    /// (bulk_extractor's names where it has one: `ip` for IPv4, `ccn`).
    pub fn name(self) -> &'static str {
        match self {
            Kind::Email => "email",
            Kind::Url => "url",
            Kind::Domain => "domain",
            Kind::Ipv4 => "ip",
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

    /// The kind named `name` (as returned by [`Kind::name`]).
    pub fn from_name(name: &str) -> Option<Kind> {
        Kind::ALL.into_iter().find(|k| k.name() == name)
    }

    pub(crate) fn index(self) -> usize {
        self as usize
    }
}

impl std::fmt::Display for Kind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// One lead found in the evidence.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Feature {
    /// What was found.
    pub kind: Kind,
    /// The text as it appears in the data (transcoded to UTF-8 when found in
    /// UTF-16); for GPS, the decoded `lat,lon` (the EXIF is binary).
    pub value: String,
    /// The canonical form used for histograms and matching: lower-cased
    /// e-mail and host names, E.164 phone numbers, card and IBAN digits
    /// without separators, refanged URLs, canonical IPv6, GPS `lat,lon` in
    /// signed decimal degrees with six decimals (`13.756331,100.501765`).
    pub normalized: String,
    /// Forensic path, bulk_extractor's convention: the decimal offset of the
    /// first byte for a plain hit (for GPS: of the TIFF header, `II`/`MM`,
    /// after `Exif\0\0`); `OFFSET-GZIP-INNER` (also `ZLIB`, `ZIP`,
    /// `BASE64`, `PDF`), recursively, inside decoded objects.
    pub path: String,
    /// Absolute offset in the source of the outermost container object the
    /// feature was decoded from, or of the feature itself for a plain hit.
    pub offset: u64,
    /// `Some("utf16le")` / `Some("utf16be")` when found in UTF-16 text.
    pub encoding: Option<&'static str>,
    /// True when a checksum proved the value (Luhn, mod-97, onion v3,
    /// wallet checksums) or, for GPS, when the EXIF structure was parsed
    /// whole with non-zero denominators and in-range values; false for
    /// shape-only matches.
    pub validated: bool,
    /// The bytes around the feature (the feature itself included), 16 bytes
    /// either side (32 for UTF-16), from the buffer it was found in.
    pub context: Vec<u8>,
}

impl Feature {
    /// A URL or domain written in a defanged form (`hxxp://`, `[.]`, `(.)`,
    /// `[:]`): the normalised value is the refanged one.
    pub fn is_defanged(&self) -> bool {
        matches!(self.kind, Kind::Url | Kind::Domain) && {
            let v = self.value.to_ascii_lowercase();
            v.starts_with("hxxp") || v.contains("[.]") || v.contains("(.)") || v.contains("[:]")
        }
    }
}

#[cfg(test)]
mod defang_tests {
    use super::*;

    fn url(value: &str) -> Feature {
        Feature {
            kind: Kind::Url,
            value: value.into(),
            normalized: String::new(),
            path: "0".into(),
            offset: 0,
            encoding: None,
            validated: false,
            context: Vec::new(),
        }
    }

    #[test]
    fn defanged_forms_are_flagged() {
        assert!(url("hxxps://evil[.]example/x").is_defanged());
        assert!(url("www[.]bad(.)site").is_defanged());
        assert!(!url("https://example.com/a[1]").is_defanged());
    }
}
