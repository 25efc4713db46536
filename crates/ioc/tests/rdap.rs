//! RDAP parsing against the saved responses in `shared/testdata/osint/rdap`
//! (icann/icann-rdap test files). Expected values were read from the JSON by hand.

use exhibit_ioc::rdap::{parse, RdapResponse};
use exhibit_ioc::{Error, ObjectClass, RedactionSource, Registration};

const DIR: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../../shared/testdata/osint/rdap"
);

fn read(name: &str) -> Vec<u8> {
    std::fs::read(format!("{DIR}/{name}")).unwrap()
}

fn object(name: &str) -> Registration {
    match parse(&read(name)).unwrap() {
        RdapResponse::Object { registration } => *registration,
        other => panic!("{name}: not an object: {other:?}"),
    }
}

fn files() -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(DIR)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".json"))
        .collect();
    v.sort();
    v
}

#[test]
fn every_file_parses_as_the_right_kind() {
    let files = files();
    assert!(files.len() >= 11, "{files:?}");
    for f in &files {
        let r = parse(&read(f)).unwrap_or_else(|e| panic!("{f}: {e}"));
        let kind = match &r {
            RdapResponse::Object { .. } => "object",
            RdapResponse::Search { .. } => "search",
            RdapResponse::Error { .. } => "error",
            RdapResponse::Help { .. } => "help",
        };
        let want = if f.starts_with("error") {
            "error"
        } else if f.starts_with("help") {
            "help"
        } else if f.contains("search") || f.starts_with("domains_") || f.starts_with("entities_") {
            "search"
        } else {
            "object"
        };
        assert_eq!(kind, want, "{f}");
    }
}

#[test]
fn afnic_domain() {
    let r = object("domain_afnic_fr.json");
    assert_eq!(r.object_class, ObjectClass::Domain);
    assert_eq!(r.handle.as_deref(), Some("DOM000000181261-FRNIC"));
    assert_eq!(r.name.as_deref(), Some("afnic.fr"));
    let rar = r.registrar.as_ref().unwrap();
    assert_eq!(rar.name.as_deref(), Some("Registry Operations"));
    assert_eq!(rar.handle.as_deref(), Some("RAR939-FRNIC"));
    assert_eq!(rar.iana_id.as_deref(), Some("9999"));
    let ev = |a: &str| r.event(a).unwrap().timestamp.unwrap().to_string();
    assert_eq!(ev("registration"), "2001-12-10T23:00:00Z");
    assert_eq!(ev("expiration"), "2029-07-18T08:26:59Z");
    assert_eq!(ev("last changed"), "2022-09-28T11:21:02Z");
    assert_eq!(ev("transfer"), "2017-07-18T08:26:59Z");
    assert_eq!(r.nameservers, ["ns2.nic.fr", "ns1.nic.fr", "ns3.nic.fr"]);
    assert_eq!(r.status, ["active"]);
    // The name servers' own registrar entities are not the domain's contacts.
    assert_eq!(r.contacts.len(), 5);
    let registrant = r.contacts_with_role("registrant").next().unwrap();
    assert_eq!(registrant.handle.as_deref(), Some("AFNI30-FRNIC"));
    assert_eq!(
        registrant.name.as_deref(),
        Some("ASS FRANC NOMMAGE INTERNET EN COOP")
    );
    assert_eq!(registrant.org, None, "empty org is no org");
    assert_eq!(registrant.emails, ["contact@nic.fr"]);
    assert_eq!(registrant.phones, ["+33.139308300", "+33.139308301"]);
    assert_eq!(registrant.country.as_deref(), Some("FR"));
    let admin = r.contacts_with_role("administrative").next().unwrap();
    assert_eq!(admin.name.as_deref(), Some("David Chansard"));
    assert_eq!(admin.org.as_deref(), Some("AFNIC"));
    assert_eq!(admin.emails, ["david.chansard@nic.fr"]);
    let tech: Vec<_> = r
        .contacts_with_role("technical")
        .filter_map(|c| c.handle.as_deref())
        .collect();
    assert_eq!(tech, ["JP-FRNIC", "VL-FRNIC"]);
    assert!(r.redactions.is_empty());
}

#[test]
fn arin_network() {
    let r = object("network_192_198_0_0.json");
    assert_eq!(r.object_class, ObjectClass::IpNetwork);
    assert_eq!(r.handle.as_deref(), Some("NET-192-198-0-0-1"));
    assert_eq!(r.name.as_deref(), Some("RADIOLINK-ARIN-1"));
    let range = r.ip_range.as_ref().unwrap();
    assert_eq!(range.start.as_deref(), Some("192.198.0.0"));
    assert_eq!(range.end.as_deref(), Some("192.198.3.255"));
    assert_eq!(range.version.as_deref(), Some("v4"));
    assert_eq!(range.cidrs, ["192.198.0.0/22"]);
    assert_eq!(r.network_type.as_deref(), Some("DIRECT ALLOCATION"));
    assert_eq!(r.parent_handle.as_deref(), Some("NET-192-0-0-0-0"));
    // The response has no `country` member; ARIN gives it as the last line
    // of the registrant's address label.
    assert_eq!(r.country, None);
    let org = r.contacts_with_role("registrant").next().unwrap();
    assert_eq!(org.name.as_deref(), Some("Radio Link Internet"));
    assert_eq!(org.handle.as_deref(), Some("DP-41"));
    assert_eq!(org.country.as_deref(), Some("United States"));
    assert_eq!(
        org.address.as_deref(),
        Some("8162 SW 81st St, Ellendale, MN, 56026, United States")
    );
    // The abuse contact is nested inside the registrant entity (and repeated at the top).
    let nested = r
        .abuse_contacts()
        .find(|c| c.parent.as_deref() == Some("DP-41"))
        .unwrap();
    assert_eq!(nested.handle.as_deref(), Some("PETSI-ARIN"));
    assert_eq!(r.abuse_emails(), ["daniel.petsinger@radiolinkinternet.com"]);
    let reg = r.event("registration").unwrap();
    assert_eq!(reg.raw, "2013-01-31T18:11:17-05:00");
    assert_eq!(reg.timestamp.unwrap().to_string(), "2013-01-31T23:11:17Z");
}

#[test]
fn amazon_autnum() {
    let r = object("autnum_16509.json");
    assert_eq!(r.object_class, ObjectClass::Autnum);
    assert_eq!(r.handle.as_deref(), Some("AS16509"));
    assert_eq!(r.name.as_deref(), Some("AMAZON-02"));
    let asn = r.asn_range.unwrap();
    assert_eq!((asn.start, asn.end), (16509, 16509));
    assert_eq!(r.abuse_emails(), ["abuse@amazonaws.com"]);
    let abuse = r.abuse_contacts().next().unwrap();
    assert_eq!(abuse.handle.as_deref(), Some("AEA8-ARIN"));
    assert_eq!(abuse.parent.as_deref(), Some("AMAZON-4"));
    let holder = r.contacts_with_role("registrant").next().unwrap();
    assert_eq!(holder.name.as_deref(), Some("Amazon.com, Inc."));
    assert_eq!(
        r.event("registration").unwrap().date.unwrap().to_string(),
        "2000-05-04"
    );
}

#[test]
fn redactions_rfc9537() {
    let r = object("lookup_with_redaction.json");
    assert_eq!(r.name.as_deref(), Some("example.com"));
    assert_eq!(r.handle, None, "the handle was removed by policy");
    let rar = r.registrar.as_ref().unwrap();
    assert_eq!(rar.name.as_deref(), Some("Example Registrar Inc."));
    assert_eq!(rar.iana_id.as_deref(), Some("1"));
    assert_eq!(r.abuse_emails(), ["abuse@organization.example"]);
    assert_eq!(r.redactions.len(), 14);
    assert!(r
        .redactions
        .iter()
        .all(|x| x.source == RedactionSource::Rfc9537));
    let first = &r.redactions[0];
    assert_eq!(first.name, "Registry Domain ID");
    assert_eq!(first.reason.as_deref(), Some("Server policy"));
    assert_eq!(first.method.as_deref(), Some("removal"));
    assert_eq!(first.path.as_deref(), Some("$.handle"));
    let name = r
        .redactions
        .iter()
        .find(|x| x.name == "Registrant Name")
        .unwrap();
    assert_eq!(name.method.as_deref(), Some("emptyValue"));
    let fax = r
        .redactions
        .iter()
        .find(|x| x.name == "Technical Fax")
        .unwrap();
    assert_eq!(
        (fax.method.as_deref(), fax.reason.as_deref()),
        (None, Some("Client request"))
    );
    let registrant = r.contacts_with_role("registrant").next().unwrap();
    assert_eq!(registrant.name, None, "empty fn is no name");
    assert_eq!(registrant.address.as_deref(), Some("QC, Canada"));
    assert_eq!(r.event("expiration").unwrap().raw, "2021-06-03T04:00:00Z");
}

#[test]
fn search_results() {
    let RdapResponse::Search {
        member, results, ..
    } = parse(&read("domain_search_with_redaction.json")).unwrap()
    else {
        panic!("not a search")
    };
    assert_eq!(member, "domainSearchResults");
    let names: Vec<_> = results.iter().filter_map(|r| r.name.as_deref()).collect();
    assert_eq!(names, ["example1.com", "example2.com"]);
    // `name.type` in one, `name.description` in the other: both read.
    assert!(results
        .iter()
        .all(|r| r.redactions[0].name == "Registry Domain ID"));

    let RdapResponse::Search { results, .. } = parse(&read("entities_fn_arin.json")).unwrap()
    else {
        panic!("not a search")
    };
    assert_eq!(results.len(), 266);
    let whole = parse(&read("entities_fn_arin.json")).unwrap();
    assert_eq!(whole.registrations().len(), 266);
    assert_eq!(results[0].object_class, ObjectClass::Entity);
    assert_eq!(results[0].name.as_deref(), Some("ARIN Routing Security"));

    let RdapResponse::Search { results, .. } =
        parse(&read("domains_ldhname_ns1_arin_net.json")).unwrap()
    else {
        panic!("not a search")
    };
    assert_eq!(results.len(), 30);
    assert_eq!(results[0].name.as_deref(), Some("252.149.192.in-addr.arpa"));
    assert!(results[0].nameservers.contains(&"ns1.arin.net".to_string()));
}

#[test]
fn nameserver_entity_error_help() {
    let ns = object("nameserver_ns1_nic_fr.json");
    assert_eq!(ns.object_class, ObjectClass::Nameserver);
    assert_eq!(ns.name.as_deref(), Some("ns1.nic.fr"));
    assert_eq!(ns.ip_addresses, ["192.134.4.1", "2001:67c:2218:2::4:1"]);

    let e = object("entity_arin_hostmaster.json");
    assert_eq!(e.object_class, ObjectClass::Entity);
    assert_eq!(e.name.as_deref(), Some("Registration Services Department"));
    assert_eq!(e.contacts[0].emails, ["hostmaster@arin.net"]);

    match parse(&read("error_ripe_net.json")).unwrap() {
        RdapResponse::Error {
            code,
            title,
            description,
        } => {
            assert_eq!(code, Some(501));
            assert_eq!(title.as_deref(), Some("501 Not Implemented"));
            assert_eq!(description, ["Nameserver not supported"]);
        }
        other => panic!("{other:?}"),
    }
    match parse(&read("help_nic_fr.json")).unwrap() {
        RdapResponse::Help { notices } => {
            assert_eq!(notices.len(), 2);
            assert_eq!(notices[1].title.as_deref(), Some("USE"));
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn placeholders_in_vcards_are_redactions() {
    let json = br#"{"objectClassName":"domain","ldhName":"Example.COM.","entities":[{"objectClassName":"entity",
      "roles":["registrant"],"vcardArray":["vcard",[["version",{},"text","4.0"],
      ["fn",{},"text","REDACTED FOR PRIVACY"],["org",{},"text","Data Protected"],
      ["email",{},"text","jane@example.com"],["tel",{},"uri","tel:+1.5555550100"]]]}]}"#;
    let RdapResponse::Object { registration: r } = parse(json).unwrap() else {
        panic!()
    };
    assert_eq!(
        r.name.as_deref(),
        Some("example.com"),
        "LDH names are normalised"
    );
    let c = &r.contacts[0];
    assert_eq!((c.name.as_deref(), c.org.as_deref()), (None, None));
    assert_eq!(c.emails, ["jane@example.com"]);
    assert_eq!(c.phones, ["+1.5555550100"]);
    let names: Vec<_> = r
        .redactions
        .iter()
        .map(|x| (x.name.as_str(), x.source))
        .collect();
    assert_eq!(
        names,
        [
            ("registrant fn", RedactionSource::Placeholder),
            ("registrant org", RedactionSource::Placeholder)
        ]
    );
}

#[test]
fn malformed_input_is_an_error_not_a_panic() {
    assert!(matches!(
        parse(b"{\"objectClassName\": "),
        Err(Error::Json(_))
    ));
    assert!(matches!(parse(b"[1,2]"), Err(Error::NotRdap(_))));
    assert!(matches!(parse(b"{\"foo\": 1}"), Err(Error::NotRdap(_))));
    assert!(matches!(
        parse(b"{\"domainSearchResults\": 3}"),
        Err(Error::NotRdap(_))
    ));
    let msg = parse(b"{\"a\": tru}").unwrap_err().to_string();
    assert!(msg.contains("line 1"), "{msg}");
    // Every prefix of every file, and a few bit flips: no panic.
    for f in files() {
        let data = read(&f);
        let step = (data.len() / 97).max(1);
        for cut in (0..data.len()).step_by(step) {
            let _ = parse(&data[..cut]);
        }
        for i in (0..data.len()).step_by(step) {
            let mut d = data.clone();
            d[i] ^= 0x20;
            let _ = parse(&d);
        }
    }
    // Odd but valid JSON shapes.
    for j in [
        r#"{"objectClassName":"entity","vcardArray":"x","entities":{"a":1},"events":[1,{"eventAction":3}]}"#,
        r#"{"objectClassName":"domain","entities":[{"vcardArray":["vcard",[[],[1],["fn"],["adr",{"label":7},"text",[[[[[[["deep"]]]]]]]]]]}]}"#,
        r#"{"objectClassName":"ip network","cidr0_cidrs":[{"v4prefix":"1.2.3.0"}],"startAutnum":-1,"endAutnum":1e99}"#,
        r#"{"errorCode":"x"}"#,
        r#"{"rdapConformance":[]}"#,
    ] {
        parse(j.as_bytes()).unwrap();
    }
    let mut deep = String::new();
    for _ in 0..10_000 {
        deep.push_str(r#"{"objectClassName":"entity","entities":["#);
    }
    assert!(
        parse(deep.as_bytes()).is_err(),
        "serde_json's recursion limit"
    );
}
