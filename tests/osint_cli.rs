//! `exhibit enrich` and `exhibit darknet` end to end (issue 8).

mod common;

use std::path::{Path, PathBuf};

use common::exhibit;

fn mmdb(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../shared/testdata/osint/mmdb")
        .join(name)
}

fn json_lines(out: &[u8]) -> Vec<serde_json::Value> {
    String::from_utf8_lossy(out)
        .lines()
        .map(|l| serde_json::from_str(l).expect("one JSON object a line"))
        .collect()
}

#[test]
fn enrich_resolves_ips_refangs_and_flags_lookalikes() {
    let tmp = tempfile::tempdir().unwrap();
    let input = tmp.path().join("iocs.txt");
    std::fs::write(
        &input,
        "# pasted from a partner's report\n89.160.20[.]128\n1.128.0.0\n\
         hxxps://bangkokbank-secure-login[.]com/verify\n10.1.2.3\n\
         p\u{0430}ypal.com\n1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa\n",
    )
    .unwrap();
    let out = exhibit()
        .args(["enrich", "--json", "--geoip"])
        .arg(mmdb("GeoLite2-City-Test.mmdb"))
        .arg("--asn")
        .arg(mmdb("GeoLite2-ASN-Test.mmdb"))
        .arg(&input)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let rows = json_lines(&out.stdout);
    let by = |v: &str| {
        rows.iter()
            .find(|r| r["value"] == v)
            .unwrap_or_else(|| panic!("{v} missing in {rows:?}"))
    };
    let se = by("89.160.20.128");
    assert_eq!(se["defanged_in_source"], true);
    assert_eq!(se["ip"]["country_code"], "SE");
    assert_eq!(se["ip"]["city"], "Linköping");
    assert_eq!(by("1.128.0.0")["ip"]["asn"], 1221);
    assert_eq!(by("10.1.2.3")["ip"]["special"]["name"], "Private-Use");
    let url = by("https://bangkokbank-secure-login.com/verify");
    assert_eq!(url["lookalikes"][0]["protected"], "bangkokbank.com");
    let idn = by("p\u{0430}ypal.com");
    assert_eq!(idn["lookalikes"][0]["protected"], "paypal.com");
    let w = by("1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa");
    assert_eq!(w["wallet"]["chain"], "Bitcoin");
    assert_eq!(w["wallet"]["confidence"], "checksum");
}

#[test]
fn enrich_with_a_corrupt_database_is_an_error_naming_it() {
    let tmp = tempfile::tempdir().unwrap();
    let bad = tmp.path().join("GeoLite2-City-cut.mmdb");
    let good = std::fs::read(mmdb("GeoLite2-City-Test.mmdb")).unwrap();
    std::fs::write(&bad, &good[..good.len() / 2]).unwrap();
    let input = tmp.path().join("in.txt");
    std::fs::write(&input, "89.160.20.128\n").unwrap();
    let out = exhibit()
        .args(["enrich", "--geoip"])
        .arg(&bad)
        .arg(&input)
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("GeoLite2-City-cut.mmdb"), "{err}");
    assert!(!err.contains("panicked"), "{err}");
}

#[test]
fn darknet_derives_the_address_of_a_hosted_onion_service() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().join("extraction");
    let hs = root.join("var/lib/tor/shop");
    std::fs::create_dir_all(&hs).unwrap();
    let files = exhibit_darknet::onion_service_files([7u8; 32]);
    let mut hostname = String::new();
    for (name, bytes) in &files {
        std::fs::write(hs.join(name), bytes).unwrap();
        if name == "hostname" {
            hostname = String::from_utf8_lossy(bytes).trim().to_string();
        }
    }
    std::fs::create_dir_all(root.join("etc/tor")).unwrap();
    std::fs::write(
        root.join("etc/tor/torrc"),
        "HiddenServiceDir /var/lib/tor/shop\nHiddenServicePort 80 127.0.0.1:8080\n",
    )
    .unwrap();
    let out = exhibit()
        .args(["darknet", "--json"])
        .arg(&root)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let rows = json_lines(&out.stdout);
    assert!(hostname.ends_with(".onion"), "{hostname}");
    assert!(
        rows.iter()
            .any(|r| r["address"] == hostname.as_str() && r["path"].as_str().is_some()),
        "{rows:?}"
    );
    assert!(
        rows.iter()
            .any(|r| r["path"].as_str() == Some("etc/tor/torrc")),
        "{rows:?}"
    );
    // Same input, same bytes.
    let again = exhibit()
        .args(["darknet", "--json"])
        .arg(&root)
        .output()
        .unwrap();
    assert_eq!(out.stdout, again.stdout);
}

#[test]
fn darknet_on_a_shared_image_runs_clean() {
    exhibit()
        .args(["darknet"])
        .arg(common::disk("ext2.E01"))
        .assert()
        .success();
}

#[test]
fn triage_records_darknet_artefacts_as_findings() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().join("phone-dump");
    let hs = root.join("data/tor/hidden_service");
    std::fs::create_dir_all(&hs).unwrap();
    let mut hostname = String::new();
    for (name, bytes) in exhibit_darknet::onion_service_files([9u8; 32]) {
        if name == "hostname" {
            hostname = String::from_utf8_lossy(&bytes).trim().to_string();
        }
        std::fs::write(hs.join(name), bytes).unwrap();
    }
    let case = tmp.path().join("case");
    exhibit()
        .args(["triage", "-q", "--case"])
        .arg(&case)
        .arg(&root)
        .assert()
        .success();
    let out = exhibit()
        .args(["findings", "--type", "darknet", "--json"])
        .arg(&case)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains(&hostname), "{hostname} not in {text}");
}
