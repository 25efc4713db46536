//! RDAP responses (RFC 9083) the investigator saved, read into [`Registration`]s.
//!
//! A response is one of: an object (domain, IP network, autnum, entity,
//! name server), search results (`domainSearchResults`,
//! `entitySearchResults`, `nameserverSearchResults`, and the `ip…`/`autnum…`
//! extensions), an error (`errorCode`) or help (only notices). The JSON is
//! walked by hand rather than deserialised into fixed types, because real
//! servers disagree on details (a string where an array is expected, `org`
//! as a list, a `tel:` URI or plain text) and one odd member must not lose
//! the whole response. Unknown members are ignored.
//!
//! Contacts come from jCard (RFC 7095) `vcardArray`s. Redactions come from
//! the RFC 9537 `redacted` array and from vCard values that are privacy
//! placeholders ([`crate::is_redacted_placeholder`]); a placeholder is
//! never kept as the contact's data.

use crate::registration::{
    is_redacted_placeholder, AsnRange, Contact, Event, IpRange, ObjectClass, Redaction,
    RedactionSource, Registrar, Registration, SourceFormat,
};
use crate::Error;
use serde::Serialize;
use serde_json::{Map, Value};

/// Largest response accepted (64 MiB); real responses are kilobytes.
pub const MAX_INPUT: usize = 64 << 20;

/// Deepest nesting of entities followed (RDAP servers nest two or three).
const MAX_DEPTH: usize = 16;

/// A notice or remark: title and lines of text.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Notice {
    /// Title, if any.
    pub title: Option<String>,
    /// Description lines.
    pub description: Vec<String>,
}

/// What an RDAP response said.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "response", rename_all = "snake_case")]
pub enum RdapResponse {
    /// One object.
    Object {
        /// The object (boxed: it is much larger than the other variants).
        registration: Box<Registration>,
    },
    /// Search results (possibly none).
    Search {
        /// The member that held them (`domainSearchResults`, …).
        member: String,
        /// The objects found, in the order given.
        results: Vec<Registration>,
        /// RFC 9537 redactions stated at the top level, if any.
        redactions: Vec<Redaction>,
    },
    /// An error response (RFC 9083 §6).
    Error {
        /// `errorCode` (an HTTP status).
        code: Option<u16>,
        /// `title`.
        title: Option<String>,
        /// `description` lines.
        description: Vec<String>,
    },
    /// A help response (RFC 9083 §7): notices only.
    Help {
        /// The notices.
        notices: Vec<Notice>,
    },
}

impl RdapResponse {
    /// The registrations the response holds: one for an object, each result
    /// of a search, none for an error or help.
    pub fn registrations(&self) -> Vec<&Registration> {
        match self {
            RdapResponse::Object { registration } => vec![registration.as_ref()],
            RdapResponse::Search { results, .. } => results.iter().collect(),
            RdapResponse::Error { .. } | RdapResponse::Help { .. } => Vec::new(),
        }
    }
}

/// Parses a saved RDAP response. Fails on invalid JSON (the error says where),
/// on JSON that is not an object, and on an object with none of
/// `objectClassName`, `errorCode`, `…SearchResults`, `notices` or
/// `rdapConformance`.
pub fn parse(bytes: &[u8]) -> Result<RdapResponse, Error> {
    if bytes.len() > MAX_INPUT {
        return Err(Error::TooLarge {
            what: "RDAP response",
            len: bytes.len(),
            max: MAX_INPUT,
        });
    }
    let value: Value = serde_json::from_slice(bytes)?;
    let Value::Object(top) = value else {
        return Err(Error::NotRdap(format!(
            "top-level JSON value is {}, not an object",
            type_name(&value)
        )));
    };
    if top.contains_key("errorCode") {
        return Ok(RdapResponse::Error {
            code: top
                .get("errorCode")
                .and_then(Value::as_u64)
                .and_then(|c| u16::try_from(c).ok()),
            title: string(&top, "title"),
            description: strings(top.get("description")),
        });
    }
    if top.contains_key("objectClassName") {
        return Ok(RdapResponse::Object {
            registration: Box::new(object(&top, None, 0)),
        });
    }
    let mut members: Vec<&String> = top
        .keys()
        .filter(|k| k.ends_with("SearchResults"))
        .collect();
    members.sort();
    if let Some(member) = members.first() {
        let class = match member.as_str() {
            "domainSearchResults" => Some(ObjectClass::Domain),
            "entitySearchResults" => Some(ObjectClass::Entity),
            "nameserverSearchResults" => Some(ObjectClass::Nameserver),
            "autnumSearchResults" => Some(ObjectClass::Autnum),
            "ipSearchResults" | "networkSearchResults" => Some(ObjectClass::IpNetwork),
            _ => None,
        };
        let results = match top.get(member.as_str()) {
            Some(Value::Array(items)) => items
                .iter()
                .filter_map(Value::as_object)
                .map(|o| object(o, class.clone(), 0))
                .collect(),
            _ => {
                return Err(Error::NotRdap(format!("{member} is not an array")));
            }
        };
        return Ok(RdapResponse::Search {
            member: member.to_string(),
            results,
            redactions: redactions(top.get("redacted")),
        });
    }
    if top.contains_key("notices") || top.contains_key("rdapConformance") {
        return Ok(RdapResponse::Help {
            notices: notices(top.get("notices")),
        });
    }
    Err(Error::NotRdap(
        "no objectClassName, errorCode, search results or notices".to_string(),
    ))
}

fn type_name(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

fn string(o: &Map<String, Value>, key: &str) -> Option<String> {
    o.get(key).and_then(text)
}

/// A non-empty string (numbers accepted too: some servers write handles as numbers).
fn text(v: &Value) -> Option<String> {
    let s = match v {
        Value::String(s) => s.trim().to_string(),
        Value::Number(n) => n.to_string(),
        _ => return None,
    };
    (!s.is_empty()).then_some(s)
}

/// Strings of an array (or a lone string), empty ones dropped.
fn strings(v: Option<&Value>) -> Vec<String> {
    match v {
        Some(Value::Array(a)) => a.iter().filter_map(text).collect(),
        Some(v) => text(v).into_iter().collect(),
        None => Vec::new(),
    }
}

fn notices(v: Option<&Value>) -> Vec<Notice> {
    let Some(Value::Array(items)) = v else {
        return Vec::new();
    };
    items
        .iter()
        .filter_map(Value::as_object)
        .map(|n| Notice {
            title: string(n, "title"),
            description: strings(n.get("description")),
        })
        .collect()
}

fn object(o: &Map<String, Value>, class: Option<ObjectClass>, depth: usize) -> Registration {
    let class = o
        .get("objectClassName")
        .and_then(Value::as_str)
        .map(ObjectClass::from_rdap)
        .or(class)
        .unwrap_or(ObjectClass::Other(String::new()));
    let mut r = Registration::new(SourceFormat::Rdap, class.clone());
    r.handle = string(o, "handle");
    // LDH names are normalised (lower case, no root dot) so they compare
    // with refanged indicators; other names are kept as written.
    r.name = string(o, "ldhName")
        .map(|n| crate::normalise::domain(&n).unwrap_or(n))
        .or_else(|| string(o, "name"));
    r.unicode_name = string(o, "unicodeName");
    r.status = strings(o.get("status"));
    r.country = string(o, "country");
    r.network_type = string(o, "type");
    r.parent_handle = string(o, "parentHandle");
    r.whois_server = string(o, "port43");
    r.events = events(o.get("events"));
    if class == ObjectClass::Entity {
        let me = contact(o, None, &mut r.redactions);
        if r.name.is_none() {
            r.name = me.name.clone();
        }
        r.contacts.push(me);
    }
    if let Some(Value::Array(ents)) = o.get("entities") {
        for e in ents.iter().filter_map(Value::as_object) {
            walk_entity(e, r.handle.clone(), depth, &mut r);
        }
    }
    if let Some(Value::Array(ns)) = o.get("nameservers") {
        for n in ns.iter().filter_map(Value::as_object) {
            if let Some(name) = string(n, "ldhName").or_else(|| string(n, "unicodeName")) {
                r.nameservers
                    .push(crate::normalise::domain(&name).unwrap_or(name));
            }
        }
    }
    if let Some(Value::Object(ips)) = o.get("ipAddresses") {
        for fam in ["v4", "v6"] {
            for a in strings(ips.get(fam)) {
                r.ip_addresses.push(crate::normalise::ip(&a).unwrap_or(a));
            }
        }
    }
    let start = string(o, "startAddress");
    let end = string(o, "endAddress");
    let cidrs = cidrs(o.get("cidr0_cidrs"));
    if start.is_some() || end.is_some() || !cidrs.is_empty() {
        r.ip_range = Some(IpRange {
            start,
            end,
            version: string(o, "ipVersion"),
            cidrs,
        });
    }
    let asn = |k| {
        o.get(k)
            .and_then(Value::as_u64)
            .and_then(|n| u32::try_from(n).ok())
    };
    if let (Some(s), Some(e)) = (asn("startAutnum"), asn("endAutnum")) {
        r.asn_range = Some(AsnRange { start: s, end: e });
    }
    r.redactions.extend(redactions(o.get("redacted")));
    r
}

fn events(v: Option<&Value>) -> Vec<Event> {
    let Some(Value::Array(items)) = v else {
        return Vec::new();
    };
    items
        .iter()
        .filter_map(Value::as_object)
        .filter_map(|e| {
            let action = string(e, "eventAction")?;
            let date = string(e, "eventDate").unwrap_or_default();
            Some(Event::new(&action, &date))
        })
        .collect()
}

fn cidrs(v: Option<&Value>) -> Vec<String> {
    let Some(Value::Array(items)) = v else {
        return Vec::new();
    };
    items
        .iter()
        .filter_map(Value::as_object)
        .filter_map(|c| {
            let prefix = string(c, "v4prefix").or_else(|| string(c, "v6prefix"))?;
            let len = c.get("length").and_then(Value::as_u64)?;
            Some(format!("{prefix}/{len}"))
        })
        .collect()
}

fn walk_entity(e: &Map<String, Value>, parent: Option<String>, depth: usize, r: &mut Registration) {
    if depth >= MAX_DEPTH {
        return;
    }
    let c = contact(e, parent, &mut r.redactions);
    if r.registrar.is_none() && c.roles.iter().any(|x| x.eq_ignore_ascii_case("registrar")) {
        let iana_id = match e.get("publicIds") {
            Some(Value::Array(ids)) => ids.iter().filter_map(Value::as_object).find_map(|p| {
                let t = string(p, "type")?;
                t.to_ascii_lowercase()
                    .contains("iana")
                    .then(|| string(p, "identifier"))
                    .flatten()
            }),
            _ => None,
        };
        r.registrar = Some(Registrar {
            handle: c.handle.clone(),
            name: c.name.clone().or_else(|| c.org.clone()),
            iana_id,
            url: vcard_props(e)
                .into_iter()
                .find(|p| p.name == "url")
                .and_then(|p| p.value),
        });
    }
    let handle = c.handle.clone();
    r.contacts.push(c);
    if let Some(Value::Array(ents)) = e.get("entities") {
        for sub in ents.iter().filter_map(Value::as_object) {
            walk_entity(sub, handle.clone(), depth + 1, r);
        }
    }
}

/// One jCard property: lower-case name, parameters, value flattened to text.
struct Prop<'a> {
    name: String,
    params: Option<&'a Map<String, Value>>,
    value: Option<String>,
    raw: Option<&'a Value>,
}

fn vcard_props(e: &Map<String, Value>) -> Vec<Prop<'_>> {
    let Some(Value::Array(card)) = e.get("vcardArray") else {
        return Vec::new();
    };
    let Some(Value::Array(props)) = card.get(1) else {
        return Vec::new();
    };
    props
        .iter()
        .filter_map(Value::as_array)
        .filter_map(|p| {
            let name = p.first()?.as_str()?.to_ascii_lowercase();
            let raw = p.get(3);
            Some(Prop {
                name,
                params: p.get(1).and_then(Value::as_object),
                value: raw.and_then(flatten),
                raw,
            })
        })
        .collect()
}

/// A jCard value as one line: arrays (structured values) joined with `, `.
fn flatten(v: &Value) -> Option<String> {
    fn walk(v: &Value, out: &mut Vec<String>, depth: usize) {
        if depth > 4 {
            return;
        }
        match v {
            Value::Array(a) => a.iter().for_each(|x| walk(x, out, depth + 1)),
            other => out.extend(text(other)),
        }
    }
    let mut parts = Vec::new();
    walk(v, &mut parts, 0);
    (!parts.is_empty()).then(|| parts.join(", "))
}

fn contact(e: &Map<String, Value>, parent: Option<String>, red: &mut Vec<Redaction>) -> Contact {
    let mut c = Contact {
        handle: string(e, "handle"),
        roles: strings(e.get("roles")),
        parent,
        ..Contact::default()
    };
    let who = if c.roles.is_empty() {
        "entity".to_string()
    } else {
        c.roles.join("/")
    };
    let mut keep = |prop: &str, v: Option<String>| -> Option<String> {
        let v = v?;
        if is_redacted_placeholder(&v) {
            red.push(Redaction {
                name: format!("{who} {prop}"),
                reason: Some(v),
                method: Some("placeholder".to_string()),
                path: None,
                source: RedactionSource::Placeholder,
            });
            return None;
        }
        Some(v)
    };
    for p in vcard_props(e) {
        match p.name.as_str() {
            "fn" if c.name.is_none() => c.name = keep("fn", p.value),
            "org" if c.org.is_none() => c.org = keep("org", p.value),
            "kind" => c.kind = p.value,
            "email" => c.emails.extend(keep("email", p.value)),
            "tel" => {
                let v = p
                    .value
                    .map(|t| t.strip_prefix("tel:").unwrap_or(&t).to_string());
                c.phones.extend(keep("tel", v));
            }
            "adr" => {
                let label_lines: Vec<String> = p
                    .params
                    .and_then(|m| m.get("label"))
                    .and_then(text)
                    .map(|l| {
                        l.lines()
                            .map(str::trim)
                            .filter(|x| !x.is_empty())
                            .map(str::to_string)
                            .collect()
                    })
                    .unwrap_or_default();
                // RIRs (ARIN) leave the structured value empty and write
                // the address as a label whose last line is the country.
                let label_country = (p.value.is_none() && label_lines.len() >= 2)
                    .then(|| label_lines.last().cloned())
                    .flatten();
                let label = (!label_lines.is_empty()).then(|| label_lines.join(", "));
                let cc = p.params.and_then(|m| m.get("cc")).and_then(text);
                let country = p
                    .raw
                    .and_then(Value::as_array)
                    .and_then(|a| a.get(6))
                    .and_then(text);
                if c.address.is_none() {
                    c.address = keep("adr", label.or(p.value));
                }
                if c.country.is_none() {
                    c.country = cc.or(country).or(label_country);
                }
            }
            _ => {}
        }
    }
    c
}

fn redactions(v: Option<&Value>) -> Vec<Redaction> {
    let Some(Value::Array(items)) = v else {
        return Vec::new();
    };
    let label = |v: Option<&Value>| -> Option<String> {
        match v? {
            Value::Object(m) => string(m, "type").or_else(|| string(m, "description")),
            other => text(other),
        }
    };
    items
        .iter()
        .filter_map(Value::as_object)
        .map(|r| Redaction {
            name: label(r.get("name")).unwrap_or_default(),
            reason: label(r.get("reason")),
            method: string(r, "method"),
            path: string(r, "prePath")
                .or_else(|| string(r, "postPath"))
                .or_else(|| string(r, "replacementPath")),
            source: RedactionSource::Rfc9537,
        })
        .collect()
}
