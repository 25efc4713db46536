//! The one entry point: `Enricher::enrich(kind, value)` over every source.

use exhibit_osint::{Enricher, Sources};
use std::path::{Path, PathBuf};
use std::sync::Arc;

fn mmdb(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/testdata/osint/mmdb")
        .join(name)
}

fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, text).unwrap();
    p
}

fn enricher(dir: &Path) -> Enricher {
    let sources = Sources {
        ip_dbs: vec![mmdb("GeoLite2-City-Test.mmdb"), mmdb("GeoLite2-ASN-Test.mmdb")],
        tor_exits: vec![write(dir, "tor-exits.txt", "ExitNode ABC\nExitAddress 89.160.20.128 2026-01-01 00:00:00\n")],
        ip_ranges: vec![write(dir, "vpn.txt", "1.128.0.0/11,Example VPN\n")],
        watchlists: vec![write(
            dir,
            "iocs.txt",
            "evil.example\nscammer@mail.example\nhttps://phish.example/login\n1BvBMSEYstWetqTFn5Au4m4GFg7xJaNVN2\n+66 81 234 5678\n89.160.20.0/24\nd41d8cd98f00b204e9800998ecf8427e\n",
        )],
        known_good: vec![write(dir, "good.txt", "da39a3ee5e6b4b0d3255bfef95601890afd80709\n")],
        protected: vec![PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("data/protected-example.txt")],
        public_suffix_list: None,
        protected_example: false,
    };
    Enricher::open(&sources).unwrap()
}

#[test]
fn every_kind() {
    let dir = tempfile::tempdir().unwrap();
    let e = enricher(dir.path());
    assert!(e.loaded().warnings.is_empty(), "{:?}", e.loaded().warnings);
    assert_eq!(e.loaded().ip_dbs.len(), 2);
    assert!(e.loaded().protected_names >= 20);

    // IP: databases, Tor list, watchlist CIDR.
    let r = e.enrich("ip", "89.160.20.128");
    let ip = r.ip.as_ref().unwrap();
    assert_eq!(ip.geo.country.as_deref(), Some("Sweden"));
    assert_eq!(ip.lists.tor_exit[0].list, "tor-exits.txt");
    assert_eq!(ip.lists.tor_exit[0].line, 2);
    assert_eq!(
        (r.watchlist[0].list.as_str(), r.watchlist[0].line),
        ("iocs.txt", 6)
    );
    assert!(r.is_flagged());
    let r = e.enrich("ip", "1.128.0.1");
    assert_eq!(
        r.ip.as_ref().unwrap().lists.ranges[0].name.as_deref(),
        Some("Example VPN")
    );

    // URL: its own list, then its host as a domain (with lookalikes).
    let r = e.enrich("url", "hxxps://phish[.]example/login");
    assert_eq!(r.host.as_deref(), Some("phish.example"));
    assert_eq!(r.watchlist.len(), 1);
    assert_eq!(r.watchlist[0].line, 3);
    let r = e.enrich("url", "https://secure.bangkokbank-login.com/x");
    assert_eq!(
        r.domain.as_ref().unwrap().parts.registrable.as_deref(),
        Some("bangkokbank-login.com")
    );
    assert_eq!(
        r.lookalikes[0].protected.as_deref(),
        Some("bangkokbank.com")
    );
    let r = e.enrich("url", "http://[2001:db8::1]:8080/");
    assert_eq!(r.ip.unwrap().special.unwrap().rfc, "RFC 3849");

    // E-mail: its own list, then its host (a subdomain of a listed domain).
    let r = e.enrich("email", "Scammer@Mail.Example");
    assert_eq!(r.watchlist.len(), 1);
    let r = e.enrich("email", "boss@www.evil.example");
    assert_eq!(r.watchlist.len(), 1);
    assert_eq!(
        (r.watchlist[0].line, r.watchlist[0].entry.as_str()),
        (1, "evil.example")
    );

    // Domain: IDN shown in Unicode; confusable found.
    let r = e.enrich("domain", "xn--pypal-4ve.com");
    assert_eq!(
        r.domain.as_ref().unwrap().unicode.as_deref(),
        Some("pаypal.com")
    );
    assert_eq!(r.lookalikes[0].protected.as_deref(), Some("paypal.com"));

    // Watchlist-only kinds.
    assert_eq!(
        e.enrich("wallet", "1BvBMSEYstWetqTFn5Au4m4GFg7xJaNVN2")
            .watchlist
            .len(),
        1
    );
    assert_eq!(
        e.enrich("btc", "1BvBMSEYstWetqTFn5Au4m4GFg7xJaNVN2")
            .watchlist
            .len(),
        1
    );
    assert_eq!(e.enrich("phone", "+66812345678").watchlist[0].line, 5);
    assert_eq!(
        e.enrich("md5", "D41D8CD98F00B204E9800998ECF8427E")
            .watchlist[0]
            .line,
        7
    );
    let r = e.enrich("sha1", "DA39A3EE5E6B4B0D3255BFEF95601890AFD80709");
    assert!(r.known_good);
    assert!(!r.is_flagged());
    // Another kind: matched by the value's shape.
    assert_eq!(e.enrich("note", "evil.example").watchlist.len(), 1);
    assert!(e.enrich("iban", "TH00 0000").watchlist.is_empty());
    // Garbage is reported, not fatal.
    assert!(!e.enrich("domain", "not a domain").errors.is_empty());
    assert!(!e.enrich("url", "").errors.is_empty());
    let r = e.enrich("ip", "999.1.1.1");
    assert!(
        r.ip.is_none() && r.domain.is_none() && !r.errors.is_empty(),
        "{r:?}"
    );
}

#[test]
fn json_omits_empty_fields() {
    let e = Enricher::open(&Sources::default()).unwrap();
    let json = serde_json::to_value(e.enrich("domain", "www.example.co.uk")).unwrap();
    assert_eq!(
        json,
        serde_json::json!({
            "kind": "domain",
            "value": "www.example.co.uk",
            "domain": {
                "host": "www.example.co.uk",
                "public_suffix": "co.uk",
                "registrable": "example.co.uk",
                "section": "icann"
            }
        })
    );
    let json = serde_json::to_value(e.enrich("ip", "10.1.2.3")).unwrap();
    assert_eq!(
        json,
        serde_json::json!({
            "kind": "ip",
            "value": "10.1.2.3",
            "ip": {
                "address": "10.1.2.3",
                "special": {
                    "network": "10.0.0.0/8",
                    "category": "private",
                    "name": "Private-Use",
                    "rfc": "RFC 1918",
                    "globally_reachable": false
                }
            }
        })
    );
    let json = serde_json::to_value(e.enrich("phone", "+66812345678")).unwrap();
    assert_eq!(
        json,
        serde_json::json!({"kind": "phone", "value": "+66812345678"})
    );
}

#[test]
fn shared_across_threads_with_the_same_answers() {
    let dir = tempfile::tempdir().unwrap();
    let e = Arc::new(enricher(dir.path()));
    let leads: Vec<(&str, String)> = (0..2000)
        .map(|i| match i % 4 {
            0 => ("ip", format!("89.160.20.{}", i % 256)),
            1 => ("domain", format!("host{}.bangkokbank-secure.com", i % 50)),
            2 => ("url", format!("https://www{}.paypa1.com/", i % 7)),
            _ => ("email", format!("user{i}@evil.example")),
        })
        .collect();
    let expected: Vec<_> = leads.iter().map(|(k, v)| e.enrich(k, v)).collect();
    let handles: Vec<_> = (0..4)
        .map(|_| {
            let e = e.clone();
            let leads = leads.clone();
            std::thread::spawn(move || {
                leads
                    .iter()
                    .map(|(k, v)| e.enrich(k, v))
                    .collect::<Vec<_>>()
            })
        })
        .collect();
    for h in handles {
        assert_eq!(h.join().unwrap(), expected);
    }
}

#[test]
fn odd_input_never_panics() {
    let dir = tempfile::tempdir().unwrap();
    let e = enricher(dir.path());
    let long = "a".repeat(5000);
    let long_labels = format!("{}.com", "x.".repeat(300));
    let odd = [
        "",
        " ",
        ".",
        "..",
        "-",
        "xn--",
        "xn--zzzz.com",
        "xn--a.xn--b",
        "a.-b.com",
        "ü",
        "[::1]",
        "[",
        "]",
        "@",
        "@@",
        "http://",
        "https://@:/",
        "mailto:",
        "::ffff:",
        "1.2.3.4/99",
        "999.1.1.1",
        "\u{0}",
        "\u{202e}moc.lapyap",
        "ﬀ.com",
        "a\u{200d}b.com",
        "𝐩𝐚𝐲𝐩𝐚𝐥.com",
        "παypal.com",
        "*.com",
        "!a.ck",
        &long,
        &long_labels,
        "hxxp",
        "[.]",
        "0x",
        "+",
    ];
    for kind in [
        "ip", "ipv6", "domain", "email", "url", "phone", "wallet", "btc", "md5", "onion",
        "whatever",
    ] {
        for v in odd {
            let _ = e.enrich(kind, v);
        }
    }
    // A mathematical-bold spelling of a protected brand is a confusable.
    let r = e.enrich("domain", "𝐩𝐚𝐲𝐩𝐚𝐥.com");
    assert!(r.lookalikes.is_empty() || r.lookalikes[0].protected.as_deref() == Some("paypal.com"));
}
