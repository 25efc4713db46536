//! IP enrichment against the MaxMind-DB project's test databases
//! (`../shared/testdata/osint/mmdb/`), special ranges without any database,
//! and damaged databases.

use exhibit_osint::ip::{special_range, Category, IpDbs};
use exhibit_osint::{Enricher, OsintError, Sources};
use std::net::IpAddr;
use std::path::PathBuf;

fn mmdb(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/testdata/osint/mmdb")
        .join(name)
}

fn ip(s: &str) -> IpAddr {
    s.parse().unwrap()
}

#[test]
fn city_database_answers_linkoping() {
    let dbs = IpDbs::open(&[mmdb("GeoLite2-City-Test.mmdb")]).unwrap();
    let g = dbs.lookup(ip("89.160.20.128")).unwrap();
    assert_eq!(g.country_code.as_deref(), Some("SE"));
    assert_eq!(g.country.as_deref(), Some("Sweden"));
    assert_eq!(g.city.as_deref(), Some("Linköping"));
    assert_eq!(g.geo_db.as_deref(), Some("GeoLite2-City-Test.mmdb"));
    assert_eq!(g.geo_network.as_deref(), Some("89.160.20.128/25"));
    assert_eq!(g.asn, None);
    // An IPv4-mapped IPv6 address is the IPv4 address.
    assert_eq!(dbs.lookup(ip("::ffff:89.160.20.128")).unwrap(), g);
    let info = dbs.info();
    assert_eq!(info[0].database_type, "GeoLite2-City");
}

#[test]
fn asn_database_answers_telstra() {
    let dbs = IpDbs::open(&[mmdb("GeoLite2-ASN-Test.mmdb")]).unwrap();
    let g = dbs.lookup(ip("1.128.0.0")).unwrap();
    assert_eq!(g.asn, Some(1221));
    assert_eq!(g.as_org.as_deref(), Some("Telstra Pty Ltd"));
    assert_eq!(g.asn_db.as_deref(), Some("GeoLite2-ASN-Test.mmdb"));
    assert_eq!(g.country_code, None);
}

#[test]
fn databases_combine_each_naming_itself() {
    let dbs = IpDbs::open(&[
        mmdb("GeoLite2-Country-Test.mmdb"),
        mmdb("GeoLite2-City-Test.mmdb"),
        mmdb("GeoLite2-ASN-Test.mmdb"),
    ])
    .unwrap();
    let g = dbs.lookup(ip("89.160.20.128")).unwrap();
    // The Country database comes first: it answers the location, without a city.
    assert_eq!(g.geo_db.as_deref(), Some("GeoLite2-Country-Test.mmdb"));
    assert_eq!(g.country_code.as_deref(), Some("SE"));
    assert_eq!(g.city, None);
    assert_eq!(g.asn, Some(29518));
    assert_eq!(g.asn_db.as_deref(), Some("GeoLite2-ASN-Test.mmdb"));
    // Nothing known: empty, not an error.
    assert!(dbs.lookup(ip("8.8.8.8")).unwrap().is_empty());
    // IPv6 against IPv4-only databases is skipped, not an error.
    let v4only = IpDbs::open(&[mmdb("MaxMind-DB-test-ipv4-24.mmdb")]).unwrap();
    assert!(v4only.lookup(ip("2001:db8::1")).unwrap().is_empty());
    dbs.verify().unwrap();
}

#[test]
fn special_ranges_without_databases() {
    let e = Enricher::open(&Sources::default()).unwrap();
    let r = e.enrich("ipv6", "2001:db8::1").ip.unwrap().special.unwrap();
    assert_eq!(
        (r.category, r.network, r.rfc),
        (Category::Documentation, "2001:db8::/32", "RFC 3849")
    );
    let r = e.enrich("ip", "10.1.2.3").ip.unwrap().special.unwrap();
    assert_eq!(
        (r.category, r.name, r.rfc),
        (Category::Private, "Private-Use", "RFC 1918")
    );
    for (addr, cat) in [
        ("100.64.1.1", Category::Cgnat),
        ("127.0.0.1", Category::Loopback),
        ("169.254.10.10", Category::LinkLocal),
        ("192.0.2.55", Category::Documentation),
        ("198.51.100.1", Category::Documentation),
        ("203.0.113.9", Category::Documentation),
        ("198.18.5.5", Category::Benchmarking),
        ("239.255.255.250", Category::Multicast),
        ("250.1.1.1", Category::Reserved),
        ("0.0.0.0", Category::Unspecified),
        ("::", Category::Unspecified),
        ("fd00::1", Category::Private),
        ("fe80::1", Category::LinkLocal),
        ("ff05::2", Category::Multicast),
        ("::1", Category::Loopback),
    ] {
        assert_eq!(
            special_range(ip(addr)).map(|r| r.category),
            Some(cat),
            "{addr}"
        );
    }
    assert_eq!(special_range(ip("89.160.20.128")), None);
}

#[test]
fn enricher_uses_databases_and_skips_them_for_private_addresses() {
    let e = Enricher::open(&Sources {
        ip_dbs: vec![
            mmdb("GeoLite2-City-Test.mmdb"),
            mmdb("GeoLite2-ASN-Test.mmdb"),
        ],
        ..Sources::default()
    })
    .unwrap();
    let info = e.enrich("ip", "89.160.20.128").ip.unwrap();
    assert_eq!(info.geo.city.as_deref(), Some("Linköping"));
    assert_eq!(info.geo.asn, Some(29518));
    let json = serde_json::to_value(e.enrich("ip", "1.128.0.0")).unwrap();
    assert_eq!(json["ip"]["asn"], 1221);
    assert_eq!(json["ip"]["as_org"], "Telstra Pty Ltd");
    assert_eq!(json["ip"]["asn_db"], "GeoLite2-ASN-Test.mmdb");
    assert!(json["ip"].get("city").is_none(), "{json}");
    assert!(json.get("errors").is_none());
    let private = e.enrich("ip", "192.168.1.1").ip.unwrap();
    assert!(private.geo.is_empty());
    assert_eq!(e.loaded().ip_dbs.len(), 2);
}

fn assert_names_file(err: OsintError, file: &str) {
    let msg = err.to_string();
    assert!(msg.contains(file), "error does not name {file}: {msg}");
}

#[test]
fn truncated_database_is_an_error_naming_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let bytes = std::fs::read(mmdb("GeoLite2-City-Test.mmdb")).unwrap();
    for (name, len) in [
        ("half.mmdb", bytes.len() / 2),
        ("tail-cut.mmdb", bytes.len() - 20),
        ("empty.mmdb", 0),
    ] {
        let path = dir.path().join(name);
        std::fs::write(&path, &bytes[..len]).unwrap();
        let err = IpDbs::open(&[&path]).unwrap_err();
        assert!(matches!(err, OsintError::Database { .. }), "{err}");
        assert_names_file(err, name);
    }
    let missing = dir.path().join("missing.mmdb");
    assert_names_file(IpDbs::open(&[&missing]).unwrap_err(), "missing.mmdb");
    // Through the enricher too.
    let err = Enricher::open(&Sources {
        ip_dbs: vec![dir.path().join("half.mmdb")],
        ..Sources::default()
    })
    .unwrap_err();
    assert_names_file(err, "half.mmdb");
}

#[test]
fn garbled_database_never_panics() {
    let dir = tempfile::tempdir().unwrap();
    let original = std::fs::read(mmdb("GeoLite2-City-Test.mmdb")).unwrap();
    let probes: Vec<IpAddr> = [
        "89.160.20.128",
        "81.2.69.142",
        "2a02:d300::1",
        "216.160.83.56",
        "175.16.199.1",
        "2001:218::1",
        "1.2.3.4",
    ]
    .iter()
    .map(|s| ip(s))
    .collect();
    let mut detected = 0;
    // Garble the search tree, the data section and the metadata in turn.
    let n = original.len();
    for (k, at) in [0, n / 8, n / 4, n / 2, 3 * n / 4, n - 400, n - 100]
        .into_iter()
        .enumerate()
    {
        let mut bytes = original.clone();
        let mut x: u32 = 0x9e37_79b9 ^ k as u32;
        for b in &mut bytes[at..(at + 256).min(n)] {
            x ^= x << 13;
            x ^= x >> 17;
            x ^= x << 5;
            *b = x as u8;
        }
        let path = dir.path().join(format!("garbled-{k}.mmdb"));
        std::fs::write(&path, &bytes).unwrap();
        match IpDbs::open(&[&path]) {
            Err(e) => {
                assert_names_file(e, &format!("garbled-{k}.mmdb"));
                detected += 1;
            }
            Ok(dbs) => {
                let mut bad = false;
                for p in &probes {
                    if let Err(e) = dbs.lookup(*p) {
                        assert_names_file(e, &format!("garbled-{k}.mmdb"));
                        bad = true;
                    }
                }
                if let Err(e) = dbs.verify() {
                    assert_names_file(e, &format!("garbled-{k}.mmdb"));
                    bad = true;
                }
                detected += usize::from(bad);
            }
        }
    }
    assert!(
        detected >= 6,
        "only {detected} of 7 garbled copies detected"
    );
}
