//! Every checksummed address `exhibit_wallets`' reference finder sees in a
//! buffer is found by the scanner at the same offset, plain and in UTF-16.

mod common;

use common::*;
use exhibit_scan::{Kind, ScanConfig};
use exhibit_wallets::Confidence;

const ADDRS: &[&str] = &[
    "1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa",
    "16w1D5WRVKJuZUsSRzdLp9w3YGcgoxDXb",
    "3CWFddi6m4ndiGyKqzYvsFYagqDLPVMTzC",
    "bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq",
    "bc1pw508d6qejxtdg4y5r3zarvary0c5xw7kw508d6qejxtdg4y5r3zarvary0c5xw7k7grplx",
    "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed",
    "bitcoincash:qpm2qsznhks23z7629mms6s4cwef74vcwvy22gdx6a",
    "qr95sy3j9xwd2ap32xkykttr4cvcu7as4y0qverfuy",
    "9szghg3GN35i7zk8aci6gE76QQ68YsqaJTcSxJ5f6iUsTnYUZrPrh3CecdoQbGNi8HNoamaJZUne3iVqYve5kCH42a5e3qZ",
    "rHb9CJAWyB4rj91VRWn96DkukG4bwdtyTh",
];

#[test]
fn same_as_reference_finder() {
    let mut text = String::new();
    for (k, a) in ADDRS.iter().enumerate() {
        let sep = [" ", "\n", "(", "\"", ":", "/", "=", "<b>"][k % 8];
        text.push_str(&format!("wallet{sep}{a}{sep}end "));
    }
    let reference: Vec<(usize, String)> = exhibit_wallets::scan_str(&text)
        .into_iter()
        .filter(|(_, _, a)| a.confidence() == Confidence::Checksum)
        .map(|(o, _, a)| (o, a.normalized().to_string()))
        .collect();
    assert!(reference.len() >= ADDRS.len() - 1, "{reference:?}");
    let fs = scan(text.as_bytes(), &ScanConfig::default()).0;
    let got: Vec<(usize, String)> = of(&fs, Kind::Wallet)
        .into_iter()
        .filter(|f| f.validated)
        .map(|f| (f.offset as usize, f.normalized.clone()))
        .collect();
    for r in &reference {
        assert!(got.contains(r), "{r:?} missing from {got:?}");
    }
    // and in UTF-16
    let fs = scan(&utf16le(&text), &ScanConfig::default()).0;
    let n = of(&fs, Kind::Wallet)
        .into_iter()
        .filter(|f| f.validated && f.encoding == Some("utf16le"))
        .count();
    assert_eq!(n, reference.len());
}

#[test]
fn shape_only_inside_base64_is_dropped() {
    // a 44-character base58 run between '+' and '/', as in base64
    let t = b"QUJD+9WzDXwBbmkg8ZTbNMqUxvQRAyrZzDsGYdLVL9zYtAWWM/QUJD";
    let fs = scan(t, &ScanConfig::default()).0;
    assert!(of(&fs, Kind::Wallet).is_empty(), "{fs:?}");
    let fs = scan(
        b"sol 9WzDXwBbmkg8ZTbNMqUxvQRAyrZzDsGYdLVL9zYtAWWM here",
        &ScanConfig::default(),
    )
    .0;
    let w = of(&fs, Kind::Wallet);
    assert_eq!(w.len(), 1);
    assert!(!w[0].validated, "Solana keys carry no checksum");
}
