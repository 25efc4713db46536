//! WHOIS text parsing against samples written for this crate (`tests/data/whois`).

use exhibit_ioc::whois::parse;
use exhibit_ioc::{Error, ObjectClass, RedactionSource, Registration};

fn sample(name: &str) -> Registration {
    let path = format!("{}/tests/data/whois/{name}", env!("CARGO_MANIFEST_DIR"));
    parse(&std::fs::read_to_string(path).unwrap()).unwrap()
}

#[test]
fn gtld_with_registrar_abuse_contact() {
    let r = sample("gtld_redacted.txt");
    assert_eq!(r.object_class, ObjectClass::Domain);
    assert_eq!(r.name.as_deref(), Some("kasikorn-verify-online.com"));
    assert_eq!(r.handle.as_deref(), Some("2871234567_DOMAIN_COM-VRSN"));
    let rar = r.registrar.as_ref().unwrap();
    assert_eq!(rar.name.as_deref(), Some("Example Registrar, LLC"));
    assert_eq!(rar.iana_id.as_deref(), Some("9999"));
    assert_eq!(
        rar.url.as_deref(),
        Some("http://www.example-registrar.test")
    );
    assert_eq!(r.abuse_emails(), ["abuse@example-registrar.test"]);
    assert_eq!(r.status, ["clientTransferProhibited", "clientHold"]);
    assert_eq!(
        r.nameservers,
        ["ns1.bulletproof-dns.test", "ns2.bulletproof-dns.test"]
    );
    let ts = |a: &str| r.event(a).unwrap().timestamp.unwrap().to_string();
    assert_eq!(ts("registration"), "2024-03-01T22:41:09Z");
    assert_eq!(ts("expiration"), "2025-03-01T22:41:09Z");
    assert_eq!(ts("last changed"), "2024-03-05T08:12:44Z");
    assert_eq!(r.events.len(), 3, "the legal notice after >>> is ignored");
}

#[test]
fn gtld_placeholders_are_redactions() {
    let r = sample("gtld_registrar.txt");
    assert_eq!(r.name.as_deref(), Some("thai-lottery-win.online"));
    assert_eq!(
        r.registrar.as_ref().unwrap().iana_id.as_deref(),
        Some("8888")
    );
    assert_eq!(
        r.event("expiration")
            .unwrap()
            .timestamp
            .unwrap()
            .to_string(),
        "2025-06-10T23:59:59Z"
    );
    let red: Vec<_> = r.redactions.iter().map(|x| x.name.as_str()).collect();
    assert_eq!(
        red,
        [
            "Registry Registrant ID",
            "Registrant Name",
            "Registrant Organization",
            "Registrant Street",
            "Registrant City",
            "Registrant Postal Code",
            "Registrant Phone",
            "Registrant Email",
            "Admin Name",
            "Admin Email"
        ]
    );
    assert!(r
        .redactions
        .iter()
        .all(|x| x.source == RedactionSource::Placeholder));
    let registrant = r.contacts_with_role("registrant").next().unwrap();
    assert_eq!(registrant.name, None);
    assert_eq!(registrant.org, None);
    assert!(registrant.emails.is_empty());
    assert_eq!(registrant.address.as_deref(), Some("Bangkok"));
    assert_eq!(registrant.country.as_deref(), Some("TH"));
    assert!(
        r.contacts_with_role("administrative").next().is_none(),
        "nothing but placeholders"
    );
    let tech = r.contacts_with_role("technical").next().unwrap();
    assert_eq!(tech.org.as_deref(), Some("Example Hosting Co., Ltd."));
    assert_eq!(tech.emails, ["hostmaster@example-hosting.test"]);
    assert_eq!(
        tech.address.as_deref(),
        Some("99 Rama IV Road, Bangkok, 10110")
    );
}

#[test]
fn ripe_inetnum_with_role_objects() {
    let r = sample("ripe_inetnum.txt");
    assert_eq!(r.object_class, ObjectClass::IpNetwork);
    assert_eq!(r.name.as_deref(), Some("EXAMPLE-HOSTING-NET"));
    let range = r.ip_range.as_ref().unwrap();
    assert_eq!(range.start.as_deref(), Some("198.51.100.0"));
    assert_eq!(range.end.as_deref(), Some("198.51.100.255"));
    assert_eq!(r.country.as_deref(), Some("NL"));
    assert_eq!(r.network_type.as_deref(), Some("ASSIGNED PA"));
    assert_eq!(
        r.descriptions,
        ["Example Hosting VPS network", "Amsterdam data centre"]
    );
    assert_eq!(r.abuse_emails(), ["abuse@hoster-example.test"]);
    let org = r.contacts_with_role("registrant").next().unwrap();
    assert_eq!(org.handle.as_deref(), Some("ORG-EH1-RIPE"));
    assert_eq!(org.name.as_deref(), Some("Example Hosting B.V."));
    let noc = r.contacts_with_role("technical").next().unwrap();
    assert_eq!(noc.handle.as_deref(), Some("EH123-RIPE"));
    assert_eq!(noc.roles, ["administrative", "technical"]);
    // Dates of the inetnum only: not the organisation's, not the route's.
    assert_eq!(r.events.len(), 2);
    assert_eq!(r.event("registration").unwrap().raw, "2019-04-02T09:15:30Z");
}

#[test]
fn apnic_inet6num_and_irt() {
    let r = sample("apnic_inet6num.txt");
    let range = r.ip_range.as_ref().unwrap();
    assert_eq!(range.cidrs, ["2001:db8:1200::/40"]);
    assert_eq!(range.start.as_deref(), Some("2001:db8:1200::"));
    assert_eq!(range.version.as_deref(), Some("v6"));
    assert_eq!(r.country.as_deref(), Some("VN"));
    assert_eq!(
        r.abuse_emails(),
        ["abuse@isp-example.test", "security@isp-example.test"]
    );
    let admin = r.contacts_with_role("administrative").next().unwrap();
    assert_eq!(admin.name.as_deref(), Some("Nguyen Van Test"));
    assert_eq!(admin.phones, ["+84-24-0000-0000"]);
}

#[test]
fn arin_netrange() {
    let r = sample("arin_net.txt");
    assert_eq!(r.handle.as_deref(), Some("NET-203-0-113-0-1"));
    assert_eq!(r.name.as_deref(), Some("EXAMPLE-CLOUD-1"));
    let range = r.ip_range.as_ref().unwrap();
    assert_eq!(
        (range.start.as_deref(), range.end.as_deref()),
        (Some("203.0.113.0"), Some("203.0.113.255"))
    );
    assert_eq!(range.cidrs, ["203.0.113.0/24"]);
    assert_eq!(r.parent_handle.as_deref(), Some("NET-203-0-0-0-0"));
    assert_eq!(r.country.as_deref(), Some("US"));
    let org = r.contacts_with_role("registrant").next().unwrap();
    assert_eq!(
        (org.name.as_deref(), org.handle.as_deref()),
        (Some("Example Cloud Inc."), Some("ECI-42"))
    );
    assert_eq!(
        org.address.as_deref(),
        Some("100 Example Way, Seattle, WA, 98101")
    );
    assert_eq!(r.abuse_emails(), ["abuse@cloud-example.test"]);
    assert_eq!(
        r.abuse_contacts().next().unwrap().handle.as_deref(),
        Some("ABUSE1234-ARIN")
    );
    // The network's dates, not the organisation's (ARIN repeats the keys).
    assert_eq!(r.events.len(), 2);
    assert_eq!(
        r.event("registration").unwrap().date.unwrap().to_string(),
        "2016-05-12"
    );
    assert_eq!(
        r.event("registration").unwrap().timestamp,
        None,
        "date only"
    );
}

#[test]
fn jpnic_bracket_keys() {
    let r = sample("jpnic_bracket.txt");
    assert_eq!(r.object_class, ObjectClass::IpNetwork);
    assert_eq!(r.name.as_deref(), Some("EXAMPLE-JP-NET"));
    assert_eq!(r.ip_range.as_ref().unwrap().cidrs, ["192.0.2.0/24"]);
    assert_eq!(r.nameservers, ["ns1.example.jp"]);
    let admin = r.contacts_with_role("administrative").next().unwrap();
    assert_eq!(admin.handle.as_deref(), Some("EJ001JP"));
    assert_eq!(
        r.event("last changed").unwrap().date.unwrap().to_string(),
        "2020-10-05"
    );
}

#[test]
fn cctld_th_with_redacted_holder() {
    let r = sample("cctld_th.txt");
    assert_eq!(r.name.as_deref(), Some("mobile-payment-th.co.th"));
    assert_eq!(r.registrar.as_ref().unwrap().name.as_deref(), Some("THNIC"));
    assert_eq!(
        r.event("registration").unwrap().date.unwrap().to_string(),
        "2023-12-15"
    );
    assert_eq!(
        r.event("expiration").unwrap().date.unwrap().to_string(),
        "2024-12-14"
    );
    let red: Vec<_> = r.redactions.iter().map(|x| x.name.as_str()).collect();
    assert_eq!(red, ["Domain Holder Organization", "Domain Holder Street"]);
    assert_eq!(r.status, ["ACTIVE"]);
    let tech = r.contacts_with_role("technical").next().unwrap();
    assert_eq!(tech.handle.as_deref(), Some("12345"));
}

#[test]
fn rpsl_aut_num_with_abuse_comment_only() {
    let text = "% Abuse contact for 'AS64500' is 'abuse@as-example.test'\n\n\
                aut-num:        AS64500\n\
                as-name:        EXAMPLE-AS\n\
                descr:          Example transit\n\
                country:        TH\n\
                created:        2010-02-03T04:05:06Z\n\
                source:         APNIC\n";
    let r = parse(text).unwrap();
    assert_eq!(r.object_class, ObjectClass::Autnum);
    assert_eq!(r.handle.as_deref(), Some("AS64500"));
    assert_eq!(r.name.as_deref(), Some("EXAMPLE-AS"));
    let asn = r.asn_range.unwrap();
    assert_eq!((asn.start, asn.end), (64500, 64500));
    assert_eq!(r.country.as_deref(), Some("TH"));
    assert_eq!(r.abuse_emails(), ["abuse@as-example.test"]);
}

#[test]
fn garbage_is_an_error_or_a_partial_result_never_a_panic() {
    assert!(matches!(parse(""), Err(Error::NotWhois(_))));
    assert!(matches!(
        parse("hello world\nno keys here"),
        Err(Error::NotWhois(_))
    ));
    assert!(matches!(
        parse("Foo: bar\nBaz: qux"),
        Err(Error::NotWhois(_))
    ));
    let dir = format!("{}/tests/data/whois", env!("CARGO_MANIFEST_DIR"));
    let mut x: u32 = 7;
    for e in std::fs::read_dir(dir).unwrap() {
        let text = std::fs::read_to_string(e.unwrap().path()).unwrap();
        for cut in 0..text.len() {
            if text.is_char_boundary(cut) {
                let _ = parse(&text[..cut]);
            }
        }
        let mut bytes = text.into_bytes();
        for _ in 0..200 {
            x = x.wrapping_mul(1_103_515_245).wrapping_add(12345);
            let i = (x >> 8) as usize % bytes.len();
            bytes[i] = (x >> 24) as u8;
            let _ = parse(&String::from_utf8_lossy(&bytes));
        }
    }
    let _ = parse(&":".repeat(100_000));
    let _ = parse(&"[".repeat(100_000));
    let _ = parse(&"a. [".repeat(10_000));

    // Many blocks, references and name servers: must stay fast.
    let mut big = String::from("inetnum: 10.0.0.0 - 10.255.255.255\n");
    for i in 0..20_000 {
        big.push_str(&format!("admin-c: H{i}\nnserver: ns{i}.example.com\n"));
    }
    for i in 0..20_000 {
        big.push_str(&format!("\nperson: P{i}\nnic-hdl: H{i}\n"));
    }
    let start = std::time::Instant::now();
    let r = parse(&big).unwrap();
    assert!(start.elapsed().as_secs() < 20);
    assert_eq!(r.contacts.len(), 20_000);
    assert_eq!(r.nameservers.len(), 20_000);
}
