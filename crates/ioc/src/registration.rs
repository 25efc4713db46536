//! The shape both RDAP and WHOIS parsing produce.

use jiff::civil::Date;
use jiff::Timestamp;
use serde::Serialize;

/// Which format a [`Registration`] was read from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum SourceFormat {
    /// RDAP JSON (RFC 9083).
    Rdap,
    /// WHOIS text (RFC 3912 responses; no standard layout).
    Whois,
}

/// What was registered.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ObjectClass {
    /// A domain name.
    Domain,
    /// An IP network (`ip network`; WHOIS `inetnum`, `inet6num`, `NetRange`).
    IpNetwork,
    /// An autonomous system number range (`autnum`; WHOIS `aut-num`).
    Autnum,
    /// A contact or organisation.
    Entity,
    /// A name server.
    Nameserver,
    /// Anything else, as written.
    Other(String),
}

impl ObjectClass {
    pub(crate) fn from_rdap(s: &str) -> ObjectClass {
        match s.trim().to_ascii_lowercase().as_str() {
            "domain" => ObjectClass::Domain,
            "ip network" | "ip" | "network" => ObjectClass::IpNetwork,
            "autnum" => ObjectClass::Autnum,
            "entity" => ObjectClass::Entity,
            "nameserver" => ObjectClass::Nameserver,
            _ => ObjectClass::Other(s.to_string()),
        }
    }
}

/// The sponsoring registrar of a domain.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Registrar {
    /// Registry handle of the registrar entity.
    pub handle: Option<String>,
    /// Name (vCard `fn`; WHOIS `Registrar:`).
    pub name: Option<String>,
    /// IANA Registrar ID (RDAP `publicIds`; WHOIS `Registrar IANA ID:`).
    pub iana_id: Option<String>,
    /// Registrar's web site, when given.
    pub url: Option<String>,
}

/// A person, role or organisation attached to the object.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Contact {
    /// Registry handle (RDAP `handle`; RIPE `nic-hdl`).
    pub handle: Option<String>,
    /// Roles: `registrant`, `administrative`, `technical`, `abuse`, `registrar`, …
    pub roles: Vec<String>,
    /// Name (vCard `fn`).
    pub name: Option<String>,
    /// Organisation (vCard `org`).
    pub org: Option<String>,
    /// vCard `kind` (`individual`, `org`, `group`).
    pub kind: Option<String>,
    /// E-mail addresses, as written.
    pub emails: Vec<String>,
    /// Telephone and fax numbers (a `tel:` URI prefix removed).
    pub phones: Vec<String>,
    /// Postal address on one line, parts separated by `, `.
    pub address: Option<String>,
    /// Country (code or name, as written).
    pub country: Option<String>,
    /// Handle of the entity this one is nested in (RDAP), if any.
    pub parent: Option<String>,
}

/// One dated event in the object's life.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Event {
    /// `registration`, `expiration`, `last changed`, `transfer`, … (RDAP
    /// vocabulary; WHOIS keys are mapped onto it).
    pub action: String,
    /// The date as written.
    pub raw: String,
    /// The instant, when the text gives a time with a zone (`Z`, `+02:00`, `UTC`).
    pub timestamp: Option<Timestamp>,
    /// The calendar date: of the instant in UTC, or as written for date-only values.
    pub date: Option<Date>,
}

impl Event {
    pub(crate) fn new(action: &str, raw: &str) -> Event {
        let raw = raw.trim();
        let (timestamp, date) = parse_date(raw);
        Event {
            action: action.to_string(),
            raw: raw.to_string(),
            timestamp,
            date,
        }
    }
}

/// Reads the date forms registries use. A date-time without a zone is *not*
/// given a timestamp (the zone would be a guess); its date is kept.
pub(crate) fn parse_date(raw: &str) -> (Option<Timestamp>, Option<Date>) {
    let s = raw.trim();
    if s.is_empty() || s.len() > 64 {
        return (None, None);
    }
    let mut iso = s.replace(' ', "T");
    for suffix in ["TUTC", "TGMT", "T(UTC)"] {
        if let Some(stripped) = iso.strip_suffix(suffix) {
            iso = format!("{stripped}Z");
        }
    }
    if let Ok(ts) = iso.parse::<Timestamp>() {
        let date = ts.to_zoned(jiff::tz::TimeZone::UTC).date();
        return (Some(ts), Some(date));
    }
    if let Ok(dt) = iso.parse::<jiff::civil::DateTime>() {
        return (None, Some(dt.date()));
    }
    let head = s.split([' ', 'T']).next().unwrap_or(s);
    let norm = head.replace(['.', '/'], "-");
    if let Ok(d) = norm.parse::<Date>() {
        return (None, Some(d));
    }
    if head.len() == 8 && head.bytes().all(|b| b.is_ascii_digit()) {
        let iso = format!("{}-{}-{}", &head[..4], &head[4..6], &head[6..]);
        if let Ok(d) = iso.parse::<Date>() {
            return (None, Some(d));
        }
    }
    // 01-Jan-2020, 01-JAN-2020
    if let Ok(d) = Date::strptime("%d-%b-%Y", head) {
        return (None, Some(d));
    }
    (None, None)
}

/// First address to last address of an IP network.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct IpRange {
    /// First address.
    pub start: Option<String>,
    /// Last address.
    pub end: Option<String>,
    /// `v4` or `v6`.
    pub version: Option<String>,
    /// CIDR prefixes covering the range (`192.198.0.0/22`).
    pub cidrs: Vec<String>,
}

/// An autonomous system number range (one AS: start = end).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct AsnRange {
    /// First AS number.
    pub start: u32,
    /// Last AS number.
    pub end: u32,
}

/// Where a redaction was learnt from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RedactionSource {
    /// The RFC 9537 `redacted` array of an RDAP response.
    Rfc9537,
    /// A placeholder value such as "REDACTED FOR PRIVACY" in place of data.
    Placeholder,
}

/// A field the registry withheld.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Redaction {
    /// What was withheld ("Registrant Name"; for placeholders `registrant fn`
    /// or the WHOIS key).
    pub name: String,
    /// Why, when said ("Server policy"; for placeholders the placeholder text).
    pub reason: Option<String>,
    /// RFC 9537 method (`removal`, `emptyValue`, `partialValue`,
    /// `replacementValue`), or `placeholder`.
    pub method: Option<String>,
    /// RFC 9537 JSONPath (`prePath` or `postPath`), when given.
    pub path: Option<String>,
    /// Where this was learnt from.
    pub source: RedactionSource,
}

/// Registration data of one object, from RDAP or WHOIS.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Registration {
    /// Which format this came from.
    pub format: SourceFormat,
    /// What was registered.
    pub object_class: ObjectClass,
    /// Registry handle (`DOM000000181261-FRNIC`, `NET-192-198-0-0-1`, `AS16509`).
    pub handle: Option<String>,
    /// The name: a domain's or name server's LDH name, a network's or AS's
    /// name, an entity's vCard `fn`.
    pub name: Option<String>,
    /// RDAP `unicodeName` of a domain or name server.
    pub unicode_name: Option<String>,
    /// Sponsoring registrar, when one is named.
    pub registrar: Option<Registrar>,
    /// All contacts, nested RDAP entities flattened depth-first (their
    /// `parent` says where they were). Name servers' own entities are left out.
    pub contacts: Vec<Contact>,
    /// Life-cycle events, in the order given.
    pub events: Vec<Event>,
    /// Name servers of a domain, normalised (lower case, no trailing dot).
    pub nameservers: Vec<String>,
    /// Status values as given (`active`, `client transfer prohibited`, …).
    pub status: Vec<String>,
    /// Address range of an IP network.
    pub ip_range: Option<IpRange>,
    /// Number range of an autnum.
    pub asn_range: Option<AsnRange>,
    /// Country of the object (RDAP `country`; WHOIS `country:`).
    pub country: Option<String>,
    /// Network or allocation type (`DIRECT ALLOCATION`, `ALLOCATED PA`).
    pub network_type: Option<String>,
    /// Handle of the parent network.
    pub parent_handle: Option<String>,
    /// Addresses of a name server (RDAP `ipAddresses`).
    pub ip_addresses: Vec<String>,
    /// Free-text descriptions (WHOIS `descr:`; RDAP remark titles are not kept).
    pub descriptions: Vec<String>,
    /// WHOIS server named by the response (RDAP `port43`).
    pub whois_server: Option<String>,
    /// Withheld fields.
    pub redactions: Vec<Redaction>,
}

impl Registration {
    pub(crate) fn new(format: SourceFormat, object_class: ObjectClass) -> Registration {
        Registration {
            format,
            object_class,
            handle: None,
            name: None,
            unicode_name: None,
            registrar: None,
            contacts: Vec::new(),
            events: Vec::new(),
            nameservers: Vec::new(),
            status: Vec::new(),
            ip_range: None,
            asn_range: None,
            country: None,
            network_type: None,
            parent_handle: None,
            ip_addresses: Vec::new(),
            descriptions: Vec::new(),
            whois_server: None,
            redactions: Vec::new(),
        }
    }

    /// Contacts holding the `abuse` role (nested ones included).
    pub fn abuse_contacts(&self) -> impl Iterator<Item = &Contact> {
        self.contacts
            .iter()
            .filter(|c| c.roles.iter().any(|r| r.eq_ignore_ascii_case("abuse")))
    }

    /// E-mail addresses of the abuse contacts, sorted, without repeats.
    pub fn abuse_emails(&self) -> Vec<String> {
        let set: std::collections::BTreeSet<String> = self
            .abuse_contacts()
            .flat_map(|c| c.emails.iter().cloned())
            .collect();
        set.into_iter().collect()
    }

    /// Contacts holding `role` (case-insensitive).
    pub fn contacts_with_role<'a>(&'a self, role: &'a str) -> impl Iterator<Item = &'a Contact> {
        self.contacts
            .iter()
            .filter(move |c| c.roles.iter().any(|r| r.eq_ignore_ascii_case(role)))
    }

    /// The first event with `action` (case-insensitive), e.g. `"expiration"`.
    pub fn event(&self, action: &str) -> Option<&Event> {
        self.events
            .iter()
            .find(|e| e.action.eq_ignore_ascii_case(action))
    }
}

/// Whether a value is a privacy placeholder rather than data
/// ("REDACTED FOR PRIVACY", "Data Protected", "Not Disclosed", "Non-Public
/// Data", "Withheld for privacy", GDPR masking notes, …). Case is ignored.
pub fn is_redacted_placeholder(value: &str) -> bool {
    let v = value.trim().to_ascii_lowercase();
    const NEEDLES: [&str; 13] = [
        "please query the rdds service",
        "redacted",
        "data protected",
        "not disclosed",
        "non-public data",
        "withheld for privacy",
        "privacy protect",
        "gdpr masked",
        "statutory masking",
        "hidden upon user request",
        "not available from registry",
        "data not available",
        "contact privacy",
    ];
    NEEDLES.iter().any(|n| v.contains(n))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates() {
        let (t, d) = parse_date("2022-10-12T18:54:01.785057Z");
        assert_eq!(t.unwrap().to_string(), "2022-10-12T18:54:01.785057Z");
        assert_eq!(d.unwrap().to_string(), "2022-10-12");
        let (t, _) = parse_date("2013-01-31T18:11:17-05:00");
        assert_eq!(t.unwrap().to_string(), "2013-01-31T23:11:17Z");
        let (t, d) = parse_date("2013-01-31");
        assert!(t.is_none());
        assert_eq!(d.unwrap().to_string(), "2013-01-31");
        assert_eq!(
            parse_date("2001/12/10").1.unwrap().to_string(),
            "2001-12-10"
        );
        assert_eq!(
            parse_date("01-Jan-2020").1.unwrap().to_string(),
            "2020-01-01"
        );
        assert_eq!(parse_date("20200315").1.unwrap().to_string(), "2020-03-15");
        let (t, _) = parse_date("2024-05-01 10:00:00 UTC");
        assert_eq!(t.unwrap().to_string(), "2024-05-01T10:00:00Z");
        let (t, d) = parse_date("2024-05-01 10:00:00");
        assert!(t.is_none());
        assert!(d.is_some());
        assert_eq!(parse_date("soon"), (None, None));
    }

    #[test]
    fn placeholders() {
        assert!(is_redacted_placeholder("REDACTED FOR PRIVACY"));
        assert!(is_redacted_placeholder("Data Protected"));
        assert!(is_redacted_placeholder("Not Disclosed"));
        assert!(!is_redacted_placeholder("Example Inc."));
    }
}
