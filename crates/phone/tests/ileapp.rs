//! Acceptance: WhatsApp iOS records read from iLEAPP's test extractions
//! equal iLEAPP's recorded results, field by field (time, sender,
//! recipient, text, attachment names, location; call times, direction,
//! peer; contact fields). Every difference is named in the failure message.

use exhibit_phone::{read_extraction, Direction, Extraction};
use serde_json::Value;

const DIR: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../../shared/testdata/mobile/ileapp-whatsapp-ios"
);

fn read(zip: &str) -> Extraction {
    read_extraction(format!("{DIR}/data/{zip}")).unwrap()
}

fn expected(name: &str) -> Vec<Vec<Value>> {
    let s = std::fs::read_to_string(format!("{DIR}/results/{name}")).unwrap();
    let v: Value = serde_json::from_str(&s).unwrap();
    v["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r.as_array().unwrap().clone())
        .collect()
}

fn s(v: &Value) -> String {
    match v {
        Value::Null => String::new(),
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// Compares two multisets of rows and names what only one side has.
fn diff(what: &str, mut ours: Vec<String>, mut theirs: Vec<String>) -> Vec<String> {
    ours.sort();
    theirs.sort();
    let mut out = Vec::new();
    for t in &theirs {
        if let Some(i) = ours.iter().position(|o| o == t) {
            ours.remove(i);
        } else {
            out.push(format!("{what}: iLEAPP has, Exhibit lacks: {t}"));
        }
    }
    for o in ours {
        out.push(format!("{what}: Exhibit has, iLEAPP lacks: {o}"));
    }
    out
}

#[test]
fn whatsapp_messages_match_ileapp() {
    let x = read("testdata.whatsApp.whatsAppMessages.josh_ios15_ffs.zip");
    assert!(x.warnings.is_empty(), "{:?}", x.warnings);
    let want = expected("whatsApp.whatsAppMessages.josh_ios15_ffs.20250621193412.json");
    assert_eq!(want.len(), 32);
    assert_eq!(x.messages.len(), 32);
    let theirs: Vec<String> = want
        .iter()
        .map(|r| {
            let att = s(&r[6]).trim_start_matches("mock_hash_for_").to_string();
            let loc = if s(&r[11]).is_empty() {
                String::new()
            } else {
                format!("{},{}", s(&r[11]), s(&r[12]))
            };
            format!(
                "t={} from={}|{} to={}|{} text={} att={} loc={}",
                s(&r[0]),
                s(&r[1]),
                s(&r[2]),
                s(&r[3]),
                s(&r[4]),
                s(&r[5]),
                att,
                loc
            )
        })
        .collect();
    let ours: Vec<String> = x
        .messages
        .iter()
        .map(|m| {
            let out = m.direction == Direction::Outgoing;
            let (fname, fid) = match (&m.sender, out) {
                (_, true) => ("Local User".to_string(), String::new()),
                (Some(p), false) => (p.name.clone().unwrap_or_default(), p.id.clone()),
                (None, false) => (String::new(), String::new()),
            };
            let (tname, tid) = match (&m.recipient, out) {
                (Some(p), true) => (p.name.clone().unwrap_or_default(), p.id.clone()),
                (Some(p), false) => ("Local User".to_string(), p.id.clone()),
                (None, true) => (String::new(), String::new()),
                (None, false) => ("Local User".to_string(), String::new()),
            };
            let att = m
                .attachments
                .iter()
                .filter_map(|a| a.name.clone())
                .collect::<Vec<_>>()
                .join(",");
            let loc = m
                .location
                .map(|(a, b)| format!("{a},{b}"))
                .unwrap_or_default();
            format!(
                "t={} from={fname}|{fid} to={tname}|{tid} text={} att={att} loc={loc}",
                m.time.unwrap().as_second(),
                m.text.clone().unwrap_or_default(),
            )
        })
        .collect();
    let d = diff("message", ours, theirs);
    assert!(d.is_empty(), "differences:\n{}", d.join("\n"));
    // Attachments point at the container's Message/ folder.
    let a = x
        .messages
        .iter()
        .flat_map(|m| &m.attachments)
        .next()
        .unwrap();
    assert!(a
        .path
        .as_deref()
        .unwrap()
        .starts_with("filesystem2/mobile/Containers/Shared/AppGroup/694FBBC5-2E69-480A-A25B-FF8CC038BEF8/Message/Media/"));
    // Provenance and hashes of the originals.
    assert!(x
        .messages
        .iter()
        .all(|m| m.provenance.table == "ZWAMESSAGE"
            && m.provenance.file.ends_with("ChatStorage.sqlite")));
    let src: Vec<&str> = x.sources.iter().map(|s| s.path.as_str()).collect();
    assert_eq!(src.len(), 2, "{src:?}"); // database + (empty) -wal
    assert!(x.sources.iter().all(|s| s.sha256.len() == 64));
}

#[test]
fn whatsapp_calls_match_ileapp() {
    let x = read("testdata.whatsApp.whatsAppCallHistory.josh_ios15_ffs.zip");
    assert!(x.warnings.is_empty(), "{:?}", x.warnings);
    let want = expected("whatsApp.whatsAppCallHistory.josh_ios15_ffs.20250621193412.json");
    assert_eq!(x.calls.len(), 4);
    let theirs: Vec<String> = want
        .iter()
        .map(|r| {
            let digits: String = s(&r[7]).chars().filter(char::is_ascii_digit).collect();
            format!(
                "{} {} {} {} {} {}",
                s(&r[0]),
                s(&r[1]),
                s(&r[3]),
                s(&r[5]),
                s(&r[6]),
                digits
            )
        })
        .collect();
    let ours: Vec<String> = x
        .calls
        .iter()
        .map(|c| {
            let t = c.time.unwrap();
            // iLEAPP's end time is the exact start plus the duration, cut to seconds.
            let end = (t.as_nanosecond() as f64 / 1e9 + c.duration.unwrap()).floor() as i64;
            let t = t.as_second();
            let p = &c.peers[0];
            // iLEAPP writes the address-book form; compare the digits.
            let digits: String = p
                .phone
                .as_deref()
                .unwrap_or("")
                .chars()
                .filter(char::is_ascii_digit)
                .collect();
            let digits = digits.strip_prefix('1').unwrap_or(&digits).to_string();
            format!(
                "{t} {} {} {} {} {digits}",
                end,
                if c.direction == Direction::Incoming {
                    "Incoming"
                } else {
                    "Outgoing"
                },
                p.id,
                p.name.clone().unwrap_or_default(),
            )
        })
        .collect();
    let d = diff("call", ours, theirs);
    assert!(d.is_empty(), "differences:\n{}", d.join("\n"));
    assert!(x.calls.iter().all(|c| !c.missed));
}

#[test]
fn whatsapp_contacts_match_ileapp() {
    let x = read("testdata.whatsApp.whatsAppContacts.josh_ios15_ffs.zip");
    assert!(x.warnings.is_empty(), "{:?}", x.warnings);
    let want = expected("whatsApp.whatsAppContacts.josh_ios15_ffs.20250621193412.json");
    assert_eq!(x.contacts.len(), 9);
    let theirs: Vec<String> = want
        .iter()
        .map(|r| (0..7).map(|i| s(&r[i])).collect::<Vec<_>>().join("|"))
        .collect();
    let ours: Vec<String> = x
        .contacts
        .iter()
        .map(|c| {
            [
                c.name.clone().unwrap_or_default(),
                c.about.clone().unwrap_or_default(),
                c.about_time
                    .map(|t| t.as_second().to_string())
                    .unwrap_or_default(),
                c.phone.clone().unwrap_or_default(),
                c.label.clone().unwrap_or_default(),
                c.id.clone().unwrap_or_default(),
                c.book_id.clone().unwrap_or_default(),
            ]
            .join("|")
        })
        .collect();
    let d = diff("contact", ours, theirs);
    assert!(d.is_empty(), "differences:\n{}", d.join("\n"));
}

#[test]
fn ctf_2023_image_has_no_whatsapp_records() {
    for zip in [
        "testdata.whatsApp.whatsAppCallHistory.mvs_ios_2023.zip",
        "testdata.whatsApp.whatsAppContacts.mvs_ios_2023.zip",
    ] {
        let x = read(zip);
        assert!(
            x.messages.is_empty() && x.calls.is_empty() && x.contacts.is_empty(),
            "{zip}"
        );
        assert!(x.warnings.is_empty(), "{zip}: {:?}", x.warnings);
        // Absolute member names (`/private/var/…`) are made relative.
        assert!(x
            .sources
            .iter()
            .all(|s| s.path.starts_with("private/var/mobile/")));
    }
}
