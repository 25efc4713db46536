//! I2P: the Java router (`router.config`, `router.info`, `netDb/`,
//! `i2ptunnel.config[.d]`, address books, destination key files) and i2pd
//! (`i2pd.conf`, `tunnels.conf`, `tunnels.d/`).

use super::{ini, list, properties, text, Artefact, ArtefactKind as K, Pth, Seen, Setting};
use crate::address::i2p_from_destination;
use jiff::Timestamp;
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum I2pClass {
    RouterConfig,
    RouterInfo,
    /// A `routerInfo-*.dat` file; its netDb folder has this many components.
    NetDb(usize),
    TunnelConfig,
    Hosts,
    HostsDb,
    Keys,
    I2pdConf,
    I2pdTunnels,
}

impl I2pClass {
    pub fn needs_data(self) -> bool {
        !matches!(self, I2pClass::NetDb(_) | I2pClass::HostsDb)
    }
}

/// Folder names of I2P and i2pd installs and data.
const I2P_DIRS: &[&str] = &[".i2p", "i2p", "i2pd", ".i2pd", "i2p-config"];

pub(crate) fn classify(p: &Pth) -> Option<I2pClass> {
    let name = p.name();
    let dirs = p.dirs();
    let in_i2p = dirs.iter().any(|d| I2P_DIRS.contains(&d.as_str()));
    let parent = p.parent_name();
    let class = match name {
        "router.config" => I2pClass::RouterConfig,
        "router.info" => I2pClass::RouterInfo,
        n if n.starts_with("routerinfo-") && n.ends_with(".dat") => {
            let i = dirs.iter().rposition(|d| d == "netdb")?;
            I2pClass::NetDb(i + 1)
        }
        "i2ptunnel.config" => I2pClass::TunnelConfig,
        n if parent == "i2ptunnel.config.d" && n.ends_with(".config") => I2pClass::TunnelConfig,
        "hosts.txt" | "userhosts.txt" | "privatehosts.txt" if in_i2p || parent == "addressbook" => {
            I2pClass::Hosts
        }
        "hostsdb.blockfile" => I2pClass::HostsDb,
        "eeppriv.dat" => I2pClass::Keys,
        n if n.ends_with("privkeys.dat") => I2pClass::Keys,
        n if n.ends_with(".dat") && matches!(parent, "i2pd" | ".i2pd") => I2pClass::Keys,
        "i2pd.conf" => I2pClass::I2pdConf,
        "tunnels.conf" if in_i2p || dirs.iter().any(|d| d.contains("i2p")) => I2pClass::I2pdTunnels,
        n if parent == "tunnels.d" && n.ends_with(".conf") && in_i2p => I2pClass::I2pdTunnels,
        _ => return None,
    };
    Some(class)
}

#[derive(Debug, Default)]
struct NetDb {
    count: usize,
    files: Vec<String>,
    newest: Option<Timestamp>,
}

/// A tunnel's private-key file as named by a tunnel configuration.
#[derive(Debug, Clone)]
struct KeyUse {
    file: String,
    tunnel: String,
    config: String,
    server: bool,
}

#[derive(Debug, Default)]
pub(crate) struct I2p {
    netdbs: BTreeMap<String, NetDb>,
    keys: Vec<Artefact>,
    key_uses: Vec<KeyUse>,
    done: Vec<Artefact>,
}

impl I2p {
    pub fn add(&mut self, class: I2pClass, p: &Pth, seen: &Seen, data: &[u8]) {
        match class {
            I2pClass::RouterConfig => self.done.push(router_config(seen, data)),
            I2pClass::RouterInfo => self.done.push(router_info(seen, data)),
            I2pClass::NetDb(n) => {
                let db = self.netdbs.entry(p.prefix(n)).or_default();
                db.count += 1;
                if db.files.len() < 10 {
                    db.files.push(seen.path.clone());
                }
                db.newest = db.newest.max(seen.modified);
            }
            I2pClass::TunnelConfig => {
                let a = tunnels(seen, data, false, &mut self.key_uses);
                self.done.push(a);
            }
            I2pClass::I2pdTunnels => {
                let a = tunnels(seen, data, true, &mut self.key_uses);
                self.done.push(a);
            }
            I2pClass::Hosts => self.done.push(hosts(p, seen, data)),
            I2pClass::HostsDb => {
                let mut a = Artefact::new(K::I2pAddressBook, seen.path.clone());
                a.files.push(seen.path.clone());
                seen.note_deleted(&mut a);
                a.proves = format!(
                    "An I2P address-book database (hostsdb.blockfile, {} bytes{}) is present: the I2P router keeps the names of I2P sites it knows there, from its default lists and subscriptions as well as the user's own entries. It shows I2P was installed and used its address book; its entries were not read here.",
                    seen.size,
                    seen.when()
                );
                self.done.push(a);
            }
            I2pClass::Keys => self.keys.push(keys(seen, data)),
            I2pClass::I2pdConf => self.done.push(i2pd_conf(seen, data)),
        }
    }

    pub fn finish(self, out: &mut Vec<Artefact>) {
        for (dir, db) in self.netdbs {
            let mut a = Artefact::new(K::I2pRouter, dir.clone());
            a.files = db.files;
            a.detail.insert("router_infos".into(), db.count.to_string());
            if let Some(t) = db.newest {
                a.detail.insert("newest_modified".into(), t.to_string());
            }
            let newest = db
                .newest
                .map(|t| format!(", the newest modified {t}"))
                .unwrap_or_default();
            a.proves = format!(
                "The I2P network database folder {dir} holds {} router record(s) (routerInfo-*.dat{newest}). A router fills it by contacting the I2P network, so an I2P router on this computer connected to the network at least once. The records describe other routers, not what this computer's user did.",
                db.count
            );
            out.push(a);
        }
        for mut k in self.keys {
            let lower = k.path.replace('\\', "/").to_ascii_lowercase();
            let own = lower.rsplit('/').next().unwrap_or("").to_string();
            for u in self.key_uses.iter().filter(|u| u.file == own) {
                k.detail
                    .insert(format!("used_by_tunnel.{}", u.tunnel), u.config.clone());
                let role = if u.server { "server" } else { "client" };
                k.proves.push_str(&format!(
                    " The tunnel configuration {} names a key file of this name for its {role} tunnel \"{}\".",
                    u.config, u.tunnel
                ));
            }
            out.push(k);
        }
        out.extend(self.done);
    }
}

/// I2P's base64 alphabet (`-` and `~` instead of `+` and `/`).
const B64: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-~";

fn b64_decode(s: &str) -> Option<Vec<u8>> {
    let s = s.trim_end_matches('=');
    let mut out = Vec::with_capacity(s.len() * 3 / 4);
    let mut acc = 0u32;
    let mut bits = 0u32;
    for c in s.bytes() {
        let v = B64.iter().position(|&b| b == c)? as u32;
        acc = (acc << 6) | v;
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push(((acc >> bits) & 0xff) as u8);
        }
        acc &= (1 << bits) - 1;
    }
    Some(out)
}

fn b64_encode(data: &[u8]) -> String {
    let mut out = String::new();
    for chunk in data.chunks(3) {
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(char::from(B64[((n >> (18 - 6 * i)) & 63) as usize]));
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// Length of the destination (or router identity) at the start of `b`:
/// 256-byte public key, 128-byte signing key, certificate (type, 2-byte
/// length, payload).
fn destination_len(b: &[u8]) -> Option<usize> {
    let cert_type = *b.get(384)?;
    let cert_len = usize::from(u16::from_be_bytes([*b.get(385)?, *b.get(386)?]));
    let ok = match cert_type {
        0 => cert_len == 0,
        5 => cert_len >= 4,
        1..=4 => true,
        _ => false,
    };
    let total = 387 + cert_len;
    (ok && total <= b.len()).then_some(total)
}

fn keys(seen: &Seen, data: &[u8]) -> Artefact {
    let mut a = Artefact::new(K::I2pKeys, seen.path.clone());
    a.files.push(seen.path.clone());
    seen.note_deleted(&mut a);
    // A key file is the destination followed by its private keys.
    match destination_len(data).filter(|&n| data.len() >= n + 256 + 20) {
        Some(n) => {
            let addr = i2p_from_destination(&data[..n]);
            a.detail.insert("destination_bytes".into(), n.to_string());
            a.proves = format!(
                "This file holds the private keys of the I2P destination {addr} (the address is the SHA-256 of the destination stored at the start of the file). Whoever holds it can act as that destination, for example run the I2P site or service at that address; it does not show when, or whether, it was online.",
            );
            a.address = Some(addr);
        }
        None => {
            a.proves = format!(
                "A file named like I2P destination keys is at {}, but its content is not a destination followed by private keys, so it proves nothing by itself.",
                seen.path
            );
            a.concerns.push("not an I2P destination key file".into());
        }
    }
    a
}

fn router_config(seen: &Seen, data: &[u8]) -> Artefact {
    let mut a = Artefact::new(K::I2pRouter, seen.path.clone());
    a.files.push(seen.path.clone());
    seen.note_deleted(&mut a);
    let Some(t) = text(data) else {
        a.proves = format!(
            "A file named router.config is at {}, but it is not text, so it proves nothing by itself.",
            seen.path
        );
        a.concerns
            .push("the file holds binary data, not an I2P router configuration".into());
        return a;
    };
    a.settings = properties(&t);
    for s in &a.settings {
        let k = s.key.to_ascii_lowercase();
        if (k.contains("installed") || k.contains("time") || k.contains("date"))
            && (12..=13).contains(&s.value.len())
        {
            if let Some(ts) = s
                .value
                .parse::<i64>()
                .ok()
                .and_then(|ms| Timestamp::from_millisecond(ms).ok())
            {
                a.detail
                    .insert(format!("{} (as time)", s.key), ts.to_string());
            }
        }
        if matches!(
            s.key.as_str(),
            "router.firstVersion" | "router.previousVersion" | "router.updateLastInstalled"
        ) {
            a.detail.insert(s.key.clone(), s.value.clone());
        }
    }
    a.proves = format!(
        "An I2P router configuration (router.config) is at {}{}, with {} setting(s). The Java I2P router writes this file itself, so I2P router software was installed and set up on this computer; the file does not show when or how much it was used.",
        seen.path,
        seen.when(),
        a.settings.len()
    );
    a
}

fn router_info(seen: &Seen, data: &[u8]) -> Artefact {
    let mut a = Artefact::new(K::I2pRouter, seen.path.clone());
    a.files.push(seen.path.clone());
    seen.note_deleted(&mut a);
    let ident = destination_len(data);
    let published = ident
        .and_then(|n| data.get(n..n + 8))
        .map(|b| u64::from_be_bytes([b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7]]))
        .and_then(|ms| i64::try_from(ms).ok())
        .and_then(|ms| Timestamp::from_millisecond(ms).ok())
        .filter(|t| (1_000_000_000..4_102_444_800).contains(&t.as_second()));
    match ident {
        Some(n) => {
            let hash: [u8; 32] = Sha256::digest(&data[..n]).into();
            a.detail.insert("router_hash".into(), b64_encode(&hash));
            let when = match published {
                Some(t) => {
                    a.detail.insert("published".into(), t.to_string());
                    format!(", and says it was last published at {t} by the router's clock")
                }
                None => String::new(),
            };
            a.proves = format!(
                "This is an I2P router's own identity record (router.info{when}), which a router writes when it runs. It shows an I2P router ran on this computer and took part in the network under the router hash {}; it does not show what was done over I2P.",
                b64_encode(&hash)
            );
        }
        None => {
            a.proves = format!(
                "A file named router.info is at {}, but it is not an I2P router record, so it proves nothing by itself.",
                seen.path
            );
            a.concerns.push("not an I2P RouterInfo".into());
        }
    }
    a
}

fn hosts(p: &Pth, seen: &Seen, data: &[u8]) -> Artefact {
    let mut a = Artefact::new(K::I2pAddressBook, seen.path.clone());
    a.files.push(seen.path.clone());
    seen.note_deleted(&mut a);
    let user = p.name() != "hosts.txt";
    let t = String::from_utf8_lossy(data);
    let mut count = 0usize;
    let mut names = Vec::new();
    for (i, line) in t.lines().enumerate() {
        let line = line.trim();
        if line.starts_with('#') {
            continue;
        }
        let entry = line.split("#!").next().unwrap_or("");
        let Some((name, dest)) = entry.split_once('=') else {
            continue;
        };
        let Some(d) = b64_decode(dest.trim()) else {
            continue;
        };
        let Some(n) = destination_len(&d) else {
            continue;
        };
        count += 1;
        if user && a.settings.len() < super::MAX_SETTINGS {
            let b32 = i2p_from_destination(&d[..n]);
            a.settings.push(Setting {
                line: super::line_no(i),
                key: name.trim().chars().take(200).collect(),
                value: b32,
            });
            names.push(name.trim().chars().take(80).collect::<String>());
        }
    }
    a.detail.insert("entries".into(), count.to_string());
    a.proves = if user {
        format!(
            "An I2P address book of names saved by its user ({}, {count} entr{}{}{}). I2P adds names here when the user saves them; it shows these I2P names were saved, not that they were visited.",
            p.name(),
            if count == 1 { "y" } else { "ies" },
            if names.is_empty() { String::new() } else { format!(": {}", list(&names, 10)) },
            seen.when()
        )
    } else {
        format!(
            "An I2P address book (hosts.txt, {count} entries{}). I2P ships this list and updates it from subscriptions, so it shows I2P was installed, not which sites the user visited.",
            seen.when()
        )
    };
    a
}

/// One tunnel of a configuration.
#[derive(Debug, Default, Clone)]
struct Tunnel {
    name: String,
    kind: String,
    host: String,
    port: String,
    keys: String,
    start: String,
}

/// Java I2P (`tunnel.N.prop=value`) or i2pd (`[name]` sections) tunnels.
fn tunnels(seen: &Seen, data: &[u8], i2pd: bool, key_uses: &mut Vec<KeyUse>) -> Artefact {
    let kind = if i2pd { "i2pd" } else { "I2P" };
    let mut a = Artefact::new(K::I2pTunnels, seen.path.clone());
    a.files.push(seen.path.clone());
    seen.note_deleted(&mut a);
    let Some(t) = text(data) else {
        a.proves = format!(
            "A file named like an {kind} tunnel configuration is at {}, but it is not text, so it proves nothing by itself.",
            seen.path
        );
        a.concerns
            .push("the file holds binary data, not a tunnel configuration".into());
        return a;
    };
    let mut list_: BTreeMap<String, Tunnel> = BTreeMap::new();
    if i2pd {
        a.settings = ini(&t);
        for s in &a.settings {
            let Some((section, key)) = s.key.rsplit_once('.') else {
                continue;
            };
            let tun = list_.entry(section.to_string()).or_default();
            tun.name = section.to_string();
            match key {
                "type" => tun.kind = s.value.clone(),
                "host" | "address" => tun.host = s.value.clone(),
                "port" => tun.port = s.value.clone(),
                "keys" => tun.keys = s.value.clone(),
                _ => {}
            }
        }
    } else {
        a.settings = properties(&t);
        for s in &a.settings {
            let Some(rest) = s.key.strip_prefix("tunnel.") else {
                continue;
            };
            let (idx, prop) = match rest.split_once('.') {
                Some((i, p)) if i.bytes().all(|b| b.is_ascii_digit()) => (format!("{i:0>4}"), p),
                _ => ("0000".to_string(), rest),
            };
            let tun = list_.entry(idx).or_default();
            match prop {
                "name" => tun.name = s.value.clone(),
                "type" => tun.kind = s.value.clone(),
                "targetHost" | "interface" => tun.host = s.value.clone(),
                "targetPort" | "listenPort" => tun.port = s.value.clone(),
                "privKeyFile" => tun.keys = s.value.clone(),
                "startOnLoad" => tun.start = s.value.clone(),
                _ => {}
            }
        }
    }
    let server_types: &[&str] = if i2pd {
        &["server", "http", "irc", "udpserver"]
    } else {
        &[
            "server",
            "httpserver",
            "httpbidirserver",
            "ircserver",
            "streamrserver",
        ]
    };
    let mut servers = Vec::new();
    let mut clients = Vec::new();
    let mut described = Vec::new();
    for tun in list_
        .values()
        .filter(|t| !t.kind.is_empty() || !t.name.is_empty())
    {
        let server = server_types.contains(&tun.kind.to_ascii_lowercase().as_str());
        let mut d = format!(
            "\"{}\" ({}",
            tun.name,
            if tun.kind.is_empty() { "?" } else { &tun.kind }
        );
        if !tun.host.is_empty() || !tun.port.is_empty() {
            d.push_str(&format!(
                ", {} {}:{}",
                if server { "to" } else { "on" },
                tun.host,
                tun.port
            ));
        }
        if !tun.keys.is_empty() {
            d.push_str(&format!(", keys {}", tun.keys));
            let file = tun
                .keys
                .replace('\\', "/")
                .rsplit('/')
                .next()
                .unwrap_or("")
                .to_ascii_lowercase();
            key_uses.push(KeyUse {
                file,
                tunnel: tun.name.clone(),
                config: seen.path.clone(),
                server,
            });
        }
        if !tun.start.is_empty() {
            d.push_str(&format!(", startOnLoad={}", tun.start));
        }
        d.push(')');
        described.push(d);
        if server {
            servers.push(format!("\"{}\"", tun.name));
        } else {
            clients.push(format!("\"{}\"", tun.name));
        }
    }
    a.detail
        .insert("server_tunnels".into(), servers.len().to_string());
    a.detail
        .insert("client_tunnels".into(), clients.len().to_string());
    let mut said = vec![format!(
        "This {kind} tunnel configuration ({}{}) defines {} tunnel(s): {}.",
        seen.path,
        seen.when(),
        described.len(),
        list(&described, 8)
    )];
    if !servers.is_empty() {
        said.push(format!(
            "Server tunnel(s) {} publish a service of this computer on I2P, so the computer was set up to host an I2P site or service{}.",
            list(&servers, 5),
            if i2pd {
                ""
            } else {
                "; Java I2P ships a web-server tunnel by default (not started unless the user enables it), so a server tunnel alone does not show the user created one"
            }
        ));
    }
    if !clients.is_empty() {
        said.push(format!(
            "Client tunnel(s) {} let programs on this computer reach I2P.",
            list(&clients, 5)
        ));
    }
    said.push("A configuration shows what was set up, not that the tunnels ran, or when.".into());
    a.proves = said.join(" ");
    a
}

fn i2pd_conf(seen: &Seen, data: &[u8]) -> Artefact {
    let mut a = Artefact::new(K::I2pdConfig, seen.path.clone());
    a.files.push(seen.path.clone());
    seen.note_deleted(&mut a);
    let Some(t) = text(data) else {
        a.proves = format!(
            "A file named i2pd.conf is at {}, but it is not text, so it proves nothing by itself.",
            seen.path
        );
        a.concerns
            .push("the file holds binary data, not an i2pd configuration".into());
        return a;
    };
    a.settings = ini(&t);
    let floodfill = a
        .settings
        .iter()
        .any(|s| s.key == "floodfill" && s.value == "true");
    a.proves = format!(
        "An i2pd (I2P router) configuration is at {}{}, with {} active setting(s){}. It shows i2pd was installed and configured on this computer; not that it ran, or when.",
        seen.path,
        seen.when(),
        a.settings.len(),
        if floodfill { ", among them floodfill = true (the router serves the I2P network database to others)" } else { "" }
    );
    a
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_round_trip() {
        for n in 0..10 {
            let data: Vec<u8> = (0..n).map(|i| (i * 37 + 250) as u8).collect();
            assert_eq!(b64_decode(&b64_encode(&data)).unwrap(), data);
        }
        assert!(b64_decode("ab+/").is_none());
    }

    #[test]
    fn destination_lengths() {
        let mut d = vec![0u8; 391];
        assert_eq!(destination_len(&d), Some(387));
        d[384] = 5;
        d[386] = 4;
        assert_eq!(destination_len(&d), Some(391));
        d[384] = 9;
        assert_eq!(destination_len(&d), None);
        assert_eq!(destination_len(&d[..100]), None);
    }
}
