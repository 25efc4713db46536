//! The SQLite case store: schema, idempotent inserts, queries.

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
        file: Some(f.key.clone()),
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
        file,
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
    assert_eq!(store.insert_findings(&findings).unwrap(), 3);
    let before = store.counts().unwrap();
    // A rerun adds nothing.
    assert_eq!(store.insert_files(&files, &events).unwrap(), 0);
    assert_eq!(store.insert_findings(&findings).unwrap(), 0);
    store.put_evidence(&evidence()).unwrap();
    assert_eq!(store.counts().unwrap(), before);
    assert_eq!(before.files, 2);
    assert_eq!(before.deleted, 1);
    assert_eq!(before.timeline, 2);
    assert_eq!(before.findings, 3);

    let h = store.histogram(None, None).unwrap();
    assert_eq!((h[0].value.as_str(), h[0].count), ("a@x.org", 2));
    assert_eq!(store.histogram(Some("email"), Some(1)).unwrap().len(), 1);
    assert!(store.histogram(Some("url"), None).unwrap().is_empty());

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
    assert!(store.insert_findings(&[f]).is_err());
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
fn search_uses_full_text_tables_kept_filled_and_built_on_migration() {
    let tmp = tempfile::tempdir().unwrap();
    let db = tmp.path().join("case.db");
    {
        let store = SqliteStore::open(&db).unwrap();
        store.put_evidence(&evidence()).unwrap();
        let f = file("/Users/Alice/Mail 100%.txt", "12", false, "text/plain");
        store
            .insert_files(std::slice::from_ref(&f), &[event(&f)])
            .unwrap();
    }
    // Make it a version 1 database with rows: migration 2 must index them.
    {
        let conn = rusqlite::Connection::open(&db).unwrap();
        conn.execute_batch(
            "DROP TABLE findings_fts; DROP TABLE files_fts; DROP TABLE timeline_fts;
             DROP TRIGGER findings_fts_ai; DROP TRIGGER findings_fts_ad;
             DROP TRIGGER files_fts_ai; DROP TRIGGER files_fts_ad;
             DROP TRIGGER timeline_fts_ai; DROP TRIGGER timeline_fts_ad;
             DELETE FROM schema_version WHERE version > 1;",
        )
        .unwrap();
    }
    let store = SqliteStore::open(&db).unwrap();
    assert_eq!(store.schema_version().unwrap(), SCHEMA_VERSION);
    // Filled by the triggers on insert.
    let key = FileKey {
        partition: 1,
        inode: "12".into(),
        path: "/Users/Alice/Mail 100%.txt".into(),
    };
    store
        .insert_findings(&[finding("Bob.Smith@Example.org", "500", Some(key))])
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
    assert!(search(&store, "smith@example", Some("url")).is_empty());
    assert_eq!(search(&store, "\"", None), vec![]);
    // Short queries go to LIKE, with its wildcards escaped.
    assert_eq!(search(&store, "0%", Some("file")).len(), 1);
    assert!(search(&store, "_l", Some("file")).is_empty());
    // A quote in a full-text query is text, not syntax.
    assert!(search(&store, "a\"b OR c", None).is_empty());
}
