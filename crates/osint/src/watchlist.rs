//! Watchlists: the user's lists of known-bad hashes, known-good hashes (to
//! exclude), e-mail addresses, phone numbers, wallets, domains, IPs/CIDRs
//! and URLs.
//!
//! A list file is typed by a header comment among its leading lines,
//! `# type: email` (kinds: see [`ListKind::from_name`]), or else each line
//! is classified by its shape. `#` starts a comment line. The entry is the
//! first field of a line (split at whitespace, comma or tab; phone numbers
//! take the line up to a comma or tab); the rest is kept as a note.
//! A hash list may also be CSV with a header line naming the hash columns
//! (`"SHA-1","MD5",…` as in NSRL RDS): every hash column is loaded.
//!
//! Matching normalises both sides: case (hashes, e-mail, domains, URLs'
//! scheme and host; hex `0x` wallet addresses and Bech32/CashAddr ones are
//! case-insensitive, Base58 ones exact), defanging (`hxxp`, `[.]`), a
//! domain's trailing dot; phone numbers compare on digits only (a leading
//! `+` is optional). A listed domain matches its subdomains too. Hits come
//! in list order, then line order.

use crate::domain::to_ascii;
use crate::error::{list_name, read_text, OsintError, Warning};
use crate::net::{parse_ip, refang, Cidr, CidrSet};
use serde::Serialize;
use std::collections::HashMap;
use std::path::Path;

/// What a list (or a line of an untyped list) holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum ListKind {
    /// Known-bad file hashes (MD5, SHA-1, SHA-256, or any hex digest).
    Hash,
    /// Known-good file hashes, to exclude files from review.
    KnownGood,
    /// E-mail addresses.
    Email,
    /// Phone numbers.
    Phone,
    /// Cryptocurrency addresses.
    Wallet,
    /// Domains (matching their subdomains too).
    Domain,
    /// IP addresses and networks.
    Ip,
    /// URLs.
    Url,
}

impl ListKind {
    /// Every kind.
    pub const ALL: [ListKind; 8] = [
        ListKind::Hash,
        ListKind::KnownGood,
        ListKind::Email,
        ListKind::Phone,
        ListKind::Wallet,
        ListKind::Domain,
        ListKind::Ip,
        ListKind::Url,
    ];

    /// The kind for a `# type:` header value: `hash` (also `hashes`,
    /// `bad-hash`, `known-bad`, `md5`, `sha1`, `sha-1`, `sha256`,
    /// `sha-256`), `known-good` (`good-hash`, `allow`, `nsrl`), `email`
    /// (`e-mail`), `phone` (`tel`), `wallet` (`crypto`, `address`), `domain`
    /// (`host`, `hostname`), `ip` (`ips`, `cidr`, `ipv4`, `ipv6`, `network`),
    /// `url` (`urls`, `uri`); plural `s` accepted. Case-insensitive.
    pub fn from_name(name: &str) -> Option<ListKind> {
        let n = name.trim().to_ascii_lowercase();
        ListKind::from_exact(&n).or_else(|| {
            let singular = n
                .strip_suffix("es")
                .filter(|r| r.ends_with("sh") || r.ends_with("ss"));
            let singular = singular.or_else(|| n.strip_suffix('s'))?;
            ListKind::from_exact(singular)
        })
    }

    fn from_exact(n: &str) -> Option<ListKind> {
        Some(match n {
            "hash" | "bad-hash" | "known-bad" | "md5" | "sha1" | "sha-1" | "sha256" | "sha-256" => {
                ListKind::Hash
            }
            "known-good" | "good-hash" | "allow" | "nsrl" => ListKind::KnownGood,
            "email" | "e-mail" | "mail" => ListKind::Email,
            "phone" | "tel" | "telephone" => ListKind::Phone,
            "wallet" | "crypto" | "address" | "btc" | "eth" => ListKind::Wallet,
            "domain" | "host" | "hostname" => ListKind::Domain,
            "ip" | "cidr" | "ipv4" | "ipv6" | "network" => ListKind::Ip,
            "url" | "uri" => ListKind::Url,
            _ => return None,
        })
    }

    /// The name used in headers and JSON.
    pub fn name(self) -> &'static str {
        match self {
            ListKind::Hash => "hash",
            ListKind::KnownGood => "known-good",
            ListKind::Email => "email",
            ListKind::Phone => "phone",
            ListKind::Wallet => "wallet",
            ListKind::Domain => "domain",
            ListKind::Ip => "ip",
            ListKind::Url => "url",
        }
    }

    /// The list kind a lead of Exhibit's scanner kind `kind` is matched
    /// against (`email`, `url`, `domain`, `ip`, `ipv6`, `phone`, `wallet`
    /// and chain tickers such as `btc`, `md5`/`sha1`/`sha256`/`hash`).
    pub fn for_lead(kind: &str) -> Option<ListKind> {
        Some(match kind.to_ascii_lowercase().as_str() {
            "email" | "e-mail" => ListKind::Email,
            "url" => ListKind::Url,
            "domain" | "host" | "onion" | "i2p" => ListKind::Domain,
            "ip" | "ipv4" | "ipv6" => ListKind::Ip,
            "phone" | "tel" => ListKind::Phone,
            "wallet" | "btc" | "bch" | "ltc" | "doge" | "eth" | "trx" | "xmr" | "xrp" | "sol"
            | "crypto" => ListKind::Wallet,
            "hash" | "md5" | "sha1" | "sha-1" | "sha256" | "sha-256" => ListKind::Hash,
            _ => return None,
        })
    }
}

/// A watchlist line that matched.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Hit {
    /// The list's file name.
    pub list: String,
    /// 1-based line number in it.
    pub line: usize,
    /// The entry as written on that line.
    pub entry: String,
    /// The list kind (`known-good` marks an exclusion, not a suspicion).
    pub kind: ListKind,
    /// The rest of the line (or the NSRL file name column), if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

#[derive(Debug, Clone)]
struct Entry {
    list: u32,
    line: u32,
    kind: ListKind,
    text: Box<str>,
    note: Option<Box<str>>,
}

/// Loaded watchlists.
#[derive(Debug, Clone, Default)]
pub struct Watchlists {
    names: Vec<String>,
    entries: Vec<Entry>,
    /// Normalised entry → entry indexes, one map per kind (known-good
    /// hashes share the hash map).
    exact: [HashMap<Box<str>, Vec<u32>>; 8],
    cidrs: CidrSet<u32>,
    warnings: Vec<Warning>,
    counts: Vec<(String, ListKind, usize)>,
}

/// Normalised key of a value of `kind`, `None` if it cannot be one.
pub fn normalize(kind: ListKind, value: &str) -> Option<String> {
    let v = value.trim();
    match kind {
        ListKind::Hash | ListKind::KnownGood => {
            let v = v.trim_matches('"');
            (v.len() >= 32
                && v.len().is_multiple_of(2)
                && v.len() <= 128
                && v.bytes().all(|b| b.is_ascii_hexdigit()))
            .then(|| v.to_ascii_lowercase())
        }
        ListKind::Email => {
            let v = refang(v);
            let v = v
                .strip_prefix("mailto:")
                .unwrap_or(&v)
                .trim_matches(['<', '>']);
            let (local, domain) = v.rsplit_once('@')?;
            let domain = normalize_domain(domain)?;
            (!local.is_empty()).then(|| format!("{}@{domain}", local.to_lowercase()))
        }
        ListKind::Phone => {
            let digits: String = v.chars().filter(char::is_ascii_digit).collect();
            (digits.len() >= 5).then_some(digits)
        }
        ListKind::Wallet => normalize_wallet(v),
        ListKind::Domain => normalize_domain(&refang(v)),
        ListKind::Ip => parse_ip(&refang(v)).map(|ip| ip.to_string()),
        ListKind::Url => normalize_url(&refang(v)),
    }
}

fn normalize_domain(d: &str) -> Option<String> {
    let d = d.trim().trim_end_matches('.');
    if d.is_empty() || d.starts_with('.') || d.contains("..") || d.contains(['/', '@', ' ', ':']) {
        return None;
    }
    let d = d.strip_prefix("*.").unwrap_or(d);
    if d.is_ascii() {
        Some(d.to_ascii_lowercase())
    } else {
        to_ascii(d).ok()
    }
}

fn normalize_wallet(v: &str) -> Option<String> {
    if v.is_empty() || !v.is_ascii() || v.contains(char::is_whitespace) {
        return None;
    }
    let lower = v.to_ascii_lowercase();
    if let Some(hex) = lower.strip_prefix("0x") {
        if hex.len() == 40 && hex.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Some(lower);
        }
    }
    // Bech32/Bech32m (BIP-173: case-insensitive) and CashAddr.
    let case_insensitive = [
        "bc1",
        "tb1",
        "bcrt1",
        "ltc1",
        "tltc1",
        "rltc1",
        "bitcoincash:",
        "bchtest:",
        "bchreg:",
    ]
    .iter()
    .any(|p| lower.starts_with(p));
    Some(if case_insensitive {
        lower
    } else {
        v.to_string()
    })
}

fn normalize_url(v: &str) -> Option<String> {
    let (scheme, rest) = v.split_once("://")?;
    if scheme.is_empty()
        || !scheme
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"+-.".contains(&b))
    {
        return None;
    }
    let scheme = scheme.to_ascii_lowercase();
    let rest = rest.split('#').next().unwrap_or_default();
    let split = rest.find(['/', '?']).unwrap_or(rest.len());
    let (authority, path) = rest.split_at(split);
    let (userinfo, hostport) = match authority.rsplit_once('@') {
        Some((u, h)) => (Some(u), h),
        None => (None, authority),
    };
    let (host, port) = split_host_port(hostport);
    let host = if host.starts_with('[') {
        host.to_ascii_lowercase()
    } else {
        normalize_domain(host).or_else(|| parse_ip(host).map(|ip| ip.to_string()))?
    };
    let port = match (scheme.as_str(), port) {
        ("http", Some("80")) | ("https", Some("443")) | (_, None) => String::new(),
        (_, Some(p)) => format!(":{p}"),
    };
    let path = if path.is_empty() || path.starts_with('?') {
        format!("/{path}")
    } else {
        path.to_string()
    };
    let user = userinfo.map(|u| format!("{u}@")).unwrap_or_default();
    Some(format!("{scheme}://{user}{host}{port}{path}"))
}

/// `host` and `port` of `host:port`, `[v6]:port`, `host`.
pub(crate) fn split_host_port(s: &str) -> (&str, Option<&str>) {
    if s.starts_with('[') {
        if let Some(end) = s.find(']') {
            let port = s[end + 1..].strip_prefix(':');
            return (&s[..=end], port);
        }
        return (s, None);
    }
    match s.rsplit_once(':') {
        Some((h, p)) if !h.contains(':') && p.bytes().all(|b| b.is_ascii_digit()) => (h, Some(p)),
        _ => (s, None),
    }
}

/// The kind of a token by its shape, for untyped lists.
pub fn classify(token: &str) -> Option<ListKind> {
    let t = refang(token);
    let t = t.trim();
    if t.is_empty() {
        return None;
    }
    if t.contains("://") {
        return Some(ListKind::Url);
    }
    if t.contains('@') {
        return normalize(ListKind::Email, t).map(|_| ListKind::Email);
    }
    if Cidr::parse(t).is_some() {
        return Some(ListKind::Ip);
    }
    if matches!(t.len(), 32 | 40 | 64 | 128) && t.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Some(ListKind::Hash);
    }
    if exhibit_wallets::validate(t).is_some() {
        return Some(ListKind::Wallet);
    }
    let digits = t.chars().filter(char::is_ascii_digit).count();
    if digits >= 7
        && t.chars()
            .all(|c| c.is_ascii_digit() || " +-().".contains(c))
        && !t.contains("..")
    {
        return Some(ListKind::Phone);
    }
    if t.contains('.')
        && t.chars()
            .all(|c| c.is_alphanumeric() || "-_.".contains(c) || !c.is_ascii())
        && !t
            .trim_end_matches('.')
            .rsplit('.')
            .next()
            .unwrap_or_default()
            .chars()
            .all(|c| c.is_ascii_digit())
    {
        return normalize(ListKind::Domain, t).map(|_| ListKind::Domain);
    }
    None
}

/// The `# type:` value of a comment line, if it is one.
fn header_type(line: &str) -> Option<&str> {
    let c = line.trim().strip_prefix('#')?.trim();
    let (key, value) = c.split_once(':')?;
    key.trim()
        .eq_ignore_ascii_case("type")
        .then(|| value.trim())
}

/// Splits a list line into the entry and a note.
fn split_entry(kind: Option<ListKind>, line: &str) -> (&str, Option<&str>) {
    let at = if kind == Some(ListKind::Phone) {
        line.find([',', '\t'])
    } else {
        line.find([' ', '\t', ','])
    };
    match at {
        Some(i) => {
            let note = line[i + 1..].trim_matches(|c: char| c == ',' || c.is_whitespace());
            (&line[..i], (!note.is_empty()).then_some(note))
        }
        None => (line, None),
    }
}

/// Splits a CSV line (double quotes, `""` escapes).
fn csv_fields(line: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut quoted = false;
    let mut chars = line.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '"' if quoted && chars.peek() == Some(&'"') => {
                cur.push('"');
                chars.next();
            }
            '"' => quoted = !quoted,
            ',' if !quoted => out.push(std::mem::take(&mut cur)),
            _ => cur.push(c),
        }
    }
    out.push(cur);
    out
}

/// Column indexes of hash columns and of a file-name column, when `line` is
/// a CSV header naming hash columns.
fn csv_header(line: &str) -> Option<(Vec<usize>, Option<usize>)> {
    if !line.contains(',') {
        return None;
    }
    let fields = csv_fields(line);
    let norm: Vec<String> = fields
        .iter()
        .map(|f| {
            f.trim()
                .chars()
                .filter(|c| c.is_ascii_alphanumeric())
                .collect::<String>()
                .to_ascii_lowercase()
        })
        .collect();
    let hashes: Vec<usize> = (0..norm.len())
        .filter(|&i| {
            matches!(
                norm[i].as_str(),
                "md5" | "sha1" | "sha256" | "sha512" | "sha384" | "sha224"
            )
        })
        .collect();
    if hashes.is_empty() {
        return None;
    }
    let name = norm
        .iter()
        .position(|n| n == "filename" || n == "name" || n == "file");
    Some((hashes, name))
}

impl Watchlists {
    /// No lists.
    pub fn new() -> Watchlists {
        Watchlists::default()
    }

    /// Loads list files, each typed by its header or line by line by shape.
    pub fn load<P: AsRef<Path>>(paths: &[P]) -> Result<Watchlists, OsintError> {
        let mut w = Watchlists::new();
        for p in paths {
            w.add_file(p.as_ref(), None)?;
        }
        Ok(w)
    }

    /// Adds one list file; `kind` forces its type (e.g. the CLI's
    /// `--known-good FILE`), overriding a header. An unknown `# type:` value
    /// is an error naming the file and line.
    pub fn add_file(&mut self, path: &Path, kind: Option<ListKind>) -> Result<(), OsintError> {
        let text = read_text(path)?;
        self.add_text(&list_name(path), &text, kind)
            .map_err(|(line, message)| OsintError::list(path, Some(line), message))
    }

    /// Adds a list from text, reported under `name`. Errors carry the line.
    pub fn add_text(
        &mut self,
        name: &str,
        text: &str,
        kind: Option<ListKind>,
    ) -> Result<(), (usize, String)> {
        // The header: `# type:` among the leading comment lines.
        let mut typed = kind;
        for (i, line) in text.lines().enumerate() {
            let t = line.trim();
            if t.is_empty() {
                continue;
            }
            if !t.starts_with('#') {
                break;
            }
            if let Some(value) = header_type(t) {
                let k = ListKind::from_name(value)
                    .ok_or((i + 1, format!("unknown list type {value:?}")))?;
                typed = typed.or(Some(k));
            }
        }
        let list = self.names.len() as u32;
        self.names.push(name.to_string());
        let before = self.entries.len();
        let mut csv: Option<(Vec<usize>, Option<usize>)> = None;
        let mut first_data = true;
        for (i, raw) in text.lines().enumerate() {
            let line = raw.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let lineno = (i + 1) as u32;
            if first_data {
                first_data = false;
                if matches!(
                    typed,
                    None | Some(ListKind::Hash) | Some(ListKind::KnownGood)
                ) {
                    if let Some(h) = csv_header(line) {
                        csv = Some(h);
                        typed = typed.or(Some(ListKind::Hash));
                        continue;
                    }
                }
            }
            if let Some((cols, name_col)) = &csv {
                let fields = csv_fields(line);
                let note = name_col
                    .and_then(|c| fields.get(c))
                    .map(|s| s.trim())
                    .filter(|s| !s.is_empty());
                let mut any = false;
                for &c in cols {
                    let Some(value) = fields.get(c).map(|s| s.trim()) else {
                        continue;
                    };
                    if value.is_empty() {
                        continue;
                    }
                    let k = typed.unwrap_or(ListKind::Hash);
                    if let Some(key) = normalize(k, value) {
                        self.insert(list, lineno, k, value, note, key);
                        any = true;
                    }
                }
                if !any {
                    self.warn(name, i + 1, "no hash in the hash columns".to_string());
                }
                continue;
            }
            let (entry, note) = split_entry(typed, line);
            let (kind, entry, note) = match typed {
                Some(k) => (k, entry, note),
                None => match classify(entry) {
                    Some(k) => (k, entry, note),
                    // A phone number written with spaces.
                    None => match split_entry(Some(ListKind::Phone), line) {
                        (whole, note) if classify(whole) == Some(ListKind::Phone) => {
                            (ListKind::Phone, whole, note)
                        }
                        _ => {
                            self.warn(name, i + 1, format!("not a recognised entry: {line:?}"));
                            continue;
                        }
                    },
                },
            };
            if kind == ListKind::Ip {
                if let Some(cidr) = Cidr::parse(&refang(entry)) {
                    let idx = self.entries.len() as u32;
                    self.entries.push(Entry {
                        list,
                        line: lineno,
                        kind,
                        text: entry.into(),
                        note: note.map(Into::into),
                    });
                    self.cidrs.insert(cidr, idx);
                    continue;
                }
                self.warn(
                    name,
                    i + 1,
                    format!("not an IP address or network: {entry:?}"),
                );
                continue;
            }
            match normalize(kind, entry) {
                Some(key) => self.insert(list, lineno, kind, entry, note, key),
                None => self.warn(
                    name,
                    i + 1,
                    format!("not a valid {}: {entry:?}", kind.name()),
                ),
            }
        }
        // Per-kind counts for this list, for provenance.
        let mut counts: Vec<(ListKind, usize)> = Vec::new();
        for e in &self.entries[before..] {
            match counts.iter_mut().find(|(k, _)| *k == e.kind) {
                Some(c) => c.1 += 1,
                None => counts.push((e.kind, 1)),
            }
        }
        counts.sort();
        for (k, n) in counts {
            self.counts.push((name.to_string(), k, n));
        }
        Ok(())
    }

    fn insert(
        &mut self,
        list: u32,
        line: u32,
        kind: ListKind,
        entry: &str,
        note: Option<&str>,
        key: String,
    ) {
        let idx = self.entries.len() as u32;
        self.entries.push(Entry {
            list,
            line,
            kind,
            text: entry.into(),
            note: note.map(Into::into),
        });
        // Known-good and known-bad hashes share one key space.
        let map_kind = if kind == ListKind::KnownGood {
            ListKind::Hash
        } else {
            kind
        };
        self.exact[map_kind as usize]
            .entry(key.into_boxed_str())
            .or_default()
            .push(idx);
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

    /// (list, kind, entries) for every list and kind loaded.
    pub fn counts(&self) -> &[(String, ListKind, usize)] {
        &self.counts
    }

    /// True when no entry was loaded.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Every list line matching `value` as a `kind`, in list order then
    /// line order. For [`ListKind::Hash`] (or `KnownGood`) both known-bad
    /// and known-good lines are returned, told apart by [`Hit::kind`].
    pub fn matches(&self, kind: ListKind, value: &str) -> Vec<Hit> {
        let mut idx: Vec<u32> = Vec::new();
        match kind {
            ListKind::Ip => {
                if let Some(ip) = parse_ip(&refang(value)) {
                    idx.extend(self.cidrs.lookup(ip).into_iter().copied());
                }
            }
            ListKind::Domain => {
                if let Some(d) = normalize(ListKind::Domain, value) {
                    // The domain and each parent.
                    let mut rest = d.as_str();
                    loop {
                        if let Some(v) = self.exact[ListKind::Domain as usize].get(rest) {
                            idx.extend(v);
                        }
                        match rest.find('.') {
                            Some(i) => rest = &rest[i + 1..],
                            None => break,
                        }
                    }
                }
            }
            _ => {
                let map_kind = if kind == ListKind::KnownGood {
                    ListKind::Hash
                } else {
                    kind
                };
                if let Some(key) = normalize(map_kind, value) {
                    if let Some(v) = self.exact[map_kind as usize].get(key.as_str()) {
                        idx.extend(v);
                    }
                }
            }
        }
        idx.sort_by_key(|&i| {
            let e = &self.entries[i as usize];
            (e.list, e.line, i)
        });
        idx.dedup();
        idx.into_iter()
            .map(|i| {
                let e = &self.entries[i as usize];
                Hit {
                    list: self.names[e.list as usize].clone(),
                    line: e.line as usize,
                    entry: e.text.to_string(),
                    kind: e.kind,
                    note: e.note.as_deref().map(str::to_string),
                }
            })
            .collect()
    }

    /// True when a known-good list holds `hash`.
    pub fn is_known_good(&self, hash: &str) -> bool {
        self.matches(ListKind::Hash, hash)
            .iter()
            .any(|h| h.kind == ListKind::KnownGood)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shapes() {
        assert_eq!(
            classify("d41d8cd98f00b204e9800998ecf8427e"),
            Some(ListKind::Hash)
        );
        assert_eq!(classify("Bad@Example.com"), Some(ListKind::Email));
        assert_eq!(classify("hxxps://evil[.]example/x"), Some(ListKind::Url));
        assert_eq!(classify("203.0.113.0/24"), Some(ListKind::Ip));
        assert_eq!(classify("2001:db8::1"), Some(ListKind::Ip));
        assert_eq!(classify("+66 81 234 5678"), Some(ListKind::Phone));
        assert_eq!(classify("evil.example"), Some(ListKind::Domain));
        assert_eq!(
            classify("1BvBMSEYstWetqTFn5Au4m4GFg7xJaNVN2"),
            Some(ListKind::Wallet)
        );
        assert_eq!(
            classify("0x52908400098527886E0F7030069857D2E4169EE7"),
            Some(ListKind::Wallet)
        );
        assert_eq!(classify("hello"), None);
    }

    #[test]
    fn type_names() {
        assert_eq!(ListKind::from_name("Hashes"), Some(ListKind::Hash));
        assert_eq!(ListKind::from_name("addresses"), Some(ListKind::Wallet));
        assert_eq!(ListKind::from_name("address"), Some(ListKind::Wallet));
        assert_eq!(ListKind::from_name("emails"), Some(ListKind::Email));
        assert_eq!(ListKind::from_name("IPs"), Some(ListKind::Ip));
        assert_eq!(ListKind::from_name("known-good"), Some(ListKind::KnownGood));
        assert_eq!(ListKind::from_name("shoes"), None);
        for k in ListKind::ALL {
            assert_eq!(ListKind::from_name(k.name()), Some(k));
        }
    }

    #[test]
    fn normalising() {
        assert_eq!(
            normalize(ListKind::Url, "HTTP://Evil.Example:80").unwrap(),
            "http://evil.example/"
        );
        assert_eq!(
            normalize(ListKind::Url, "https://evil.example/a?b#frag").unwrap(),
            "https://evil.example/a?b"
        );
        assert_eq!(
            normalize(ListKind::Phone, "+66 (81) 234-5678").unwrap(),
            "66812345678"
        );
        assert_eq!(
            normalize(ListKind::Domain, "Evil.Example.").unwrap(),
            "evil.example"
        );
        assert_eq!(
            normalize(
                ListKind::Wallet,
                "BC1QAR0SRRR7XFKVY5L643LYDNW9RE59GTZZWF5MDQ"
            )
            .unwrap(),
            "bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq"
        );
        assert_eq!(
            normalize(ListKind::Wallet, "1BvBMSEYstWetqTFn5Au4m4GFg7xJaNVN2").unwrap(),
            "1BvBMSEYstWetqTFn5Au4m4GFg7xJaNVN2"
        );
    }
}
