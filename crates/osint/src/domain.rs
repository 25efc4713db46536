//! Domain names: IDN conversion and the public suffix / registrable domain
//! (the Public Suffix List algorithm, <https://publicsuffix.org/list/>).
//!
//! A copy of the list is bundled (`data/public_suffix_list.dat`, from
//! publicsuffix/list, MPL-2.0); [`Psl::from_file`] takes a newer one.

use crate::error::{list_name, read_text, OsintError};
use serde::Serialize;
use std::collections::HashMap;
use std::path::Path;
use std::sync::{Arc, OnceLock};

/// The bundled Public Suffix List (Mozilla Public License 2.0).
pub const BUNDLED_PSL: &str = include_str!("../data/public_suffix_list.dat");

/// The part of the list a rule comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Section {
    /// Suffixes under ICANN's authority (TLDs and registry second levels).
    Icann,
    /// Suffixes that private parties submitted (`github.io`, `blogspot.com`).
    Private,
}

#[derive(Debug, Clone, Copy, Default)]
struct Rule {
    normal: Option<Section>,
    wildcard: Option<Section>,
    exception: Option<Section>,
}

/// A parsed Public Suffix List.
#[derive(Debug, Clone)]
pub struct Psl {
    rules: HashMap<Box<str>, Rule>,
    count: usize,
    source: String,
}

/// How a host splits under the list. Every name is lower-case ASCII
/// (punycode for IDNs).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DomainParts {
    /// The host, normalised: lower-case, punycode, no trailing dot.
    pub host: String,
    /// Its public suffix (`co.th`, `github.io`; an unlisted TLD by itself).
    pub public_suffix: String,
    /// The registrable domain: the public suffix and one more label. `None`
    /// when the host is itself a public suffix.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub registrable: Option<String>,
    /// Section of the rule that decided; `None` when no rule matched and the
    /// default rule `*` applied (an unlisted TLD).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub section: Option<Section>,
}

impl DomainParts {
    /// The registrable domain without its public suffix: `bangkokbank` for
    /// `www.bangkokbank.com`.
    pub fn label(&self) -> Option<&str> {
        let reg = self.registrable.as_deref()?;
        Some(&reg[..reg.len() - self.public_suffix.len() - 1])
    }

    /// The labels left of the registrable domain (`www` for `www.x.com`).
    pub fn subdomain(&self) -> Option<&str> {
        let reg = self.registrable.as_deref()?;
        (self.host.len() > reg.len()).then(|| &self.host[..self.host.len() - reg.len() - 1])
    }
}

impl Psl {
    /// The bundled list, parsed once.
    pub fn bundled() -> Arc<Psl> {
        static PSL: OnceLock<Arc<Psl>> = OnceLock::new();
        PSL.get_or_init(|| Arc::new(Psl::parse(BUNDLED_PSL, "bundled public_suffix_list.dat")))
            .clone()
    }

    /// A list read from a file (a newer copy of `public_suffix_list.dat`).
    /// A file without a single rule is an error.
    pub fn from_file(path: &Path) -> Result<Psl, OsintError> {
        let text = read_text(path)?;
        let psl = Psl::parse(&text, &list_name(path));
        if psl.count == 0 {
            return Err(OsintError::list(path, None, "no public suffix rules found"));
        }
        Ok(psl)
    }

    /// Parses the list's text format: one rule a line (the rule ends at the
    /// first whitespace), `//` comments, `*.` wildcards, `!` exceptions,
    /// sections delimited by `===BEGIN ICANN DOMAINS===` and
    /// `===BEGIN PRIVATE DOMAINS===` comments. Rules in Unicode are stored as
    /// punycode. Rules that cannot be converted are skipped.
    pub fn parse(text: &str, source: &str) -> Psl {
        let mut rules: HashMap<Box<str>, Rule> = HashMap::new();
        let mut count = 0;
        let mut section = Section::Icann;
        for line in text.lines() {
            let line = line.trim();
            if let Some(comment) = line.strip_prefix("//") {
                if comment.contains("===BEGIN ICANN DOMAINS===") {
                    section = Section::Icann;
                } else if comment.contains("===BEGIN PRIVATE DOMAINS===") {
                    section = Section::Private;
                }
                continue;
            }
            let Some(rule) = line.split_whitespace().next() else {
                continue;
            };
            let (exception, rule) = match rule.strip_prefix('!') {
                Some(r) => (true, r),
                None => (false, rule),
            };
            let (wildcard, rule) = match rule.strip_prefix("*.") {
                Some(r) => (true, r),
                None => (false, rule),
            };
            if rule.is_empty() || rule.contains('*') || rule.starts_with('.') || rule.ends_with('.')
            {
                continue;
            }
            let Ok(ascii) = to_ascii(rule) else { continue };
            let entry = rules.entry(ascii.into_boxed_str()).or_default();
            if exception {
                entry.exception = Some(section);
            } else if wildcard {
                entry.wildcard = Some(section);
            } else {
                entry.normal = Some(section);
            }
            count += 1;
        }
        Psl {
            rules,
            count,
            source: source.to_string(),
        }
    }

    /// Number of rules.
    pub fn len(&self) -> usize {
        self.count
    }

    /// True when the list has no rules.
    pub fn is_empty(&self) -> bool {
        self.count == 0
    }

    /// Where the list came from (file name, or the bundled copy).
    pub fn source(&self) -> &str {
        &self.source
    }

    /// Splits a host name. `None` when it is not a usable domain name: empty,
    /// a leading dot or an empty label, an IP address, or an IDN that does not
    /// convert. One trailing dot (a fully qualified name) is accepted.
    pub fn split(&self, host: &str) -> Option<DomainParts> {
        let host = normalize_host(host)?;
        let (suffix_start, section) = self.suffix_start(&host);
        let registrable = (suffix_start > 0).then(|| {
            let before = &host[..suffix_start - 1];
            let start = before.rfind('.').map_or(0, |i| i + 1);
            host[start..].to_string()
        });
        Some(DomainParts {
            public_suffix: host[suffix_start..].to_string(),
            registrable,
            section,
            host,
        })
    }

    /// The registrable domain of `host`, in the form it was given: Unicode
    /// when the input had non-ASCII characters, ASCII (punycode) otherwise;
    /// always lower-case. `None` for a public suffix or a bad name.
    pub fn registrable_domain(&self, host: &str) -> Option<String> {
        let reg = self.split(host)?.registrable?;
        Some(if host.is_ascii() {
            reg
        } else {
            to_unicode(&reg)
        })
    }

    /// The public suffix of `host`, in the form it was given (as
    /// [`registrable_domain`](Psl::registrable_domain)).
    pub fn public_suffix(&self, host: &str) -> Option<String> {
        let ps = self.split(host)?.public_suffix;
        Some(if host.is_ascii() { ps } else { to_unicode(&ps) })
    }

    /// Byte offset where the public suffix of a normalised host starts, and
    /// the section of the prevailing rule.
    fn suffix_start(&self, host: &str) -> (usize, Option<Section>) {
        // Start offsets of every label, leftmost first.
        let mut starts = vec![0];
        starts.extend(host.match_indices('.').map(|(i, _)| i + 1));
        let mut best: Option<(usize, usize, Section)> = None; // (labels, start, section)
        let n = starts.len();
        for (k, &start) in starts.iter().enumerate() {
            let labels = n - k;
            if let Some(rule) = self.rules.get(&host[start..]) {
                if let Some(section) = rule.exception {
                    // An exception prevails; its public suffix is the rule
                    // minus its leftmost label.
                    let ps = starts.get(k + 1).copied().unwrap_or(host.len());
                    return (ps, Some(section));
                }
                if let Some(section) = rule.normal {
                    if best.is_none_or(|b| labels > b.0) {
                        best = Some((labels, start, section));
                    }
                }
            }
            // `*.rest` matches this suffix when `rest` is the suffix one label shorter.
            if let Some(&next) = starts.get(k + 1) {
                if let Some(section) = self.rules.get(&host[next..]).and_then(|r| r.wildcard) {
                    if best.is_none_or(|b| labels > b.0) {
                        best = Some((labels, start, section));
                    }
                }
            }
        }
        match best {
            Some((_, start, section)) => (start, Some(section)),
            // The default rule `*`: the last label.
            None => (starts[n - 1], None),
        }
    }
}

/// Lower-case ASCII form of a host, `None` if unusable (see [`Psl::split`]).
pub(crate) fn normalize_host(host: &str) -> Option<String> {
    let host = host.strip_suffix('.').unwrap_or(host);
    if host.is_empty() || host.starts_with('.') || host.contains("..") {
        return None;
    }
    let ascii = if host.is_ascii() {
        if !host
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_' || b == b'.')
        {
            return None;
        }
        host.to_ascii_lowercase()
    } else {
        to_ascii(host).ok()?
    };
    if ascii.is_empty()
        || ascii.split('.').any(str::is_empty)
        || ascii.parse::<std::net::IpAddr>().is_ok()
    {
        return None;
    }
    Some(ascii)
}

/// Why a name could not be converted.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("not a valid internationalised domain name: {0:?}")]
pub struct IdnaError(pub String);

/// IDNA (UTS #46) conversion to ASCII: lower-cases, maps and punycodes
/// (`食狮.中国` → `xn--85x722f.xn--fiqs8s`). Underscores are allowed, as in
/// real-world host names.
pub fn to_ascii(domain: &str) -> Result<String, IdnaError> {
    idna::domain_to_ascii_cow(domain.as_bytes(), idna::AsciiDenyList::EMPTY)
        .map(|c| c.into_owned())
        .map_err(|_| IdnaError(domain.to_string()))
}

/// IDNA conversion to Unicode (`xn--85x722f.xn--fiqs8s` → `食狮.中国`).
/// Labels that do not decode are left as they were.
pub fn to_unicode(domain: &str) -> String {
    if !domain.contains("xn--") && !domain.bytes().any(|b| b.is_ascii_uppercase()) {
        return domain.to_string();
    }
    let (unicode, result) = idna::domain_to_unicode(domain);
    if result.is_ok() {
        return unicode;
    }
    // Convert label by label so one bad label does not spoil the rest.
    domain
        .split('.')
        .map(|label| {
            let (u, r) = idna::domain_to_unicode(label);
            if r.is_ok() {
                u
            } else {
                label.to_ascii_lowercase()
            }
        })
        .collect::<Vec<_>>()
        .join(".")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn basics() {
        let psl = Psl::bundled();
        assert!(psl.len() > 9000);
        let p = psl.split("WWW.BangkokBank.com.").unwrap();
        assert_eq!(p.host, "www.bangkokbank.com");
        assert_eq!(p.public_suffix, "com");
        assert_eq!(p.registrable.as_deref(), Some("bangkokbank.com"));
        assert_eq!(p.label(), Some("bangkokbank"));
        assert_eq!(p.subdomain(), Some("www"));
        assert_eq!(p.section, Some(Section::Icann));
        let p = psl.split("a.b.scb.co.th").unwrap();
        assert_eq!(p.registrable.as_deref(), Some("scb.co.th"));
        assert_eq!(p.subdomain(), Some("a.b"));
        let p = psl.split("someone.github.io").unwrap();
        assert_eq!(p.section, Some(Section::Private));
        assert_eq!(p.registrable.as_deref(), Some("someone.github.io"));
        assert_eq!(psl.split("gov.ph").unwrap().registrable, None);
        assert!(psl.split("1.2.3.4").is_none());
        assert!(psl.split("a..b").is_none());
        assert!(psl.split("").is_none());
    }

    #[test]
    fn idn_round_trip() {
        assert_eq!(to_ascii("食狮.中国").unwrap(), "xn--85x722f.xn--fiqs8s");
        assert_eq!(to_unicode("xn--85x722f.xn--fiqs8s"), "食狮.中国");
        assert_eq!(to_ascii("pаypal.com").unwrap(), "xn--pypal-4ve.com");
        assert_eq!(to_unicode("xn--pypal-4ve.com"), "pаypal.com");
    }

    #[test]
    fn replacement_list() {
        let psl = Psl::parse("// ===BEGIN ICANN DOMAINS===\ncom\n*.ck\n!www.ck\n// ===BEGIN PRIVATE DOMAINS===\nblogspot.com\n", "mini");
        assert_eq!(psl.len(), 4);
        assert_eq!(
            psl.registrable_domain("a.b.blogspot.com").as_deref(),
            Some("b.blogspot.com")
        );
        assert_eq!(
            psl.registrable_domain("a.b.c.ck").as_deref(),
            Some("b.c.ck")
        );
        assert_eq!(
            psl.registrable_domain("x.www.ck").as_deref(),
            Some("www.ck")
        );
        assert_eq!(
            psl.registrable_domain("a.b.example").as_deref(),
            Some("b.example")
        );
    }
}
