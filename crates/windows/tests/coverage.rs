//! Acceptance: for every file in the shared Windows test data, we extract
//! at least 95% of the events plaso extracts, matched by source file,
//! timestamp (microseconds) and kind of event.

mod common;

use std::collections::BTreeMap;

use exhibit_windows::{artefacts_from_dir, Event};

/// plaso's (data_type, timestamp_desc) → the comparison class.
fn plaso_class(data_type: &str, desc: &str) -> Option<&'static str> {
    Some(match (data_type, desc) {
        ("windows:evt:record", "Creation Time") => "evt created",
        ("windows:evt:record", "Content Modification Time") => "evt written",
        ("windows:evtx:record", "Creation Time") => "evtx created",
        ("windows:evtx:record", "Content Modification Time") => "evtx written",
        ("windows:registry:userassist", "Last Time Executed") => "userassist run",
        ("windows:registry:userassist", "Not a time") => "userassist no time",
        ("windows:registry:office_mru", _) => "office mru",
        ("windows:registry:sam_users", "Last Login Time") => "sam logon",
        ("windows:registry:sam_users", "Last Password Set Time") => "sam password",
        (d, "Content Modification Time") if d.starts_with("windows:registry:") => "key written",
        ("windows:shell_item:file_entry", "Content Modification Time") => "shell modified",
        ("windows:shell_item:file_entry", "Creation Time") => "shell created",
        ("windows:shell_item:file_entry", "Last Access Time") => "shell accessed",
        ("windows:lnk:link", "Content Modification Time") => "lnk modified",
        ("windows:lnk:link", "Creation Time") => "lnk created",
        ("windows:lnk:link", "Last Access Time") => "lnk accessed",
        ("windows:distributed_link_tracking:creation", _) => "tracker",
        ("olecf:dest_list:entry", _) => "destlist",
        ("olecf:item", _) => "olecf root",
        ("windows:prefetch:execution", "Last Time Executed") => "prefetch last",
        ("windows:prefetch:execution", "Previous Last Time Executed") => "prefetch previous",
        ("windows:volume:creation", _) => "volume created",
        ("windows:metadata:deleted_item", _) => "recycled",
        ("windows:setupapi:log:line", "Added Time") => "setupapi start",
        ("windows:setupapi:log:line", "End Time") => "setupapi end",
        (d, "Last Visited Time") if d.ends_with("page_visited") || d.contains("visit") => "visit",
        ("chrome:history:file_downloaded", _) => "download",
        ("firefox:places:bookmark", "Added Time") => "bookmark added",
        ("firefox:places:bookmark", "Content Modification Time") => "bookmark modified",
        ("firefox:places:bookmark_folder", "Added Time") => "folder added",
        ("firefox:places:bookmark_folder", "Content Modification Time") => "folder modified",
        ("firefox:places:bookmark_annotation", "Added Time") => "annotation added",
        ("firefox:places:bookmark_annotation", "Content Modification Time") => {
            "annotation modified"
        }
        _ => return None,
    })
}

/// Our (kind, time_desc) → the comparison class.
fn our_class(e: &Event) -> Option<&'static str> {
    let k = e.kind.as_str();
    let d = e.time_desc.as_str();
    Some(match (k, d) {
        (k, "created") if k.starts_with("evt:") => "evt created",
        (k, "written") if k.starts_with("evt:") => "evt written",
        ("evtx:written", "written") => "evtx written",
        (k, "created") if k.starts_with("evtx:") => "evtx created",
        ("registry:userassist", "last run") => "userassist run",
        ("registry:userassist", _) => "userassist no time",
        ("registry:office-mru", _) => "office mru",
        ("sam:last-logon", _) => "sam logon",
        ("sam:password-set", _) => "sam password",
        (k, "written") if k.starts_with("registry:") && k != "registry:key-deleted" => {
            "key written"
        }
        ("sam:account", "written") => "key written",
        ("shellitem:file", "modified") => "shell modified",
        ("shellitem:file", "created") => "shell created",
        ("shellitem:file", "accessed") => "shell accessed",
        ("lnk:target", "modified") => "lnk modified",
        ("lnk:target", "created") => "lnk created",
        ("lnk:target", "accessed") => "lnk accessed",
        ("lnk:tracker-created", _) => "tracker",
        ("jumplist:entry", _) => "destlist",
        ("olecf:root-modified", _) => "olecf root",
        ("prefetch:run", "last run") => "prefetch last",
        ("prefetch:run", "previous run") => "prefetch previous",
        ("prefetch:volume-created", _) => "volume created",
        ("recycle:deleted", _) => "recycled",
        (k, "started") if k.starts_with("setupapi:") => "setupapi start",
        (k, "ended") if k.starts_with("setupapi:") => "setupapi end",
        ("browser:visit", _) => "visit",
        ("browser:download", _) => "download",
        ("browser:bookmark", "added") => "bookmark added",
        ("browser:bookmark", "modified") => "bookmark modified",
        ("browser:bookmark-folder", "added") => "folder added",
        ("browser:bookmark-folder", "modified") => "folder modified",
        ("browser:bookmark-annotation", "added") => "annotation added",
        ("browser:bookmark-annotation", "modified") => "annotation modified",
        _ => return None,
    })
}

type Key = (String, i64, &'static str);

#[test]
fn coverage_against_plaso_is_at_least_95_percent_per_file() {
    let plaso = common::plaso_events();
    let mut want: BTreeMap<Key, usize> = BTreeMap::new();
    let mut unmapped: BTreeMap<(String, String), usize> = BTreeMap::new();
    let mut per_file_total: BTreeMap<String, usize> = BTreeMap::new();
    for e in &plaso {
        let file = e["file"].as_str().unwrap().to_string();
        let dt = e["data_type"].as_str().unwrap();
        let desc = e["timestamp_desc"].as_str().unwrap();
        let ts = e["timestamp_us"].as_i64().unwrap();
        *per_file_total.entry(file.clone()).or_default() += 1;
        match plaso_class(dt, desc) {
            Some(c) => *want.entry((file, ts, c)).or_default() += 1,
            None => {
                *unmapped
                    .entry((dt.to_string(), desc.to_string()))
                    .or_default() += 1
            }
        }
    }
    let (ours, errors) = artefacts_from_dir(&common::data_dir()).unwrap();
    for e in &errors {
        println!("error: {e}");
    }
    let mut have: BTreeMap<Key, usize> = BTreeMap::new();
    for e in &ours {
        if let Some(c) = our_class(e) {
            *have.entry((e.source.clone(), e.time_us(), c)).or_default() += 1;
        }
    }
    let mut matched: BTreeMap<String, usize> = BTreeMap::new();
    let mut missing: BTreeMap<(String, &'static str), usize> = BTreeMap::new();
    for ((file, ts, class), n) in &want {
        let got = have.get(&(file.clone(), *ts, *class)).copied().unwrap_or(0);
        *matched.entry(file.clone()).or_default() += got.min(*n);
        if got < *n {
            *missing.entry((file.clone(), class)).or_default() += n - got;
        }
    }
    println!("{:<60} {:>7} {:>7} {:>7}", "file", "plaso", "ours", "cover");
    let mut failures = Vec::new();
    for (file, total) in &per_file_total {
        let m = matched.get(file).copied().unwrap_or(0);
        let ours_n = ours.iter().filter(|e| &e.source == file).count();
        let pct = 100.0 * m as f64 / *total as f64;
        println!("{file:<60} {total:>7} {ours_n:>7} {pct:>6.1}%");
        if pct < 95.0 {
            failures.push(format!("{file}: {pct:.1}%"));
        }
    }
    for ((file, class), n) in &missing {
        println!("not covered: {file}: {class} ×{n}");
    }
    for ((dt, desc), n) in &unmapped {
        println!("kind with no mapping: {dt} / {desc} ×{n}");
    }
    assert!(failures.is_empty(), "below 95%: {failures:?}");
}

#[test]
fn folder_timeline_is_deterministic_and_sorted() {
    let (a, _) = artefacts_from_dir(&common::data_dir()).unwrap();
    let (b, _) = artefacts_from_dir(&common::data_dir()).unwrap();
    assert_eq!(a, b);
    assert!(a.windows(2).all(|w| w[0].time <= w[1].time));
}
