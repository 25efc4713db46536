//! Acceptance: prefetch run counts and last-run times, shortcut targets,
//! recycle-bin original paths and SAM account names match plaso's values
//! for the same records.

mod common;

use std::collections::BTreeSet;

use exhibit_windows::{artefacts_from_path, Event};

fn ours(rel: &str) -> Vec<Event> {
    artefacts_from_path(&common::data_dir().join(rel), rel).unwrap()
}

fn plaso_of(data_type: &str) -> Vec<serde_json::Value> {
    common::plaso_events()
        .into_iter()
        .filter(|e| e["data_type"] == data_type)
        .collect()
}

#[test]
fn prefetch_run_counts_and_last_run_times_match_plaso() {
    let want: Vec<_> = plaso_of("windows:prefetch:execution")
        .into_iter()
        .filter(|e| e["timestamp_desc"] == "Last Time Executed")
        .collect();
    assert_eq!(want.len(), 5);
    for w in want {
        let file = w["file"].as_str().unwrap();
        let events = ours(file);
        let last = events
            .iter()
            .find(|e| e.kind == "prefetch:run" && e.time_desc == "last run")
            .unwrap_or_else(|| panic!("{file}: no last run"));
        assert_eq!(
            last.time_us(),
            w["timestamp_us"].as_i64().unwrap(),
            "{file}"
        );
        assert_eq!(
            last.fields["run_count"],
            w["run_count"].to_string(),
            "{file}"
        );
        assert_eq!(
            last.fields["executable"],
            w["executable"].as_str().unwrap(),
            "{file}"
        );
    }
}

#[test]
fn shortcut_targets_match_plaso() {
    let want: BTreeSet<(String, String)> = plaso_of("windows:lnk:link")
        .into_iter()
        .filter_map(|e| {
            let p = e["local_path"].as_str()?.replace("\\\\", "\\");
            Some((e["file"].as_str()?.to_string(), p))
        })
        .collect();
    assert!(want.len() >= 5, "{want:?}");
    let files: BTreeSet<&String> = want.iter().map(|(f, _)| f).collect();
    let mut have = BTreeSet::new();
    for f in files {
        for e in ours(f) {
            if e.kind == "lnk:target" {
                if let Some(p) = e.fields.get("local_path") {
                    have.insert((f.clone(), p.clone()));
                }
            }
        }
    }
    let missing: Vec<_> = want.difference(&have).collect();
    assert!(missing.is_empty(), "missing targets: {missing:?}");
}

#[test]
fn recycle_bin_original_paths_match_plaso() {
    let want: BTreeSet<(String, String, i64)> = plaso_of("windows:metadata:deleted_item")
        .into_iter()
        .map(|e| {
            (
                e["file"].as_str().unwrap().to_string(),
                e["original_filename"].as_str().unwrap().to_string(),
                e["timestamp_us"].as_i64().unwrap(),
            )
        })
        .collect();
    assert_eq!(want.len(), 5);
    let mut have = BTreeSet::new();
    for f in ["recycler/INFO2", "recycler/$I103S5F.jpg"] {
        for e in ours(f) {
            have.insert((
                f.to_string(),
                e.fields["original_path"].clone(),
                e.time_us(),
            ));
        }
    }
    assert_eq!(want, have);
}

#[test]
fn sam_account_names_and_times_match_plaso() {
    let plaso = plaso_of("windows:registry:sam_users");
    let want: BTreeSet<String> = plaso
        .iter()
        .filter_map(|e| {
            let m = e["message"].as_str()?;
            let rest = m.split("Username: ").nth(1)?;
            Some(rest.split(" Full name:").next()?.to_string())
        })
        .collect();
    assert!(want.contains("Administrator"), "{want:?}");
    let events = ours("registry/SAM");
    let have: BTreeSet<String> = events
        .iter()
        .filter(|e| e.kind.starts_with("sam:"))
        .map(|e| e.fields["username"].clone())
        .collect();
    assert!(want.is_subset(&have), "plaso {want:?} ours {have:?}");
    let logons: BTreeSet<i64> = plaso
        .iter()
        .filter(|e| e["timestamp_desc"] == "Last Login Time")
        .map(|e| e["timestamp_us"].as_i64().unwrap())
        .collect();
    let our_logons: BTreeSet<i64> = events
        .iter()
        .filter(|e| e.kind == "sam:last-logon")
        .map(Event::time_us)
        .collect();
    assert_eq!(logons, our_logons);
}
