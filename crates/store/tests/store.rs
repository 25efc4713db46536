//! The case store on both backends: schema, stage-scoped inserts, queries,
//! and moving a case between them.
//!
//! Each test body takes a [`Backend`] and runs twice: `sqlite::<name>` on a
//! temporary SQLite file and `postgres::<name>` in a fresh schema of the
//! database named by `EXHIBIT_TEST_POSTGRES` (e.g.
//! `postgres://postgres@127.0.0.1:55432/exhibit_test`); without it the
//! PostgreSQL variants print `SKIP` and pass.

#[macro_use]
mod backend;

use backend::Backend;
use exhibit_store::{
    copy_case, drop_schema, CaseStore, EnrichmentRow, EvidenceRow, FileFilter, FileKey, FileRow,
    FindingRow, MessageRow, PgStore, Record, SearchQuery, SqliteStore, StoreError, TagRow,
    TimelineRow, SCHEMA_VERSION,
};

on_both!(
    inserts_are_idempotent_and_queries_work,
    reopening_keeps_data_migrates_nothing_and_enforces_foreign_keys,
    search_finds_substrings_and_escapes_wildcards,
    messages_round_trip,
    text_orders_bytewise_and_folds_ascii_only,
    too_new_schema_is_refused,
    copy_case_round_trips_through_the_backend,
    copy_case_refuses_a_filled_store,
    large_batches_and_bulk_loads,
    threads_share_the_store,
    text_with_nul_is_stored,
);

fn evidence() -> EvidenceRow {
    EvidenceRow {
        id: "E1".into(),
        path: "/x/disk.E01".into(),
        container: "E01".into(),
        size: 1024,
        md5: Some("00".into()),
        sha1: None,
        sha256: None,
    }
}

fn file(path: &str, inode: &str, deleted: bool, mime: &str) -> FileRow {
    FileRow {
        id: 0,
        evidence: "E1".into(),
        key: FileKey {
            partition: 1,
            inode: inode.into(),
            path: path.into(),
        },
        fs: "ext2".into(),
        name_kind: "file".into(),
        deleted,
        size: 10,
        mode: 0o644,
        uid: 0,
        gid: 0,
        atime: None,
        mtime: Some("2020-01-01T00:00:00.000000000Z".into()),
        ctime: None,
        crtime: None,
        md5: Some("ab".into()),
        sha1: None,
        sha256: None,
        mime: Some(mime.into()),
        recovery: "certain".into(),
    }
}

fn event(f: &FileRow) -> TimelineRow {
    TimelineRow {
        time: f.mtime.clone().unwrap_or_default(),
        macb: "m...".into(),
        evidence: f.evidence.clone(),
        source: "ext2".into(),
        description: f.key.path.clone(),
        zone: None,
        file: Some(f.key.clone()),
        file_id: None,
    }
}

fn finding(value: &str, path: &str, file: Option<FileKey>) -> FindingRow {
    FindingRow {
        evidence: "E1".into(),
        kind: "email".into(),
        value: value.into(),
        normalized: value.to_lowercase(),
        path: path.into(),
        offset: 7,
        encoding: None,
        validated: false,
        context: None,
        file,
        file_id: None,
    }
}

fn message(f: &FileRow, sha256: &str, offset: u64) -> MessageRow {
    MessageRow {
        evidence: f.evidence.clone(),
        sha256: sha256.into(),
        location: format!("{}@{offset}", f.key.path),
        offset,
        size: 100,
        message_id: Some("<a@b>".into()),
        date: Some("2024-01-01T00:00:00.000000000Z".into()),
        date_zone: Some("+07:00".into()),
        sender: Some("a@b".into()),
        recipients: Some("c@d".into()),
        subject: Some("hi".into()),
        attachments: 0,
        analysis: None,
        file: Some(f.key.clone()),
        file_id: None,
    }
}

fn inserts_are_idempotent_and_queries_work(b: &Backend) {
    let store = b.open().unwrap();
    assert_eq!(b.schema_version(), SCHEMA_VERSION);
    store.put_evidence(&evidence()).unwrap();
    let files = vec![
        file("/a.txt", "12", false, "text/plain"),
        file("/b.jpg", "13", true, "image/jpeg"),
    ];
    let events: Vec<_> = files.iter().map(event).collect();
    assert_eq!(store.insert_files(&files, &events).unwrap(), 2);
    let findings = vec![
        finding("A@x.org", "100", Some(files[0].key.clone())),
        finding("a@x.org", "200", None),
        finding("b@x.org", "300", None),
    ];
    assert_eq!(store.insert_findings("scan", &findings).unwrap(), 3);
    let before = store.counts().unwrap();
    // A stage redone after clearing gives the same rows.
    store.clear_stage("E1", "scan").unwrap();
    assert_eq!(store.counts().unwrap().findings, 0);
    store.mark_stage("E1", "scan", "now").unwrap();
    // Clearing the files clears everything that hangs off them.
    store.clear_stage("E1", "files").unwrap();
    let c = store.counts().unwrap();
    assert_eq!((c.files, c.timeline, c.findings), (0, 0, 0));
    assert!(!store.stage_done("E1", "scan").unwrap());
    assert_eq!(store.insert_files(&files, &events).unwrap(), 2);
    // Files already present are ignored.
    assert_eq!(store.insert_files(&files, &[]).unwrap(), 0);
    assert_eq!(store.insert_findings("scan", &findings).unwrap(), 3);
    store.put_evidence(&evidence()).unwrap();
    assert_eq!(store.counts().unwrap(), before);
    let mut seen = Vec::new();
    store
        .each_finding("E1", &mut |_, f| seen.push((f.value, f.file)))
        .unwrap();
    assert_eq!(
        seen,
        [
            ("A@x.org".to_string(), Some(files[0].key.clone())),
            ("a@x.org".to_string(), None),
            ("b@x.org".to_string(), None)
        ]
    );
    let mut seen_events = Vec::new();
    store
        .each_event("E1", &mut |_, e| seen_events.push(e.file))
        .unwrap();
    assert_eq!(
        seen_events,
        [Some(files[0].key.clone()), Some(files[1].key.clone())]
    );
    assert_eq!(store.file_ids("E1").unwrap().len(), 2);
    assert_eq!(before.files, 2);
    assert_eq!(before.deleted, 1);
    assert_eq!(before.timeline, 2);
    assert_eq!(before.findings, 3);
    assert_eq!(store.evidence_counts("E1").unwrap(), before);
    assert_eq!(
        store.evidence_counts("E9").unwrap(),
        exhibit_store::Counts::default()
    );

    let h = store.histogram(None, None).unwrap();
    assert_eq!((h[0].value.as_str(), h[0].count), ("a@x.org", 2));
    assert_eq!(store.histogram(Some("email"), Some(1)).unwrap().len(), 1);
    assert!(store.histogram(Some("url"), None).unwrap().is_empty());
    // The per-kind totals and the distinct values agree with the histogram.
    let totals = store.kind_totals().unwrap();
    assert_eq!(
        totals
            .iter()
            .map(|f| (f.name.as_str(), f.count))
            .collect::<Vec<_>>(),
        [("email", 3)]
    );
    let mut values: Vec<(String, String)> = h
        .iter()
        .map(|r| (r.kind.clone(), r.value.clone()))
        .collect();
    values.sort();
    assert_eq!(store.finding_values().unwrap(), values);
    let matching = store
        .findings_matching(&[" A@X.ORG ".into(), "nobody@x.org".into()])
        .unwrap();
    assert_eq!(matching.len(), 1);
    assert_eq!(
        (matching[0].value.as_str(), matching[0].count),
        ("a@x.org", 2)
    );

    let deleted = store
        .files(&FileFilter {
            deleted_only: true,
            ..Default::default()
        })
        .unwrap();
    assert_eq!(deleted.len(), 1);
    assert_eq!(deleted[0].key.path, "/b.jpg");
    assert!(deleted[0].deleted);
    assert_eq!(deleted[0].mode, 0o644);
    let images = store
        .files(&FileFilter {
            mime_prefix: Some("image/".into()),
            ..Default::default()
        })
        .unwrap();
    assert_eq!(images.len(), 1);
    let limited = store
        .files(&FileFilter {
            evidence: Some("E1".into()),
            limit: Some(1),
            ..Default::default()
        })
        .unwrap();
    assert_eq!(limited.len(), 1);
    assert_eq!(limited[0].key.path, "/a.txt");

    let tl = store.timeline(Some("2019"), Some("2021")).unwrap();
    assert_eq!(tl.len(), 2);
    assert_eq!(tl[0].file.as_ref().unwrap().path, "/a.txt");
    assert!(store.timeline(Some("2021"), None).unwrap().is_empty());
    let (a, b2) = store.time_span().unwrap().unwrap();
    assert_eq!(a, b2);

    assert!(!store.stage_done("E1", "files").unwrap());
    store.mark_stage("E1", "files", "now").unwrap();
    store.mark_stage("E1", "files", "later").unwrap();
    assert!(store.stage_done("E1", "files").unwrap());

    // Known hashes are never blanked; later ones fill in.
    let mut e = evidence();
    e.md5 = None;
    e.sha256 = Some("ff".into());
    e.size = 2048;
    store.put_evidence(&e).unwrap();
    let mut got = None;
    store
        .dump(&mut |r| {
            if let Record::Evidence(e) = r {
                got = Some(e);
            }
            Ok(())
        })
        .unwrap();
    let got = got.unwrap();
    assert_eq!(
        (got.md5.as_deref(), got.sha256.as_deref(), got.size),
        (Some("00"), Some("ff"), 2048)
    );

    // Tags and enrichment.
    let tag = |note: &str| TagRow {
        target: "finding".into(),
        key: "email:a@x.org".into(),
        detail: String::new(),
        note: Some(note.into()),
        examiner: "eve".into(),
        tagged_at: "2024-01-01T00:00:00Z".into(),
    };
    store.add_tag(&tag("first")).unwrap();
    store.add_tag(&tag("second")).unwrap();
    assert_eq!(store.tags().unwrap(), [tag("second")]);
    assert!(store.remove_tag("finding", "email:a@x.org", "").unwrap());
    assert!(!store.remove_tag("finding", "email:a@x.org", "").unwrap());
    let enrich = |value: &str, flagged: bool| EnrichmentRow {
        kind: "email".into(),
        value: value.into(),
        flagged,
        summary: format!("about {value}"),
        json: "{}".into(),
    };
    store
        .replace_enrichment(&[enrich("b@x.org", false), enrich("a@x.org", true)])
        .unwrap();
    store
        .replace_enrichment(&[
            enrich("c@x.org", false),
            enrich("b@x.org", false),
            enrich("a@x.org", false),
            enrich("a@x.org", true),
        ])
        .unwrap();
    assert_eq!(
        store.enrichment(false).unwrap(),
        [
            enrich("a@x.org", true),
            enrich("b@x.org", false),
            enrich("c@x.org", false)
        ]
    );
    assert_eq!(store.enrichment(true).unwrap(), [enrich("a@x.org", true)]);
}

fn reopening_keeps_data_migrates_nothing_and_enforces_foreign_keys(b: &Backend) {
    {
        let store = b.open().unwrap();
        store.put_evidence(&evidence()).unwrap();
        let f = file("/a", "1", false, "text/plain");
        store
            .insert_files(std::slice::from_ref(&f), &[event(&f)])
            .unwrap();
    }
    let versions = b.number("SELECT COUNT(*) FROM schema_version");
    let store = b.open().unwrap();
    // Nothing to migrate: no version recorded again.
    assert_eq!(b.number("SELECT COUNT(*) FROM schema_version"), versions);
    assert_eq!(b.schema_version(), SCHEMA_VERSION);
    let c = store.counts().unwrap();
    assert_eq!((c.evidence, c.files, c.timeline), (1, 1, 1));
    // Findings of unknown evidence are refused, and the batch with them.
    let mut f = finding("c@x.org", "1", None);
    f.evidence = "E9".into();
    assert!(store
        .insert_findings("scan", &[finding("d@x.org", "2", None), f])
        .is_err());
    assert_eq!(store.counts().unwrap().findings, 0);
}

fn search(store: &dyn CaseStore, text: &str, kind: Option<&str>) -> Vec<(String, String)> {
    store
        .search(&SearchQuery {
            text: text.into(),
            kind: kind.map(str::to_string),
            limit: None,
        })
        .unwrap()
        .into_iter()
        .map(|h| (h.what, h.text))
        .collect()
}

fn search_finds_substrings_and_escapes_wildcards(b: &Backend) {
    let store = b.open().unwrap();
    store.put_evidence(&evidence()).unwrap();
    let f = file("/Users/Alice/Mail 100%.txt", "12", false, "text/plain");
    store
        .insert_files(std::slice::from_ref(&f), &[event(&f)])
        .unwrap();
    store
        .insert_findings(
            "scan",
            &[
                finding("Bob.Smith@Example.org", "500", Some(f.key.clone())),
                finding("Old@x.org", "5", None),
            ],
        )
        .unwrap();
    assert_eq!(
        search(&*store, "alice/mail", None),
        vec![
            ("file".to_string(), "/Users/Alice/Mail 100%.txt".to_string()),
            (
                "event".to_string(),
                "/Users/Alice/Mail 100%.txt".to_string()
            ),
        ]
    );
    assert_eq!(
        search(&*store, "smith@example", Some("email")),
        vec![("finding".to_string(), "Bob.Smith@Example.org".to_string())]
    );
    assert_eq!(
        search(&*store, "old@", Some("finding")),
        vec![("finding".to_string(), "Old@x.org".to_string())]
    );
    assert!(search(&*store, "smith@example", Some("url")).is_empty());
    // LIKE wildcards are escaped.
    assert_eq!(search(&*store, "0%", Some("file")).len(), 1);
    assert!(search(&*store, "_l", Some("file")).is_empty());
    assert!(search(&*store, "\\", None).is_empty());
    assert!(search(&*store, "a\"b OR c", None).is_empty());
    // Hits carry where they were found.
    let hits = store
        .search(&SearchQuery {
            text: "SMITH".into(),
            kind: None,
            limit: Some(1),
        })
        .unwrap();
    assert_eq!(hits.len(), 1);
    assert_eq!(hits[0].file.as_deref(), Some("/Users/Alice/Mail 100%.txt"));
    assert_eq!(
        (hits[0].offset, hits[0].location.as_deref()),
        (Some(7), Some("500"))
    );
}

#[test]
fn sqlite_version_1_case_migrates() {
    let tmp = tempfile::tempdir().unwrap();
    let db = tmp.path().join("case.db");
    {
        let store = SqliteStore::open(&db).unwrap();
        store.put_evidence(&evidence()).unwrap();
    }
    // Make it a version 1 database with rows: the migrations keep them.
    {
        let conn = rusqlite::Connection::open(&db).unwrap();
        conn.execute_batch(
            "DROP TABLE findings; DROP TABLE timeline; DROP TABLE messages; DROP TABLE enrichment;
             CREATE TABLE findings (id INTEGER PRIMARY KEY, evidence TEXT NOT NULL,
               kind TEXT NOT NULL, value TEXT NOT NULL, normalized TEXT NOT NULL,
               path TEXT NOT NULL, \"offset\" INTEGER NOT NULL, encoding TEXT,
               validated INTEGER NOT NULL, file_id INTEGER NULL,
               UNIQUE (evidence, kind, path, normalized));
             CREATE TABLE timeline (id INTEGER PRIMARY KEY, time TEXT NOT NULL,
               macb TEXT NOT NULL, evidence TEXT NOT NULL, source TEXT NOT NULL,
               description TEXT NOT NULL, file_id INTEGER NULL);
             INSERT INTO findings (evidence, kind, value, normalized, path, \"offset\",
               validated) VALUES ('E1', 'email', 'Old@x.org', 'old@x.org', '5', 5, 1);
             DELETE FROM schema_version WHERE version > 1;",
        )
        .unwrap();
    }
    let store = SqliteStore::open(&db).unwrap();
    assert_eq!(store.schema_version().unwrap(), SCHEMA_VERSION);
    assert_eq!(store.counts().unwrap().findings, 1);
    assert_eq!(
        search(&store, "old@", Some("finding")),
        vec![("finding".to_string(), "Old@x.org".to_string())]
    );
}

fn messages_round_trip(b: &Backend) {
    let store = b.open().unwrap();
    store.put_evidence(&evidence()).unwrap();
    let f = file("/mail/inbox", "20", false, "application/mbox");
    store.insert_files(std::slice::from_ref(&f), &[]).unwrap();
    let mut m = message(&f, "ff", 0);
    m.analysis = Some("{\"route\":[]}".into());
    store
        .insert_messages("mail", std::slice::from_ref(&m))
        .unwrap();
    let got = store.messages(Some("E1")).unwrap();
    assert_eq!(got.len(), 1);
    assert_eq!(got[0].file, Some(f.key.clone()));
    assert!(got[0].file_id.is_some());
    assert_eq!(
        MessageRow {
            file_id: None,
            ..got[0].clone()
        },
        m
    );
    assert!(store.messages(Some("E2")).unwrap().is_empty());
    assert_eq!(store.counts().unwrap().messages, 1);
    store.clear_stage("E1", "mail").unwrap();
    assert!(store.messages(None).unwrap().is_empty());
}

/// Values whose order differs between bytewise and linguistic collations,
/// and whose case differs outside ASCII.
const MIXED: &[&str] = &[
    "zed@x.org",
    "Zed@x.org",
    "alice@X.org",
    "Ärger@x.de",
    "ärger@x.de",
    "ÄRGER@X.DE",
    "_under@x.org",
    "~tilde@x.org",
    "10@x.org",
    "9@x.org",
    "émile@x.fr",
    "Émile@x.fr",
    "ß@x.de",
];

fn text_orders_bytewise_and_folds_ascii_only(b: &Backend) {
    let store = b.open().unwrap();
    store.put_evidence(&evidence()).unwrap();
    let files: Vec<FileRow> = MIXED
        .iter()
        .enumerate()
        .map(|(i, v)| file(&format!("/{v}"), &i.to_string(), false, "text/plain"))
        .collect();
    store.insert_files(&files, &[]).unwrap();
    // Normalised as written: `lower` must not fold what SQLite does not.
    let rows: Vec<FindingRow> = MIXED
        .iter()
        .enumerate()
        .map(|(i, v)| FindingRow {
            normalized: v.to_string(),
            offset: i as u64,
            ..finding(v, &i.to_string(), None)
        })
        .collect();
    store.insert_findings("scan", &rows).unwrap();

    let mut sorted: Vec<&str> = MIXED.to_vec();
    sorted.sort();
    let values: Vec<String> = store
        .finding_values()
        .unwrap()
        .into_iter()
        .map(|(_, v)| v)
        .collect();
    assert_eq!(values, sorted);
    let histogram: Vec<String> = store
        .histogram(None, None)
        .unwrap()
        .into_iter()
        .map(|h| h.value)
        .collect();
    assert_eq!(histogram, sorted);
    let paths: Vec<String> = store
        .files(&FileFilter::default())
        .unwrap()
        .into_iter()
        .map(|f| f.key.path)
        .collect();
    let sorted_paths: Vec<String> = sorted.iter().map(|v| format!("/{v}")).collect();
    assert_eq!(paths, sorted_paths);

    // ASCII letters match either case, others only as written.
    let found = |text: &str| -> Vec<String> {
        let mut v: Vec<String> = search(&*store, text, Some("finding"))
            .into_iter()
            .map(|(_, t)| t)
            .collect();
        v.sort();
        v
    };
    assert_eq!(found("ZED"), ["Zed@x.org", "zed@x.org"]);
    assert_eq!(
        found("rger@x.de"),
        ["ÄRGER@X.DE", "Ärger@x.de", "ärger@x.de"]
    );
    assert_eq!(found("ärger"), ["ärger@x.de"]);
    assert_eq!(found("ÄRGER"), ["ÄRGER@X.DE", "Ärger@x.de"]);
    assert_eq!(found("émile"), ["émile@x.fr"]);
    assert_eq!(found("SS@"), Vec::<String>::new());
    let matching: Vec<String> = store
        .findings_matching(&["ÄRGER@X.DE".into(), "ZED@X.ORG".into()])
        .unwrap()
        .into_iter()
        .map(|h| h.value)
        .collect();
    // `ärger@x.de` (the query lower-cased) equals `ärger@x.de` and
    // `Ärger@x.de` is not folded; ASCII-only folding of the stored value.
    assert_eq!(matching, ["Zed@x.org", "zed@x.org", "ärger@x.de"]);
}

fn too_new_schema_is_refused(b: &Backend) {
    drop(b.open().unwrap());
    b.exec(&format!(
        "INSERT INTO schema_version (version) VALUES ({})",
        SCHEMA_VERSION + 1
    ));
    match b.open() {
        Err(StoreError::TooNew { found, supported }) => {
            assert_eq!((found, supported), (SCHEMA_VERSION + 1, SCHEMA_VERSION));
        }
        Err(e) => panic!("wrong error: {e}"),
        Ok(_) => panic!("a newer schema was opened"),
    }
}

#[test]
fn bad_schema_names_are_refused() {
    for bad in [
        "",
        "Case1",
        "a-b",
        "a;drop",
        "pg_catalog",
        "public",
        &"x".repeat(64),
    ] {
        // Refused before connecting: no server needed.
        assert!(matches!(
            PgStore::open("postgres://nobody@127.0.0.1:1/none", bad),
            Err(StoreError::SchemaName(_))
        ));
        assert!(matches!(
            drop_schema("postgres://nobody@127.0.0.1:1/none", bad),
            Err(StoreError::SchemaName(_))
        ));
    }
}

#[test]
fn connection_errors_hide_the_password() {
    let err = PgStore::open("postgres://eve:s3cret@127.0.0.1:1/none", "case")
        .unwrap_err()
        .to_string();
    assert!(err.contains("127.0.0.1:1"), "{err}");
    assert!(!err.contains("s3cret"), "{err}");
}

/// A case with every table filled, several stages and evidence items,
/// non-ASCII text and rows that are equal but for their id.
fn populate(store: &dyn CaseStore) {
    store.put_evidence(&evidence()).unwrap();
    store
        .put_evidence(&EvidenceRow {
            id: "E2".into(),
            path: "/x/phone.bin".into(),
            container: "raw".into(),
            size: 4096,
            md5: None,
            sha1: Some("11".into()),
            sha256: Some("22".into()),
        })
        .unwrap();
    let mut files: Vec<FileRow> = MIXED
        .iter()
        .enumerate()
        .map(|(i, v)| {
            let mut f = file(
                &format!("/home/{v}"),
                &format!("{}", 100 - i),
                i % 3 == 0,
                "text/plain",
            );
            f.atime = Some(format!("2021-0{}-01T00:00:00Z", 1 + i % 9));
            f.sha256 = (i % 2 == 0).then(|| format!("{i:064x}"));
            f.mime = (i % 4 != 0).then(|| "image/png".to_string());
            f.uid = 1000 + i as u32;
            f.size = u64::from(i as u32) << 33;
            f
        })
        .collect();
    let mut e2 = file("/home/zed@x.org", "100", false, "text/plain");
    e2.evidence = "E2".into();
    e2.key.partition = 2;
    files.push(e2);
    let mut events: Vec<TimelineRow> = files.iter().map(event).collect();
    events[1].zone = Some("+02:00".into());
    events.push(events[0].clone());
    store.insert_files(&files, &events).unwrap();
    let mut findings: Vec<FindingRow> = MIXED
        .iter()
        .enumerate()
        .map(|(i, v)| FindingRow {
            encoding: (i % 2 == 1).then(|| "utf-16le".to_string()),
            validated: i % 3 == 1,
            context: Some(format!("…{v}\\x00…")),
            offset: (i as u64 % 4) * 1000,
            ..finding(
                v,
                &format!("{}-GZIP-{i}", i * 10),
                Some(files[i].key.clone()),
            )
        })
        .collect();
    findings.push(findings[0].clone());
    findings.push(finding("zed@x.org", "9", None));
    store.insert_findings("scan", &findings).unwrap();
    store
        .insert_findings(
            "carve",
            &[FindingRow {
                evidence: "E2".into(),
                kind: "url".into(),
                ..finding(
                    "http://Zed.example/Ä",
                    "1",
                    Some(files[files.len() - 1].key.clone()),
                )
            }],
        )
        .unwrap();
    let mail_events = vec![TimelineRow {
        time: "2024-01-01T00:00:00.000000000Z".into(),
        macb: "mail".into(),
        evidence: "E1".into(),
        source: "mail".into(),
        description: "Subject: Ärger".into(),
        zone: Some("+07:00".into()),
        file: Some(files[2].key.clone()),
        file_id: None,
    }];
    store.insert_events("mail", &mail_events).unwrap();
    let mut m1 = message(&files[2], "aa", 0);
    m1.analysis = Some("{\"verdict\":\"spoofed\"}".into());
    let mut m2 = message(&files[2], "bb", 512);
    m2.subject = None;
    m2.attachments = 3;
    let mut m3 = message(&files[0], "aa", 0);
    m3.file = None;
    store.insert_messages("mail", &[m2, m1, m3]).unwrap();
    store
        .replace_enrichment(&[
            EnrichmentRow {
                kind: "email".into(),
                value: "zed@x.org".into(),
                flagged: true,
                summary: "watchlist".into(),
                json: "{\"list\":\"w\"}".into(),
            },
            EnrichmentRow {
                kind: "email".into(),
                value: "Zed@x.org".into(),
                flagged: false,
                summary: "SE Linköping".into(),
                json: "{}".into(),
            },
        ])
        .unwrap();
    for (target, key, detail) in [
        ("event", "2024-01-01T00:00:00.000000000Z", "Ärger"),
        ("finding", "email:zed@x.org", ""),
        ("event", "2024-01-01T00:00:00.000000000Z", ""),
    ] {
        store
            .add_tag(&TagRow {
                target: target.into(),
                key: key.into(),
                detail: detail.into(),
                note: (detail.is_empty()).then(|| "see report".to_string()),
                examiner: "eve".into(),
                tagged_at: "2024-02-02T00:00:00Z".into(),
            })
            .unwrap();
    }
    for stage in ["files", "scan", "mail"] {
        store
            .mark_stage("E1", stage, "2024-03-03T00:00:00Z")
            .unwrap();
    }
    store
        .mark_stage("E2", "files", "2024-03-04T00:00:00Z")
        .unwrap();
}

/// Everything a store answers about a case, without row ids (they differ
/// between databases).
#[derive(Debug, PartialEq)]
struct Snapshot {
    dump: Vec<Record>,
    counts: exhibit_store::Counts,
    histogram: Vec<exhibit_store::HistogramRow>,
    kinds: Vec<(String, u64)>,
    values: Vec<(String, String)>,
    matching: Vec<exhibit_store::HistogramRow>,
    files: Vec<FileRow>,
    timeline: Vec<TimelineRow>,
    span: Option<(String, String)>,
    messages: Vec<MessageRow>,
    findings: Vec<FindingRow>,
    searches: Vec<Vec<exhibit_store::SearchHit>>,
    enrichment: Vec<EnrichmentRow>,
    tags: Vec<TagRow>,
    stages: Vec<bool>,
}

fn dump(store: &dyn CaseStore) -> Vec<Record> {
    let mut out = Vec::new();
    store
        .dump(&mut |r| {
            out.push(r);
            Ok(())
        })
        .unwrap();
    out
}

fn snapshot(store: &dyn CaseStore) -> Snapshot {
    let mut findings = Vec::new();
    for e in ["E1", "E2"] {
        store
            .each_finding(e, &mut |_, f| {
                findings.push(FindingRow { file_id: None, ..f })
            })
            .unwrap();
    }
    let searches = ["zed", "ÄR", "rger", "home/", "_", "x.org", "mail"]
        .iter()
        .flat_map(|t| {
            [None, Some("url"), Some("file"), Some("event")].map(|kind| {
                store
                    .search(&SearchQuery {
                        text: t.to_string(),
                        kind: kind.map(str::to_string),
                        limit: Some(5),
                    })
                    .unwrap()
            })
        })
        .collect();
    Snapshot {
        dump: dump(store),
        counts: store.counts().unwrap(),
        histogram: store.histogram(None, None).unwrap(),
        kinds: store
            .kind_totals()
            .unwrap()
            .into_iter()
            .map(|f| (f.name, f.count))
            .collect(),
        values: store.finding_values().unwrap(),
        matching: store
            .findings_matching(&["ZED@X.ORG".into(), "http://zed.example/Ä".into()])
            .unwrap(),
        files: store
            .files(&FileFilter::default())
            .unwrap()
            .into_iter()
            .map(|f| FileRow { id: 0, ..f })
            .collect(),
        timeline: store
            .timeline(None, None)
            .unwrap()
            .into_iter()
            .map(|t| TimelineRow { file_id: None, ..t })
            .collect(),
        span: store.time_span().unwrap(),
        messages: store
            .messages(None)
            .unwrap()
            .into_iter()
            .map(|m| MessageRow { file_id: None, ..m })
            .collect(),
        findings,
        searches,
        enrichment: store.enrichment(false).unwrap(),
        tags: store.tags().unwrap(),
        stages: [("E1", "mail"), ("E1", "carve"), ("E2", "files")]
            .iter()
            .map(|(e, s)| store.stage_done(e, s).unwrap())
            .collect(),
    }
}

fn copy_case_round_trips_through_the_backend(b: &Backend) {
    let src_dir = tempfile::tempdir().unwrap();
    let src = SqliteStore::open_case(src_dir.path()).unwrap();
    populate(&src);
    // A redone stage leaves gaps in the row ids: the copy does not mind.
    src.clear_stage("E2", "carve").unwrap();
    src.insert_findings(
        "carve",
        &[FindingRow {
            evidence: "E2".into(),
            kind: "url".into(),
            ..finding("http://zed.example/b", "2", None)
        }],
    )
    .unwrap();
    let expected = snapshot(&src);
    assert!(expected.dump.len() > 40);

    // Every record serialises (`exhibit case dump` writes JSON lines),
    // naming its table.
    for r in &expected.dump {
        let json = serde_json::to_value(r).unwrap();
        assert!(json["table"].is_string(), "{json}");
    }
    let mid = b.open().unwrap();
    let report = copy_case(&src, &*mid).unwrap();
    assert_eq!(
        (
            report.evidence,
            report.files,
            report.findings,
            report.events
        ),
        (
            2,
            MIXED.len() as u64 + 1,
            MIXED.len() as u64 + 3,
            MIXED.len() as u64 + 3
        )
    );
    assert_eq!(
        (
            report.messages,
            report.enrichment,
            report.tags,
            report.stages
        ),
        (3, 2, 3, 4)
    );
    assert_eq!(snapshot(&*mid), expected);

    let back_dir = tempfile::tempdir().unwrap();
    let back = SqliteStore::open_case(back_dir.path()).unwrap();
    assert_eq!(copy_case(&*mid, &back).unwrap(), report);
    assert_eq!(snapshot(&back), expected);
}

fn copy_case_refuses_a_filled_store(b: &Backend) {
    let src_dir = tempfile::tempdir().unwrap();
    let src = SqliteStore::open_case(src_dir.path()).unwrap();
    populate(&src);
    let store = b.open().unwrap();
    store.put_evidence(&evidence()).unwrap();
    assert!(matches!(
        copy_case(&src, &*store),
        Err(StoreError::NotEmpty)
    ));
    // Loading records is one transaction: a failing batch leaves nothing.
    let mut records = dump(&src);
    records.retain(|r| !matches!(r, Record::Evidence(_)));
    let before = store.counts().unwrap();
    assert!(store.load(&records).is_err());
    assert_eq!(store.counts().unwrap(), before);
}

fn large_batches_and_bulk_loads(b: &Backend) {
    let store = b.open().unwrap();
    store.put_evidence(&evidence()).unwrap();
    let files: Vec<FileRow> = (0..2_000)
        .map(|i| file(&format!("/d/{i}"), &i.to_string(), i % 2 == 0, "text/plain"))
        .collect();
    let events: Vec<TimelineRow> = files.iter().map(event).collect();
    assert_eq!(store.insert_files(&files, &events).unwrap(), 2_000);
    store.bulk_findings(true).unwrap();
    let rows: Vec<FindingRow> = (0..20_000)
        .map(|i| {
            let key = (i % 3 == 0).then(|| files[i % 2_000].key.clone());
            FindingRow {
                offset: i as u64,
                ..finding(&format!("u{}@x.org", i % 500), &i.to_string(), key)
            }
        })
        .collect();
    assert_eq!(store.insert_findings("scan", &rows).unwrap(), 20_000);
    store.bulk_findings(false).unwrap();
    store.bulk_findings(false).unwrap();
    let c = store.counts().unwrap();
    assert_eq!(
        (c.files, c.deleted, c.timeline, c.findings),
        (2_000, 1_000, 2_000, 20_000)
    );
    let h = store.histogram(None, Some(3)).unwrap();
    assert_eq!(h.len(), 3);
    assert_eq!((h[0].value.as_str(), h[0].count), ("u0@x.org", 40));
    let mut n = 0;
    let mut with_file = 0;
    let mut last = None;
    store
        .each_finding("E1", &mut |id, f| {
            // Row order is insertion order.
            assert!(last < Some(id));
            last = Some(id);
            assert_eq!(f.offset, n);
            with_file += usize::from(f.file.is_some());
            n += 1;
        })
        .unwrap();
    assert_eq!((n, with_file), (20_000, 6_667));
}

fn threads_share_the_store(b: &Backend) {
    let store: Box<dyn CaseStore> = b.open().unwrap();
    let store: std::sync::Arc<dyn CaseStore> = store.into();
    store.put_evidence(&evidence()).unwrap();
    let writer = {
        let store = store.clone();
        std::thread::spawn(move || {
            for batch in 0..10 {
                let rows: Vec<FindingRow> = (0..100)
                    .map(|i| finding(&format!("w{batch}x{i}@x.org"), &i.to_string(), None))
                    .collect();
                store.insert_findings("scan", &rows).unwrap();
            }
        })
    };
    let mut last = 0;
    for _ in 0..20 {
        let n = store.counts().unwrap().findings;
        assert!(n >= last && n.is_multiple_of(100), "{n}");
        last = n;
    }
    writer.join().unwrap();
    assert_eq!(store.counts().unwrap().findings, 1_000);
    // A callback may use the store it is called from on PostgreSQL (a pool
    // of connections); on SQLite it would wait for itself, so only count.
    let pg = matches!(b, Backend::Postgres { .. });
    let mut seen = 0;
    store
        .each_finding("E1", &mut |_, f| {
            seen += 1;
            if pg && seen % 250 == 0 {
                assert_eq!(store.histogram(None, Some(1)).unwrap()[0].count, 1);
                assert!(!store.stage_done(&f.evidence, "scan").unwrap());
            }
        })
        .unwrap();
    assert_eq!(seen, 1_000);
}

/// Evidence can hold U+0000 (a damaged name, an event log string): the
/// batch is stored all the same — as is on SQLite, as U+FFFD on PostgreSQL,
/// whose text cannot hold it.
fn text_with_nul_is_stored(b: &Backend) {
    let store = b.open().unwrap();
    store.put_evidence(&evidence()).unwrap();
    let f = file("/bad\0name.txt", "7", true, "text/plain");
    let mut ev = event(&f);
    ev.description = "logon by a\0b".into();
    store.insert_files(std::slice::from_ref(&f), &[ev]).unwrap();
    let mut fi = finding("x@example.com", "7", Some(f.key.clone()));
    fi.context = Some("before\0after".into());
    store.insert_findings("scan", &[fi]).unwrap();
    let nul = match b {
        Backend::Sqlite(_) => "\0",
        Backend::Postgres { .. } => "\u{FFFD}",
    };
    let files = store.files(&FileFilter::default()).unwrap();
    assert_eq!(files[0].key.path, format!("/bad{nul}name.txt"));
    let events = store.timeline(None, None).unwrap();
    assert!(events
        .iter()
        .any(|e| e.description == format!("logon by a{nul}b")));
    let mut contexts = Vec::new();
    store
        .each_finding("E1", &mut |_, r| contexts.push(r.context))
        .unwrap();
    assert_eq!(contexts, [Some(format!("before{nul}after"))]);
}

/// A process opening a PostgreSQL case during another's bulk load leaves
/// the dropped indexes to that load; once the load's session is gone
/// (finished, or its process died), opening builds any still missing.
#[test]
fn postgres_open_during_a_bulk_load_leaves_the_indexes_to_it() {
    let Some(b) = Backend::postgres("open_during_bulk") else {
        return;
    };
    // The indexes, and the foreign keys dropped with them.
    let index_count = || {
        b.number(
            "SELECT COUNT(*) FROM pg_indexes WHERE schemaname = current_schema()
             AND indexname IN ('findings_value', 'timeline_description_trgm')",
        ) + b.number(
            "SELECT COUNT(*) FROM pg_constraint WHERE contype = 'f'
             AND connamespace = current_schema()::regnamespace
             AND conname IN ('findings_file_id_fkey', 'messages_evidence_fkey')",
        )
    };
    let loader = b.open().unwrap();
    let full = index_count();
    assert!(full >= 1);
    loader.bulk_findings(true).unwrap();
    assert_eq!(index_count(), 0);
    // Another process opens the case meanwhile: nothing is built.
    drop(b.open().unwrap());
    assert_eq!(index_count(), 0);
    loader.bulk_findings(false).unwrap();
    assert_eq!(index_count(), full);
    // A load that died: its session, and so its lock, went with it.
    loader.bulk_findings(true).unwrap();
    drop(loader);
    assert_eq!(index_count(), 0);
    drop(b.open().unwrap());
    assert_eq!(index_count(), full);
}

/// A case made before the findings' trigram index was split in two gets
/// the two on its next open, and loses the old one.
#[test]
fn postgres_open_replaces_the_old_findings_trigram_index() {
    let Some(b) = Backend::postgres("old_trgm") else {
        return;
    };
    drop(b.open().unwrap());
    let named = |name: &str| {
        b.number(&format!(
            "SELECT COUNT(*) FROM pg_indexes WHERE schemaname = current_schema()
             AND indexname = '{name}'"
        ))
    };
    if named("findings_normalized_trgm") == 0 {
        return; // no pg_trgm here
    }
    b.pg()
        .batch_execute(
            "DROP INDEX findings_normalized_trgm; DROP INDEX findings_raw_trgm;
             CREATE INDEX findings_value_trgm ON findings
             USING gin (value public.gin_trgm_ops, normalized public.gin_trgm_ops)",
        )
        .unwrap();
    drop(b.open().unwrap());
    assert_eq!(named("findings_value_trgm"), 0);
    assert_eq!(named("findings_normalized_trgm"), 1);
    assert_eq!(named("findings_raw_trgm"), 1);
}

/// A load that left a finding pointing at no file: its end says so, and
/// the case still opens (the key then checks only new rows).
#[test]
fn postgres_a_dangling_row_fails_the_load_not_the_case() {
    let Some(b) = Backend::postgres("dangling_row") else {
        return;
    };
    let loader = b.open().unwrap();
    loader.bulk_findings(true).unwrap();
    b.pg()
        .batch_execute(
            "INSERT INTO evidence (id, path, container, size) VALUES ('E9', '/x', '', 0);
             INSERT INTO findings (evidence, stage, kind, value, normalized, path, \"offset\",
               validated, file_id) VALUES ('E9', 'scan', 'email', 'a@b.c', 'a@b.c', '1', 1, false, 424242)",
        )
        .unwrap();
    let err = loader.bulk_findings(false).unwrap_err();
    let mut e = err.to_string();
    let mut cause = std::error::Error::source(&err);
    while let Some(c) = cause {
        e.push_str(&format!(": {c}"));
        cause = c.source();
    }
    assert!(e.contains("findings_file_id_fkey"), "{e}");
    drop(loader);
    drop(b.open().unwrap());
    let keys = b.number(
        "SELECT COUNT(*) FROM pg_constraint WHERE conname = 'findings_file_id_fkey'
         AND connamespace = current_schema()::regnamespace AND NOT convalidated",
    );
    assert_eq!(keys, 1);
}
