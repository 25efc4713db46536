//! Cryptocurrency wallets, recognised by path and magic bytes only: nothing
//! is decrypted, opened as a database, or parsed beyond its first bytes
//! (a Monero `.address.txt` and an Ethereum keystore's file name excepted,
//! which hold a public address in the clear).

use super::{Artefact, ArtefactKind as K, Pth, Seen};
use std::collections::BTreeMap;

/// Chromium extension ids of wallet extensions (Chrome Web Store ids).
const EXTENSIONS: &[(&str, &str)] = &[
    ("aeachknmefphepccionboohckonoeemg", "Coin98"),
    ("bfnaelmomeimhlpmgjnjophhpkkoljpa", "Phantom"),
    ("bhhhlbepdkbapadjdnnojkbgioiodbic", "Solflare"),
    ("dmkamcknogkgcdfhhbddcghachkejeap", "Keplr"),
    ("egjidjbpglichdcondbcbdnbeeppgdph", "Trust Wallet"),
    ("fhbohimaelbohpjbbldcngcnapndodjp", "Binance Wallet"),
    ("fnjhmkhhmkbjkkabndcnnogagogbneec", "Ronin Wallet"),
    ("hnfanknocfeofbddgcijnmhnfnkdnaad", "Coinbase Wallet"),
    ("hpglfhgfnhbgpjdenjgmdgoeiappafln", "Guarda"),
    ("ibnejdfjmmkpcnlpebklmnkoeoihofec", "TronLink"),
    ("mcohilncbfahbmgdjkbpemcciiolgcge", "OKX Wallet"),
    ("nkbihfbeogaeaoehlefnkodbefgpgknn", "MetaMask"),
];

/// Desktop wallets built on Electron whose data lives in a LevelDB folder:
/// (folder sequence, name).
const LEVELDB_APPS: &[(&[&str], &str)] = &[
    (&["atomic", "local storage", "leveldb"], "Atomic Wallet"),
    (&["guarda", "local storage", "leveldb"], "Guarda"),
    (&["com.liberty.jaxx", "indexeddb"], "Jaxx Liberty"),
];

/// Which wallet a path belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Rule {
    BitcoinCore,
    Electrum,
    Exodus,
    /// A browser extension: index in [`EXTENSIONS`]; `data` for its storage
    /// (vault), not its program files.
    Extension {
        idx: usize,
        data: bool,
    },
    Monero,
    LedgerLive,
    LevelDbApp(usize),
    EthKeystore,
    Coinomi,
    Wasabi,
    Sparrow,
    Armory,
}

impl Rule {
    pub fn needs_data(self) -> bool {
        matches!(
            self,
            Rule::BitcoinCore | Rule::Electrum | Rule::Exodus | Rule::Monero | Rule::LedgerLive
        )
    }

    fn software(self) -> &'static str {
        match self {
            Rule::BitcoinCore => "Bitcoin Core",
            Rule::Electrum => "Electrum",
            Rule::Exodus => "Exodus",
            Rule::Extension { idx, .. } => EXTENSIONS
                .get(idx)
                .map(|e| e.1)
                .unwrap_or("wallet extension"),
            Rule::Monero => "Monero",
            Rule::LedgerLive => "Ledger Live",
            Rule::LevelDbApp(i) => LEVELDB_APPS.get(i).map(|a| a.1).unwrap_or("wallet"),
            Rule::EthKeystore => "Ethereum keystore",
            Rule::Coinomi => "Coinomi",
            Rule::Wasabi => "Wasabi",
            Rule::Sparrow => "Sparrow",
            Rule::Armory => "Armory",
        }
    }
}

/// The wallet rule for `p` and the number of components of the folder (or
/// file) that groups its files.
pub(crate) fn classify(p: &Pth) -> Option<(Rule, usize)> {
    let name = p.name();
    let dirs = p.dirs();
    let n = p.low.len();
    let parent = p.parent_name();
    let grand = if dirs.len() >= 2 {
        dirs[dirs.len() - 2].as_str()
    } else {
        ""
    };
    if name == "wallet.dat" {
        return Some((Rule::BitcoinCore, n));
    }
    if parent == "wallets"
        && [
            ".electrum",
            "electrum",
            ".electron-cash",
            "electron cash",
            "electroncash",
        ]
        .iter()
        .any(|e| grand.starts_with(e))
    {
        return Some((Rule::Electrum, n));
    }
    if let Some(i) = dirs.iter().position(|d| d == "exodus.wallet") {
        return Some((Rule::Exodus, i + 1));
    }
    for (i, d) in dirs.iter().enumerate() {
        let id = match d.as_str() {
            "local extension settings" | "sync extension settings" | "extensions" => {
                dirs.get(i + 1).map(String::as_str)
            }
            "indexeddb" => dirs
                .get(i + 1)
                .and_then(|x| x.strip_prefix("chrome-extension_"))
                .and_then(|x| x.split('_').next()),
            _ => None,
        };
        if let Some(idx) = id.and_then(|id| EXTENSIONS.iter().position(|e| e.0 == id)) {
            return Some((
                Rule::Extension {
                    idx,
                    data: d != "extensions",
                },
                i + 2,
            ));
        }
    }
    if (name.ends_with(".keys") || name.ends_with(".address.txt"))
        && dirs.iter().any(|d| d.contains("monero"))
    {
        return Some((Rule::Monero, n));
    }
    if name == "app.json" && dirs.iter().any(|d| d == "ledger live") {
        return Some((Rule::LedgerLive, n));
    }
    for (k, (seq, _)) in LEVELDB_APPS.iter().enumerate() {
        if let Some(i) = p.window(seq) {
            return Some((Rule::LevelDbApp(k), i + 1));
        }
    }
    if parent == "keystore" && name.starts_with("utc--") {
        return Some((Rule::EthKeystore, n));
    }
    if name.ends_with(".wallet") && dirs.iter().any(|d| d == "coinomi") {
        return Some((Rule::Coinomi, n));
    }
    if name.ends_with(".json") && p.window(&["walletwasabi", "client", "wallets"]).is_some() {
        return Some((Rule::Wasabi, n));
    }
    if name.ends_with(".mv.db")
        && parent == "wallets"
        && dirs.iter().any(|d| d == ".sparrow" || d == "sparrow")
    {
        return Some((Rule::Sparrow, n));
    }
    if name.ends_with(".wallet") && dirs.iter().any(|d| d == "armory" || d == ".armory") {
        return Some((Rule::Armory, n));
    }
    None
}

#[derive(Debug)]
struct Group {
    rule: Rule,
    path: String,
    files: Vec<Seen>,
    formats: BTreeMap<String, String>,
    address: Option<String>,
    concerns: Vec<String>,
    browser: Option<String>,
}

#[derive(Debug, Default)]
pub(crate) struct Wallets {
    groups: BTreeMap<(String, &'static str, bool), Group>,
}

impl Wallets {
    pub fn add(&mut self, rule: Rule, group: usize, p: &Pth, seen: &Seen, data: &[u8]) {
        let mut path = p.prefix(group);
        if rule == Rule::Monero {
            // A Monero wallet is `<name>`, `<name>.keys`, `<name>.address.txt`.
            for suffix in [".keys", ".address.txt"] {
                if path.to_ascii_lowercase().ends_with(suffix) {
                    path.truncate(path.len() - suffix.len());
                }
            }
        }
        let data_dir = !matches!(rule, Rule::Extension { data: false, .. });
        let g = self
            .groups
            .entry((path.clone(), rule.software(), data_dir))
            .or_insert_with(|| Group {
                rule,
                path,
                files: Vec::new(),
                formats: BTreeMap::new(),
                address: None,
                concerns: Vec::new(),
                browser: None,
            });
        if g.files.len() < 20 {
            g.files.push(seen.clone());
        }
        if let Rule::Extension { idx, .. } = rule {
            g.browser = Some(browser(p, idx));
        }
        let name = p.name();
        match rule {
            Rule::BitcoinCore => {
                let f = if data
                    .get(12..16)
                    .is_some_and(|m| m == [0x62, 0x31, 0x05, 0x00] || m == [0x00, 0x05, 0x31, 0x62])
                {
                    "Berkeley DB (legacy wallet)".to_string()
                } else if data.starts_with(b"SQLite format 3\0") {
                    "SQLite (descriptor wallet)".to_string()
                } else {
                    g.concerns.push(format!(
                        "{} does not start like a Berkeley DB or SQLite database: it may be damaged, or not a Bitcoin Core wallet",
                        seen.path
                    ));
                    "unknown".to_string()
                };
                g.formats.insert(seen.path.clone(), f);
            }
            Rule::Electrum => {
                let f = if data.starts_with(b"BIE1") || data.starts_with(b"QklFMQ") {
                    "encrypted with the wallet password (BIE1)"
                } else if data.trim_ascii_start().starts_with(b"{") {
                    "JSON, the file not encrypted as a whole (keys inside may still be password-protected)"
                } else {
                    g.concerns.push(format!(
                        "{} is neither Electrum JSON nor an encrypted Electrum file",
                        seen.path
                    ));
                    "unknown"
                };
                g.formats.insert(seen.path.clone(), f.to_string());
            }
            Rule::Exodus if name.ends_with(".seco") => {
                let f = if data.starts_with(b"SECO") {
                    "encrypted (SECO)"
                } else {
                    "not in SECO format"
                };
                g.formats.insert(seen.path.clone(), f.to_string());
            }
            Rule::Monero if name.ends_with(".address.txt") => {
                let t = String::from_utf8_lossy(&data[..data.len().min(400)])
                    .trim()
                    .to_string();
                match exhibit_wallets::validate(&t) {
                    Some(a) if a.chain() == exhibit_wallets::Chain::Monero => {
                        g.address = Some(a.normalized().to_string())
                    }
                    _ => g.concerns.push(format!(
                        "{} does not hold a valid Monero address",
                        seen.path
                    )),
                }
            }
            Rule::LedgerLive => {
                let f = if data.trim_ascii_start().starts_with(b"{") {
                    "JSON"
                } else {
                    "unknown"
                };
                g.formats.insert(seen.path.clone(), f.to_string());
            }
            Rule::EthKeystore => {
                let hex = name.rsplit("--").next().unwrap_or("");
                if hex.len() == 40 && hex.bytes().all(|b| b.is_ascii_hexdigit()) {
                    g.address = Some(format!("0x{hex}"));
                }
            }
            _ => {}
        }
    }

    pub fn finish(self, out: &mut Vec<Artefact>) {
        for g in self.groups.into_values() {
            out.push(artefact(g));
        }
    }
}

/// "Chrome (profile Default)" and the like, from an extension path.
fn browser(p: &Pth, _idx: usize) -> String {
    let joined = p.low.join("/");
    let name = [
        ("bravesoftware", "Brave"),
        ("microsoft/edge", "Microsoft Edge"),
        ("opera software", "Opera"),
        ("vivaldi", "Vivaldi"),
        ("chromium", "Chromium"),
        ("google/chrome", "Google Chrome"),
        ("google-chrome", "Google Chrome"),
    ]
    .iter()
    .find(|(k, _)| joined.contains(k))
    .map(|(_, v)| *v)
    .unwrap_or("a Chromium-based browser");
    let storage = p.low.iter().position(|d| {
        matches!(
            d.as_str(),
            "local extension settings" | "sync extension settings" | "extensions" | "indexeddb"
        )
    });
    match storage
        .and_then(|i| i.checked_sub(1))
        .and_then(|i| p.raw.get(i))
    {
        Some(profile) if !profile.is_empty() => format!("{name} (profile {profile})"),
        _ => name.to_string(),
    }
}

fn artefact(g: Group) -> Artefact {
    let mut a = Artefact::new(K::Wallet, g.path.clone());
    a.files = g.files.iter().map(|s| s.path.clone()).collect();
    for s in &g.files {
        s.note_deleted(&mut a);
    }
    a.concerns = g.concerns;
    a.address = g.address.clone();
    let software = g.rule.software();
    a.detail.insert("software".into(), software.to_string());
    for (path, f) in &g.formats {
        a.detail.insert(format!("format {path}"), f.clone());
    }
    let when = match g.files.as_slice() {
        [one] => one.when(),
        _ => String::new(),
    };
    let format = match g.formats.values().next() {
        Some(f) if g.formats.len() == 1 => format!(" (format: {f})"),
        _ => String::new(),
    };
    let limits = "It shows that this wallet software kept wallet data on the examined media at some time; it does not show who used it, which addresses or funds it holds, or whether it was ever funded. Nothing was decrypted or opened.";
    a.proves = match g.rule {
        Rule::Extension { data: false, .. } => {
            let b = g.browser.unwrap_or_default();
            format!(
                "The {software} browser-extension wallet is installed in {b} ({}). This shows the extension was installed, not that a wallet was created in it; its wallet data, if any, is kept in the extension's storage folder.",
                g.path
            )
        }
        Rule::Extension { data: true, .. } => {
            let b = g.browser.unwrap_or_default();
            format!(
                "The storage folder of the {software} browser-extension wallet in {b} is at {}. The extension keeps its wallet (an encrypted vault) there. {limits}",
                g.path
            )
        }
        Rule::BitcoinCore => format!(
            "A Bitcoin Core wallet file is at {}{when}{format}; forks such as Litecoin Core or Dogecoin Core use the same name and format, and the folder tells which. {limits}",
            g.path
        ),
        Rule::EthKeystore => match &g.address {
            Some(addr) => format!(
                "An Ethereum keystore file for the address {addr} (read from its file name) is at {}{when}. It holds that address's private key encrypted with a password: whoever has the file and the password controls the address. It shows the key was stored on this computer, not that it was used.",
                g.path
            ),
            None => format!("An Ethereum keystore file is at {}{when}. {limits}", g.path),
        },
        Rule::Monero => {
            let addr = match &g.address {
                Some(a) => format!("; its .address.txt names the primary address {a}"),
                None => String::new(),
            };
            format!("A Monero wallet ({}.keys and related files{addr}) is here{when}. {limits}", g.path)
        }
        _ => format!("{software} wallet data is at {}{when}{format}. {limits}", g.path),
    };
    a
}
