//! WHOIS text responses, read into the same [`Registration`] as RDAP.
//!
//! WHOIS (RFC 3912) has no standard layout. Understood here:
//! - the ICANN gTLD layout (`Domain Name:`, `Registrar:`, `Creation Date:`,
//!   `Registry Expiry Date:`, `Name Server:`, `Registrant Organization:`,
//!   `Registrar Abuse Contact Email:` …), also used by many ccTLDs;
//! - RPSL objects of RIPE, APNIC, AFRINIC and LACNIC (`inetnum:`,
//!   `inet6num:`, `aut-num:`, `netname:`, `descr:`, `country:`, `admin-c:`,
//!   then `role:`/`person:`/`organisation:` objects with `nic-hdl:`,
//!   `e-mail:`, `abuse-mailbox:`), including the `% Abuse contact for … is
//!   '…'` comment;
//! - ARIN (`NetRange:`, `CIDR:`, `NetName:`, `OrgName:`, `OrgAbuseEmail:` …,
//!   `ASNumber:`);
//! - `[Key] value` lines as JPNIC writes them (`a. [Network Number]`).
//!
//! Unknown keys are ignored; everything after a `>>> … <<<` line (legal
//! notices) is ignored. A value that is a privacy placeholder ("REDACTED
//! FOR PRIVACY", "Data Protected", "Not Disclosed", …) becomes a
//! [`Redaction`] named after its key, never contact data. Event names
//! follow the RDAP vocabulary (`registration`, `expiration`, `last changed`).

use crate::registration::{
    is_redacted_placeholder, AsnRange, Contact, Event, IpRange, ObjectClass, Redaction,
    RedactionSource, Registrar, Registration, SourceFormat,
};
use crate::Error;
use std::collections::{BTreeMap, BTreeSet};

/// Largest text accepted (16 MiB); real responses are a few kilobytes.
pub const MAX_INPUT: usize = 16 << 20;

/// One `key: value` line.
struct Pair {
    block: usize,
    /// Lower case, single spaces, without `[ ]` or a JPNIC `a.` prefix.
    key: String,
    /// The key as written, for redaction names.
    orig: String,
    value: String,
}

/// RPSL objects that describe a contact, not the resource itself.
const CONTACT_OBJECTS: [&str; 4] = ["role", "person", "organisation", "irt"];
/// RPSL objects that are neither (ignored).
const OTHER_OBJECTS: [&str; 5] = ["route", "route6", "mntner", "as-set", "domain-ignored"];

/// Parses WHOIS text. Fails when no line looks like WHOIS data, or when the
/// text is larger than [`MAX_INPUT`].
pub fn parse(text: &str) -> Result<Registration, Error> {
    if text.len() > MAX_INPUT {
        return Err(Error::TooLarge {
            what: "WHOIS text",
            len: text.len(),
            max: MAX_INPUT,
        });
    }
    let (pairs, abuse_comment) = pairs(text);
    let class = classify(&pairs).ok_or_else(|| {
        Error::NotWhois(if pairs.is_empty() {
            "no `key: value` lines".to_string()
        } else {
            "no domain, network, AS or registrar keys".to_string()
        })
    })?;
    let mut b = Builder {
        r: Registration::new(SourceFormat::Whois, class),
        contacts: Vec::new(),
        addr: Vec::new(),
        index: BTreeMap::new(),
        links: BTreeMap::new(),
        seen_ns: BTreeSet::new(),
        event_block: None,
    };
    // The first key of each block names its RPSL object.
    let mut firsts: BTreeMap<usize, &str> = BTreeMap::new();
    for p in &pairs {
        firsts.entry(p.block).or_insert(p.key.as_str());
    }
    let block_kind = |block: usize| -> &str { firsts.get(&block).copied().unwrap_or("") };
    let mut primary_block: Option<usize> = None;
    for p in &pairs {
        let first = block_kind(p.block);
        if is_redacted_placeholder(&p.value) {
            b.r.redactions.push(Redaction {
                name: p.orig.clone(),
                reason: Some(p.value.clone()),
                method: Some("placeholder".to_string()),
                path: None,
                source: RedactionSource::Placeholder,
            });
            continue;
        }
        if CONTACT_OBJECTS.contains(&first) {
            b.rpsl_contact(p, first);
        } else if OTHER_OBJECTS.contains(&first) {
            continue;
        } else {
            // Only the first resource object counts (RIPE may append a less
            // specific one); other layouts are one logical block.
            let rpsl_primary = matches!(first, "inetnum" | "inet6num" | "aut-num");
            if rpsl_primary {
                match primary_block {
                    None => primary_block = Some(p.block),
                    Some(pb) if pb != p.block => continue,
                    _ => {}
                }
            }
            b.main(p);
        }
    }
    if let Some(email) = abuse_comment {
        if !b.contacts.iter().any(|(_, c)| c.emails.contains(&email)) {
            let c = b.contact("abuse");
            c.emails.push(email);
        }
    }
    Ok(b.finish())
}

/// Splits the text into pairs; returns also the RIPE abuse comment's address.
fn pairs(text: &str) -> (Vec<Pair>, Option<String>) {
    let mut out: Vec<Pair> = Vec::new();
    let mut abuse = None;
    let mut block = 0;
    let mut last_key_empty: Option<usize> = None;
    for raw in text.lines() {
        let line = raw.trim_end_matches('\r');
        let t = line.trim();
        if t.is_empty() {
            if out.last().is_some_and(|p| p.block == block) {
                block += 1;
            }
            last_key_empty = None;
            continue;
        }
        if t.starts_with(">>>") {
            break;
        }
        if t.starts_with('%') || t.starts_with('#') {
            if abuse.is_none() && t.to_ascii_lowercase().contains("abuse contact for") {
                abuse = quoted_email(t);
            }
            continue;
        }
        // Indented continuation of a key with an empty value (Nominet style).
        if let Some(i) = last_key_empty {
            if line.starts_with(char::is_whitespace) && !t.contains(": ") {
                let p = &mut out[i];
                if p.value.is_empty() {
                    p.value = t.to_string();
                } else {
                    p.value.push_str(", ");
                    p.value.push_str(t);
                }
                continue;
            }
        }
        let Some((orig, value)) = split_pair(t) else {
            last_key_empty = None;
            continue;
        };
        let key = norm_key(&orig);
        if key.is_empty() {
            continue;
        }
        last_key_empty = value.is_empty().then_some(out.len());
        out.push(Pair {
            block,
            key,
            orig,
            value,
        });
    }
    (out, abuse)
}

/// `Key: value`, `Key:value` (RPSL) or `[Key] value` / `a. [Key] value`.
fn split_pair(t: &str) -> Option<(String, String)> {
    let unnumbered = match t.split_once(". [") {
        Some((n, rest)) if n.len() <= 2 && n.chars().all(|c| c.is_ascii_alphanumeric()) => {
            Some(format!("[{rest}"))
        }
        _ => None,
    };
    let t2 = unnumbered.as_deref().unwrap_or(t);
    if let Some(rest) = t2.strip_prefix('[') {
        let (k, v) = rest.split_once(']')?;
        return Some((k.trim().to_string(), v.trim().to_string()));
    }
    let (k, v) = t.split_once(':')?;
    let k = k.trim();
    if k.is_empty()
        || k.len() > 60
        || k.contains("//")
        || k.ends_with("http")
        || k.ends_with("https")
    {
        return None;
    }
    if k.split_whitespace().count() > 7 {
        return None;
    }
    Some((k.to_string(), v.trim().to_string()))
}

fn norm_key(k: &str) -> String {
    k.split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .to_lowercase()
}

/// The e-mail address between single quotes in a RIPE abuse comment.
fn quoted_email(t: &str) -> Option<String> {
    t.split('\'')
        .map(str::trim)
        .find(|s| s.contains('@') && !s.contains(' '))
        .map(str::to_string)
}

/// Which kind of object the text describes.
fn classify(pairs: &[Pair]) -> Option<ObjectClass> {
    for p in pairs {
        match p.key.as_str() {
            "inetnum" | "inet6num" | "netrange" | "cidr" | "network number" | "ip network" => {
                return Some(ObjectClass::IpNetwork)
            }
            "aut-num" | "asnumber" | "as number" => return Some(ObjectClass::Autnum),
            "domain name" | "domain" | "domain_name" | "domainname" => {
                return Some(ObjectClass::Domain)
            }
            _ => {}
        }
    }
    let named = |k: &[&str]| pairs.iter().any(|p| k.contains(&p.key.as_str()));
    if named(&["registrar", "name server", "nserver"]) {
        return Some(ObjectClass::Domain);
    }
    if named(&["nic-hdl", "orgname", "org-name", "person", "role"]) {
        return Some(ObjectClass::Entity);
    }
    None
}

struct Builder {
    r: Registration,
    /// Contacts by role, in first-seen order (gTLD prefixes, ARIN `Org…`).
    contacts: Vec<(String, Contact)>,
    /// Address parts per entry of `contacts` (same index).
    addr: Vec<Vec<String>>,
    /// RPSL `admin-c`/`tech-c`/`abuse-c`/`org` references: lower-case handle → roles.
    links: BTreeMap<String, Vec<String>>,
    /// Position in `contacts` of each role key.
    index: BTreeMap<String, usize>,
    /// Name servers already listed.
    seen_ns: BTreeSet<String>,
    /// The block whose dates are the object's (see [`Builder::event`]).
    event_block: Option<usize>,
}

/// Maps a gTLD or ARIN contact key to (role, field).
fn contact_key(key: &str) -> Option<(&'static str, &str)> {
    const PREFIXES: [(&str, &str); 15] = [
        ("domain holder ", "registrant"),
        ("registrant contact ", "registrant"),
        ("registrant ", "registrant"),
        ("administrative contact ", "administrative"),
        ("administrative ", "administrative"),
        ("admin contact ", "administrative"),
        ("admin ", "administrative"),
        ("technical contact ", "technical"),
        ("technical ", "technical"),
        ("tech contact ", "technical"),
        ("tech ", "technical"),
        ("billing contact ", "billing"),
        ("billing ", "billing"),
        ("registrar abuse contact ", "abuse"),
        ("abuse contact ", "abuse"),
    ];
    for (p, role) in PREFIXES {
        if let Some(rest) = key.strip_prefix(p) {
            return Some((role, rest));
        }
    }
    const ARIN: [(&str, &str); 6] = [
        ("orgabuse", "abuse"),
        ("rabuse", "abuse"),
        ("orgtech", "technical"),
        ("rtech", "technical"),
        ("orgnoc", "noc"),
        ("rnoc", "noc"),
    ];
    for (p, role) in ARIN {
        if let Some(rest) = key.strip_prefix(p) {
            return Some((role, rest));
        }
    }
    match key {
        "orgname" | "org-name" | "registrant" | "organization" | "organisation" => {
            Some(("registrant", "name"))
        }
        "orgid" => Some(("registrant", "handle")),
        "address" | "city" | "stateprov" | "postalcode" => Some(("registrant", "address")),
        _ => None,
    }
}

/// `Radio Link Internet (DP-41)` → (`Radio Link Internet`, `DP-41`).
fn name_and_handle(v: &str) -> (String, Option<String>) {
    if let Some(open) = v.rfind(" (") {
        if let Some(h) = v[open + 2..].strip_suffix(')') {
            if !h.is_empty() && !h.contains(' ') {
                return (v[..open].trim().to_string(), Some(h.to_string()));
            }
        }
    }
    (v.to_string(), None)
}

impl Builder {
    fn contact_index(&mut self, role: &str) -> usize {
        if let Some(&i) = self.index.get(role) {
            return i;
        }
        self.index.insert(role.to_string(), self.contacts.len());
        self.contacts.push((
            role.to_string(),
            Contact {
                // RPSL blocks get their roles from references (see `finish`).
                roles: if role.starts_with('#') {
                    Vec::new()
                } else {
                    vec![role.to_string()]
                },
                ..Contact::default()
            },
        ));
        self.addr.push(Vec::new());
        self.contacts.len() - 1
    }

    fn contact(&mut self, role: &str) -> &mut Contact {
        let i = self.contact_index(role);
        &mut self.contacts[i].1
    }

    /// Dates count only in the first block that has any: ARIN repeats
    /// `RegDate:`/`Updated:` for the organisation, whose dates are not the
    /// network's.
    fn event(&mut self, block: usize, action: &str, v: &str) {
        if *self.event_block.get_or_insert(block) == block {
            self.r.events.push(Event::new(action, v));
        }
    }

    fn registrar(&mut self) -> &mut Registrar {
        self.r.registrar.get_or_insert_with(Registrar::default)
    }

    /// A line of the resource itself (or of a gTLD/ARIN response).
    fn main(&mut self, p: &Pair) {
        let v = p.value.as_str();
        if v.is_empty() {
            return;
        }
        let ip_like = matches!(
            self.r.object_class,
            ObjectClass::IpNetwork | ObjectClass::Autnum
        );
        match p.key.as_str() {
            "domain name" | "domain" | "domain_name" | "domainname" => {
                if self.r.name.is_none() {
                    self.r.name =
                        Some(crate::normalise::domain(v).unwrap_or_else(|_| v.to_string()));
                }
            }
            "registry domain id" | "domain id" | "roid" | "nethandle" | "ashandle" => {
                self.r.handle.get_or_insert_with(|| v.to_string());
            }
            "netname" | "network name" | "as-name" | "asname" => {
                self.r.name.get_or_insert_with(|| v.to_string());
            }
            "registrar whois server" | "whois server" | "whois" => {
                self.r.whois_server.get_or_insert_with(|| v.to_string());
            }
            "registrar url" | "referral url" => {
                self.registrar().url.get_or_insert_with(|| v.to_string());
            }
            "registrar" | "sponsoring registrar" | "registrar name" | "registrar organization" => {
                let (name, handle) = name_and_handle(v);
                let r = self.registrar();
                r.name.get_or_insert(name);
                if r.handle.is_none() {
                    r.handle = handle;
                }
            }
            "registrar iana id" | "iana id" => {
                self.registrar()
                    .iana_id
                    .get_or_insert_with(|| v.to_string());
            }
            "creation date"
            | "created"
            | "created on"
            | "registered"
            | "registration date"
            | "registration time"
            | "regdate"
            | "registered on"
            | "domain registration date"
            | "created date"
            | "assigned date" => self.event(p.block, "registration", v),
            "registry expiry date"
            | "registrar registration expiration date"
            | "expiration date"
            | "expiry date"
            | "expires"
            | "expires on"
            | "paid-till"
            | "expiration time"
            | "domain expiration date"
            | "exp date" => self.event(p.block, "expiration", v),
            "updated date" | "last updated" | "last modified" | "last-modified" | "changed"
            | "updated" | "last update" | "modified" => self.event(p.block, "last changed", v),
            "domain status" | "status" | "state" => {
                let first = v.split_whitespace().next().unwrap_or(v);
                let status = if v.contains("http") { first } else { v };
                if ip_like {
                    self.r
                        .network_type
                        .get_or_insert_with(|| status.to_string());
                } else {
                    self.r.status.push(status.to_string());
                }
            }
            "nettype" => {
                self.r.network_type.get_or_insert_with(|| v.to_string());
            }
            "parent" => {
                let (_, h) = name_and_handle(v);
                self.r
                    .parent_handle
                    .get_or_insert(h.unwrap_or_else(|| v.to_string()));
            }
            "name server" | "nameserver" | "nserver" | "name servers" | "nameservers"
            | "name server(s)" => {
                let host = v.split_whitespace().next().unwrap_or(v);
                let ns = crate::normalise::domain(host).unwrap_or_else(|_| host.to_string());
                if self.seen_ns.insert(ns.clone()) {
                    self.r.nameservers.push(ns);
                }
            }
            "inetnum" | "inet6num" | "netrange" | "network number" | "ip network" => self.range(v),
            "cidr" => {
                let range = self.r.ip_range.get_or_insert_with(IpRange::default);
                for c in v.split([',', ' ']).map(str::trim).filter(|c| !c.is_empty()) {
                    range.cidrs.push(c.to_string());
                }
                if range.version.is_none() {
                    range.version = Some(if v.contains(':') { "v6" } else { "v4" }.to_string());
                }
            }
            "aut-num" | "asnumber" | "as number" => {
                let n = v.trim_start_matches(['A', 'S', 'a', 's']).trim();
                if let Ok(n) = n.parse::<u32>() {
                    self.r.asn_range = Some(AsnRange { start: n, end: n });
                    self.r.handle.get_or_insert_with(|| format!("AS{n}"));
                }
            }
            "country" => {
                if ip_like || self.r.country.is_none() {
                    self.r.country.get_or_insert_with(|| v.to_string());
                }
                // ARIN: the organisation's country.
                if self.index.contains_key("registrant") {
                    let c = self.contact("registrant");
                    c.country.get_or_insert_with(|| v.to_string());
                }
            }
            "descr" | "description" => self.r.descriptions.push(v.to_string()),
            "admin-c" => self.link(v, "administrative"),
            "tech-c" => self.link(v, "technical"),
            "abuse-c" => self.link(v, "abuse"),
            "org" => self.link(v, "registrant"),
            "organization" if ip_like => {
                let (name, handle) = name_and_handle(v);
                let c = self.contact("registrant");
                c.name.get_or_insert(name);
                if c.handle.is_none() {
                    c.handle = handle;
                }
            }
            key => {
                if let Some((role, field)) = contact_key(key) {
                    self.contact_field(role, field, v);
                }
            }
        }
    }

    fn contact_field(&mut self, role: &str, field: &str, v: &str) {
        let i = self.contact_index(role);
        let c = &mut self.contacts[i].1;
        match field {
            "name" => {
                c.name.get_or_insert_with(|| v.to_string());
            }
            "organization" | "organisation" | "org" => {
                c.org.get_or_insert_with(|| v.to_string());
            }
            "id" | "handle" | "contact" => {
                c.handle.get_or_insert_with(|| v.to_string());
            }
            "email" | "e-mail" => c.emails.push(v.to_string()),
            "phone" | "fax" | "phone number" | "fax number" => c.phones.push(v.to_string()),
            "country" | "country code" => {
                c.country.get_or_insert_with(|| v.to_string());
            }
            "street" | "address" | "city" | "state/province" | "state" | "postal code"
            | "postalcode" | "stateprov" => self.addr[i].push(v.to_string()),
            _ => {}
        }
    }

    /// A line of an RPSL `role:`/`person:`/`organisation:` object; one contact per block.
    fn rpsl_contact(&mut self, p: &Pair, object: &str) {
        let key = format!("#block{}", p.block);
        let i = self.contact_index(&key);
        let v = p.value.as_str();
        let c = &mut self.contacts[i].1;
        match p.key.as_str() {
            "role" | "person" | "org-name" | "irt" => {
                c.name.get_or_insert_with(|| v.to_string());
                if object == "irt" && c.handle.is_none() {
                    c.handle = Some(v.to_string());
                }
            }
            "nic-hdl" | "organisation" => {
                c.handle.get_or_insert_with(|| v.to_string());
            }
            "e-mail" => c.emails.push(v.to_string()),
            "abuse-mailbox" => {
                c.emails.push(v.to_string());
                if !c.roles.iter().any(|r| r == "abuse") {
                    c.roles.push("abuse".to_string());
                }
            }
            "phone" | "fax-no" => c.phones.push(v.to_string()),
            "country" => {
                c.country.get_or_insert_with(|| v.to_string());
            }
            "address" => self.addr[i].push(v.to_string()),
            _ => {}
        }
    }

    fn range(&mut self, v: &str) {
        let range = self.r.ip_range.get_or_insert_with(IpRange::default);
        if let Some((a, b)) = v.split_once(" - ").or_else(|| v.split_once('-')) {
            range.start = Some(crate::normalise::ip(a).unwrap_or_else(|_| a.trim().to_string()));
            range.end = Some(crate::normalise::ip(b).unwrap_or_else(|_| b.trim().to_string()));
        } else if v.contains('/') {
            range.cidrs.push(v.to_string());
            let (addr, _) = v.split_once('/').unwrap_or((v, ""));
            range.start = crate::normalise::ip(addr).ok();
        }
        range.version = Some(if v.contains(':') { "v6" } else { "v4" }.to_string());
    }

    fn link(&mut self, handle: &str, role: &str) {
        let roles = self.links.entry(handle.to_lowercase()).or_default();
        if !roles.iter().any(|r| r == role) {
            roles.push(role.to_string());
        }
    }

    fn finish(mut self) -> Registration {
        // RPSL roles come from the resource's references to the contact's handle.
        for (role, c) in &mut self.contacts {
            if role.starts_with('#') {
                let handle = c.handle.as_deref().unwrap_or_default().to_lowercase();
                for r in self.links.get(&handle).into_iter().flatten() {
                    if !c.roles.contains(r) {
                        c.roles.push(r.clone());
                    }
                }
            }
        }
        for ((_, mut c), addr) in self.contacts.into_iter().zip(self.addr) {
            if !addr.is_empty() {
                c.address = Some(addr.join(", "));
            }
            let empty = c.name.is_none()
                && c.org.is_none()
                && c.handle.is_none()
                && c.emails.is_empty()
                && c.phones.is_empty()
                && c.address.is_none();
            if !empty {
                self.r.contacts.push(c);
            }
        }
        self.r
    }
}
