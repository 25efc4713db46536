//! Event logs: EVTX records carry id, provider, record number, times and
//! computer; curated events get plain names; record-number gaps in a log
//! are flagged.

mod common;

use std::collections::BTreeMap;

use exhibit_windows::{artefacts_from_file, curated_name};

fn read(rel: &str) -> Vec<u8> {
    std::fs::read(common::data_dir().join(rel)).unwrap()
}

#[test]
fn evtx_records_have_their_system_fields_and_curated_names() {
    let events = artefacts_from_file("System2.evtx", &read("evtx/System2.evtx")).unwrap();
    let first = events
        .iter()
        .find(|e| {
            e.fields.get("record_number").map(String::as_str) == Some("1")
                && e.time_desc == "created"
        })
        .expect("record 1");
    assert_eq!(first.kind, "evtx:4608 Windows starting up");
    assert_eq!(first.fields["event_id"], "4608");
    assert_eq!(
        first.fields["provider"],
        "Microsoft-Windows-Security-Auditing"
    );
    assert_eq!(first.fields["computer"], "37L4247E29-32");
    assert_eq!(first.time_us(), 1_438_999_577_078_125);
    let logon = events
        .iter()
        .find(|e| e.kind == "evtx:4624 logon" && e.time_desc == "created")
        .expect("a logon");
    assert!(
        logon.fields.contains_key("data.LogonType"),
        "{:?}",
        logon.fields
    );
    assert!(
        logon.description.contains("logon type"),
        "{}",
        logon.description
    );
    let created = events
        .iter()
        .find(|e| e.kind == "evtx:4720 account created")
        .expect("account created");
    assert!(
        created.description.contains("account "),
        "{}",
        created.description
    );
    assert_eq!(
        curated_name(4624, "Microsoft-Windows-Security-Auditing"),
        Some("logon")
    );
    assert_eq!(
        curated_name(7045, "Service Control Manager"),
        Some("service installed")
    );
    assert_eq!(
        curated_name(1102, "Microsoft-Windows-Eventlog"),
        Some("security log cleared")
    );
    assert_eq!(
        curated_name(
            1149,
            "Microsoft-Windows-TerminalServices-RemoteConnectionManager"
        ),
        Some("RDP user authenticated")
    );
    assert_eq!(
        curated_name(1116, "Microsoft-Windows-Windows Defender"),
        Some("Defender detected malware")
    );
    assert_eq!(curated_name(9999, "x"), None);
}

#[test]
fn evt_record_removed_from_the_middle_is_flagged_as_a_gap() {
    let data = read("evtx/SysEvent.Evt");
    let events = artefacts_from_file("SysEvent.Evt", &data).unwrap();
    // Record number → offsets where a copy of it lies.
    let mut copies: BTreeMap<u64, Vec<usize>> = BTreeMap::new();
    for e in events
        .iter()
        .filter(|e| e.kind.starts_with("evt:") && e.time_desc == "written")
    {
        let n: u64 = e.fields["record_number"].parse().unwrap();
        let off = e.location.rsplit("0x").next().unwrap();
        copies
            .entry(n)
            .or_default()
            .push(usize::from_str_radix(off, 16).unwrap());
    }
    assert!(events
        .iter()
        .any(|e| e.kind == "evt:7036 service state changed"));
    let numbers: Vec<u64> = copies.keys().copied().collect();
    let mid = numbers[numbers.len() / 2];
    let victim = (mid..)
        .find(|n| {
            copies.get(n).map(Vec::len) == Some(1)
                && copies.contains_key(&(n - 1))
                && copies.contains_key(&(n + 1))
        })
        .unwrap();
    let mut edited = data.clone();
    let at = copies[&victim][0] + 4;
    edited[at..at + 4].copy_from_slice(b"XXXX");
    let after = artefacts_from_file("SysEvent.Evt", &edited).unwrap();
    let gap = after
        .iter()
        .find(|e| e.kind == "log:record-gap" && e.fields["before"] == (victim - 1).to_string())
        .expect("gap flagged");
    assert_eq!(gap.fields["after"], (victim + 1).to_string());
    assert_eq!(gap.fields["missing"], "1");
}
