//! Lookalike detection against the bundled example list of protected names:
//! positives name the protected name and the technique; negatives (the
//! protected names themselves, their subdomains, unrelated real domains)
//! give nothing.

use exhibit_osint::domain::Psl;
use exhibit_osint::lookalike::{Lookalikes, Technique};
use exhibit_osint::PROTECTED_EXAMPLE;

fn checker() -> Lookalikes {
    let l = Lookalikes::new(
        "protected-example.txt",
        PROTECTED_EXAMPLE.lines(),
        Psl::bundled(),
    );
    assert!(l.warnings().is_empty(), "{:?}", l.warnings());
    assert!(l.protected().count() >= 20);
    l
}

#[test]
fn positives() {
    use Technique::*;
    let l = checker();
    let cases: &[(&str, &str, Technique)] = &[
        ("pаypal.com", "paypal.com", Confusable), // Cyrillic а
        ("xn--pypal-4ve.com", "paypal.com", Confusable), // the same, punycode
        ("аррӏе.com", "apple.com", Confusable),   // all Cyrillic
        ("gооgle.com", "google.com", Confusable), // Cyrillic о о
        ("paypa1.com", "paypal.com", Homoglyph),
        ("rnicrosoft.com", "microsoft.com", Homoglyph),
        ("g00gle.com", "google.com", Homoglyph),
        ("micr0soft-support.com", "microsoft.com", AddedWords),
        (
            "bangkokbank-secure-login.com",
            "bangkokbank.com",
            AddedWords,
        ),
        ("secure-kasikornbank.com", "kasikornbank.com", AddedWords),
        ("vietcombank-online.com", "vietcombank.com.vn", AddedWords),
        ("scb-login.com", "scb.co.th", AddedWords),
        ("ktb-verify.co.th", "ktb.co.th", AddedWords),
        ("govph-login.com", "gov.ph", AddedWords),
        ("bangkokbank.net", "bangkokbank.com", OtherTld),
        ("scb.com", "scb.co.th", OtherTld),
        ("bca.com", "bca.co.id", OtherTld),
        ("krungthai.co.th", "krungthai.com", OtherTld),
        ("paypl.com", "paypal.com", MissingLetter),
        ("kasikornbnk.com", "kasikornbank.com", MissingLetter),
        ("mybank.com.my", "maybank.com.my", MissingLetter),
        ("paypall.com", "paypal.com", DoubledLetter),
        ("micrrosoft.com", "microsoft.com", DoubledLetter),
        ("papyal.com", "paypal.com", SwappedLetters),
        ("bnagkokbank.com", "bangkokbank.com", SwappedLetters),
        ("paypak.com", "paypal.com", AdjacentKey),
        ("krumgthai.com", "krungthai.com", AdjacentKey),
        ("pay-pal.com", "paypal.com", Hyphenated),
        ("bangkok-bank.com", "bangkokbank.com", Hyphenated),
        ("gov-ph.com", "gov.ph", Hyphenated),
        ("krungthal.com", "krungthai.com", ReplacedLetter),
        ("vietcombamk.com.vn", "vietcombank.com.vn", AdjacentKey),
        ("vietconbnak.com", "vietcombank.com.vn", EditDistance),
        (
            "paypal.com.verify-account.net",
            "paypal.com",
            ProtectedInSubdomain,
        ),
        (
            "scb.co.th.secure-update.xyz",
            "scb.co.th",
            ProtectedInSubdomain,
        ),
        ("paypal.example-hosting.com", "paypal.com", BrandInSubdomain),
    ];
    assert!(cases.len() >= 20);
    let mut failures = Vec::new();
    for (candidate, protected, technique) in cases {
        let found = l.check(candidate);
        let hit = found
            .iter()
            .find(|f| f.protected.as_deref() == Some(*protected) && f.technique == *technique);
        match hit {
            Some(f) => {
                assert!(f.score > 0.5 && f.score <= 1.0, "{candidate}: {f:?}");
                assert!(!f.reason.is_empty());
            }
            None => failures.push(format!(
                "{candidate}: expected {technique:?} of {protected}, got {found:#?}"
            )),
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn negatives() {
    let l = checker();
    let cases = [
        // The protected names themselves and their subdomains.
        "bangkokbank.com",
        "www.bangkokbank.com",
        "ibanking.bangkokbank.com",
        "paypal.com",
        "www.paypal.com.",
        "PayPal.COM",
        "login.microsoft.com",
        "krungthai.com",
        "ktb.co.th",
        "www.scb.co.th",
        "dbs.com.sg",
        "www.dbs.com.sg",
        "e-services.gov.ph",
        "maybank2u.com.my",
        "vietcombank.com.vn",
        // Unrelated real names.
        "example.com",
        "wikipedia.org",
        "bbc.co.uk",
        "github.com",
        "scbx.com",
        "abc.com",
        "ttbbank.com",
        "line.me",
        "grab.com",
        "agoda.com",
        "thairath.co.th",
        "microsolutions.com",
        "食狮.中国",
        "ภาษาไทย.com",
        "bücher.de",
        "co.th",
        "not a domain",
    ];
    assert!(cases.len() >= 20);
    let mut failures = Vec::new();
    for candidate in cases {
        let found = l.check(candidate);
        if !found.is_empty() {
            failures.push(format!("{candidate}: {found:#?}"));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn mixed_script_alone_and_ordering() {
    let l = checker();
    // No protected name imitated, but a label mixing Latin and Cyrillic.
    let found = l.check("bаnk-example.org");
    assert_eq!(found.len(), 1, "{found:#?}");
    assert_eq!(found[0].technique, Technique::MixedScript);
    assert!(found[0].protected.is_none());
    assert!(found[0].reason.contains("Cyrillic"), "{}", found[0].reason);
    // Best first; the same input gives the same order.
    let a = l.check("pаypal.com");
    assert_eq!(a[0].technique, Technique::Confusable);
    assert!(a.windows(2).all(|w| w[0].score >= w[1].score));
    assert_eq!(a, l.check("pаypal.com"));
    assert!(l.is_protected("mobile.krungthai.com"));
    assert!(!l.is_protected("krungthai.net"));
}

#[test]
fn protected_list_from_file_with_bad_lines() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("banks.txt");
    std::fs::write(
        &path,
        "# banks\nbangkokbank.com\n\nnot a domain!\nscb.co.th # comment\n",
    )
    .unwrap();
    let l = Lookalikes::load(&[&path], Psl::bundled()).unwrap();
    assert_eq!(
        l.protected().collect::<Vec<_>>(),
        ["bangkokbank.com", "scb.co.th"]
    );
    assert_eq!(l.warnings().len(), 1);
    assert_eq!(
        (l.warnings()[0].list.as_str(), l.warnings()[0].line),
        ("banks.txt", 4)
    );
}
