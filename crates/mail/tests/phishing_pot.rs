//! Real phishing mails (rf-peixoto/phishing_pot), checked by hand: the
//! origin IP and the authentication verdicts of the receiving server.

mod common;

use std::net::IpAddr;

use exhibit_mail::{authentication, parse_message, route};

struct Case {
    file: &'static str,
    origin: &'static str,
    /// The receiving server's (spf, dkim, dmarc) verdicts.
    verdicts: [&'static str; 3],
    /// Text expected in the origin's explanation.
    how: &'static str,
}

const CASES: &[Case] = &[
    // Sent through Gmail's SMTP from 20.97.213.223; Gmail relayed it to
    // Outlook from 209.85.160.178, which is the first hop outside
    // Microsoft's infrastructure.
    Case {
        file: "sample-1000.eml",
        origin: "209.85.160.178",
        verdicts: ["pass", "pass", "pass"],
        how: "first hop outside",
    },
    // An "otto.de newsletter" from a host with a random HELO name;
    // SPF softfail for winner-win.art, DMARC fail for newsletter.otto.de.
    Case {
        file: "sample-1040.eml",
        origin: "80.96.157.86",
        verdicts: ["softfail", "none", "fail"],
        how: "first hop outside",
    },
    // A hop stamped a day before Outlook got it (SPF temperror: the
    // envelope domain does not exist); the sender's own
    // server (HELO ekpfwr728-abhiy-ekpfwr728) connected from 174.138.52.254.
    Case {
        file: "sample-1080.eml",
        origin: "174.138.52.254",
        verdicts: ["temperror", "none", "fail"],
        how: "first hop outside",
    },
    // HELO "outlook.com" from 41.85.176.17: a relay of Microsoft's would
    // give its host name, not the bare domain. A forged name, said so.
    Case {
        file: "sample-920.eml",
        origin: "41.85.176.17",
        verdicts: ["softfail", "none", "fail"],
        how: "forged name",
    },
    // The same trick a year later, from 77.25.22.121.
    Case {
        file: "sample-3640.eml",
        origin: "77.25.22.121",
        verdicts: ["softfail", "none", "fail"],
        how: "forged name",
    },
];

#[test]
fn pinned_origins_and_verdicts() {
    let Some(dir) = common::testdata() else {
        return;
    };
    for case in CASES {
        let raw = std::fs::read(dir.join("phishing_pot").join(case.file)).unwrap();
        let msg = parse_message(&raw).unwrap();
        let r = route(&msg);
        let origin = r
            .origin
            .as_ref()
            .unwrap_or_else(|| panic!("{}: no origin", case.file));
        assert_eq!(
            origin.ip,
            case.origin.parse::<IpAddr>().unwrap(),
            "{}",
            case.file
        );
        assert!(!origin.private, "{}", case.file);
        assert!(
            origin.how.contains(case.how),
            "{}: {}",
            case.file,
            origin.how
        );
        let auth = authentication(&msg, None);
        let top = auth.results.first().unwrap();
        assert!(top.trusted);
        let verdict = |m: &str| {
            top.results
                .iter()
                .find(|r| r.method == m)
                .map(|r| r.result.as_str())
                .unwrap_or("-")
        };
        assert_eq!(
            [verdict("spf"), verdict("dkim"), verdict("dmarc")],
            case.verdicts,
            "{}",
            case.file
        );
    }
}

#[test]
fn sample_1000_keeps_the_sender_side_ip_as_a_labelled_alternative() {
    let Some(dir) = common::testdata() else {
        return;
    };
    let raw = std::fs::read(dir.join("phishing_pot/sample-1000.eml")).unwrap();
    let r = route(&parse_message(&raw).unwrap());
    let ip: IpAddr = "20.97.213.223".parse().unwrap();
    let alt = r.other_origins.iter().find(|o| o.ip == ip).unwrap();
    assert!(alt.how.contains("earliest public IP"), "{}", alt.how);
}

#[test]
fn every_sample_has_readable_authentication() {
    let Some(dir) = common::testdata() else {
        return;
    };
    let mut with_results = 0;
    let mut total = 0;
    for path in common::files_under(&dir.join("phishing_pot")) {
        let raw = std::fs::read(&path).unwrap();
        let msg = parse_message(&raw).unwrap();
        total += 1;
        if !authentication(&msg, None).results.is_empty() {
            with_results += 1;
        }
    }
    // The README: Authentication-Results in 99 % of them.
    assert!(with_results * 100 >= total * 98, "{with_results}/{total}");
}
