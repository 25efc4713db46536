//! `exhibit crypto`: flows and clusters from Bitcoin ledger files.

mod common;

use std::path::PathBuf;

use common::exhibit;

fn btc(name: &str) -> Option<PathBuf> {
    let p = PathBuf::from(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../shared/testdata/crypto/btc"
    ))
    .join(name);
    if p.is_file() {
        Some(p)
    } else {
        eprintln!("note: {} not found; test skipped", p.display());
        None
    }
}

#[test]
fn flows_of_an_early_address() {
    let Some(f) = btc("bitcoinj_first-100k-blocks.dat") else {
        return;
    };
    let out = exhibit()
        .args(["crypto", "flows", "--json", "--address"])
        .arg("12cbQLTFMXRnSzktFkuoG3eHoMeFtpTu3S")
        .arg(&f)
        .assert()
        .success();
    let v: serde_json::Value = serde_json::from_slice(&out.get_output().stdout).unwrap();
    assert_eq!(v["received"].as_array().unwrap().len(), 6);
    assert_eq!(v["spent"].as_array().unwrap().len(), 5);
    // The first spend: block 170, 10 BTC to Hal Finney, 40 BTC back.
    let first = &v["spent"][0];
    assert_eq!(
        first["txid"],
        "f4184fc596403b9d638783cf57adfe4c75c605f6356fbc91338530e9831e9e16"
    );
    assert_eq!(first["value"], 5_000_000_000u64);
    // Same input, same bytes.
    let again = exhibit()
        .args(["crypto", "flows", "--json", "--address"])
        .arg("12cbQLTFMXRnSzktFkuoG3eHoMeFtpTu3S")
        .arg(&f)
        .assert()
        .success();
    assert_eq!(again.get_output().stdout, out.get_output().stdout);
}

#[test]
fn damaged_ledger_is_an_error_naming_the_offset() {
    let Some(f) = btc("bitcoinj_first-100k-blocks.dat") else {
        return;
    };
    let tmp = tempfile::tempdir().unwrap();
    let cut = tmp.path().join("blk00000.dat");
    let data = std::fs::read(&f).unwrap();
    std::fs::write(&cut, &data[..data.len() / 2]).unwrap();
    let out = exhibit()
        .args(["crypto", "cluster"])
        .arg(&cut)
        .assert()
        .failure();
    let err = String::from_utf8_lossy(&out.get_output().stderr).to_string();
    assert!(
        err.contains("blk00000.dat") && err.contains("offset"),
        "{err}"
    );
    assert!(!err.contains("panicked"), "{err}");
}
