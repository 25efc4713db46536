//! Watchlists: typed and untyped files, NSRL-style CSV, normalisation, hits
//! naming the list file and line, deterministic order.

use exhibit_osint::watchlist::{ListKind, Watchlists};
use std::path::Path;

fn write(dir: &Path, name: &str, text: &str) -> std::path::PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, text).unwrap();
    p
}

fn lines(hits: &[exhibit_osint::watchlist::Hit]) -> Vec<(String, usize)> {
    hits.iter().map(|h| (h.list.clone(), h.line)).collect()
}

#[test]
fn untyped_list_classified_by_shape() {
    let dir = tempfile::tempdir().unwrap();
    let mixed = write(
        dir.path(),
        "case42-iocs.txt",
        "# IOCs from the complaint\n\
         d41d8cd98f00b204e9800998ecf8427e\n\
         Scammer@Evil-Mail.example\n\
         hxxps://login-bank[.]example/verify?id=1\n\
         203.0.113.0/24 bulletproof hoster\n\
         2001:db8::66\n\
         +66 81 234 5678\n\
         evil.example.\n\
         1BvBMSEYstWetqTFn5Au4m4GFg7xJaNVN2\n\
         0x52908400098527886E0F7030069857D2E4169EE7\n\
         bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq\n\
         ???\n",
    );
    let w = Watchlists::load(&[&mixed]).unwrap();
    assert_eq!(w.warnings().len(), 1, "{:?}", w.warnings());
    assert_eq!(w.warnings()[0].line, 12);
    let one = |kind, value: &str| -> Vec<(String, usize)> { lines(&w.matches(kind, value)) };
    let l = |n| vec![("case42-iocs.txt".to_string(), n)];
    assert_eq!(
        one(ListKind::Hash, "D41D8CD98F00B204E9800998ECF8427E"),
        l(2)
    );
    assert_eq!(one(ListKind::Email, "scammer@evil-mail.example"), l(3));
    assert_eq!(
        one(ListKind::Url, "https://LOGIN-BANK.example/verify?id=1"),
        l(4)
    );
    assert!(one(ListKind::Url, "https://login-bank.example/verify?id=2").is_empty());
    assert_eq!(one(ListKind::Ip, "203.0.113.77"), l(5));
    assert_eq!(
        w.matches(ListKind::Ip, "203.0.113.77")[0].note.as_deref(),
        Some("bulletproof hoster")
    );
    assert_eq!(one(ListKind::Ip, "2001:db8::66"), l(6));
    assert!(one(ListKind::Ip, "2001:db8::67").is_empty());
    assert_eq!(one(ListKind::Phone, "66812345678"), l(7));
    assert_eq!(one(ListKind::Phone, "+66-81-234-5678"), l(7));
    // A listed domain matches its subdomains, trailing dots and case aside.
    assert_eq!(one(ListKind::Domain, "evil.example"), l(8));
    assert_eq!(one(ListKind::Domain, "WWW.Evil.Example."), l(8));
    assert!(one(ListKind::Domain, "notevil.example").is_empty());
    assert!(one(ListKind::Domain, "example").is_empty());
    // Base58 is case-sensitive; 0x hex and Bech32 are not.
    assert_eq!(
        one(ListKind::Wallet, "1BvBMSEYstWetqTFn5Au4m4GFg7xJaNVN2"),
        l(9)
    );
    assert!(one(ListKind::Wallet, "1bvbmseystwetqtfn5au4m4gfg7xjanvn2").is_empty());
    assert_eq!(
        one(
            ListKind::Wallet,
            "0x52908400098527886e0f7030069857d2e4169ee7"
        ),
        l(10)
    );
    assert_eq!(
        one(
            ListKind::Wallet,
            "BC1QAR0SRRR7XFKVY5L643LYDNW9RE59GTZZWF5MDQ"
        ),
        l(11)
    );
}

#[test]
fn typed_lists_and_order() {
    let dir = tempfile::tempdir().unwrap();
    let a = write(
        dir.path(),
        "a-emails.txt",
        "# type: email\n# from the bank\nvictim.helper@example.com\nboss@example.com, CEO fraud\n",
    );
    let b = write(dir.path(), "b-domains.txt", "# type: domain\nexample.com\n");
    let c = write(
        dir.path(),
        "c-more-emails.txt",
        "# Type: E-Mail\n\nBOSS@example.com\n",
    );
    let phones = write(
        dir.path(),
        "phones.txt",
        "# type: phone\n+855 12 345 678, call-centre scam\n081-234-5678\n",
    );
    let w = Watchlists::load(&[&a, &b, &c, &phones]).unwrap();
    assert!(w.warnings().is_empty(), "{:?}", w.warnings());
    let hits = w.matches(ListKind::Email, "Boss@Example.com");
    assert_eq!(
        lines(&hits),
        vec![("a-emails.txt".into(), 4), ("c-more-emails.txt".into(), 3)]
    );
    assert_eq!(hits[0].entry, "boss@example.com");
    assert_eq!(hits[0].note.as_deref(), Some("CEO fraud"));
    assert_eq!(hits[0].kind, ListKind::Email);
    // Phone numbers on digits only: the leading + is optional.
    let p = w.matches(ListKind::Phone, "85512345678");
    assert_eq!(lines(&p), vec![("phones.txt".into(), 2)]);
    assert_eq!(p[0].note.as_deref(), Some("call-centre scam"));
    assert_eq!(
        lines(&w.matches(ListKind::Phone, "0812345678")),
        vec![("phones.txt".into(), 3)]
    );
    // Same answer every time.
    assert_eq!(w.matches(ListKind::Email, "boss@example.com"), hits);
    assert_eq!(w.counts().len(), 4);
}

#[test]
fn unknown_type_is_an_error_naming_file_and_line() {
    let dir = tempfile::tempdir().unwrap();
    let bad = write(dir.path(), "bad.txt", "# comment\n# type: shoes\nx\n");
    let err = Watchlists::load(&[&bad]).unwrap_err().to_string();
    assert!(err.contains("bad.txt:2"), "{err}");
    let missing = dir.path().join("missing.txt");
    let err = Watchlists::load(&[&missing]).unwrap_err().to_string();
    assert!(err.contains("missing.txt"), "{err}");
}

#[test]
fn nsrl_csv_and_known_good() {
    let dir = tempfile::tempdir().unwrap();
    let nsrl = write(
        dir.path(),
        "NSRLFile.txt",
        "\"SHA-1\",\"MD5\",\"CRC32\",\"FileName\",\"FileSize\",\"ProductCode\",\"OpSystemCode\",\"SpecialCode\"\n\
         \"0000002D9D62AEBE1E0E9DB6C4C4C7C16A163D2C\",\"1D6EBB5A789ABD108FF578263E1F40F3\",\"FFFFFFFF\",\"_sfx_0024._p\",4109,21000,\"358\",\"\"\n\
         \"00000142988AFA836117B1B572FAE4713F200567\",\"9B3702B0E788C6D62996392FE3C9786A\",\"05E566DF\",\"J0180794.JPG\",32768,18266,\"358\",\"\"\n",
    );
    let bad = write(
        dir.path(),
        "bad-hashes.txt",
        "# type: hash\n9b3702b0e788c6d62996392fe3c9786a malware sample\n",
    );
    let mut w = Watchlists::load(&[&bad]).unwrap();
    w.add_file(&nsrl, Some(ListKind::KnownGood)).unwrap();
    assert!(w.warnings().is_empty(), "{:?}", w.warnings());
    let hits = w.matches(ListKind::Hash, "0000002d9d62aebe1e0e9db6c4c4c7c16a163d2c");
    assert_eq!(lines(&hits), vec![("NSRLFile.txt".into(), 2)]);
    assert_eq!(hits[0].kind, ListKind::KnownGood);
    assert_eq!(hits[0].note.as_deref(), Some("_sfx_0024._p"));
    assert!(w.is_known_good("1D6EBB5A789ABD108FF578263E1F40F3"));
    // On both lists: both hits, bad list first (load order).
    let both = w.matches(ListKind::Hash, "9B3702B0E788C6D62996392FE3C9786A");
    assert_eq!(
        lines(&both),
        vec![("bad-hashes.txt".into(), 2), ("NSRLFile.txt".into(), 3)]
    );
    assert_eq!(both[0].kind, ListKind::Hash);
    assert_eq!(both[1].kind, ListKind::KnownGood);
    // A CSV with a header and no type is a known-bad hash list.
    let csv = write(
        dir.path(),
        "vt-export.csv",
        "name,sha256\nevil.exe,a9c0220b1dadd1812fc4bbe137f495d2c3b88c7b33b5a4de545d201fd31b3bc0\n",
    );
    let w = Watchlists::load(&[&csv]).unwrap();
    let h = w.matches(
        ListKind::Hash,
        "A9C0220B1DADD1812FC4BBE137F495D2C3B88C7B33B5A4DE545D201FD31B3BC0",
    );
    assert_eq!(
        (h[0].line, h[0].kind, h[0].note.as_deref()),
        (2, ListKind::Hash, Some("evil.exe"))
    );
}
