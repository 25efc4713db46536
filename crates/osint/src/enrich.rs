//! One entry point: [`Enricher`], built once from the user's databases and
//! lists, answering [`Enricher::enrich`] for any lead.

use crate::domain::{to_unicode, DomainParts, Psl};
use crate::error::{OsintError, Warning};
use crate::ip::{special_range, DbInfo, IpDbs, IpGeo, IpListHits, IpLists, SpecialRange};
use crate::lookalike::{Lookalike, Lookalikes};
use crate::net::{parse_ip, refang};
use crate::watchlist::{classify, split_host_port, Hit, ListKind, Watchlists};
use serde::Serialize;
use std::collections::HashMap;
use std::hash::{BuildHasher, RandomState};
use std::net::IpAddr;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};

/// The files an [`Enricher`] is built from; every part is optional.
#[derive(Debug, Clone, Default)]
pub struct Sources {
    /// MaxMind-format databases (City, Country, ASN, ISP; DB-IP Lite), in
    /// order of precedence.
    pub ip_dbs: Vec<PathBuf>,
    /// Tor exit lists.
    pub tor_exits: Vec<PathBuf>,
    /// VPN/hosting range lists.
    pub ip_ranges: Vec<PathBuf>,
    /// Watchlists (typed by `# type:` header or by line shape).
    pub watchlists: Vec<PathBuf>,
    /// Known-good hash lists (plain or NSRL-style CSV).
    pub known_good: Vec<PathBuf>,
    /// Protected names for lookalike detection.
    pub protected: Vec<PathBuf>,
    /// A newer Public Suffix List; the bundled copy otherwise.
    pub public_suffix_list: Option<PathBuf>,
    /// With no `protected` files, use the bundled example list of the
    /// region's protected names.
    pub protected_example: bool,
}

/// What is known about an IP address.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct IpInfo {
    /// The address, canonical form (an IPv4-mapped IPv6 address as IPv4).
    pub address: String,
    /// The special-purpose range it lies in.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub special: Option<SpecialRange>,
    /// Database answers (not looked up for addresses that are not globally
    /// reachable).
    #[serde(flatten)]
    pub geo: IpGeo,
    /// Tor exit and VPN/hosting list hits.
    #[serde(flatten)]
    pub lists: IpListHits,
}

/// What is known about a domain name.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DomainInfo {
    /// Host, public suffix, registrable domain (ASCII).
    #[serde(flatten)]
    pub parts: DomainParts,
    /// The host in Unicode, when it is an IDN.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub unicode: Option<String>,
}

/// The enrichment of one lead. Serialises with empty parts left out.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Enrichment {
    /// The lead kind, as given.
    pub kind: String,
    /// The lead value, as given.
    pub value: String,
    /// For a URL or an e-mail address: the host that was enriched.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub host: Option<String>,
    /// The IP address (the lead, or the host of a URL/e-mail).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ip: Option<IpInfo>,
    /// The domain (the lead, or the host of a URL/e-mail).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub domain: Option<DomainInfo>,
    /// Reasons to think the domain imitates a protected name, best first.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub lookalikes: Vec<Lookalike>,
    /// Watchlist lines matching the lead, then its host.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub watchlist: Vec<Hit>,
    /// A hash on a known-good list (exclude from review).
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub known_good: bool,
    /// Problems met (a damaged database record, an unparsable value).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<String>,
}

impl Enrichment {
    /// True when a watchlist matched (known-good lines excluded) or a
    /// lookalike, Tor exit or range hit was found: worth an investigator's
    /// attention.
    pub fn is_flagged(&self) -> bool {
        self.watchlist.iter().any(|h| h.kind != ListKind::KnownGood)
            || self.lookalikes.iter().any(|l| l.protected.is_some())
            || self
                .ip
                .as_ref()
                .is_some_and(|ip| !ip.lists.tor_exit.is_empty() || !ip.lists.ranges.is_empty())
    }
}

/// One loaded list, for provenance.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ListInfo {
    /// File name.
    pub file: String,
    /// What it holds (`tor-exit`, `ip-range`, `protected`, or a watchlist kind).
    pub kind: String,
    /// Entries loaded.
    pub entries: usize,
}

/// What an [`Enricher`] was built from.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Loaded {
    /// The databases, in order.
    pub ip_dbs: Vec<DbInfo>,
    /// The public suffix list used and its rule count.
    pub public_suffix_list: String,
    /// Its number of rules.
    pub public_suffix_rules: usize,
    /// Watchlists (per kind).
    pub lists: Vec<ListInfo>,
    /// Number of protected names.
    pub protected_names: usize,
    /// Lines skipped while loading.
    pub warnings: Vec<Warning>,
}

#[derive(Debug, Clone, Default)]
struct HostResult {
    ip: Option<IpInfo>,
    domain: Option<DomainInfo>,
    lookalikes: Vec<Lookalike>,
    watchlist: Vec<Hit>,
    errors: Vec<String>,
}

const SHARDS: usize = 16;
const SHARD_CAPACITY: usize = 1 << 14;

/// Offline enrichment of leads. `Send + Sync`: share one behind an `Arc`
/// across threads. Host results are cached (bounded), so calling it for
/// millions of leads with repeated hosts is cheap.
pub struct Enricher {
    psl: Arc<Psl>,
    dbs: IpDbs,
    ip_lists: IpLists,
    watchlists: Watchlists,
    lookalikes: Lookalikes,
    loaded: Loaded,
    hasher: RandomState,
    cache: Vec<Mutex<HashMap<String, Arc<HostResult>>>>,
}

impl std::fmt::Debug for Enricher {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Enricher")
            .field("loaded", &self.loaded)
            .finish_non_exhaustive()
    }
}

impl Enricher {
    /// Opens every database and list; the first unusable file is an error
    /// naming it. Bad lines inside lists are warnings ([`Enricher::loaded`]).
    pub fn open(sources: &Sources) -> Result<Enricher, OsintError> {
        let psl = match &sources.public_suffix_list {
            Some(path) => Arc::new(Psl::from_file(path)?),
            None => Psl::bundled(),
        };
        let dbs = IpDbs::open(&sources.ip_dbs)?;
        let mut ip_lists = IpLists::new();
        for p in &sources.tor_exits {
            ip_lists.add_tor_file(p)?;
        }
        for p in &sources.ip_ranges {
            ip_lists.add_range_file(p)?;
        }
        let mut watchlists = Watchlists::new();
        for p in &sources.watchlists {
            watchlists.add_file(p, None)?;
        }
        for p in &sources.known_good {
            watchlists.add_file(p, Some(ListKind::KnownGood))?;
        }
        let lookalikes = if sources.protected.is_empty() && sources.protected_example {
            Lookalikes::new(
                "protected-example.txt (bundled)",
                crate::PROTECTED_EXAMPLE.lines(),
                psl.clone(),
            )
        } else {
            Lookalikes::load(&sources.protected, psl.clone())?
        };
        Ok(Enricher::from_parts(
            psl, dbs, ip_lists, watchlists, lookalikes,
        ))
    }

    /// Builds from parts already loaded.
    pub fn from_parts(
        psl: Arc<Psl>,
        dbs: IpDbs,
        ip_lists: IpLists,
        watchlists: Watchlists,
        lookalikes: Lookalikes,
    ) -> Enricher {
        let mut lists: Vec<ListInfo> = watchlists
            .counts()
            .iter()
            .map(|(file, kind, n)| ListInfo {
                file: file.clone(),
                kind: kind.name().to_string(),
                entries: *n,
            })
            .collect();
        lists.extend(
            ip_lists
                .counts()
                .into_iter()
                .map(|(file, kind, n)| ListInfo {
                    file,
                    kind: kind.to_string(),
                    entries: n,
                }),
        );
        let mut warnings = Vec::new();
        warnings.extend_from_slice(ip_lists.warnings());
        warnings.extend_from_slice(watchlists.warnings());
        warnings.extend_from_slice(lookalikes.warnings());
        let loaded = Loaded {
            ip_dbs: dbs.info(),
            public_suffix_list: psl.source().to_string(),
            public_suffix_rules: psl.len(),
            lists,
            protected_names: lookalikes.protected().count(),
            warnings,
        };
        Enricher {
            psl,
            dbs,
            ip_lists,
            watchlists,
            lookalikes,
            loaded,
            hasher: RandomState::new(),
            cache: (0..SHARDS).map(|_| Mutex::new(HashMap::new())).collect(),
        }
    }

    /// What was loaded, for provenance in reports, with skipped lines.
    pub fn loaded(&self) -> &Loaded {
        &self.loaded
    }

    /// The databases (e.g. to [`IpDbs::verify`] them).
    pub fn ip_dbs(&self) -> &IpDbs {
        &self.dbs
    }

    /// The watchlists.
    pub fn watchlists(&self) -> &Watchlists {
        &self.watchlists
    }

    /// The protected names.
    pub fn lookalikes(&self) -> &Lookalikes {
        &self.lookalikes
    }

    /// The public suffix list in use.
    pub fn psl(&self) -> &Psl {
        &self.psl
    }

    /// Enriches one lead. `kind` is Exhibit's lead kind: `ip`/`ipv6`
    /// (geolocation, ASN, special ranges, Tor/range lists), `domain`
    /// (registrable domain, lookalikes), `email` and `url` (their own
    /// watchlists, then their host as a domain or IP), `phone`, `wallet` or
    /// a chain ticker (`btc`, `eth`, …), `md5`/`sha1`/`sha256`/`hash`
    /// (watchlists, known-good). Any other kind is matched against the
    /// watchlists by the value's shape. Never fails: problems are listed in
    /// [`Enrichment::errors`].
    pub fn enrich(&self, kind: &str, value: &str) -> Enrichment {
        let mut out = Enrichment {
            kind: kind.to_string(),
            value: value.to_string(),
            ..Enrichment::default()
        };
        let k = kind.to_ascii_lowercase();
        match k.as_str() {
            "ip" | "ipv4" | "ipv6" => match parse_ip(&refang(value)) {
                Some(_) => self.add_host(&mut out, value.trim(), false),
                None => out.errors.push(format!("not an IP address: {value:?}")),
            },
            "domain" | "host" | "hostname" => self.add_host(&mut out, value.trim(), false),
            "email" | "e-mail" => {
                out.watchlist = self.watchlists.matches(ListKind::Email, value);
                match host_of_email(value) {
                    Some(host) => self.add_host(&mut out, &host, true),
                    None => out
                        .errors
                        .push(format!("no host in e-mail address {value:?}")),
                }
            }
            "url" => {
                out.watchlist = self.watchlists.matches(ListKind::Url, value);
                match host_of_url(value) {
                    Some(host) => self.add_host(&mut out, &host, true),
                    None => out.errors.push(format!("no host in URL {value:?}")),
                }
            }
            _ => {
                let list_kind = ListKind::for_lead(&k).or_else(|| classify(value));
                if let Some(lk) = list_kind {
                    out.watchlist = self.watchlists.matches(lk, value);
                    if matches!(lk, ListKind::Hash | ListKind::KnownGood) {
                        out.known_good =
                            out.watchlist.iter().any(|h| h.kind == ListKind::KnownGood);
                    }
                }
            }
        }
        out
    }

    fn add_host(&self, out: &mut Enrichment, host: &str, show_host: bool) {
        let host = host.trim();
        if show_host {
            out.host = Some(host.to_string());
        }
        let r = self.host_result(host);
        out.ip = r.ip.clone();
        out.domain = r.domain.clone();
        out.lookalikes = r.lookalikes.clone();
        out.watchlist.extend(r.watchlist.iter().cloned());
        out.errors.extend(r.errors.iter().cloned());
    }

    fn host_result(&self, host: &str) -> Arc<HostResult> {
        let shard = &self.cache[(self.hasher.hash_one(host) as usize) % SHARDS];
        if let Some(r) = shard.lock().unwrap_or_else(|e| e.into_inner()).get(host) {
            return r.clone();
        }
        let r = Arc::new(self.compute_host(host));
        let mut map = shard.lock().unwrap_or_else(|e| e.into_inner());
        if map.len() >= SHARD_CAPACITY {
            map.clear();
        }
        map.insert(host.to_string(), r.clone());
        r
    }

    fn compute_host(&self, host: &str) -> HostResult {
        let mut r = HostResult::default();
        let refanged = refang(host);
        if let Some(ip) = parse_ip(&refanged) {
            r.ip = Some(self.ip_info(ip, &mut r.errors));
            r.watchlist = self.watchlists.matches(ListKind::Ip, &ip.to_string());
            return r;
        }
        match self.psl.split(&refanged) {
            Some(parts) => {
                let unicode = to_unicode(&parts.host);
                r.watchlist = self.watchlists.matches(ListKind::Domain, &parts.host);
                r.lookalikes = self.lookalikes.check(&parts.host);
                r.domain = Some(DomainInfo {
                    unicode: (unicode != parts.host).then_some(unicode),
                    parts,
                });
            }
            None => r
                .errors
                .push(format!("not a domain name or IP address: {host:?}")),
        }
        r
    }

    fn ip_info(&self, ip: IpAddr, errors: &mut Vec<String>) -> IpInfo {
        let special = special_range(ip);
        let geo = if special.as_ref().is_none_or(|s| s.globally_reachable) {
            match self.dbs.lookup(ip) {
                Ok(geo) => geo,
                Err(e) => {
                    errors.push(e.to_string());
                    IpGeo::default()
                }
            }
        } else {
            IpGeo::default()
        };
        IpInfo {
            address: ip.to_string(),
            special,
            geo,
            lists: self.ip_lists.lookup(ip),
        }
    }
}

/// The host of an e-mail address (after the last `@`; `[1.2.3.4]` literals
/// unbracketed).
pub fn host_of_email(value: &str) -> Option<String> {
    let v = refang(value);
    let v = v
        .trim()
        .trim_start_matches("mailto:")
        .trim_matches(['<', '>']);
    let (_, host) = v.rsplit_once('@')?;
    let host = host.trim().trim_start_matches('[').trim_end_matches(']');
    let host = host
        .strip_prefix("IPv6:")
        .or_else(|| host.strip_prefix("ipv6:"))
        .unwrap_or(host);
    (!host.is_empty()).then(|| host.to_string())
}

/// The host of a URL (`scheme://[user@]host[:port]/…`, or `www.…` with no
/// scheme); IPv6 literals unbracketed.
pub fn host_of_url(value: &str) -> Option<String> {
    let v = refang(value);
    let v = v.trim();
    let rest = match v.find("://") {
        Some(i) => &v[i + 3..],
        None => v,
    };
    let authority = &rest[..rest.find(['/', '?', '#', '\\']).unwrap_or(rest.len())];
    let hostport = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
    let (host, _) = split_host_port(hostport);
    let host = host.trim_start_matches('[').trim_end_matches(']');
    (!host.is_empty()).then(|| host.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hosts() {
        assert_eq!(
            host_of_url("https://user:pw@Evil.Example:8443/a?b").as_deref(),
            Some("Evil.Example")
        );
        assert_eq!(
            host_of_url("hxxp://evil[.]example/x").as_deref(),
            Some("evil.example")
        );
        assert_eq!(
            host_of_url("http://[2001:db8::1]:80/").as_deref(),
            Some("2001:db8::1")
        );
        assert_eq!(
            host_of_url("www.example.com/path").as_deref(),
            Some("www.example.com")
        );
        assert_eq!(
            host_of_email("a.b@Mail.Example.com").as_deref(),
            Some("Mail.Example.com")
        );
        assert_eq!(host_of_email("x@[192.0.2.1]").as_deref(), Some("192.0.2.1"));
        assert_eq!(host_of_email("nobody"), None);
    }

    #[test]
    fn send_sync() {
        fn check<T: Send + Sync>() {}
        check::<Enricher>();
    }
}
