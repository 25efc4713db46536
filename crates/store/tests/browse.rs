//! The workbench's page queries ([`Browse`]) on both backends: the same
//! rows give the same pages, in the same order, on SQLite and PostgreSQL.
//!
//! Each test body takes a [`Backend`] and runs twice: `sqlite::<name>` on a
//! temporary SQLite file and `postgres::<name>` in a fresh schema of the
//! database named by `EXHIBIT_TEST_POSTGRES` (e.g.
//! `postgres://postgres@127.0.0.1:55432/exhibit_test`); without it the
//! PostgreSQL variants print `SKIP` and pass. `same_pages_on_both` fills
//! both backends and compares every query's answer directly.

#[macro_use]
mod backend;

use backend::Backend;
use exhibit_store::browse::{EventFilter, Facet};
use exhibit_store::{Browse, EvidenceRow, FileKey, FileRow, FindingRow, MessageRow, TimelineRow};

on_both!(
    files_pages_and_path_search,
    findings_pages_and_value_prefixes,
    events_and_activity,
    messages_pages_and_lookup,
    version_changes_with_the_rows,
    empty_store_gives_empty_pages,
);

fn evidence(id: &str) -> EvidenceRow {
    EvidenceRow {
        id: id.into(),
        path: format!("/x/{id}.E01"),
        container: "E01".into(),
        size: 1024,
        md5: None,
        sha1: None,
        sha256: None,
    }
}

fn file(ev: &str, partition: i64, path: &str, inode: &str, mime: Option<&str>) -> FileRow {
    FileRow {
        id: 0,
        evidence: ev.into(),
        key: FileKey {
            partition,
            inode: inode.into(),
            path: path.into(),
        },
        fs: "ext2".into(),
        name_kind: "file".into(),
        deleted: inode == "99",
        size: 10,
        mode: 0o644,
        uid: 0,
        gid: 0,
        atime: None,
        mtime: Some("2020-01-01T00:00:00.000000000Z".into()),
        ctime: None,
        crtime: None,
        md5: None,
        sha1: None,
        sha256: None,
        mime: mime.map(str::to_string),
        recovery: "certain".into(),
    }
}

fn finding(ev: &str, kind: &str, value: &str, offset: u64, file: Option<&FileRow>) -> FindingRow {
    FindingRow {
        evidence: ev.into(),
        kind: kind.into(),
        value: value.into(),
        normalized: value.to_lowercase(),
        path: file.map_or_else(|| format!("@{offset}"), |f| f.key.path.clone()),
        offset,
        encoding: None,
        validated: kind == "email",
        context: Some(format!("…{value}…")),
        file: file.map(|f| f.key.clone()),
        file_id: None,
    }
}

fn event(
    ev: &str,
    time: &str,
    source: &str,
    description: &str,
    f: Option<&FileRow>,
) -> TimelineRow {
    TimelineRow {
        time: time.into(),
        macb: "m...".into(),
        evidence: ev.into(),
        source: source.into(),
        description: description.into(),
        zone: None,
        file: f.map(|f| f.key.clone()),
        file_id: None,
    }
}

fn message(ev: &str, sha256: &str, location: &str, offset: u64, f: Option<&FileRow>) -> MessageRow {
    MessageRow {
        evidence: ev.into(),
        sha256: sha256.into(),
        location: location.into(),
        offset,
        size: 100,
        message_id: Some(format!("<{sha256}@x>")),
        date: Some("2024-01-01T00:00:00.000000000Z".into()),
        date_zone: Some("+07:00".into()),
        sender: Some("a@x.org".into()),
        recipients: Some("b@x.org".into()),
        subject: Some(format!("subject {sha256}")),
        attachments: 1,
        analysis: Some("{\"verdict\":\"ok\"}".into()),
        file: f.map(|f| f.key.clone()),
        file_id: None,
    }
}

/// The files of the fixture, in insertion order (row ids 1…).
fn files() -> Vec<FileRow> {
    vec![
        file("E1", 1, "/docs/README.txt", "12", Some("text/plain")),
        file("E1", 1, "/docs/100%_sure.txt", "13", Some("text/plain")),
        file("E1", 1, "/docs/100x-sure.txt", "14", Some("text/plain")),
        file("E1", 1, "/pics/b.png", "15", Some("image/png")),
        file("E1", 1, "/pics/a.jpg", "16", Some("image/jpeg")),
        file("E1", 2, "/pics/a.jpg", "16", Some("image/jpeg")),
        file("E1", 1, "/pics/a.jpg", "99", Some("image/jpeg")),
        file("E1", 1, "/back\\slash.bin", "17", None),
        file("E1", 1, "/Été/Notes.txt", "18", Some("text/plain")),
        file("E1", 1, "/été/notes.txt", "19", Some("text/plain")),
        file("E2", 1, "/mail/inbox.mbox", "20", Some("application/mbox")),
        file("E2", 1, "/a/readme.md", "21", Some("text/markdown")),
    ]
}

/// Evidence, files, findings, events and messages, the same on every
/// backend (row ids follow insertion order on both).
fn fill(store: &dyn Browse) {
    store.put_evidence(&evidence("E1")).unwrap();
    store.put_evidence(&evidence("E2")).unwrap();
    let files = files();
    let events = vec![
        event(
            "E1",
            "2020-01-01T00:00:00Z",
            "ext2",
            "/docs/README.txt",
            Some(&files[0]),
        ),
        event(
            "E1",
            "2020-01-01T00:00:00Z",
            "ext2",
            "/docs/README.txt",
            Some(&files[0]),
        ),
        event(
            "E1",
            "2020-01-01T10:00:00Z",
            "ext2",
            "/pics/b.png",
            Some(&files[3]),
        ),
        event(
            "E2",
            "2019-12-31T23:59:59Z",
            "ext2",
            "/mail/inbox.mbox",
            Some(&files[10]),
        ),
    ];
    assert_eq!(store.insert_files(&files, &events).unwrap(), files.len());
    let findings = vec![
        finding("E1", "email", "Alice@Example.org", 500, Some(&files[0])),
        finding("E1", "email", "alice@example.org", 100, None),
        finding("E2", "email", "alice@example.org", 50, Some(&files[10])),
        finding("E1", "email", "bob@example.org", 300, None),
        finding("E1", "email", "bob@example.org", 300, None),
        finding("E1", "email", "carol@example.com", 10, None),
        finding("E1", "email", "émile@exemple.fr", 20, None),
        finding("E1", "email", "100%_x@example.org", 30, None),
        finding("E1", "url", "http://example.org/a", 40, None),
        finding("E1", "url", "https://www.example.org/b", 41, None),
        finding("E1", "url", "https://example.net/", 42, None),
        finding("E1", "url", "ftp://example.org/c", 43, None),
        finding(
            "E2",
            "wallet",
            "1BoatSLRHtKNngkdXEeobR76b53LETtpyT",
            7,
            None,
        ),
    ];
    store.insert_findings("scan", &findings).unwrap();
    let more = vec![
        event(
            "E1",
            "2020-02-03T04:05:06Z",
            "mail",
            "Mail from alice",
            None,
        ),
        event("E1", "2021-07-01T12:00:00Z", "chat", "Chat message", None),
        event("E1", "2021-07-01T12:00:00Z", "chat", "Chat message", None),
        event("E2", "2021-07-01T12:00:00Z", "chat", "Another chat", None),
    ];
    store.insert_events("mail", &more).unwrap();
    let messages = vec![
        message("E2", "s2", "/mail/inbox.mbox@0", 0, Some(&files[10])),
        message("E1", "s1", "/docs/README.txt", 0, Some(&files[0])),
        message("E1", "s1", "/docs/README.txt", 0, None),
        message("E1", "s3", "/a.eml", 5, None),
        message("E1", "s2", "/a.eml", 1, None),
    ];
    store.insert_messages("mail", &messages).unwrap();
    store
        .mark_stage("E1", "files", "2024-01-01T00:00:00Z")
        .unwrap();
    store
        .mark_stage("E1", "scan", "2024-01-01T00:01:00Z")
        .unwrap();
}

fn paths(rows: &[FileRow]) -> Vec<(String, i64, String)> {
    rows.iter()
        .map(|f| (f.evidence.clone(), f.key.partition, f.key.path.clone()))
        .collect()
}

fn names(facets: &[Facet]) -> Vec<(&str, u64)> {
    facets.iter().map(|f| (f.name.as_str(), f.count)).collect()
}

fn files_pages_and_path_search(b: &Backend) {
    let store = b.open().unwrap();
    fill(store.as_ref());
    let all = files();

    let first = store.file_by_id(1).unwrap().unwrap();
    assert_eq!((first.id, first.key.path.as_str()), (1, "/docs/README.txt"));
    assert_eq!(first.key, all[0].key);
    assert!(store.file_by_id(1000).unwrap().is_none());
    assert!(store.file_by_id(-1).unwrap().is_none());

    // Contains, ASCII letters folded only; `%`, `_` and `\` are literal.
    let p = |text: &str| paths(&store.files_containing(text, 100).unwrap());
    let s = |e: &str, part: i64, path: &str| (e.to_string(), part, path.to_string());
    assert_eq!(
        p("readme"),
        [s("E1", 1, "/docs/README.txt"), s("E2", 1, "/a/readme.md")]
    );
    assert_eq!(p("100%"), [s("E1", 1, "/docs/100%_sure.txt")]);
    assert_eq!(p("%_"), [s("E1", 1, "/docs/100%_sure.txt")]);
    assert_eq!(p("100_-"), Vec::<(String, i64, String)>::new());
    assert_eq!(p("100x-"), [s("E1", 1, "/docs/100x-sure.txt")]);
    assert_eq!(p("\\"), [s("E1", 1, "/back\\slash.bin")]);
    // `É` and `é` are different letters to both backends.
    assert_eq!(p("/été/"), [s("E1", 1, "/été/notes.txt")]);
    assert_eq!(
        p("NOTES"),
        [s("E1", 1, "/Été/Notes.txt"), s("E1", 1, "/été/notes.txt")]
    );
    // By evidence, path, partition, inode; limited.
    assert_eq!(
        p("a.jpg"),
        [
            s("E1", 1, "/pics/a.jpg"),
            s("E1", 1, "/pics/a.jpg"),
            s("E1", 2, "/pics/a.jpg")
        ]
    );
    let inodes: Vec<String> = store
        .files_containing("a.jpg", 100)
        .unwrap()
        .into_iter()
        .map(|f| f.key.inode)
        .collect();
    assert_eq!(inodes, ["16", "99", "16"]);
    assert_eq!(store.files_containing("", 100).unwrap().len(), all.len());
    assert_eq!(store.files_containing("/", 2).unwrap().len(), 2);

    assert_eq!(store.file_ids_at("E1", "/pics/a.jpg").unwrap(), [5, 6, 7]);
    assert_eq!(
        store.file_ids_at("E2", "/pics/a.jpg").unwrap(),
        Vec::<i64>::new()
    );

    // One item's files by partition, path, inode; paged.
    let e1 = paths(&store.files_of("E1", 0, 100).unwrap());
    assert_eq!(e1.len(), 10);
    assert_eq!(e1[0], s("E1", 1, "/back\\slash.bin"));
    assert_eq!(e1[9], s("E1", 2, "/pics/a.jpg"));
    // Bytewise: `/docs` < `/pics` < `/Été` (0xC3) and `/été`.
    assert_eq!(e1[8], s("E1", 1, "/été/notes.txt"));
    assert_eq!(paths(&store.files_of("E1", 3, 2).unwrap()), e1[3..5]);
    assert!(store.files_of("E1", 100, 10).unwrap().is_empty());
    assert!(store.files_of("E9", 0, 10).unwrap().is_empty());

    // By content type prefix, by evidence, partition, path; paged.
    let images = paths(&store.files_of_type("image/", 0, 100).unwrap());
    assert_eq!(
        images,
        [
            s("E1", 1, "/pics/a.jpg"),
            s("E1", 1, "/pics/a.jpg"),
            s("E1", 1, "/pics/b.png"),
            s("E1", 2, "/pics/a.jpg")
        ]
    );
    assert_eq!(
        paths(&store.files_of_type("image/", 1, 2).unwrap()),
        images[1..3]
    );
    assert_eq!(store.files_of_type("image/png", 0, 10).unwrap().len(), 1);
    assert!(store.files_of_type("IMAGE/", 0, 10).unwrap().is_empty());
    // Every file with a type (not the one without).
    assert_eq!(
        store.files_of_type("", 0, 100).unwrap().len(),
        all.len() - 1
    );
}

fn findings_pages_and_value_prefixes(b: &Backend) {
    let store = b.open().unwrap();
    fill(store.as_ref());

    assert_eq!(
        names(&store.finding_kinds().unwrap()),
        [("email", 8), ("url", 4), ("wallet", 1)]
    );

    // By kind and value, then evidence and offset.
    let page = store.findings_page(None, 0, 100).unwrap();
    let keys: Vec<(&str, &str, &str, u64)> = page
        .iter()
        .map(|f| {
            (
                f.row.kind.as_str(),
                f.row.normalized.as_str(),
                f.row.evidence.as_str(),
                f.row.offset,
            )
        })
        .collect();
    assert_eq!(
        keys[..6],
        [
            ("email", "100%_x@example.org", "E1", 30),
            ("email", "alice@example.org", "E1", 100),
            ("email", "alice@example.org", "E1", 500),
            ("email", "alice@example.org", "E2", 50),
            ("email", "bob@example.org", "E1", 300),
            ("email", "bob@example.org", "E1", 300),
        ]
    );
    assert_eq!(keys.len(), 13);
    assert_eq!(keys[12].0, "wallet");
    // Equal rows in row id order.
    assert!(page[4].id < page[5].id);
    // The file's row id and key come with a finding.
    let with_file = &page[2];
    assert_eq!(with_file.file_id, Some(1));
    assert_eq!(
        with_file.row.file.as_ref().unwrap().path,
        "/docs/README.txt"
    );
    assert_eq!(page[1].file_id, None);
    assert_eq!(page[1].row.context.as_deref(), Some("…alice@example.org…"));

    let urls = store.findings_page(Some("url"), 1, 2).unwrap();
    let values: Vec<&str> = urls.iter().map(|f| f.row.value.as_str()).collect();
    assert_eq!(values, ["http://example.org/a", "https://example.net/"]);
    assert!(store.findings_page(Some("none"), 0, 10).unwrap().is_empty());
    assert!(store.findings_page(None, 13, 10).unwrap().is_empty());

    // One value: where each was found.
    let alice = store
        .findings_of_value("email", "alice@example.org", 10)
        .unwrap();
    let at: Vec<(&str, u64)> = alice
        .iter()
        .map(|f| (f.row.evidence.as_str(), f.row.offset))
        .collect();
    assert_eq!(at, [("E1", 100), ("E1", 500), ("E2", 50)]);
    assert_eq!(
        store
            .findings_of_value("email", "alice@example.org", 1)
            .unwrap()
            .len(),
        1
    );
    assert!(store
        .findings_of_value("email", "Alice@Example.org", 10)
        .unwrap()
        .is_empty());
    assert!(store
        .findings_of_value("url", "alice@example.org", 10)
        .unwrap()
        .is_empty());

    // Value prefixes: as typed and lower-cased, URLs behind their schemes.
    let kinds = |k: &[&str]| k.iter().map(|s| s.to_string()).collect::<Vec<_>>();
    let v = |text: &str, k: &[&str], limit: usize| {
        store
            .values_starting(text, &kinds(k), limit)
            .unwrap()
            .into_iter()
            .map(|r| (r.kind, r.value, r.count))
            .collect::<Vec<_>>()
    };
    let r = |k: &str, v: &str, n: u64| (k.to_string(), v.to_string(), n);
    assert_eq!(
        v(" ALI ", &["email"], 10),
        [r("email", "alice@example.org", 3)]
    );
    assert_eq!(
        v("example.org", &["url", "email"], 10),
        [
            r("url", "http://example.org/a", 1),
            r("url", "https://www.example.org/b", 1)
        ]
    );
    assert_eq!(v("", &["email"], 10), Vec::<(String, String, u64)>::new());
    // `%` and `_` are not wildcards in a range.
    assert_eq!(
        v("100%_", &["email"], 10),
        [r("email", "100%_x@example.org", 1)]
    );
    assert!(v("1_0", &["email"], 10).is_empty());
    assert_eq!(v("é", &["email"], 10), [r("email", "émile@exemple.fr", 1)]);
    // At most `limit` per kind, the smallest values first.
    assert_eq!(
        v("http", &["url", "email"], 1),
        [r("url", "http://example.org/a", 1)]
    );
    assert_eq!(
        v("1", &["email", "wallet"], 1),
        [
            r("email", "100%_x@example.org", 1),
            r("wallet", "1boatslrhtknngkdxeeobr76b53lettpyt", 1)
        ]
    );
    assert_eq!(v("http", &["url"], 2).len(), 2);
}

fn events_and_activity(b: &Backend) {
    let store = b.open().unwrap();
    fill(store.as_ref());

    assert_eq!(
        names(&store.event_sources().unwrap()),
        [("chat", 3), ("ext2", 4), ("mail", 1)]
    );
    let all = store.events_page(&EventFilter::default(), 100).unwrap();
    let seen: Vec<(&str, &str, &str)> = all
        .iter()
        .map(|e| {
            (
                e.row.time.as_str(),
                e.row.evidence.as_str(),
                e.row.description.as_str(),
            )
        })
        .collect();
    assert_eq!(
        seen,
        [
            ("2019-12-31T23:59:59Z", "E2", "/mail/inbox.mbox"),
            ("2020-01-01T00:00:00Z", "E1", "/docs/README.txt"),
            ("2020-01-01T00:00:00Z", "E1", "/docs/README.txt"),
            ("2020-01-01T10:00:00Z", "E1", "/pics/b.png"),
            ("2020-02-03T04:05:06Z", "E1", "Mail from alice"),
            ("2021-07-01T12:00:00Z", "E1", "Chat message"),
            ("2021-07-01T12:00:00Z", "E1", "Chat message"),
            ("2021-07-01T12:00:00Z", "E2", "Another chat"),
        ]
    );
    assert_eq!(all[0].file_id, Some(11));
    assert_eq!(all[0].row.file.as_ref().unwrap().path, "/mail/inbox.mbox");
    assert_eq!(all[4].file_id, None);
    assert_eq!(
        store.events_page(&EventFilter::default(), 3).unwrap().len(),
        3
    );

    let filter = EventFilter {
        from: Some("2020-01-01T00:00:00Z".into()),
        to: Some("2021".into()),
        source: None,
    };
    assert_eq!(store.events_page(&filter, 100).unwrap().len(), 4);
    let chat = EventFilter {
        source: Some("chat".into()),
        ..EventFilter::default()
    };
    assert_eq!(store.events_page(&chat, 100).unwrap().len(), 3);
    let none = EventFilter {
        source: Some("nothing".into()),
        ..EventFilter::default()
    };
    assert!(store.events_page(&none, 100).unwrap().is_empty());

    assert_eq!(
        names(&store.activity(&EventFilter::default(), 4).unwrap()),
        [("2019", 1), ("2020", 4), ("2021", 3)]
    );
    assert_eq!(
        names(&store.activity(&filter, 7).unwrap()),
        [("2020-01", 3), ("2020-02", 1)]
    );
    assert_eq!(
        names(&store.activity(&chat, 13).unwrap()),
        [("2021-07-01T12", 3)]
    );
    assert_eq!(
        names(&store.activity(&EventFilter::default(), 0).unwrap()),
        [("", 8)]
    );
    assert_eq!(
        store
            .activity(&EventFilter::default(), usize::MAX)
            .unwrap()
            .len(),
        5
    );
}

fn messages_pages_and_lookup(b: &Backend) {
    let store = b.open().unwrap();
    fill(store.as_ref());

    // By evidence, location, offset (then row id); no analysis in a list.
    let page = store.messages_page(0, 100).unwrap();
    let at: Vec<(&str, &str, u64, &str)> = page
        .iter()
        .map(|m| {
            (
                m.evidence.as_str(),
                m.location.as_str(),
                m.offset,
                m.sha256.as_str(),
            )
        })
        .collect();
    assert_eq!(
        at,
        [
            ("E1", "/a.eml", 1, "s2"),
            ("E1", "/a.eml", 5, "s3"),
            ("E1", "/docs/README.txt", 0, "s1"),
            ("E1", "/docs/README.txt", 0, "s1"),
            ("E2", "/mail/inbox.mbox@0", 0, "s2"),
        ]
    );
    assert!(page.iter().all(|m| m.analysis.is_none()));
    // The earlier row (with its file) before the later one (without).
    assert_eq!(page[2].file_id, Some(1));
    assert_eq!(page[2].file.as_ref().unwrap().path, "/docs/README.txt");
    assert_eq!(page[3].file, None);
    assert_eq!(page[4].subject.as_deref(), Some("subject s2"));
    assert_eq!(page[4].attachments, 1);
    assert_eq!(store.messages_page(2, 2).unwrap(), page[2..4]);
    assert!(store.messages_page(5, 2).unwrap().is_empty());

    // The first by evidence and location, with its analysis and file.
    let (m, file_id) = store.message_by_sha256("s2").unwrap().unwrap();
    assert_eq!((m.evidence.as_str(), m.location.as_str()), ("E1", "/a.eml"));
    assert_eq!(m.analysis.as_deref(), Some("{\"verdict\":\"ok\"}"));
    assert_eq!(file_id, None);
    let (m, file_id) = store.message_by_sha256("s1").unwrap().unwrap();
    assert_eq!(
        (m.location.as_str(), file_id),
        ("/docs/README.txt", Some(1))
    );
    assert_eq!(m.file.unwrap().inode, "12");
    assert!(store.message_by_sha256("S1").unwrap().is_none());
}

/// The version tokens a test has seen.
struct Versions(Vec<String>);

impl Versions {
    /// The token now differs from the last one; on PostgreSQL (whose
    /// token follows every row) from every one seen before.
    fn changed(&mut self, store: &dyn Browse, pg: bool, what: &str) {
        let v = store.version().unwrap();
        let last = self.0.last().unwrap();
        assert_ne!(&v, last, "{what}");
        if pg {
            assert!(!self.0.contains(&v), "{what}: {v} seen before");
        }
        self.0.push(v);
    }

    fn same(&self, store: &dyn Browse, what: &str) {
        assert_eq!(&store.version().unwrap(), self.0.last().unwrap(), "{what}");
    }
}

fn version_changes_with_the_rows(b: &Backend) {
    let pg = matches!(b, Backend::Postgres { .. });
    let store = b.open().unwrap();
    let store = store.as_ref();
    let mut seen = Versions(vec![store.version().unwrap()]);
    seen.same(store, "reading does not change it");
    fill(store);
    seen.changed(store, pg, "fill");
    store
        .mark_stage("E2", "scan", "2024-01-01T00:02:00Z")
        .unwrap();
    seen.changed(store, pg, "a stage done");
    if pg {
        // PostgreSQL's token follows every row, not only stage marks.
        store
            .insert_findings("scan", &[finding("E2", "email", "new@x.org", 1, None)])
            .unwrap();
        seen.changed(store, pg, "a finding added");
        store.clear_stage("E9", "scan").unwrap();
        seen.same(store, "nothing cleared");
        store
            .clear_findings_in("E1", "scan", (0, 35), "nothing")
            .unwrap();
        seen.changed(store, pg, "findings of a range cleared");
        store
            .insert_events("mail", &[event("E1", "2022", "chat", "x", None)])
            .unwrap();
        seen.changed(store, pg, "an event added");
        store
            .insert_messages("mail", &[message("E1", "s9", "/b.eml", 0, None)])
            .unwrap();
        seen.changed(store, pg, "a message added");
        store
            .insert_files(&[file("E2", 1, "/new", "30", None)], &[])
            .unwrap();
        seen.changed(store, pg, "a file added");
    }
    // A stage redone: cleared, its rows written again, marked again.
    store.clear_stage("E2", "scan").unwrap();
    seen.changed(store, pg, "a stage cleared");
    store
        .insert_findings("scan", &[finding("E2", "email", "new@x.org", 1, None)])
        .unwrap();
    store
        .mark_stage("E2", "scan", "2024-01-01T00:03:00Z")
        .unwrap();
    seen.changed(store, pg, "a stage redone");
    store
        .replace_enrichment(&[exhibit_store::EnrichmentRow {
            kind: "email".into(),
            value: "new@x.org".into(),
            flagged: true,
            summary: "watchlist".into(),
            json: "{}".into(),
        }])
        .unwrap();
    seen.changed(store, pg, "enrichment");
    // Tags are not what the cached aggregates count.
    store
        .add_tag(&exhibit_store::TagRow {
            target: "finding".into(),
            key: "email:new@x.org".into(),
            detail: String::new(),
            note: None,
            examiner: "ann".into(),
            tagged_at: "2024-01-01T00:00:00Z".into(),
        })
        .unwrap();
    seen.same(store, "a tag");
}

fn empty_store_gives_empty_pages(b: &Backend) {
    let store = b.open().unwrap();
    let f = EventFilter::default();
    assert!(store.file_by_id(1).unwrap().is_none());
    assert!(store.messages_page(0, 10).unwrap().is_empty());
    assert!(store
        .values_starting("a", &["email".to_string()], 10)
        .unwrap()
        .is_empty());
    assert!(store.files_containing("a", 10).unwrap().is_empty());
    assert!(store.file_ids_at("E1", "/a").unwrap().is_empty());
    assert!(store.files_of("E1", 0, 10).unwrap().is_empty());
    assert!(store.files_of_type("image/", 0, 10).unwrap().is_empty());
    assert!(!store.version().unwrap().is_empty());
    assert!(store.finding_kinds().unwrap().is_empty());
    assert!(store.event_sources().unwrap().is_empty());
    assert!(store.findings_page(None, 0, 10).unwrap().is_empty());
    assert!(store
        .findings_of_value("email", "a", 10)
        .unwrap()
        .is_empty());
    assert!(store.events_page(&f, 10).unwrap().is_empty());
    assert!(store.activity(&f, 4).unwrap().is_empty());
    assert!(store.message_by_sha256("00").unwrap().is_none());
}

/// Every page query's answer for the fixture, as text: equal texts are
/// equal pages.
fn pages(store: &dyn Browse) -> Vec<String> {
    let mut out = Vec::new();
    let kinds: Vec<String> = ["email", "url", "wallet", "none"]
        .iter()
        .map(|s| s.to_string())
        .collect();
    for id in 0..=13 {
        out.push(format!("file {id}: {:?}", store.file_by_id(id).unwrap()));
    }
    for (offset, limit) in [(0, 100), (1, 2), (4, 10), (10, 1)] {
        out.push(format!(
            "messages {offset} {limit}: {:?}",
            store.messages_page(offset, limit).unwrap()
        ));
        out.push(format!(
            "files of E1 {offset} {limit}: {:?}",
            store.files_of("E1", offset, limit).unwrap()
        ));
        out.push(format!(
            "images {offset} {limit}: {:?}",
            store.files_of_type("image/", offset, limit).unwrap()
        ));
        for kind in [None, Some("email"), Some("url")] {
            out.push(format!(
                "findings {kind:?} {offset} {limit}: {:?}",
                store.findings_page(kind, offset, limit).unwrap()
            ));
        }
    }
    for text in [
        "", "a", "A", "ALICE", "b", "e", "ex", "example", "http", "www", "1", "100%", "%", "_",
        "\\", "é", "É", "/", ".", "zzz",
    ] {
        for limit in [1, 2, 100] {
            out.push(format!(
                "values {text:?} {limit}: {:?}",
                store.values_starting(text, &kinds, limit).unwrap()
            ));
            out.push(format!(
                "paths {text:?} {limit}: {:?}",
                store.files_containing(text, limit).unwrap()
            ));
        }
    }
    for (ev, path) in [
        ("E1", "/pics/a.jpg"),
        ("E1", "/docs/README.txt"),
        ("E2", "/x"),
    ] {
        out.push(format!(
            "ids {ev} {path}: {:?}",
            store.file_ids_at(ev, path).unwrap()
        ));
    }
    out.push(format!("kinds: {:?}", store.finding_kinds().unwrap()));
    out.push(format!("sources: {:?}", store.event_sources().unwrap()));
    for (kind, value) in [
        ("email", "alice@example.org"),
        ("email", "bob@example.org"),
        ("url", "https://example.net/"),
        ("email", "nobody"),
    ] {
        out.push(format!(
            "value {kind}:{value}: {:?}",
            store.findings_of_value(kind, value, 100).unwrap()
        ));
    }
    let filters = [
        EventFilter::default(),
        EventFilter {
            from: Some("2020".into()),
            to: Some("2021-07-01T12:00:00Z".into()),
            source: None,
        },
        EventFilter {
            from: None,
            to: None,
            source: Some("chat".into()),
        },
    ];
    for f in &filters {
        for limit in [1, 5, 100] {
            out.push(format!(
                "events {f:?} {limit}: {:?}",
                store.events_page(f, limit).unwrap()
            ));
        }
        for prefix in [0, 4, 7, 10, 13, 100] {
            out.push(format!(
                "activity {f:?} {prefix}: {:?}",
                store.activity(f, prefix).unwrap()
            ));
        }
    }
    for sha in ["s1", "s2", "s3", "s4"] {
        out.push(format!(
            "message {sha}: {:?}",
            store.message_by_sha256(sha).unwrap()
        ));
    }
    out
}

#[test]
fn same_pages_on_both() {
    let Some(pg) = Backend::postgres("same_pages_on_both") else {
        return;
    };
    let sqlite = Backend::sqlite();
    let (a, b) = (sqlite.open().unwrap(), pg.open().unwrap());
    fill(a.as_ref());
    fill(b.as_ref());
    let (a, b) = (pages(a.as_ref()), pages(b.as_ref()));
    assert_eq!(a.len(), b.len());
    for (x, y) in a.iter().zip(&b) {
        assert_eq!(x, y, "SQLite and PostgreSQL differ");
    }
}
