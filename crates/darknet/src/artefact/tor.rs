//! Tor: Tor Browser installs and profiles, `torrc`, Tor's `state` file,
//! onion-service folders and client-authorisation keys.

use super::{line_no, list, text, Artefact, ArtefactKind as K, Pth, Seen, Setting, MAX_SETTINGS};
use crate::address::{onion_from_pubkey, parse_onion};
use crate::base32;
use crate::service::{read_public_key, read_secret_key};
use std::collections::{BTreeMap, BTreeSet};

/// How a path matters to Tor.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum TorClass {
    /// A program file of a Tor Browser install; the install root has this
    /// many components. `version` for `tbb_version.json`.
    Install {
        root: usize,
        version: bool,
    },
    /// A file of a Tor Browser profile; `prefs` for `prefs.js`.
    Profile {
        prefs: bool,
    },
    Torrc,
    State,
    Hostname,
    HsPublic,
    HsSecret,
    HsV2Private,
    AuthorizedClient,
    ClientAuth,
}

impl TorClass {
    /// Whether the first 4 KiB are enough (key files, version file).
    pub fn small(self) -> bool {
        !matches!(
            self,
            TorClass::Torrc | TorClass::State | TorClass::Profile { .. }
        )
    }

    pub fn needs_data(self) -> bool {
        match self {
            TorClass::Install { version, .. } => version,
            TorClass::Profile { prefs } => prefs,
            _ => true,
        }
    }
}

/// File names that show a Tor Browser install when under its folder.
const INSTALL_NAMES: &[&str] = &[
    "firefox.exe",
    "firefox",
    "start-tor-browser",
    "start-tor-browser.desktop",
    "tor.exe",
    "tor",
    "tbb_version.json",
    "torrc",
    "places.sqlite",
    "state",
];

/// Profile files worth naming.
const PROFILE_NAMES: &[&str] = &[
    "places.sqlite",
    "cookies.sqlite",
    "formhistory.sqlite",
    "prefs.js",
    "key4.db",
    "logins.json",
    "sessionstore.jsonlz4",
];

/// Number of components of the Tor Browser install folder holding `p`.
fn tor_root(p: &Pth) -> Option<usize> {
    let dirs = p.dirs();
    for (i, c) in dirs.iter().enumerate() {
        if c == "tor browser"
            || c.starts_with("tor-browser")
            || c == "torbrowser.app"
            || c == "tor browser.app"
        {
            return Some(i + 1);
        }
    }
    p.window(&["browser", "torbrowser"])
}

pub(crate) fn classify(p: &Pth) -> Vec<TorClass> {
    let name = p.name();
    let mut out = Vec::new();
    if let Some(root) = tor_root(p) {
        if INSTALL_NAMES.contains(&name) {
            out.push(TorClass::Install {
                root,
                version: name == "tbb_version.json",
            });
        }
    }
    if PROFILE_NAMES.contains(&name) {
        let n = p.low.len();
        let in_profile = [
            &["torbrowser", "data", "browser"][..],
            &["torbrowser-data", "browser"][..],
        ]
        .iter()
        .any(|seq| p.window(seq).is_some_and(|i| i + seq.len() + 2 == n));
        if in_profile {
            out.push(TorClass::Profile {
                prefs: name == "prefs.js",
            });
        }
    }
    let class = match name {
        "torrc" => Some(TorClass::Torrc),
        "state"
            if matches!(p.parent_name(), "tor" | ".tor") || p.parent_name().starts_with("tor") =>
        {
            Some(TorClass::State)
        }
        "hostname" => Some(TorClass::Hostname),
        "hs_ed25519_public_key" => Some(TorClass::HsPublic),
        "hs_ed25519_secret_key" => Some(TorClass::HsSecret),
        "private_key" => Some(TorClass::HsV2Private),
        n if n.ends_with(".auth") && p.parent_name() == "authorized_clients" => {
            Some(TorClass::AuthorizedClient)
        }
        n if n.ends_with(".auth_private") => Some(TorClass::ClientAuth),
        _ => None,
    };
    out.extend(class);
    out
}

#[derive(Debug, Default)]
struct Install {
    platforms: BTreeSet<&'static str>,
    files: Vec<Seen>,
    version: BTreeMap<String, String>,
}

#[derive(Debug, Default)]
struct Profile {
    files: Vec<Seen>,
    private_browsing_off: bool,
}

#[derive(Debug, Default)]
struct Service {
    hostname: Option<(Seen, Vec<u8>)>,
    public: Option<(Seen, Vec<u8>)>,
    secret: Option<(Seen, Vec<u8>)>,
    v2_private: Option<Seen>,
    clients: Vec<(Seen, Vec<u8>)>,
}

/// What Tor files were seen.
#[derive(Debug, Default)]
pub(crate) struct Tor {
    installs: BTreeMap<String, Install>,
    profiles: BTreeMap<String, Profile>,
    services: BTreeMap<String, Service>,
    done: Vec<Artefact>,
    /// `HiddenServiceDir` values (lower case, no trailing `/`) with the
    /// torrc and line that set them.
    hs_dirs: Vec<(String, String, u32)>,
}

impl Tor {
    pub fn add(&mut self, class: TorClass, p: &Pth, seen: &Seen, data: &[u8]) {
        match class {
            TorClass::Install { root, version } => {
                let inst = self.installs.entry(p.prefix(root)).or_default();
                inst.files.push(seen.clone());
                let root_name = p
                    .low
                    .get(root.wrapping_sub(1))
                    .map(String::as_str)
                    .unwrap_or("");
                if root_name.ends_with(".app") {
                    inst.platforms.insert("macOS");
                }
                match p.name() {
                    "firefox.exe" | "tor.exe" => {
                        inst.platforms.insert("Windows");
                    }
                    "start-tor-browser" | "start-tor-browser.desktop" => {
                        inst.platforms.insert("Linux");
                    }
                    _ => {}
                }
                if version {
                    if let Ok(serde_json::Value::Object(m)) =
                        serde_json::from_slice::<serde_json::Value>(data)
                    {
                        for (k, v) in m {
                            if let Some(s) = v.as_str() {
                                inst.version.insert(k, s.chars().take(100).collect());
                            }
                        }
                    }
                }
            }
            TorClass::Profile { prefs } => {
                let prof = self.profiles.entry(p.parent()).or_default();
                prof.files.push(seen.clone());
                if prefs {
                    let t = String::from_utf8_lossy(data);
                    prof.private_browsing_off |= t.lines().any(|l| {
                        let l: String = l.chars().filter(|c| !c.is_whitespace()).collect();
                        l.starts_with("user_pref(\"browser.privatebrowsing.autostart\",false)")
                    });
                }
            }
            TorClass::Torrc => {
                let a = torrc(seen, data, tor_root(p).is_some(), &mut self.hs_dirs);
                self.done.push(a);
            }
            TorClass::State => {
                if let Some(a) = state_file(seen, data) {
                    self.done.push(a);
                }
            }
            TorClass::Hostname => self.service(p).hostname = Some((seen.clone(), data.to_vec())),
            TorClass::HsPublic => self.service(p).public = Some((seen.clone(), data.to_vec())),
            TorClass::HsSecret => self.service(p).secret = Some((seen.clone(), data.to_vec())),
            TorClass::HsV2Private => {
                if data.starts_with(b"-----BEGIN RSA PRIVATE KEY-----") {
                    self.service(p).v2_private = Some(seen.clone());
                }
            }
            TorClass::AuthorizedClient => {
                let dir = p.prefix(p.raw.len().saturating_sub(2));
                let svc = self.services.entry(dir).or_default();
                svc.clients
                    .push((seen.clone(), data.iter().copied().take(1024).collect()));
            }
            TorClass::ClientAuth => self.done.push(client_auth(seen, data)),
        }
    }

    fn service(&mut self, p: &Pth) -> &mut Service {
        self.services.entry(p.parent()).or_default()
    }

    pub fn finish(self, out: &mut Vec<Artefact>) {
        for (root, inst) in self.installs {
            out.push(install(root, inst));
        }
        for (dir, prof) in self.profiles {
            out.push(profile(dir, prof));
        }
        for (dir, svc) in self.services {
            out.extend(service(&dir, svc, &self.hs_dirs));
        }
        out.extend(self.done);
    }
}

fn install(root: String, inst: Install) -> Artefact {
    let mut a = Artefact::new(K::TorBrowserInstall, root.clone());
    a.files = inst.files.iter().map(|s| s.path.clone()).collect();
    let platforms: Vec<&str> = inst.platforms.iter().copied().collect();
    if !platforms.is_empty() {
        a.detail.insert("platform".into(), platforms.join(", "));
    }
    for (k, v) in &inst.version {
        a.detail.insert(format!("tbb_version.{k}"), v.clone());
    }
    let version = match inst.version.get("version") {
        Some(v) => format!(" (version {v}, from tbb_version.json)"),
        None => String::new(),
    };
    let names: Vec<String> = inst
        .files
        .iter()
        .map(|s| s.path.rsplit(['/', '\\']).next().unwrap_or("").to_string())
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    a.proves = format!(
        "A Tor Browser was installed at {root}{version}: its files ({}) are present. This shows the software was on the examined media, not that it was used, by whom, or when; a copied or unpacked but never started install looks the same.",
        list(&names, 6)
    );
    for s in &inst.files {
        s.note_deleted(&mut a);
    }
    a
}

fn profile(dir: String, prof: Profile) -> Artefact {
    let mut a = Artefact::new(K::TorBrowserProfile, dir.clone());
    a.files = prof.files.iter().map(|s| s.path.clone()).collect();
    let mut parts = vec![format!("A Tor Browser user profile exists at {dir}.")];
    if let Some(places) = prof
        .files
        .iter()
        .find(|s| s.path.to_ascii_lowercase().ends_with("places.sqlite"))
    {
        a.detail
            .insert("places.sqlite".into(), format!("{} bytes", places.size));
        parts.push(format!(
            "The profile holds a browsing history database (places.sqlite, {} bytes{}). Tor Browser keeps bookmarks there and, only when its default private-browsing mode was turned off, history; its content was not examined here.",
            places.size,
            places.when()
        ));
    }
    if prof.private_browsing_off {
        a.detail
            .insert("private_browsing_autostart".into(), "false".into());
        parts.push(
            "prefs.js records that \"Always use private browsing mode\" was turned off (browser.privatebrowsing.autostart = false), a setting a user must change, so Tor Browser was set to keep history.".into(),
        );
    }
    parts.push("A profile is created when Tor Browser is first started, so it indicates the browser was started at least once with this profile; it does not show which sites were visited.".into());
    a.proves = parts.join(" ");
    for s in &prof.files {
        s.note_deleted(&mut a);
    }
    a
}

/// Canonical spelling of the torrc options worth naming (Tor options are
/// case-insensitive).
const TORRC_OPTIONS: &[&str] = &[
    "AccountingMax",
    "Address",
    "AutomapHostsOnResolve",
    "Bridge",
    "BridgeRelay",
    "ClientOnionAuthDir",
    "ClientTransportPlugin",
    "ContactInfo",
    "ControlPort",
    "CookieAuthentication",
    "DataDirectory",
    "DirPort",
    "DNSPort",
    "EntryNodes",
    "ExcludeExitNodes",
    "ExcludeNodes",
    "ExitNodes",
    "ExitPolicy",
    "ExitRelay",
    "GeoIPFile",
    "GeoIPv6File",
    "HashedControlPassword",
    "HiddenServiceDir",
    "HiddenServiceMaxStreams",
    "HiddenServiceNonAnonymousMode",
    "HiddenServicePort",
    "HiddenServiceSingleHopMode",
    "HiddenServiceVersion",
    "HTTPSProxy",
    "Log",
    "MyFamily",
    "Nickname",
    "ORPort",
    "PublishServerDescriptor",
    "ReachableAddresses",
    "RelayBandwidthBurst",
    "RelayBandwidthRate",
    "RunAsDaemon",
    "ServerTransportPlugin",
    "Socks4Proxy",
    "Socks5Proxy",
    "SocksPort",
    "StrictNodes",
    "TransPort",
    "UseBridges",
    "User",
];

/// Parses a torrc: `Option value` lines, `#` comments, `\` continuations.
fn parse_torrc(text: &str) -> Vec<Setting> {
    let mut out = Vec::new();
    let mut pending: Option<(u32, String)> = None;
    for (i, raw) in text.lines().enumerate() {
        let line = raw.split('#').next().unwrap_or("").trim_end();
        let (start, mut joined) = match pending.take() {
            Some((n, s)) => (n, s + " " + line.trim_start()),
            None => (line_no(i), line.trim_start().to_string()),
        };
        if let Some(stripped) = joined.strip_suffix('\\') {
            joined = stripped.to_string();
            pending = Some((start, joined));
            continue;
        }
        let mut it = joined.splitn(2, char::is_whitespace);
        let key = it.next().unwrap_or("");
        let value = it.next().unwrap_or("").trim();
        let valid = !key.is_empty()
            && key.len() <= 64
            && key.bytes().next().is_some_and(|b| b.is_ascii_alphabetic())
            && key.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_');
        if !valid {
            continue;
        }
        let key = TORRC_OPTIONS
            .iter()
            .find(|o| o.eq_ignore_ascii_case(key))
            .map(|o| o.to_string())
            .unwrap_or_else(|| key.to_string());
        out.push(Setting {
            line: start,
            key,
            value: value.chars().take(1000).collect(),
        });
        if out.len() >= MAX_SETTINGS {
            break;
        }
    }
    out
}

fn torrc(
    seen: &Seen,
    data: &[u8],
    in_browser: bool,
    hs_dirs: &mut Vec<(String, String, u32)>,
) -> Artefact {
    let mut a = Artefact::new(K::TorConfig, seen.path.clone());
    a.files.push(seen.path.clone());
    seen.note_deleted(&mut a);
    let Some(t) = text(data) else {
        a.proves = format!(
            "A file named torrc (Tor's configuration file name) is at {}, but it is not text, so it was not read as a configuration; by itself it shows nothing about Tor use.",
            seen.path
        );
        a.concerns
            .push("the file holds binary data, not a Tor configuration".into());
        return a;
    };
    let settings = parse_torrc(&t);
    let vals = |k: &str| -> Vec<String> {
        settings
            .iter()
            .filter(|s| s.key == k)
            .map(|s| s.value.clone())
            .collect()
    };
    let mut said = Vec::new();
    // Onion services: each HiddenServiceDir with the ports that follow it.
    let mut services: Vec<(String, Vec<String>)> = Vec::new();
    for s in &settings {
        match s.key.as_str() {
            "HiddenServiceDir" => {
                services.push((s.value.clone(), Vec::new()));
                let norm = s
                    .value
                    .replace('\\', "/")
                    .trim_end_matches('/')
                    .to_ascii_lowercase();
                if !norm.is_empty() {
                    hs_dirs.push((norm, seen.path.clone(), s.line));
                }
            }
            "HiddenServicePort" => {
                if let Some(last) = services.last_mut() {
                    last.1.push(s.value.clone());
                }
            }
            _ => {}
        }
    }
    if !services.is_empty() {
        let described: Vec<String> = services
            .iter()
            .map(|(dir, ports)| {
                if ports.is_empty() {
                    format!("folder {dir}")
                } else {
                    format!("folder {dir} (ports {})", ports.join("; "))
                }
            })
            .collect();
        a.detail
            .insert("onion_services".into(), services.len().to_string());
        said.push(format!(
            "It configures {} onion service(s) to be hosted by this Tor: {}. Tor keeps each service's keys and hostname in that folder.",
            services.len(),
            list(&described, 5)
        ));
    }
    let bridges = vals("Bridge");
    let use_bridges = vals("UseBridges").iter().any(|v| v.trim() == "1");
    if !bridges.is_empty() || use_bridges {
        let transports: BTreeSet<String> = bridges
            .iter()
            .filter_map(|b| b.split_whitespace().next())
            .filter(|w| w.chars().next().is_some_and(|c| c.is_ascii_alphabetic()))
            .map(str::to_string)
            .collect();
        a.detail.insert("bridges".into(), bridges.len().to_string());
        said.push(format!(
            "It {}lists {} bridge(s){}: bridges are unlisted entry relays used to hide that a computer connects to Tor or to get around blocking.",
            if use_bridges { "turns bridges on (UseBridges 1) and " } else { "" },
            bridges.len(),
            if transports.is_empty() {
                String::new()
            } else {
                format!(" (transports: {})", transports.into_iter().collect::<Vec<_>>().join(", "))
            }
        ));
    }
    let plugins = vals("ClientTransportPlugin");
    if !plugins.is_empty() {
        said.push(format!(
            "It names pluggable-transport programs ({}), used to disguise Tor traffic.",
            list(&plugins, 3)
        ));
    }
    let node_opts: Vec<String> = [
        "ExitNodes",
        "EntryNodes",
        "ExcludeNodes",
        "ExcludeExitNodes",
        "StrictNodes",
    ]
    .iter()
    .flat_map(|k| vals(k).into_iter().map(move |v| format!("{k} {v}")))
    .collect();
    if !node_opts.is_empty() {
        said.push(format!(
            "It restricts which relays Tor uses ({}), a deliberate choice, for example of the country traffic appears to come from.",
            list(&node_opts, 4)
        ));
    }
    let relay: Vec<String> = [
        "ORPort",
        "Nickname",
        "ExitRelay",
        "BridgeRelay",
        "ContactInfo",
    ]
    .iter()
    .flat_map(|k| vals(k).into_iter().map(move |v| format!("{k} {v}")))
    .collect();
    if vals("ORPort").iter().any(|v| v.trim() != "0") {
        said.push(format!(
            "It sets up this machine as a Tor relay ({}): it would carry other people's Tor traffic.",
            list(&relay, 4)
        ));
    }
    let socks = vals("SocksPort");
    if !socks.is_empty() {
        a.detail.insert("socks_port".into(), socks.join("; "));
        said.push(format!(
            "It opens a SOCKS proxy for programs to reach Tor ({}).",
            list(&socks, 3)
        ));
    }
    if settings.is_empty() {
        said.push("It holds no settings, so Tor would run with its defaults.".into());
    }
    let origin = if in_browser {
        " It lies inside a Tor Browser install, which writes some settings itself (bridges chosen in its settings, data folders), so a setting here may come from the program rather than be typed by a user."
    } else {
        ""
    };
    a.proves = format!(
        "A Tor configuration file (torrc) is at {}{}. {} A configuration shows what Tor was set up to do, not that Tor ran with it, or when.{}",
        seen.path,
        seen.when(),
        said.join(" "),
        origin
    );
    a.settings = settings;
    a
}

/// Tor's `state` file: `LastWritten` (UTC) and `TorVersion`.
fn state_file(seen: &Seen, data: &[u8]) -> Option<Artefact> {
    let t = text(data)?;
    if !t.starts_with("# Tor state file") {
        return None;
    }
    let mut a = Artefact::new(K::TorState, seen.path.clone());
    a.files.push(seen.path.clone());
    seen.note_deleted(&mut a);
    let mut guards = 0usize;
    for (i, line) in t.lines().enumerate() {
        let mut it = line.splitn(2, ' ');
        let key = it.next().unwrap_or("");
        let value = it.next().unwrap_or("").trim();
        match key {
            "LastWritten" | "TorVersion" | "TransportProxy" if a.settings.len() < MAX_SETTINGS => {
                a.settings.push(Setting {
                    line: line_no(i),
                    key: key.to_string(),
                    value: value.chars().take(200).collect(),
                });
            }
            "Guard" | "EntryGuard" => guards += 1,
            _ => {}
        }
    }
    let get = |k: &str| {
        a.settings
            .iter()
            .find(|s| s.key == k)
            .map(|s| s.value.clone())
    };
    let last = get("LastWritten").and_then(|v| {
        jiff::civil::DateTime::strptime("%Y-%m-%d %H:%M:%S", &v)
            .ok()
            .and_then(|d| d.to_zoned(jiff::tz::TimeZone::UTC).ok())
            .map(|z| z.timestamp())
    });
    let version = get("TorVersion");
    if let Some(t) = last {
        a.detail.insert("last_written".into(), t.to_string());
    }
    if let Some(v) = &version {
        a.detail.insert("tor_version".into(), v.clone());
    }
    a.detail.insert("guards".into(), guards.to_string());
    let who = version.map(|v| format!(" ({v})")).unwrap_or_default();
    a.proves = match last {
        Some(t) => format!(
            "Tor's state file records that Tor{who} last saved its state at {t} (UTC, by the clock of the computer that wrote it). Tor writes this file itself while it runs, so Tor ran with this data folder until about that time; it does not show what was done over Tor. It lists {guards} entry guard(s), the relays Tor had chosen to enter the network."
        ),
        None => format!(
            "Tor's state file{who} is present; Tor writes it itself while it runs, so Tor ran with this data folder at some time. Its last-written time could not be read. It does not show what was done over Tor."
        ),
    };
    Some(a)
}

/// A client-side `*.auth_private` file: `<id>:descriptor:x25519:<key>`.
fn client_auth(seen: &Seen, data: &[u8]) -> Artefact {
    let mut a = Artefact::new(K::OnionClientAuth, seen.path.clone());
    a.files.push(seen.path.clone());
    seen.note_deleted(&mut a);
    let t = String::from_utf8_lossy(&data[..data.len().min(4096)]).to_string();
    let fields: Vec<&str> = t.trim().split(':').collect();
    let onion = fields
        .first()
        .and_then(|id| parse_onion(&format!("{}.onion", id.trim())).ok());
    let well_formed = fields.len() == 4
        && fields[1] == "descriptor"
        && fields[2] == "x25519"
        && fields[3].trim().len() == 52
        && base32::decode(fields[3].trim().as_bytes()).is_ok();
    match (&onion, well_formed) {
        (Some(o), true) => {
            a.address = Some(o.address.clone());
            a.proves = format!(
                "This is a Tor client-authorisation key for the restricted onion service {}. Its operator lets only holders of such keys open it, so whoever stored it was given access to {} and the key was stored for Tor to use; it does not show that the service was visited, or when.",
                o.address, o.address
            );
        }
        _ => {
            a.address = onion.map(|o| o.address);
            a.proves = format!(
                "A file named like a Tor client-authorisation key (*.auth_private) is at {}, but its content is not in Tor's format, so it proves nothing by itself.",
                seen.path
            );
            a.concerns
                .push("content is not `<onion id>:descriptor:x25519:<key>`".into());
        }
    }
    a
}

/// What a key file yields: an address, or what is wrong with the file.
type Derived = Option<(Seen, Result<String, String>)>;

fn service(dir: &str, svc: Service, hs_dirs: &[(String, String, u32)]) -> Option<Artefact> {
    let hostname = svc.hostname.map(|(s, d)| {
        let t = String::from_utf8_lossy(&d[..d.len().min(1024)])
            .trim()
            .to_string();
        let r = parse_onion(&t).map_err(|e| format!("{t:?} is not an onion address ({e})"));
        (s, r)
    });
    let host_ok = hostname
        .as_ref()
        .and_then(|(_, r)| r.as_ref().ok())
        .cloned();
    let v3_keys = svc.public.is_some() || svc.secret.is_some();
    let host_v2 = host_ok.as_ref().is_some_and(|h| h.version == 2);
    if !v3_keys && (host_v2 || (svc.v2_private.is_some() && host_ok.is_some())) {
        let host_seen = hostname.as_ref().map(|(s, _)| s);
        return Some(v2_service(
            dir,
            svc.v2_private.as_ref(),
            host_seen,
            host_ok.as_ref(),
        ));
    }
    if svc.v2_private.is_some() && host_ok.is_none() && !v3_keys {
        // A lone RSA key named private_key is too common to claim.
        return None;
    }
    let from_public: Derived = svc
        .public
        .map(|(s, d)| (s, read_public_key(&d).map(|k| onion_from_pubkey(&k))));
    let mut clamped = None;
    let from_secret: Derived = svc.secret.map(|(s, d)| {
        let r = read_secret_key(&d).map(|k| {
            clamped = Some(k.clamped);
            onion_from_pubkey(&k.public)
        });
        (s, r)
    });
    if host_ok.is_none() && from_public.is_none() && from_secret.is_none() {
        if svc.clients.is_empty() {
            return None;
        }
        let mut a = Artefact::new(K::OnionClientAuth, dir);
        a.files = svc.clients.iter().map(|(s, _)| s.path.clone()).collect();
        a.detail
            .insert("authorized_clients".into(), svc.clients.len().to_string());
        a.proves = format!(
            "The folder {dir} holds {} authorised-client key file(s) of an onion service (authorized_clients/), the list of clients allowed to open a restricted service. The service's own keys are not here, so this does not show which service, nor that this computer hosted it.",
            svc.clients.len()
        );
        return Some(a);
    }
    let mut a = Artefact::new(K::OnionService, dir);
    let mut problems = Vec::new();
    let host_addr = host_ok.as_ref().map(|o| o.address.clone());
    if let Some((s, r)) = &hostname {
        a.files.push(s.path.clone());
        s.note_deleted(&mut a);
        match r {
            Ok(o) => {
                a.detail.insert("hostname".into(), o.address.clone());
            }
            Err(e) => problems.push(format!("the hostname file is damaged: {e}")),
        }
    }
    for (label, d) in [("public_key", &from_public), ("secret_key", &from_secret)] {
        if let Some((s, r)) = d {
            a.files.push(s.path.clone());
            s.note_deleted(&mut a);
            match r {
                Ok(addr) => {
                    a.detail
                        .insert(format!("address_from_{label}"), addr.clone());
                }
                Err(e) => problems.push(format!("{} cannot be used: {e}", s.path)),
            }
        }
    }
    a.files
        .extend(svc.clients.iter().map(|(s, _)| s.path.clone()));
    if !svc.clients.is_empty() {
        a.detail
            .insert("authorized_clients".into(), svc.clients.len().to_string());
    }
    if let Some(c) = clamped {
        a.detail.insert("secret_key_clamped".into(), c.to_string());
        if !c {
            problems.push(
                "the secret scalar is not clamped as Tor's key generation leaves it: the key was made or altered by other software".into(),
            );
        }
    }
    let sec = from_secret
        .as_ref()
        .and_then(|(_, r)| r.as_ref().ok())
        .cloned();
    let publ = from_public
        .as_ref()
        .and_then(|(_, r)| r.as_ref().ok())
        .cloned();
    let addresses: BTreeSet<&String> = [&sec, &publ, &host_addr].into_iter().flatten().collect();
    let consistent = addresses.len() <= 1;
    a.detail.insert(
        "consistent".into(),
        if consistent { "yes" } else { "no" }.into(),
    );
    a.address = sec.clone().or(publ.clone()).or(host_addr.clone());
    let addr = a.address.clone().unwrap_or_default();
    let agree = |other: &Option<String>| other.as_ref().is_some_and(|o| *o == addr);
    let mut text = if sec.is_some() {
        let mut backing = Vec::new();
        if agree(&host_addr) {
            backing.push("Tor's hostname file in the same folder names the same address");
        }
        if agree(&publ) {
            backing.push("so does the public key file");
        }
        let backing = if backing.is_empty() {
            String::new()
        } else {
            format!("; {}", backing.join(", and "))
        };
        format!(
            "This folder holds the secret key of the onion service {addr} (the address was recomputed from the key itself{backing}). Whoever holds this key can run that service, so the examined media held the private key of {addr}: a computer with this folder can host that service. The key does not show when, or whether, the service was online, nor who put the key here."
        )
    } else if publ.is_some() {
        let backing = if agree(&host_addr) {
            ", and the hostname file names the same address"
        } else {
            ""
        };
        format!(
            "This folder holds the public key of the onion service {addr}, as Tor writes it in the folder of a service it hosts{backing}. The secret key is not here, so this does not show that this computer could run the service; a public key is public information."
        )
    } else {
        format!(
            "This file names the onion service {addr} the way Tor records a service it hosts (a hostname file in a service folder). Without the key files it shows only that the name was written here: anyone can write an onion address into a file, so it does not prove that this computer hosted or could host the service."
        )
    };
    if !consistent {
        let mut parts = Vec::new();
        if let Some(h) = &host_addr {
            parts.push(format!("the hostname file names {h}"));
        }
        if let Some(p) = &publ {
            parts.push(format!("the public key gives {p}"));
        }
        if let Some(s) = &sec {
            parts.push(format!("the secret key gives {s}"));
        }
        let mismatch = format!(
            "the files disagree: {}. They do not belong to one service (one was replaced, edited or copied from elsewhere)",
            parts.join(", ")
        );
        text.push_str(&format!(
            " However, {mismatch}; the address computed from the key ({addr}) is what the key proves, and the hostname file proves nothing by itself."
        ));
        a.concerns.push(format!("mismatch: {mismatch}"));
    }
    if let Some((_, torrc, line)) = hs_dirs.iter().find(|(d, _, _)| {
        let own = dir
            .replace('\\', "/")
            .trim_end_matches('/')
            .to_ascii_lowercase();
        own == *d || own.ends_with(&format!("/{}", d.trim_start_matches('/')))
    }) {
        a.detail
            .insert("configured_by".into(), format!("{torrc} line {line}"));
        text.push_str(&format!(
            " The Tor configuration {torrc} (line {line}) names this folder as a HiddenServiceDir."
        ));
    }
    a.proves = text;
    a.concerns.extend(problems);
    Some(a)
}

fn v2_service(
    dir: &str,
    key: Option<&Seen>,
    host: Option<&Seen>,
    onion: Option<&crate::address::Onion>,
) -> Artefact {
    let mut a = Artefact::new(K::OnionServiceV2, dir);
    for s in [key, host].into_iter().flatten() {
        a.files.push(s.path.clone());
        s.note_deleted(&mut a);
    }
    a.address = onion.map(|o| o.address.clone());
    let addr = a.address.clone().unwrap_or_else(|| "(unreadable)".into());
    let removed = "Tor removed v2 onion services in 2021, so such a service could not be reached on the Tor network after that.";
    a.proves = match key {
        Some(_) => format!(
            "This folder holds a legacy (v2) onion-service RSA private key, with a hostname file naming {addr}. Whoever holds the key could run that v2 service; the address was not recomputed from the key here, so the key and the hostname are not proved to belong together. {removed}"
        ),
        None => format!(
            "This file names the legacy (v2) onion service {addr} the way Tor records a service it hosts (a hostname file). v2 addresses carry no checksum and the private key is not here, so it shows only that the name was written here, not that this computer hosted the service. {removed}"
        ),
    };
    a
}
