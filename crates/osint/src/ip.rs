//! IP addresses: IANA special-purpose ranges (no database needed),
//! geolocation and ASN from MaxMind-format databases, and the user's Tor
//! exit and VPN/hosting range lists.

use crate::error::{list_name, read_text, OsintError, Warning};
use crate::net::{canonical_ip, Cidr, CidrSet};
use serde::{Deserialize, Serialize};
use std::net::{IpAddr, Ipv4Addr};
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

// ---------------------------------------------------------------------------
// Special-purpose ranges
// ---------------------------------------------------------------------------

/// What a special-purpose range is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Category {
    /// Private-use (RFC 1918) and IPv6 unique-local (fc00::/7).
    Private,
    /// Shared address space used by carrier-grade NAT (100.64.0.0/10).
    Cgnat,
    /// Loopback.
    Loopback,
    /// Link-local.
    LinkLocal,
    /// Reserved for documentation and examples.
    Documentation,
    /// Benchmarking (RFC 2544, RFC 5180).
    Benchmarking,
    /// Multicast.
    Multicast,
    /// The unspecified address (`0.0.0.0`, `::`).
    Unspecified,
    /// "This network" (0.0.0.0/8).
    ThisNetwork,
    /// The limited broadcast address.
    Broadcast,
    /// Reserved for future use, or outside every allocated block.
    Reserved,
    /// IETF protocol assignments and anycast service addresses.
    Protocol,
    /// IPv4/IPv6 translation and tunnelling prefixes (NAT64, 6to4, Teredo).
    Transition,
    /// Discard-only and dummy prefixes.
    Discard,
}

/// One entry of the IANA IPv4/IPv6 special-purpose address registries
/// (RFC 6890), plus the address-architecture blocks (multicast, reserved).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SpecialRange {
    /// The block, e.g. `10.0.0.0/8`.
    pub network: &'static str,
    /// Its category.
    pub category: Category,
    /// Its registry name, e.g. `Private-Use`.
    pub name: &'static str,
    /// The defining RFC(s).
    pub rfc: &'static str,
    /// Whether addresses in it are globally reachable (IANA's column): when
    /// false, the address does not identify anyone on the Internet.
    pub globally_reachable: bool,
    /// For NAT64, 6to4 and Teredo addresses: the IPv4 address carried inside
    /// (for Teredo, the client's public address).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub embedded_ipv4: Option<Ipv4Addr>,
}

use Category::*;

/// (network, category, name, rfc, globally reachable). The most specific
/// matching block wins.
#[rustfmt::skip]
const SPECIAL: &[(&str, Category, &str, &str, bool)] = &[
    // IPv4 (IANA IPv4 Special-Purpose Address Registry, address space registry)
    ("0.0.0.0/8", ThisNetwork, "This network", "RFC 791", false),
    ("0.0.0.0/32", Unspecified, "Unspecified address", "RFC 1122", false),
    ("10.0.0.0/8", Private, "Private-Use", "RFC 1918", false),
    ("100.64.0.0/10", Cgnat, "Shared Address Space (carrier-grade NAT)", "RFC 6598", false),
    ("127.0.0.0/8", Loopback, "Loopback", "RFC 1122", false),
    ("169.254.0.0/16", LinkLocal, "Link Local", "RFC 3927", false),
    ("172.16.0.0/12", Private, "Private-Use", "RFC 1918", false),
    ("192.0.0.0/24", Protocol, "IETF Protocol Assignments", "RFC 6890", false),
    ("192.0.0.0/29", Transition, "IPv4 Service Continuity Prefix (DS-Lite)", "RFC 7335", false),
    ("192.0.0.8/32", Discard, "IPv4 dummy address", "RFC 7600", false),
    ("192.0.0.9/32", Protocol, "Port Control Protocol Anycast", "RFC 7723", true),
    ("192.0.0.10/32", Protocol, "Traversal Using Relays around NAT Anycast", "RFC 8155", true),
    ("192.0.0.170/32", Transition, "NAT64/DNS64 Discovery", "RFC 8880, RFC 7050", false),
    ("192.0.0.171/32", Transition, "NAT64/DNS64 Discovery", "RFC 8880, RFC 7050", false),
    ("192.0.2.0/24", Documentation, "Documentation (TEST-NET-1)", "RFC 5737", false),
    ("192.31.196.0/24", Protocol, "AS112-v4", "RFC 7535", true),
    ("192.52.193.0/24", Protocol, "AMT", "RFC 7450", true),
    ("192.88.99.0/24", Transition, "Deprecated (6to4 Relay Anycast)", "RFC 7526", false),
    ("192.168.0.0/16", Private, "Private-Use", "RFC 1918", false),
    ("192.175.48.0/24", Protocol, "Direct Delegation AS112 Service", "RFC 7534", true),
    ("198.18.0.0/15", Benchmarking, "Benchmarking", "RFC 2544", false),
    ("198.51.100.0/24", Documentation, "Documentation (TEST-NET-2)", "RFC 5737", false),
    ("203.0.113.0/24", Documentation, "Documentation (TEST-NET-3)", "RFC 5737", false),
    ("224.0.0.0/4", Multicast, "Multicast", "RFC 5771", false),
    ("233.252.0.0/24", Documentation, "Multicast documentation (MCAST-TEST-NET)", "RFC 5771, RFC 6676", false),
    ("240.0.0.0/4", Reserved, "Reserved", "RFC 1112", false),
    ("255.255.255.255/32", Broadcast, "Limited Broadcast", "RFC 8190, RFC 919", false),
    // IPv6 (IANA IPv6 Special-Purpose Address Registry, address space registry)
    ("::/128", Unspecified, "Unspecified Address", "RFC 4291", false),
    ("::1/128", Loopback, "Loopback Address", "RFC 4291", false),
    ("::/8", Reserved, "Reserved by IETF (includes deprecated IPv4-compatible addresses)", "RFC 4291", false),
    ("64:ff9b::/96", Transition, "IPv4-IPv6 Translation (NAT64 well-known prefix)", "RFC 6052", true),
    ("64:ff9b:1::/48", Transition, "IPv4-IPv6 Translation (local use)", "RFC 8215", false),
    ("100::/64", Discard, "Discard-Only Address Block", "RFC 6666", false),
    ("100:0:0:1::/64", Discard, "Dummy IPv6 Prefix", "RFC 9780", false),
    ("2001::/23", Protocol, "IETF Protocol Assignments", "RFC 2928", false),
    ("2001::/32", Transition, "TEREDO", "RFC 4380, RFC 8190", true),
    ("2001:1::1/128", Protocol, "Port Control Protocol Anycast", "RFC 7723", true),
    ("2001:1::2/128", Protocol, "Traversal Using Relays around NAT Anycast", "RFC 8155", true),
    ("2001:1::3/128", Protocol, "DNS-SD Service Registration Protocol Anycast", "RFC 9665", true),
    ("2001:2::/48", Benchmarking, "Benchmarking", "RFC 5180", false),
    ("2001:3::/32", Protocol, "AMT", "RFC 7450", true),
    ("2001:4:112::/48", Protocol, "AS112-v6", "RFC 7535", true),
    ("2001:10::/28", Reserved, "Deprecated (previously ORCHID)", "RFC 4843", false),
    ("2001:20::/28", Protocol, "ORCHIDv2", "RFC 7343", true),
    ("2001:30::/28", Protocol, "Drone Remote ID Protocol Entity Tags (DETs) Prefix", "RFC 9374", true),
    ("2001:db8::/32", Documentation, "Documentation", "RFC 3849", false),
    ("2002::/16", Transition, "6to4", "RFC 3056", true),
    ("2620:4f:8000::/48", Protocol, "Direct Delegation AS112 Service", "RFC 7534", true),
    ("3fff::/20", Documentation, "Documentation", "RFC 9637", false),
    ("5f00::/16", Protocol, "Segment Routing (SRv6) SIDs", "RFC 9602", false),
    ("fc00::/7", Private, "Unique-Local", "RFC 4193, RFC 8190", false),
    ("fe80::/10", LinkLocal, "Link-Local Unicast", "RFC 4291", false),
    ("fec0::/10", Reserved, "Deprecated site-local", "RFC 3879", false),
    ("ff00::/8", Multicast, "Multicast", "RFC 4291", false),
];

fn special_table() -> &'static [(Cidr, usize)] {
    static TABLE: OnceLock<Vec<(Cidr, usize)>> = OnceLock::new();
    TABLE.get_or_init(|| {
        SPECIAL
            .iter()
            .enumerate()
            // Every entry parses (tested); one that did not would be left out.
            .filter_map(|(i, e)| Cidr::parse(e.0).map(|c| (c, i)))
            .collect()
    })
}

/// The special-purpose range `ip` lies in, if any (the most specific one).
/// IPv6 addresses outside 2000::/3 and every block above are reported as
/// reserved by the IETF (IANA IPv6 address space registry). IPv4-mapped
/// IPv6 addresses are judged as the IPv4 address.
pub fn special_range(ip: IpAddr) -> Option<SpecialRange> {
    let ip = canonical_ip(ip);
    let best = special_table()
        .iter()
        .filter(|(c, _)| c.contains(ip))
        .max_by_key(|(c, _)| c.prefix());
    if let Some(&(_, i)) = best {
        let (network, category, name, rfc, globally_reachable) = SPECIAL[i];
        return Some(SpecialRange {
            network,
            category,
            name,
            rfc,
            globally_reachable,
            embedded_ipv4: embedded_ipv4(ip, network),
        });
    }
    if let IpAddr::V6(v6) = ip {
        if v6.segments()[0] & 0xe000 != 0x2000 {
            return Some(SpecialRange {
                network: "outside 2000::/3",
                category: Reserved,
                name: "Reserved by IETF (not global unicast space)",
                rfc: "RFC 4291",
                globally_reachable: false,
                embedded_ipv4: None,
            });
        }
    }
    None
}

fn embedded_ipv4(ip: IpAddr, network: &str) -> Option<Ipv4Addr> {
    let IpAddr::V6(v6) = ip else { return None };
    let bits = u128::from(v6);
    match network {
        "64:ff9b::/96" => Some(Ipv4Addr::from(bits as u32)),
        "2002::/16" => Some(Ipv4Addr::from((bits >> 80) as u32)),
        // Teredo: the client's public address, bit-inverted, in the last 32 bits.
        "2001::/32" => Some(Ipv4Addr::from(!(bits as u32))),
        _ => None,
    }
}

// ---------------------------------------------------------------------------
// MaxMind-format databases
// ---------------------------------------------------------------------------

/// What the databases say about one address. Each part names the database
/// (file name) that answered it.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct IpGeo {
    /// ISO 3166-1 alpha-2 country code (where the address is used).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub country_code: Option<String>,
    /// English country name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub country: Option<String>,
    /// Country the block is registered to, when it differs from `country_code`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub registered_country_code: Option<String>,
    /// First-level subdivision (state, province), English.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub subdivision: Option<String>,
    /// City, English.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub city: Option<String>,
    /// Approximate latitude.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub latitude: Option<f64>,
    /// Approximate longitude.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub longitude: Option<f64>,
    /// Radius in km around the coordinates the address is likely within.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub accuracy_radius_km: Option<u16>,
    /// The database file that gave the location.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub geo_db: Option<String>,
    /// The network of that database record.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub geo_network: Option<String>,
    /// Autonomous system number.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub asn: Option<u32>,
    /// Autonomous system organisation.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub as_org: Option<String>,
    /// ISP (ISP databases).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub isp: Option<String>,
    /// Organisation (ISP databases).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub organization: Option<String>,
    /// The database file that gave the AS/ISP data.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub asn_db: Option<String>,
    /// The network of that database record.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub asn_network: Option<String>,
}

impl IpGeo {
    /// True when no database knew anything.
    pub fn is_empty(&self) -> bool {
        *self == IpGeo::default()
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct Names<'a> {
    #[serde(borrow)]
    en: Option<&'a str>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct Place<'a> {
    #[serde(borrow)]
    iso_code: Option<&'a str>,
    #[serde(borrow)]
    names: Names<'a>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct Location {
    latitude: Option<f64>,
    longitude: Option<f64>,
    accuracy_radius: Option<u16>,
}

/// The union of the fields of the City, Country, ASN and ISP layouts
/// (GeoLite2, GeoIP2, DB-IP Lite); absent fields stay `None`.
#[derive(Deserialize, Default)]
#[serde(default)]
struct Record<'a> {
    #[serde(borrow)]
    country: Place<'a>,
    #[serde(borrow)]
    registered_country: Place<'a>,
    #[serde(borrow)]
    city: Place<'a>,
    #[serde(borrow)]
    subdivisions: Vec<Place<'a>>,
    location: Location,
    autonomous_system_number: Option<u32>,
    #[serde(borrow)]
    autonomous_system_organization: Option<&'a str>,
    #[serde(borrow)]
    isp: Option<&'a str>,
    #[serde(borrow)]
    organization: Option<&'a str>,
}

/// One open database.
struct Db {
    path: PathBuf,
    name: String,
    reader: maxminddb::Reader<Vec<u8>>,
}

/// Facts about an open database, for provenance in reports.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DbInfo {
    /// File name.
    pub file: String,
    /// `database_type` from its metadata, e.g. `GeoLite2-City`.
    pub database_type: String,
    /// Build time, seconds since 1970 (UTC).
    pub build_epoch: u64,
    /// 4 or 6.
    pub ip_version: u16,
}

/// MaxMind-format databases (GeoLite2/GeoIP2 City, Country, ASN, ISP; DB-IP
/// Lite), consulted in the order given: for the location, the first database
/// that has a country or city for the address answers; for the AS/ISP part,
/// the first that has an AS number, ISP or organisation.
#[derive(Default)]
pub struct IpDbs {
    dbs: Vec<Db>,
}

impl std::fmt::Debug for IpDbs {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list()
            .entries(self.dbs.iter().map(|d| &d.path))
            .finish()
    }
}

impl IpDbs {
    /// Opens every database (read whole into memory). The file's metadata
    /// and search-tree header are checked; a missing, truncated or garbled
    /// file is an error naming it.
    pub fn open<P: AsRef<Path>>(paths: &[P]) -> Result<IpDbs, OsintError> {
        let mut dbs = Vec::new();
        for path in paths {
            let path = path.as_ref();
            let bytes = std::fs::read(path).map_err(|e| OsintError::io(path, e))?;
            let reader =
                maxminddb::Reader::from_source(bytes).map_err(|e| OsintError::Database {
                    path: path.to_path_buf(),
                    message: e.to_string(),
                })?;
            dbs.push(Db {
                path: path.to_path_buf(),
                name: list_name(path),
                reader,
            });
        }
        Ok(IpDbs { dbs })
    }

    /// Checks every database completely (search tree, data section,
    /// metadata): slow for full-size databases, so not done by [`open`].
    ///
    /// [`open`]: IpDbs::open
    pub fn verify(&self) -> Result<(), OsintError> {
        for db in &self.dbs {
            db.reader.verify().map_err(|e| OsintError::Database {
                path: db.path.clone(),
                message: e.to_string(),
            })?;
        }
        Ok(())
    }

    /// True when no database is open.
    pub fn is_empty(&self) -> bool {
        self.dbs.is_empty()
    }

    /// Type, build time and IP version of each database, in order.
    pub fn info(&self) -> Vec<DbInfo> {
        self.dbs
            .iter()
            .map(|db| {
                let m = db.reader.metadata();
                DbInfo {
                    file: db.name.clone(),
                    database_type: m.database_type.clone(),
                    build_epoch: m.build_epoch,
                    ip_version: m.ip_version,
                }
            })
            .collect()
    }

    /// Looks `ip` up in every database. An error (a record that cannot be
    /// decoded: a damaged database) names the file; nothing panics.
    pub fn lookup(&self, ip: IpAddr) -> Result<IpGeo, OsintError> {
        let ip = canonical_ip(ip);
        let mut geo = IpGeo::default();
        for db in &self.dbs {
            if ip.is_ipv6() && db.reader.metadata().ip_version == 4 {
                continue;
            }
            let bad = |e: maxminddb::MaxMindDbError| OsintError::Database {
                path: db.path.clone(),
                message: format!("looking up {ip}: {e}"),
            };
            let result = db.reader.lookup(ip).map_err(bad)?;
            if !result.has_data() {
                continue;
            }
            let Some(rec) = result.decode::<Record>().map_err(bad)? else {
                continue;
            };
            let network = result.network().ok().map(|n| n.to_string());
            let has_geo = rec.country.iso_code.is_some()
                || rec.country.names.en.is_some()
                || rec.city.names.en.is_some();
            if geo.geo_db.is_none() && has_geo {
                geo.country_code = rec.country.iso_code.map(str::to_string);
                geo.country = rec.country.names.en.map(str::to_string);
                geo.registered_country_code = rec
                    .registered_country
                    .iso_code
                    .filter(|r| Some(*r) != rec.country.iso_code)
                    .map(str::to_string);
                geo.subdivision = rec
                    .subdivisions
                    .first()
                    .and_then(|s| s.names.en)
                    .map(str::to_string);
                geo.city = rec.city.names.en.map(str::to_string);
                geo.latitude = rec.location.latitude;
                geo.longitude = rec.location.longitude;
                geo.accuracy_radius_km = rec.location.accuracy_radius;
                geo.geo_db = Some(db.name.clone());
                geo.geo_network = network.clone();
            }
            let has_asn = rec.autonomous_system_number.is_some()
                || rec.isp.is_some()
                || rec.organization.is_some();
            if geo.asn_db.is_none() && has_asn {
                geo.asn = rec.autonomous_system_number;
                geo.as_org = rec.autonomous_system_organization.map(str::to_string);
                geo.isp = rec.isp.map(str::to_string);
                geo.organization = rec.organization.map(str::to_string);
                geo.asn_db = Some(db.name.clone());
                geo.asn_network = network;
            }
            if geo.geo_db.is_some() && geo.asn_db.is_some() {
                break;
            }
        }
        Ok(geo)
    }
}

// ---------------------------------------------------------------------------
// Tor exit lists and VPN/hosting range lists
// ---------------------------------------------------------------------------

/// A line of a user's IP list that contains the address.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ListHit {
    /// The list's file name.
    pub list: String,
    /// 1-based line number.
    pub line: usize,
    /// The address or network on that line.
    pub entry: String,
    /// The name given after the network (range lists), e.g. a provider.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
}

#[derive(Debug, Clone)]
struct ListEntry {
    list: u32,
    line: u32,
    cidr: Cidr,
    name: Option<Box<str>>,
}

/// Tor exit lists and VPN/hosting range lists supplied by the user.
///
/// * Tor exit list: one address a line, `#` starts a comment; the Tor
///   Project's exit-list format (`ExitNode`, `Published`, `LastStatus`,
///   `ExitAddress 1.2.3.4 2024-01-01 00:00:00`) is accepted too.
/// * Range list: one network a line (`CIDR` or a bare address), optionally
///   followed by whitespace or a comma and a name (`104.16.0.0/13,Cloudflare`).
#[derive(Debug, Default, Clone)]
pub struct IpLists {
    names: Vec<String>,
    tor: CidrSet<ListEntry>,
    ranges: CidrSet<ListEntry>,
    warnings: Vec<Warning>,
    counts: Vec<(String, &'static str, usize)>,
}

/// Which IP lists contain an address.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct IpListHits {
    /// Tor exit lists naming the address.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub tor_exit: Vec<ListHit>,
    /// VPN/hosting range lists containing it.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub ranges: Vec<ListHit>,
}

impl IpLists {
    /// No lists.
    pub fn new() -> IpLists {
        IpLists::default()
    }

    /// Adds a Tor exit list file.
    pub fn add_tor_file(&mut self, path: &Path) -> Result<(), OsintError> {
        let text = read_text(path)?;
        self.add_tor_text(&list_name(path), &text);
        Ok(())
    }

    /// Adds a Tor exit list from text, reported under `name`.
    pub fn add_tor_text(&mut self, name: &str, text: &str) {
        let before = self.tor.len();
        self.add_tor_lines(name, text);
        self.counts
            .push((name.to_string(), "tor-exit", self.tor.len() - before));
    }

    fn add_tor_lines(&mut self, name: &str, text: &str) {
        let list = self.names.len() as u32;
        self.names.push(name.to_string());
        for (i, raw) in text.lines().enumerate() {
            let line = strip_comment(raw).trim();
            if line.is_empty() {
                continue;
            }
            let mut words = line.split_whitespace();
            let first = words.next().unwrap_or_default();
            let addr = match first {
                "ExitAddress" => words.next().unwrap_or_default(),
                "ExitNode" | "Published" | "LastStatus" | "@type" | "Downloaded" => continue,
                _ => first,
            };
            match Cidr::parse(addr) {
                Some(cidr) => self.tor.insert(
                    cidr,
                    ListEntry {
                        list,
                        line: (i + 1) as u32,
                        cidr,
                        name: None,
                    },
                ),
                None => self.warn(name, i + 1, format!("not an IP address: {line:?}")),
            }
        }
    }

    /// Adds a VPN/hosting range list file.
    pub fn add_range_file(&mut self, path: &Path) -> Result<(), OsintError> {
        let text = read_text(path)?;
        self.add_range_text(&list_name(path), &text);
        Ok(())
    }

    /// Adds a range list from text, reported under `name`.
    pub fn add_range_text(&mut self, name: &str, text: &str) {
        let before = self.ranges.len();
        self.add_range_lines(name, text);
        self.counts
            .push((name.to_string(), "ip-range", self.ranges.len() - before));
    }

    fn add_range_lines(&mut self, name: &str, text: &str) {
        let list = self.names.len() as u32;
        self.names.push(name.to_string());
        for (i, raw) in text.lines().enumerate() {
            let line = strip_comment(raw).trim();
            if line.is_empty() {
                continue;
            }
            let (net, label) = match line.find([',', '\t', ' ']) {
                Some(at) => (
                    &line[..at],
                    line[at + 1..].trim_matches(|c: char| c == ',' || c.is_whitespace()),
                ),
                None => (line, ""),
            };
            match Cidr::parse(net) {
                Some(cidr) => self.ranges.insert(
                    cidr,
                    ListEntry {
                        list,
                        line: (i + 1) as u32,
                        cidr,
                        name: (!label.is_empty()).then(|| label.into()),
                    },
                ),
                None => self.warn(name, i + 1, format!("not an IP network: {line:?}")),
            }
        }
    }

    fn warn(&mut self, list: &str, line: usize, message: String) {
        self.warnings.push(Warning {
            list: list.to_string(),
            line,
            message,
        });
    }

    /// Lines that were skipped while loading.
    pub fn warnings(&self) -> &[Warning] {
        &self.warnings
    }

    /// (file, `tor-exit` or `ip-range`, entries) for every list loaded.
    pub fn counts(&self) -> Vec<(String, &'static str, usize)> {
        self.counts.clone()
    }

    /// True when no list has any entry.
    pub fn is_empty(&self) -> bool {
        self.tor.len() == 0 && self.ranges.len() == 0
    }

    /// Every list line containing `ip`, in list order then line order.
    pub fn lookup(&self, ip: IpAddr) -> IpListHits {
        let convert = |set: &CidrSet<ListEntry>| {
            let mut hits: Vec<&ListEntry> = set.lookup(ip);
            hits.sort_by_key(|e| (e.list, e.line));
            hits.into_iter()
                .map(|e| ListHit {
                    list: self.names[e.list as usize].clone(),
                    line: e.line as usize,
                    entry: e.cidr.to_string(),
                    name: e.name.as_deref().map(str::to_string),
                })
                .collect()
        };
        IpListHits {
            tor_exit: convert(&self.tor),
            ranges: convert(&self.ranges),
        }
    }
}

/// The line up to a `#` comment.
fn strip_comment(line: &str) -> &str {
    match line.find('#') {
        Some(i) => &line[..i],
        None => line,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cat(s: &str) -> Option<Category> {
        special_range(s.parse().unwrap()).map(|r| r.category)
    }

    #[test]
    fn special_table_parses_whole() {
        assert_eq!(special_table().len(), SPECIAL.len());
    }

    #[test]
    fn special_ranges_named() {
        assert_eq!(cat("10.1.2.3"), Some(Private));
        assert_eq!(cat("172.31.255.255"), Some(Private));
        assert_eq!(cat("172.32.0.1"), None);
        assert_eq!(cat("192.168.0.1"), Some(Private));
        assert_eq!(cat("100.64.0.1"), Some(Cgnat));
        assert_eq!(cat("100.128.0.1"), None);
        assert_eq!(cat("127.0.0.1"), Some(Loopback));
        assert_eq!(cat("169.254.1.1"), Some(LinkLocal));
        assert_eq!(cat("192.0.2.1"), Some(Documentation));
        assert_eq!(cat("198.51.100.7"), Some(Documentation));
        assert_eq!(cat("203.0.113.200"), Some(Documentation));
        assert_eq!(cat("198.18.0.1"), Some(Benchmarking));
        assert_eq!(cat("198.19.255.255"), Some(Benchmarking));
        assert_eq!(cat("198.20.0.0"), None);
        assert_eq!(cat("224.0.0.251"), Some(Multicast));
        assert_eq!(cat("233.252.0.9"), Some(Documentation));
        assert_eq!(cat("240.0.0.1"), Some(Reserved));
        assert_eq!(cat("255.255.255.255"), Some(Broadcast));
        assert_eq!(cat("0.0.0.0"), Some(Unspecified));
        assert_eq!(cat("0.1.2.3"), Some(ThisNetwork));
        assert_eq!(cat("8.8.8.8"), None);
        assert_eq!(cat("::"), Some(Unspecified));
        assert_eq!(cat("::1"), Some(Loopback));
        assert_eq!(cat("2001:db8::1"), Some(Documentation));
        assert_eq!(cat("3fff::1"), Some(Documentation));
        assert_eq!(cat("fd12:3456::1"), Some(Private));
        assert_eq!(cat("fe80::1"), Some(LinkLocal));
        assert_eq!(cat("ff02::1"), Some(Multicast));
        assert_eq!(cat("2001:2::1"), Some(Benchmarking));
        assert_eq!(cat("2606:4700::1111"), None);
        assert_eq!(cat("4000::1"), Some(Reserved));
        assert_eq!(cat("::ffff:10.0.0.1"), Some(Private));
        assert_eq!(cat("::ffff:8.8.8.8"), None);
        let r = special_range("10.1.2.3".parse().unwrap()).unwrap();
        assert_eq!(
            (r.network, r.name, r.rfc),
            ("10.0.0.0/8", "Private-Use", "RFC 1918")
        );
        assert!(!r.globally_reachable);
    }

    #[test]
    fn embedded_v4() {
        let r = special_range("64:ff9b::808:808".parse().unwrap()).unwrap();
        assert_eq!(r.embedded_ipv4, Some(Ipv4Addr::new(8, 8, 8, 8)));
        let r = special_range("2002:c000:0204::1".parse().unwrap()).unwrap();
        assert_eq!(r.embedded_ipv4, Some(Ipv4Addr::new(192, 0, 2, 4)));
        // RFC 4380 example: client 192.0.2.45 -> 3fff:fdd2
        let r = special_range("2001:0:4136:e378:8000:63bf:3fff:fdd2".parse().unwrap()).unwrap();
        assert_eq!(r.embedded_ipv4, Some(Ipv4Addr::new(192, 0, 2, 45)));
    }

    #[test]
    fn tor_and_ranges() {
        let mut l = IpLists::new();
        l.add_tor_text(
            "exits.txt",
            "# tor exits\n1.2.3.4\n\nExitNode 0011BD2485AD45D984EC4159C88FC066E5E3300E\nPublished 2021-09-24 09:46:13\nLastStatus 2021-09-25 10:00:00\nExitAddress 162.247.74.201 2021-09-25 10:05:06\nbogus\n",
        );
        l.add_range_text(
            "vpn.csv",
            "10.0.0.0/8,Example VPN\n1.2.3.0/24 Hoster Ltd\n2001:db8::/32\n",
        );
        let h = l.lookup("1.2.3.4".parse().unwrap());
        assert_eq!(h.tor_exit.len(), 1);
        assert_eq!(
            (h.tor_exit[0].list.as_str(), h.tor_exit[0].line),
            ("exits.txt", 2)
        );
        assert_eq!(h.ranges.len(), 1);
        assert_eq!(h.ranges[0].name.as_deref(), Some("Hoster Ltd"));
        assert_eq!(h.ranges[0].line, 2);
        let h = l.lookup("162.247.74.201".parse().unwrap());
        assert_eq!(h.tor_exit[0].line, 7);
        let h = l.lookup("10.9.9.9".parse().unwrap());
        assert_eq!(h.ranges[0].name.as_deref(), Some("Example VPN"));
        assert_eq!(l.warnings().len(), 1);
        assert_eq!(l.warnings()[0].line, 8);
        assert!(l.lookup("8.8.8.8".parse().unwrap()) == IpListHits::default());
    }
}
