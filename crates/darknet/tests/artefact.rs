//! Artefact recognition over file listings built in memory: onion-service
//! folders generated from fixed seeds (checked against RFC 8032 and Tor's
//! own vector), Tor Browser installs, torrc, I2P and wallets, plus damaged
//! and hostile input.

use exhibit_darknet::{
    i2p_from_destination, interesting, onion_service_files, parse_onion, recognise, Artefact,
    ArtefactKind, FileRef, Recogniser, Report,
};
use exhibit_evidence::{EvidenceError, MemSource, Source};

const TESTDATA: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/testdata");

/// RFC 8032 §7.1 test 1: this seed's public key is
/// d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a, the key
/// of Tor's own hs_build_address vector.
const RFC8032_SEED: &str = "9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60";
const RFC8032_ONION: &str = "25njqamcweflpvkl73j4szahhihoc4xt3ktcgjnpaingr5yhkenl5sid.onion";

fn unhex(s: &str) -> Vec<u8> {
    (0..s.len() / 2)
        .map(|i| u8::from_str_radix(&s[2 * i..2 * i + 2], 16).unwrap())
        .collect()
}

fn seed(s: &str) -> [u8; 32] {
    unhex(s).try_into().unwrap()
}

/// A listing held in memory.
#[derive(Default)]
struct Fs {
    files: Vec<(String, MemSource)>,
}

impl Fs {
    fn add(&mut self, path: &str, data: impl Into<Vec<u8>>) -> &mut Self {
        self.files
            .push((path.to_string(), MemSource::new(data.into(), path)));
        self
    }

    fn service(&mut self, dir: &str, seed: [u8; 32]) -> &mut Self {
        for (name, data) in onion_service_files(seed) {
            self.add(&format!("{dir}/{name}"), data);
        }
        self
    }

    fn refs(&self) -> Vec<FileRef<'_>> {
        self.files
            .iter()
            .map(|(p, s)| FileRef::new(p, s.len(), s as &dyn Source))
            .collect()
    }

    fn report(&self) -> Report {
        recognise(&self.refs())
    }
}

fn only(report: &Report, kind: ArtefactKind) -> Vec<&Artefact> {
    report.artefacts.iter().filter(|a| a.kind == kind).collect()
}

fn one(report: &Report, kind: ArtefactKind) -> &Artefact {
    let v = only(report, kind);
    assert_eq!(v.len(), 1, "{kind:?}: {:#?}", report.artefacts);
    v[0]
}

#[test]
fn generated_service_matches_rfc8032_and_tor_vector() {
    let files = onion_service_files(seed(RFC8032_SEED));
    let names: Vec<&str> = files.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(
        names,
        ["hostname", "hs_ed25519_public_key", "hs_ed25519_secret_key"]
    );
    assert_eq!(files[0].1, format!("{RFC8032_ONION}\n").into_bytes());
    let public = &files[1].1;
    assert_eq!(public.len(), 64);
    assert_eq!(&public[..32], b"== ed25519v1-public: type0 ==\0\0\0");
    assert_eq!(
        public[32..],
        unhex("d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a")[..]
    );
    let secret = &files[2].1;
    assert_eq!(secret.len(), 96);
    assert_eq!(&secret[..32], b"== ed25519v1-secret: type0 ==\0\0\0");
    assert_eq!(secret[32] & 7, 0);
    assert_eq!(secret[63] & 0xc0, 0x40);
}

#[test]
fn onion_service_folder_proves_key_possession() {
    let mut fs = Fs::default();
    fs.service("/var/lib/tor/hidden_service", seed(RFC8032_SEED));
    let r = fs.report();
    assert!(r.warnings.is_empty());
    let a = one(&r, ArtefactKind::OnionService);
    assert_eq!(a.path, "/var/lib/tor/hidden_service");
    assert_eq!(a.address.as_deref(), Some(RFC8032_ONION));
    assert_eq!(a.detail["hostname"], RFC8032_ONION);
    assert_eq!(a.detail["address_from_secret_key"], RFC8032_ONION);
    assert_eq!(a.detail["address_from_public_key"], RFC8032_ONION);
    assert_eq!(a.detail["consistent"], "yes");
    assert_eq!(a.detail["secret_key_clamped"], "true");
    assert!(a.concerns.is_empty(), "{:?}", a.concerns);
    assert_eq!(a.files.len(), 3);
    assert!(a.proves.contains("held the private key of"), "{}", a.proves);
    assert!(a.proves.contains("can host that service"));
    // The Tor-vector check on the written hostname: checksum and key.
    let o = parse_onion(a.address.as_deref().unwrap()).unwrap();
    assert_eq!(
        o.pubkey.unwrap()[..],
        unhex("d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a")[..]
    );
}

#[test]
fn many_seeds_derive_their_hostname() {
    for i in 0..16u8 {
        let s: [u8; 32] = std::array::from_fn(|j| i.wrapping_mul(31).wrapping_add(j as u8));
        let mut fs = Fs::default();
        fs.service("hs", s);
        let r = fs.report();
        let a = one(&r, ArtefactKind::OnionService);
        let host = String::from_utf8(onion_service_files(s)[0].1.clone()).unwrap();
        assert_eq!(a.detail["address_from_secret_key"], host.trim());
        assert_eq!(a.detail["consistent"], "yes");
        assert!(parse_onion(host.trim()).is_ok());
    }
}

#[test]
fn hostname_that_disagrees_with_the_key_is_a_mismatch() {
    let mut fs = Fs::default();
    let other = String::from_utf8(onion_service_files([9; 32])[0].1.clone()).unwrap();
    for (name, data) in onion_service_files(seed(RFC8032_SEED)) {
        let data = if name == "hostname" {
            other.clone().into_bytes()
        } else {
            data
        };
        fs.add(&format!("srv/hs/{name}"), data);
    }
    let r = fs.report();
    let a = one(&r, ArtefactKind::OnionService);
    assert_eq!(a.detail["consistent"], "no");
    // The key decides; the hostname is named as the odd one.
    assert_eq!(a.address.as_deref(), Some(RFC8032_ONION));
    assert!(
        a.concerns
            .iter()
            .any(|c| c.starts_with("mismatch:") && c.contains(other.trim())),
        "{:?}",
        a.concerns
    );
    assert!(a.proves.contains("the files disagree"), "{}", a.proves);
}

#[test]
fn public_key_alone_and_hostname_alone_prove_less() {
    let files = onion_service_files([3; 32]);
    let mut fs = Fs::default();
    fs.add("a/hostname", files[0].1.clone());
    fs.add("b/hostname", files[0].1.clone());
    fs.add("b/hs_ed25519_public_key", files[1].1.clone());
    fs.add("/etc/hostname", "workstation-7\n");
    let r = fs.report();
    let v = only(&r, ArtefactKind::OnionService);
    assert_eq!(v.len(), 2, "{:#?}", r.artefacts);
    assert!(
        v[0].proves
            .contains("does not prove that this computer hosted"),
        "{}",
        v[0].proves
    );
    assert!(
        v[1].proves.contains("The secret key is not here"),
        "{}",
        v[1].proves
    );
    assert_eq!(v[0].address, v[1].address);
    assert!(r.artefacts.iter().all(|a| a.path != "/etc"));
}

#[test]
fn torrc_names_the_service_folder() {
    let mut fs = Fs::default();
    fs.add(
        "/etc/tor/torrc",
        "# my services\nSocksPort 9050\nhiddenservicedir /var/lib/tor/shop/\nHiddenServicePort 80 127.0.0.1:8080\n\
         HiddenServiceDir /var/lib/tor/chat\nHiddenServicePort 6667 127.0.0.1:6667\nUseBridges 1\n\
         Bridge obfs4 192.0.2.1:443 0123456789ABCDEF0123456789ABCDEF01234567 cert=abc iat-mode=0\n\
         ClientTransportPlugin obfs4 exec /usr/bin/obfs4proxy\nExitNodes {de},{nl} \\\n  # note\nStrictNodes 1\n",
    );
    fs.service("/mnt/evidence/var/lib/tor/shop", [5; 32]);
    let r = fs.report();
    let t = one(&r, ArtefactKind::TorConfig);
    let keys: Vec<(u32, &str)> = t
        .settings
        .iter()
        .map(|s| (s.line, s.key.as_str()))
        .collect();
    assert_eq!(
        keys,
        [
            (2, "SocksPort"),
            (3, "HiddenServiceDir"),
            (4, "HiddenServicePort"),
            (5, "HiddenServiceDir"),
            (6, "HiddenServicePort"),
            (7, "UseBridges"),
            (8, "Bridge"),
            (9, "ClientTransportPlugin"),
            (10, "ExitNodes"),
            (12, "StrictNodes"),
        ]
    );
    assert_eq!(t.detail["onion_services"], "2");
    assert_eq!(t.detail["bridges"], "1");
    for needle in [
        "2 onion service(s)",
        "/var/lib/tor/shop/ (ports 80 127.0.0.1:8080)",
        "transports: obfs4",
        "ExitNodes {de},{nl}",
        "not that Tor ran",
    ] {
        assert!(t.proves.contains(needle), "{needle}: {}", t.proves);
    }
    let s = one(&r, ArtefactKind::OnionService);
    assert_eq!(s.detail["configured_by"], "/etc/tor/torrc line 3");
}

#[test]
fn tor_browser_installs_on_three_systems() {
    let mut fs = Fs::default();
    let win = "C:/Users/alice/Desktop/Tor Browser";
    fs.add(&format!("{win}/Browser/firefox.exe"), "MZ")
        .add(&format!("{win}/Browser/TorBrowser/Tor/tor.exe"), "MZ")
        .add(&format!("{win}/Browser/TorBrowser/Data/Tor/torrc"), "DataDirectory C:\\x\nClientOnionAuthDir C:\\y\n")
        .add(
            &format!("{win}/Browser/tbb_version.json"),
            r#"{"version": "13.5.1", "architecture": "WINNT_x86_64-gcc3", "channel": "release", "locale": "en-US"}"#,
        )
        .add(&format!("{win}/Browser/TorBrowser/Data/Browser/profile.default/places.sqlite"), vec![0u8; 5 << 20])
        .add(
            &format!("{win}/Browser/TorBrowser/Data/Browser/profile.default/prefs.js"),
            "user_pref(\"browser.privatebrowsing.autostart\", false);\n",
        )
        .add("home/bob/tor-browser_en-US/Browser/start-tor-browser", "#!/bin/sh")
        .add("Applications/Tor Browser.app/Contents/MacOS/firefox", "\u{cf}\u{fa}")
        .add("Users/carol/Library/Application Support/TorBrowser-Data/Browser/abcd.default/places.sqlite", "SQLite format 3\0");
    let r = fs.report();
    let installs = only(&r, ArtefactKind::TorBrowserInstall);
    let summary: Vec<(&str, Option<&String>)> = installs
        .iter()
        .map(|a| (a.path.as_str(), a.detail.get("platform")))
        .collect();
    assert_eq!(
        summary,
        [
            ("Applications/Tor Browser.app", Some(&"macOS".to_string())),
            (
                "C:/Users/alice/Desktop/Tor Browser",
                Some(&"Windows".to_string())
            ),
            ("home/bob/tor-browser_en-US", Some(&"Linux".to_string())),
        ]
    );
    let w = installs[1];
    assert_eq!(w.detail["tbb_version.version"], "13.5.1");
    assert!(w.proves.contains("version 13.5.1"));
    assert!(w.proves.contains("not that it was used"), "{}", w.proves);
    let profiles = only(&r, ArtefactKind::TorBrowserProfile);
    assert_eq!(profiles.len(), 2);
    let p = profiles.iter().find(|a| a.path.starts_with("C:")).unwrap();
    assert!(
        p.proves.contains("places.sqlite, 5242880 bytes"),
        "{}",
        p.proves
    );
    assert_eq!(p.detail["private_browsing_autostart"], "false");
    let torrc = one(&r, ArtefactKind::TorConfig);
    assert!(torrc.proves.contains("inside a Tor Browser install"));
}

#[test]
fn modification_time_and_deletion_are_reported() {
    let data = MemSource::new(b"SQLite format 3\0".to_vec(), "x");
    let t: jiff::Timestamp = "2024-03-01T10:20:30Z".parse().unwrap();
    let path = "u/Tor Browser/Browser/TorBrowser/Data/Browser/profile.default/places.sqlite";
    let f = FileRef {
        path,
        size: 16,
        data: &data,
        modified: Some(t),
        deleted: true,
    };
    let r = recognise(&[f]);
    let p = one(&r, ArtefactKind::TorBrowserProfile);
    assert!(
        p.proves.contains("last modified 2024-03-01T10:20:30Z"),
        "{}",
        p.proves
    );
    assert!(p.concerns.iter().any(|c| c.contains("deleted")));
}

#[test]
fn tor_state_file_and_client_auth() {
    let mut fs = Fs::default();
    fs.add(
        "TorBrowser/Data/Tor/state",
        "# Tor state file last generated on 2024-05-06 07:08:09 local time\n# Other times below are in UTC\n\
         Guard in=default rsa_id=AAAA\nGuard in=default rsa_id=BBBB\nTorVersion Tor 0.4.8.12\nLastWritten 2024-05-06 07:08:09\n",
    );
    let id = RFC8032_ONION.trim_end_matches(".onion");
    fs.add(
        "TorBrowser/Data/Tor/onion-auth/shop.auth_private",
        format!("{id}:descriptor:x25519:{}\n", "a".repeat(52)),
    );
    fs.add(
        "TorBrowser/Data/Tor/onion-auth/junk.auth_private",
        vec![0xffu8; 40],
    );
    let r = fs.report();
    let s = one(&r, ArtefactKind::TorState);
    assert_eq!(s.detail["last_written"], "2024-05-06T07:08:09Z");
    assert_eq!(s.detail["guards"], "2");
    assert!(
        s.proves
            .contains("Tor (Tor 0.4.8.12) last saved its state at 2024-05-06T07:08:09Z"),
        "{}",
        s.proves
    );
    let auth = only(&r, ArtefactKind::OnionClientAuth);
    assert_eq!(auth.len(), 2);
    let good = auth
        .iter()
        .find(|a| a.path.ends_with("shop.auth_private"))
        .unwrap();
    assert_eq!(good.address.as_deref(), Some(RFC8032_ONION));
    assert!(good.proves.contains("was given access"));
    let bad = auth
        .iter()
        .find(|a| a.path.ends_with("junk.auth_private"))
        .unwrap();
    assert!(!bad.concerns.is_empty());
}

#[test]
fn legacy_v2_service() {
    let mut fs = Fs::default();
    fs.add("var/lib/tor/old/hostname", "expyuzz4wqqyqhjn.onion\n")
        .add(
            "var/lib/tor/old/private_key",
            "-----BEGIN RSA PRIVATE KEY-----\nMIIC\n-----END RSA PRIVATE KEY-----\n",
        )
        .add(
            "home/x/.ssh/private_key",
            "-----BEGIN RSA PRIVATE KEY-----\n",
        );
    let r = fs.report();
    let a = one(&r, ArtefactKind::OnionServiceV2);
    assert_eq!(a.address.as_deref(), Some("expyuzz4wqqyqhjn.onion"));
    assert!(a.proves.contains("legacy (v2)"));
    assert_eq!(r.artefacts.len(), 1, "{:#?}", r.artefacts);
}

/// A destination with a null certificate, and a key file holding it.
fn destination(fill: u8) -> Vec<u8> {
    let mut d = vec![fill; 387];
    d[384..].fill(0);
    d
}

fn i2p_b64(data: &[u8]) -> String {
    const A: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-~";
    let mut out = String::new();
    for c in data.chunks(3) {
        let n = (u32::from(c[0]) << 16)
            | (u32::from(*c.get(1).unwrap_or(&0)) << 8)
            | u32::from(*c.get(2).unwrap_or(&0));
        for i in 0..=c.len() {
            out.push(char::from(A[((n >> (18 - 6 * i)) & 63) as usize]));
        }
    }
    while !out.len().is_multiple_of(4) {
        out.push('=');
    }
    out
}

#[test]
fn i2p_router_tunnels_keys_and_address_book() {
    let dest = destination(0x42);
    let mut keyfile = dest.clone();
    keyfile.extend(vec![1u8; 256 + 32]);
    let b32 = i2p_from_destination(&dest);
    let mut fs = Fs::default();
    fs.add("home/u/.i2p/router.config", "i2np.udp.port=12345\nrouter.firstInstalled=1700000000000\nrouter.firstVersion=2.4.0\n")
        .add(
            "home/u/.i2p/i2ptunnel.config",
            "tunnel.0.name=I2P HTTP Proxy\ntunnel.0.type=httpclient\ntunnel.0.interface=127.0.0.1\ntunnel.0.listenPort=4444\n\
             tunnel.3.name=My shop\ntunnel.3.type=httpserver\ntunnel.3.targetHost=127.0.0.1\ntunnel.3.targetPort=8080\n\
             tunnel.3.privKeyFile=eepsite/eepPriv.dat\ntunnel.3.startOnLoad=true\n",
        )
        .add("home/u/.i2p/eepsite/eepPriv.dat", keyfile.clone())
        .add("home/u/.i2p/userhosts.txt", format!("# saved\nshop.i2p={}\nbroken.i2p=!!!\n", i2p_b64(&dest)))
        .add("home/u/.i2p/hosts.txt", format!("a.i2p={}\nb.i2p={}\n", i2p_b64(&dest), i2p_b64(&destination(1))))
        .add("home/u/.i2p/netDb/rA/routerInfo-AAAA.dat", "x")
        .add("home/u/.i2p/netDb/rB/routerInfo-BBBB.dat", "x")
        .add("home/u/.i2pd/tunnels.conf", "[site]\ntype = http\nhost = 127.0.0.1\nport = 80\nkeys = site.dat\n\n[irc]\ntype=client\naddress=127.0.0.1\nport=6668\n")
        .add("home/u/.i2pd/site.dat", keyfile)
        .add("home/u/.i2pd/i2pd.conf", "ipv6 = true\nfloodfill = true\n[httpproxy]\nenabled = true\n");
    let r = fs.report();
    let routers = only(&r, ArtefactKind::I2pRouter);
    assert_eq!(routers.len(), 2);
    let netdb = routers
        .iter()
        .find(|a| a.path == "home/u/.i2p/netDb")
        .unwrap();
    assert_eq!(netdb.detail["router_infos"], "2");
    let cfg = routers
        .iter()
        .find(|a| a.path.ends_with("router.config"))
        .unwrap();
    assert_eq!(
        cfg.detail["router.firstInstalled (as time)"],
        "2023-11-14T22:13:20Z"
    );
    let tunnels = only(&r, ArtefactKind::I2pTunnels);
    assert_eq!(tunnels.len(), 2);
    let java = tunnels
        .iter()
        .find(|a| a.path.ends_with("i2ptunnel.config"))
        .unwrap();
    assert_eq!(
        (
            java.detail["server_tunnels"].as_str(),
            java.detail["client_tunnels"].as_str()
        ),
        ("1", "1")
    );
    assert!(java.proves.contains("\"My shop\" (httpserver, to 127.0.0.1:8080, keys eepsite/eepPriv.dat, startOnLoad=true)"), "{}", java.proves);
    assert!(java.proves.contains("set up to host"));
    let i2pd = tunnels
        .iter()
        .find(|a| a.path.ends_with("tunnels.conf"))
        .unwrap();
    assert_eq!(i2pd.detail["server_tunnels"], "1");
    let keys = only(&r, ArtefactKind::I2pKeys);
    assert_eq!(keys.len(), 2);
    for k in &keys {
        assert_eq!(k.address.as_deref(), Some(b32.as_str()));
        assert!(k.proves.contains("server tunnel"), "{}", k.proves);
    }
    let books = only(&r, ArtefactKind::I2pAddressBook);
    let user = books
        .iter()
        .find(|a| a.path.ends_with("userhosts.txt"))
        .unwrap();
    assert_eq!(user.detail["entries"], "1");
    assert_eq!(user.settings[0].key, "shop.i2p");
    assert_eq!(user.settings[0].value, b32);
    let all = books
        .iter()
        .find(|a| a.path.ends_with("/hosts.txt"))
        .unwrap();
    assert_eq!(all.detail["entries"], "2");
    let conf = one(&r, ArtefactKind::I2pdConfig);
    assert!(conf.proves.contains("floodfill"));
}

#[test]
fn wallets_by_path_and_magic() {
    let v: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(format!("{TESTDATA}/crypto/vectors/misc_vectors.json")).unwrap(),
    )
    .unwrap();
    let xmr = v
        .as_object()
        .unwrap()
        .values()
        .find_map(|x| x.get("standard_mainnet"))
        .unwrap()
        .as_str()
        .unwrap()
        .to_string();
    let mut bdb = vec![0u8; 64];
    bdb[12..16].copy_from_slice(&[0x62, 0x31, 0x05, 0x00]);
    let mut fs = Fs::default();
    fs.add("Users/a/AppData/Roaming/Bitcoin/wallet.dat", bdb)
        .add("home/a/.bitcoin/wallets/savings/wallet.dat", b"SQLite format 3\0rest".to_vec())
        .add("tmp/wallet.dat", "hello")
        .add("home/a/.electrum/wallets/default_wallet", "QklFMQxyz")
        .add("home/a/.electrum/wallets/plain", "{\"keystore\": {}}")
        .add("Users/a/AppData/Roaming/Exodus/exodus.wallet/seed.seco", "SECO\0\0")
        .add("Users/a/AppData/Roaming/Exodus/exodus.wallet/passphrase.json", "{}")
        .add(
            "Users/a/AppData/Local/Google/Chrome/User Data/Default/Local Extension Settings/nkbihfbeogaeaoehlefnkodbefgpgknn/000003.log",
            "x",
        )
        .add(
            "Users/a/AppData/Local/Google/Chrome/User Data/Default/Local Extension Settings/nkbihfbeogaeaoehlefnkodbefgpgknn/CURRENT",
            "MANIFEST-000001\n",
        )
        .add(
            "Users/a/AppData/Local/BraveSoftware/Brave-Browser/User Data/Profile 1/Extensions/bfnaelmomeimhlpmgjnjophhpkkoljpa/1.0_0/manifest.json",
            "{}",
        )
        .add("home/a/Monero/wallets/main/main.keys", vec![1u8; 100])
        .add("home/a/Monero/wallets/main/main.address.txt", format!("{xmr}\n"))
        .add("Users/a/AppData/Roaming/Ledger Live/app.json", "{\"data\":{}}")
        .add("Users/a/AppData/Roaming/atomic/Local Storage/leveldb/000005.ldb", "x")
        .add("home/a/.ethereum/keystore/UTC--2017-11-20T13-47-33.512Z--5aaeb6053f3e94c9b9a09f33669435e7ef1beaed", "{}");
    let r = fs.report();
    let w = only(&r, ArtefactKind::Wallet);
    let got: Vec<(&str, &str)> = w
        .iter()
        .map(|a| (a.path.as_str(), a.detail["software"].as_str()))
        .collect();
    assert_eq!(
        got,
        [
            ("Users/a/AppData/Local/BraveSoftware/Brave-Browser/User Data/Profile 1/Extensions/bfnaelmomeimhlpmgjnjophhpkkoljpa", "Phantom"),
            ("Users/a/AppData/Local/Google/Chrome/User Data/Default/Local Extension Settings/nkbihfbeogaeaoehlefnkodbefgpgknn", "MetaMask"),
            ("Users/a/AppData/Roaming/Bitcoin/wallet.dat", "Bitcoin Core"),
            ("Users/a/AppData/Roaming/Exodus/exodus.wallet", "Exodus"),
            ("Users/a/AppData/Roaming/Ledger Live/app.json", "Ledger Live"),
            ("Users/a/AppData/Roaming/atomic", "Atomic Wallet"),
            ("home/a/.bitcoin/wallets/savings/wallet.dat", "Bitcoin Core"),
            ("home/a/.electrum/wallets/default_wallet", "Electrum"),
            ("home/a/.electrum/wallets/plain", "Electrum"),
            ("home/a/.ethereum/keystore/UTC--2017-11-20T13-47-33.512Z--5aaeb6053f3e94c9b9a09f33669435e7ef1beaed", "Ethereum keystore"),
            ("home/a/Monero/wallets/main/main", "Monero"),
            ("tmp/wallet.dat", "Bitcoin Core"),
        ]
    );
    let by = |p: &str| w.iter().find(|a| a.path.ends_with(p)).unwrap();
    assert!(by("Bitcoin/wallet.dat").proves.contains("Berkeley DB"));
    assert!(by("savings/wallet.dat")
        .proves
        .contains("descriptor wallet"));
    assert!(!by("tmp/wallet.dat").concerns.is_empty());
    assert!(by("default_wallet").proves.contains("BIE1"));
    assert!(by("nkbihfbeogaeaoehlefnkodbefgpgknn")
        .proves
        .contains("Google Chrome (profile Default)"));
    assert!(by("bfnaelmomeimhlpmgjnjophhpkkoljpa")
        .proves
        .contains("installed in Brave (profile Profile 1)"));
    assert_eq!(by("main/main").address.as_deref(), Some(xmr.as_str()));
    assert_eq!(
        by("5aaeb6053f3e94c9b9a09f33669435e7ef1beaed")
            .address
            .as_deref(),
        Some("0x5aaeb6053f3e94c9b9a09f33669435e7ef1beaed")
    );
    for a in &w {
        assert!(
            a.proves.contains("ecrypted")
                || a.proves.contains("installed")
                || a.proves.contains("password"),
            "{}",
            a.proves
        );
    }
}

#[test]
fn interesting_is_cheap_and_selective() {
    for p in [
        "/etc/hostname",
        "x/hs/hs_ed25519_secret_key",
        "C:\\Users\\a\\Desktop\\Tor Browser\\Browser\\firefox.exe",
        "/etc/tor/torrc",
        "a/wallet.dat",
        "home/u/.i2p/router.config",
        "a/Local Extension Settings/nkbihfbeogaeaoehlefnkodbefgpgknn/000003.log",
    ] {
        assert!(interesting(p), "{p}");
    }
    for p in [
        "",
        "/",
        "/home/a/doc.txt",
        "Windows/System32/drivers/etc/hosts",
        "Program Files/Mozilla Firefox/firefox.exe",
        "home/a/hosts.txt",
        "a/Local Extension Settings/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa/000003.log",
        "usr/bin/tor",
    ] {
        assert!(!interesting(p), "{p}");
    }
}

#[test]
fn output_does_not_depend_on_input_order() {
    let mut fs = Fs::default();
    fs.service("/var/lib/tor/a", [1; 32])
        .service("/var/lib/tor/b", [2; 32]);
    fs.add("/etc/tor/torrc", "HiddenServiceDir /var/lib/tor/a\n");
    fs.add("x/wallet.dat", "y");
    let forward = fs.report();
    let mut refs = fs.refs();
    refs.reverse();
    assert_eq!(recognise(&refs), forward);
    let mut r = Recogniser::new();
    for f in fs.refs() {
        r.add(&f);
    }
    assert_eq!(r.finish(), forward);
    let json = serde_json::to_string(&forward).unwrap();
    assert!(json.contains("\"kind\":\"onion_service\""));
}

/// A source whose reads always fail.
struct Broken;

impl Source for Broken {
    fn read_at(&self, offset: u64, _buf: &mut [u8]) -> Result<usize, EvidenceError> {
        Err(EvidenceError::Io {
            path: "broken".into(),
            offset,
            source: std::io::Error::other("bad sector"),
        })
    }
    fn len(&self) -> u64 {
        100
    }
    fn name(&self) -> &str {
        "broken"
    }
}

#[test]
fn damaged_input_never_panics() {
    let full = onion_service_files(seed(RFC8032_SEED));
    // Every truncation of every key file, and empty files of every kind.
    for (name, data) in &full {
        for cut in 0..data.len() {
            let mut fs = Fs::default();
            fs.add(&format!("hs/{name}"), data[..cut].to_vec());
            let r = fs.report();
            if name != "hostname" && cut > 0 {
                let a = one(&r, ArtefactKind::OnionService);
                assert!(!a.concerns.is_empty(), "{name} cut at {cut}");
            }
        }
    }
    // Keys with the wrong header but the right length; an oversized key.
    let mut fs = Fs::default();
    let mut bad = full[2].1.clone();
    bad[3] = b'X';
    fs.add("hs/hs_ed25519_secret_key", bad);
    let mut long = full[1].1.clone();
    long.extend([0u8; 10]);
    fs.add("hs/hs_ed25519_public_key", long);
    let r = fs.report();
    assert_eq!(one(&r, ArtefactKind::OnionService).concerns.len(), 2);
    // Binary garbage under every recognised name.
    let names = [
        "t/torrc",
        "t/Tor/state",
        "t/hostname",
        "t/hs_ed25519_public_key",
        "t/hs_ed25519_secret_key",
        "t/private_key",
        "t/authorized_clients/a.auth",
        "t/a.auth_private",
        "i2p/router.config",
        "i2p/router.info",
        "i2p/i2ptunnel.config",
        "i2p/i2ptunnel.config.d/00-x-i2ptunnel.config",
        "i2p/hosts.txt",
        "i2p/userhosts.txt",
        "i2p/eepPriv.dat",
        "i2pd/i2pd.conf",
        "i2pd/tunnels.conf",
        "Tor Browser/Browser/tbb_version.json",
        "Tor Browser/Browser/TorBrowser/Data/Browser/p/prefs.js",
        "w/wallet.dat",
        "w/.electrum/wallets/x",
        "w/Monero/x.address.txt",
        "w/Ledger Live/app.json",
        "w/exodus.wallet/seed.seco",
    ];
    let mut x: u32 = 12345;
    let garbage: Vec<u8> = (0..5000)
        .map(|_| {
            x = x.wrapping_mul(1_103_515_245).wrapping_add(12345);
            (x >> 16) as u8
        })
        .collect();
    for name in names {
        assert!(interesting(name), "{name}");
        for data in [
            Vec::new(),
            garbage.clone(),
            garbage[..7].to_vec(),
            vec![0u8; 1000],
        ] {
            let mut fs = Fs::default();
            fs.add(name, data);
            let _ = fs.report();
        }
        let r = recognise(&[FileRef::new(name, 100, &Broken)]);
        assert!(r.artefacts.is_empty() || !r.warnings.is_empty(), "{name}");
    }
    let mut fs = Fs::default();
    fs.add("t/torrc", garbage.clone());
    let t = fs.report();
    let a = one(&t, ArtefactKind::TorConfig);
    assert!(a.proves.contains("not text"));
}

#[test]
fn large_config_is_read_in_part_and_says_so() {
    let dest = destination(7);
    let line = format!("site.i2p={}\n", i2p_b64(&dest));
    let mut fs = Fs::default();
    fs.add("home/u/.i2p/privatehosts.txt", line.repeat(2000));
    let r = fs.report();
    let a = one(&r, ArtefactKind::I2pAddressBook);
    let entries: usize = a.detail["entries"].parse().unwrap();
    assert!(entries > 900 && entries < 2000, "{entries}");
    assert!(
        a.concerns
            .iter()
            .any(|c| c.contains("only the first 512 KiB")),
        "{:?}",
        a.concerns
    );
}
