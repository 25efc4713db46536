//! The SQLite case store: schema, stage-scoped inserts, queries.

use exhibit_store::{
    CaseStore, EvidenceRow, FileFilter, FileKey, FileRow, FindingRow, SearchQuery, SqliteStore,
    TimelineRow, SCHEMA_VERSION,
};

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
        evidence: "E1".into(),
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

#[test]
fn inserts_are_idempotent_and_queries_work() {
    let tmp = tempfile::tempdir().unwrap();
    let store = SqliteStore::open_case(tmp.path()).unwrap();
    assert_eq!(store.schema_version().unwrap(), SCHEMA_VERSION);
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
    assert_eq!(store.insert_findings("scan", &findings).unwrap(), 3);
    store.put_evidence(&evidence()).unwrap();
    assert_eq!(store.counts().unwrap(), before);
    let mut seen = Vec::new();
    store
        .each_finding("E1", &mut |_, f| seen.push(f.value))
        .unwrap();
    assert_eq!(seen, ["A@x.org", "a@x.org", "b@x.org"]);
    assert_eq!(store.file_ids("E1").unwrap().len(), 2);
    assert_eq!(before.files, 2);
    assert_eq!(before.deleted, 1);
    assert_eq!(before.timeline, 2);
    assert_eq!(before.findings, 3);

    let h = store.histogram(None, None).unwrap();
    assert_eq!((h[0].value.as_str(), h[0].count), ("a@x.org", 2));
    assert_eq!(store.histogram(Some("email"), Some(1)).unwrap().len(), 1);
    assert!(store.histogram(Some("url"), None).unwrap().is_empty());
    // The per-kind totals and the distinct values agree with the histogram.
    let totals = CaseStore::kind_totals(&store).unwrap();
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

    let deleted = store
        .files(&FileFilter {
            deleted_only: true,
            ..Default::default()
        })
        .unwrap();
    assert_eq!(deleted.len(), 1);
    assert_eq!(deleted[0].key.path, "/b.jpg");
    let images = store
        .files(&FileFilter {
            mime_prefix: Some("image/".into()),
            ..Default::default()
        })
        .unwrap();
    assert_eq!(images.len(), 1);

    let tl = store.timeline(Some("2019"), Some("2021")).unwrap();
    assert_eq!(tl.len(), 2);
    assert_eq!(tl[0].file.as_ref().unwrap().path, "/a.txt");
    assert!(store.timeline(Some("2021"), None).unwrap().is_empty());
    let (a, b) = store.time_span().unwrap().unwrap();
    assert_eq!(a, b);

    assert!(!store.stage_done("E1", "files").unwrap());
    store.mark_stage("E1", "files", "now").unwrap();
    store.mark_stage("E1", "files", "later").unwrap();
    assert!(store.stage_done("E1", "files").unwrap());
}

#[test]
fn reopening_keeps_data_and_enforces_foreign_keys() {
    let tmp = tempfile::tempdir().unwrap();
    {
        let store = SqliteStore::open_case(tmp.path()).unwrap();
        store.put_evidence(&evidence()).unwrap();
    }
    let store = SqliteStore::open_case(tmp.path()).unwrap();
    assert_eq!(store.counts().unwrap().evidence, 1);
    // Findings of unknown evidence are refused.
    let mut f = finding("c@x.org", "1", None);
    f.evidence = "E9".into();
    assert!(store.insert_findings("scan", &[f]).is_err());
    assert_eq!(store.counts().unwrap().findings, 0);
}

fn search(store: &SqliteStore, text: &str, kind: Option<&str>) -> Vec<(String, String)> {
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

#[test]
fn search_finds_substrings_and_a_version_1_case_migrates() {
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
    let f = file("/Users/Alice/Mail 100%.txt", "12", false, "text/plain");
    store
        .insert_files(std::slice::from_ref(&f), &[event(&f)])
        .unwrap();
    let key = FileKey {
        partition: 1,
        inode: "12".into(),
        path: "/Users/Alice/Mail 100%.txt".into(),
    };
    store
        .insert_findings(
            "scan",
            &[finding("Bob.Smith@Example.org", "500", Some(key))],
        )
        .unwrap();
    assert_eq!(
        search(&store, "alice/mail", None),
        vec![
            ("file".to_string(), "/Users/Alice/Mail 100%.txt".to_string()),
            (
                "event".to_string(),
                "/Users/Alice/Mail 100%.txt".to_string()
            ),
        ]
    );
    assert_eq!(
        search(&store, "smith@example", Some("email")),
        vec![("finding".to_string(), "Bob.Smith@Example.org".to_string())]
    );
    assert_eq!(
        search(&store, "old@", Some("finding")),
        vec![("finding".to_string(), "Old@x.org".to_string())]
    );
    assert!(search(&store, "smith@example", Some("url")).is_empty());
    // LIKE wildcards are escaped.
    assert_eq!(search(&store, "0%", Some("file")).len(), 1);
    assert!(search(&store, "_l", Some("file")).is_empty());
    assert!(search(&store, "a\"b OR c", None).is_empty());
}

#[test]
fn messages_round_trip() {
    let tmp = tempfile::tempdir().unwrap();
    let store = SqliteStore::open_case(tmp.path()).unwrap();
    store.put_evidence(&evidence()).unwrap();
    let f = file("/mail/inbox", "20", false, "application/mbox");
    store.insert_files(std::slice::from_ref(&f), &[]).unwrap();
    let m = exhibit_store::MessageRow {
        evidence: "E1".into(),
        sha256: "ff".into(),
        location: "/mail/inbox@0".into(),
        offset: 0,
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
    };
    store
        .insert_messages("mail", std::slice::from_ref(&m))
        .unwrap();
    let got = store.messages(Some("E1")).unwrap();
    assert_eq!(got.len(), 1);
    assert_eq!(got[0].file, Some(f.key.clone()));
    assert_eq!(got[0].subject.as_deref(), Some("hi"));
    assert_eq!(store.counts().unwrap().messages, 1);
    store.clear_stage("E1", "mail").unwrap();
    assert!(store.messages(None).unwrap().is_empty());
}
