//! Integration tests: the index as the triage pipeline and the search commands use it.

use std::path::Path;

use exhibit_index::{parse_query, Doc, DocKind, Hit, Index, IndexError, Query};
use jiff::Timestamp;

fn ts(s: &str) -> Timestamp {
    s.parse().unwrap()
}

fn doc(kind: DocKind, ev: &str, key: &str, tag: &str, value: &str, path: &str) -> Doc {
    Doc {
        kind,
        evidence: ev.into(),
        key: key.into(),
        sort: format!("{key:>8}"),
        tag: tag.into(),
        value: value.into(),
        path: path.into(),
        time: None,
        text: String::new(),
    }
}

fn with_time(mut d: Doc, t: &str) -> Doc {
    d.time = Some(ts(t));
    d
}

fn with_text(mut d: Doc, t: &str) -> Doc {
    d.text = t.into();
    d
}

/// A small case: findings, a file, an event, a message and a text.
fn corpus() -> Vec<Doc> {
    vec![
        with_text(
            doc(DocKind::Finding, "E1", "1", "email", "alice@example.com", "/home/alice/notes.txt"),
            "please pay alice@example.com before friday",
        ),
        with_text(
            doc(DocKind::Finding, "E1", "2", "url", "https://evil.example.net/login?x=1", "/home/alice/.mozilla/places.sqlite"),
            "visited https://evil.example.net/login?x=1",
        ),
        doc(DocKind::Finding, "E1", "3", "ipv4", "192.168.1.5", "/var/log/auth.log"),
        doc(DocKind::Finding, "E2", "4", "btc", "bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq", r"C:\Users\Bob\wallet.txt"),
        doc(DocKind::Finding, "E2", "5", "email", "bob@example.org", r"C:\Users\Bob\mail.pst"),
        with_time(
            doc(DocKind::File, "E1", "f1", "text/plain", "/home/alice/notes.txt", "/home/alice/notes.txt"),
            "2024-01-10T08:00:00Z",
        ),
        with_time(
            with_text(doc(DocKind::Event, "E1", "ev1", "bash_history", "ssh root@10.0.0.7", "/home/alice/.bash_history"), "login to bank server"),
            "2024-01-31T23:59:59.999999Z",
        ),
        with_time(
            with_text(
                doc(DocKind::Message, "E2", "m1", "email", "Invoice for the bank transfer", "/Users/Bob/mail.pst/Inbox"),
                "Dear Bob, the bank transfer of 5 BTC is ready. โอนเงินเข้าบัญชีธนาคาร 银行账户 Chuyển tiền ngân hàng",
            ),
            "2024-02-01T00:00:00Z",
        ),
        with_time(
            with_text(doc(DocKind::Text, "E1", "t1", "text/plain", "/home/alice/notes.txt", "/home/alice/notes.txt"), "Alice owes the BANK 300 dollars; call +66 81 234 5678"),
            "2024-01-01T00:00:00Z",
        ),
    ]
}

fn build(dir: &Path, docs: &[Doc], threads: usize) -> Index {
    let index = Index::open(dir).unwrap();
    let mut w = index.writer(threads, 50_000_000).unwrap();
    for d in docs {
        w.add(d).unwrap();
    }
    w.commit().unwrap();
    index
}

fn keys(index: &Index, q: &str) -> Vec<String> {
    let query = parse_query(q).unwrap_or_else(|e| panic!("{q}: {e}"));
    let hits = index.search(&query).unwrap();
    assert_eq!(index.count(&query).unwrap(), hits.len() as u64, "{q}");
    hits.into_iter().map(|h| h.key).collect()
}

fn expected_hit(d: &Doc) -> Hit {
    Hit {
        kind: d.kind,
        evidence: d.evidence.clone(),
        key: d.key.clone(),
        tag: d.tag.clone(),
        value: d.value.clone(),
        path: d.path.clone(),
        time: d.time,
    }
}

#[test]
fn every_kind_round_trips() {
    let tmp = tempfile::tempdir().unwrap();
    let mut docs = corpus();
    docs[0].time = Some(ts("2024-03-04T05:06:07.123456789Z")); // nanoseconds survive
    let index = build(tmp.path(), &docs, 1);
    for kind in DocKind::ALL {
        assert_eq!(DocKind::parse(kind.name()), Some(kind));
        let hits = index
            .search(&Query {
                kinds: vec![kind],
                ..Query::default()
            })
            .unwrap();
        let want: Vec<Hit> = docs
            .iter()
            .filter(|d| d.kind == kind)
            .map(expected_hit)
            .collect();
        let mut got = hits.clone();
        got.sort_by(|a, b| (&a.evidence, &a.key).cmp(&(&b.evidence, &b.key)));
        let mut want_sorted = want.clone();
        want_sorted.sort_by(|a, b| (&a.evidence, &a.key).cmp(&(&b.evidence, &b.key)));
        assert_eq!(got, want_sorted, "{kind}");
        assert!(!hits.is_empty());
    }
    assert_eq!(index.len().unwrap(), docs.len() as u64);
    // Survives reopening.
    drop(index);
    let index = Index::open(tmp.path()).unwrap();
    assert_eq!(index.count(&Query::default()).unwrap(), docs.len() as u64);
}

#[test]
fn free_text_words_and_phrases() {
    let tmp = tempfile::tempdir().unwrap();
    let index = build(tmp.path(), &corpus(), 1);
    // Case-insensitive, across value, path and text; AND of words.
    assert_eq!(keys(&index, "bank"), ["ev1", "m1", "t1"]);
    assert_eq!(keys(&index, "BANK transfer"), ["m1"]);
    assert_eq!(keys(&index, "alice bank"), ["ev1", "t1"]); // alice in the path, bank in the text
    assert_eq!(keys(&index, r#""bank transfer""#), ["m1"]);
    assert_eq!(keys(&index, r#""transfer bank""#), Vec::<String>::new());
    assert_eq!(keys(&index, "friday"), ["1"]);
    assert_eq!(keys(&index, "nothing-like-this"), Vec::<String>::new());
    // File content (`text`) is indexed, not stored: the hit has no text field at all.
    assert_eq!(keys(&index, "dollars"), ["t1"]);
}

#[test]
fn leads_found_by_free_text_and_value() {
    let tmp = tempfile::tempdir().unwrap();
    let index = build(tmp.path(), &corpus(), 1);
    assert_eq!(keys(&index, "alice@example.com"), ["1"]);
    assert_eq!(keys(&index, "ALICE@EXAMPLE.COM"), ["1"]);
    assert_eq!(keys(&index, "example.com"), ["1"]);
    assert_eq!(keys(&index, "value:alice@example.com"), ["1"]);
    assert_eq!(keys(&index, "value:Alice@Example.com"), ["1"]);
    assert_eq!(keys(&index, "value:example.com"), Vec::<String>::new()); // whole value only
    assert_eq!(keys(&index, "192.168.1.5"), ["3"]);
    assert_eq!(keys(&index, "value:192.168.1.5"), ["3"]);
    assert_eq!(keys(&index, "192.168.1.50"), Vec::<String>::new());
    assert_eq!(keys(&index, "https://evil.example.net/login?x=1"), ["2"]);
    assert_eq!(keys(&index, "evil.example.net"), ["2"]);
    assert_eq!(
        keys(&index, r#"value:"https://evil.example.net/login?x=1""#),
        ["2"]
    );
    assert_eq!(
        keys(&index, "bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq"),
        ["4"]
    );
    assert_eq!(
        keys(&index, "value:BC1QAR0SRRR7XFKVY5L643LYDNW9RE59GTZZWF5MDQ"),
        ["4"]
    );
    assert_eq!(keys(&index, "root@10.0.0.7"), ["ev1"]);
    assert_eq!(keys(&index, "+66 81 234 5678"), ["t1"]);
}

#[test]
fn filters() {
    let tmp = tempfile::tempdir().unwrap();
    let index = build(tmp.path(), &corpus(), 1);
    assert_eq!(keys(&index, "type:email"), ["1", "5", "m1"]);
    assert_eq!(keys(&index, "type:EMAIL in:finding"), ["1", "5"]);
    assert_eq!(keys(&index, "in:message in:event"), ["ev1", "m1"]);
    assert_eq!(keys(&index, "in:file,text"), ["f1", "t1"]);
    assert_eq!(keys(&index, "ev:E2"), ["4", "5", "m1"]);
    assert_eq!(keys(&index, "ev:E3"), Vec::<String>::new());
    assert_eq!(keys(&index, "ev:E1 type:email example"), ["1"]);
    // path: whole segments, prefix or anywhere; `\` and `/` alike; case-insensitive.
    assert_eq!(
        keys(&index, "path:/home/alice"),
        ["1", "2", "f1", "ev1", "t1"]
    );
    assert_eq!(
        keys(&index, "path:/home/alice/notes.txt"),
        ["1", "f1", "t1"]
    );
    assert_eq!(keys(&index, "path:notes.txt"), ["1", "f1", "t1"]);
    assert_eq!(keys(&index, "path:/home/ali"), Vec::<String>::new());
    assert_eq!(keys(&index, r"path:C:\Users\Bob"), ["4", "5"]);
    assert_eq!(keys(&index, "path:users/bob"), ["4", "5", "m1"]);
    assert_eq!(keys(&index, r#"path:"/var/log""#), ["3"]);
}

#[test]
fn time_range_is_half_open_and_excludes_timeless_docs() {
    let tmp = tempfile::tempdir().unwrap();
    let index = build(tmp.path(), &corpus(), 1);
    assert_eq!(keys(&index, "from:2024-01-01"), ["f1", "ev1", "m1", "t1"]);
    assert_eq!(
        keys(&index, "from:2024-01-01 to:2024-02-01"),
        ["f1", "ev1", "t1"]
    );
    assert_eq!(
        keys(&index, "from:2024-01-01T00:00:00.000001Z"),
        ["f1", "ev1", "m1"]
    );
    assert_eq!(keys(&index, "to:2024-01-01"), Vec::<String>::new());
    assert_eq!(keys(&index, "to:2024-01-01T00:00:00.000001Z"), ["t1"]);
    assert_eq!(keys(&index, "from:2024-02-01T00:00:00Z"), ["m1"]);
    assert_eq!(keys(&index, "from:2024-02-01T07:00:00+07:00"), ["m1"]);
    assert_eq!(
        keys(&index, "from:2024-01-31T23:59:59.999999Z to:2024-02-01"),
        ["ev1"]
    );
    assert_eq!(keys(&index, "bank from:2024-01-15"), ["ev1", "m1"]);
}

#[test]
fn unicode_text() {
    let tmp = tempfile::tempdir().unwrap();
    let index = build(tmp.path(), &corpus(), 1);
    // Thai and Chinese have no spaces: any character sequence matches.
    assert_eq!(keys(&index, "ธนาคาร"), ["m1"]); // "bank", inside a longer run
    assert_eq!(keys(&index, "บัญชี"), ["m1"]);
    assert_eq!(keys(&index, "银行"), ["m1"]);
    assert_eq!(keys(&index, "账户"), ["m1"]);
    assert_eq!(keys(&index, "行银"), Vec::<String>::new());
    // Vietnamese: whole words, diacritics significant, case-insensitive.
    assert_eq!(keys(&index, "NGÂN HÀNG"), ["m1"]);
    assert_eq!(keys(&index, r#""chuyển tiền""#), ["m1"]);
    assert_eq!(keys(&index, "ngan"), Vec::<String>::new());
}

#[test]
fn limit_truncates_after_ordering_and_count_ignores_it() {
    let tmp = tempfile::tempdir().unwrap();
    let index = build(tmp.path(), &corpus(), 1);
    let mut q = parse_query("path:/home/alice").unwrap();
    q.limit = Some(2);
    let hits: Vec<String> = index
        .search(&q)
        .unwrap()
        .into_iter()
        .map(|h| h.key)
        .collect();
    assert_eq!(hits, ["1", "2"]);
    assert_eq!(index.count(&q).unwrap(), 5);
    q.limit = Some(0);
    assert!(index.search(&q).unwrap().is_empty());
}

#[test]
fn delete_evidence_then_readd_gives_the_same_results() {
    let tmp = tempfile::tempdir().unwrap();
    let docs = corpus();
    let index = build(tmp.path(), &docs, 2);
    let before = index.search(&Query::default()).unwrap();

    let mut w = index.writer(2, 50_000_000).unwrap();
    w.delete_evidence("E1").unwrap();
    w.commit().unwrap();
    assert_eq!(keys(&index, ""), ["4", "5", "m1"]);

    // A rerun of an item: delete, then add, in the same commit.
    let mut w = index.writer(1, 50_000_000).unwrap();
    w.delete_evidence("E2").unwrap();
    for d in docs.iter().filter(|d| d.evidence == "E2") {
        w.add(d).unwrap();
    }
    w.delete_evidence("E1").unwrap();
    for d in docs.iter().filter(|d| d.evidence == "E1") {
        w.add(d).unwrap();
    }
    w.commit().unwrap();
    assert_eq!(index.search(&Query::default()).unwrap(), before);
    assert_eq!(index.len().unwrap(), docs.len() as u64);
}

#[test]
fn uncommitted_writer_leaves_the_previous_state() {
    let tmp = tempfile::tempdir().unwrap();
    let index = build(tmp.path(), &corpus(), 1);
    let before = index.search(&Query::default()).unwrap();
    {
        let mut w = index.writer(2, 50_000_000).unwrap();
        w.delete_evidence("E1").unwrap();
        w.add(&doc(
            DocKind::Finding,
            "E9",
            "99",
            "email",
            "eve@example.com",
            "/x",
        ))
        .unwrap();
        // Not visible before commit.
        assert_eq!(index.search(&Query::default()).unwrap(), before);
    } // dropped: discarded
    assert_eq!(index.search(&Query::default()).unwrap(), before);
    let reopened = Index::open(tmp.path()).unwrap();
    assert_eq!(reopened.search(&Query::default()).unwrap(), before);
    // The lock was released: a new writer works.
    let w = reopened.writer(1, 0).unwrap();
    w.commit().unwrap();
    assert_eq!(reopened.search(&Query::default()).unwrap(), before);
}

#[test]
fn one_writer_at_a_time() {
    let tmp = tempfile::tempdir().unwrap();
    let index = Index::open(tmp.path()).unwrap();
    let _w = index.writer(1, 0).unwrap();
    let other = Index::open(tmp.path()).unwrap();
    assert!(matches!(other.writer(1, 0), Err(IndexError::Locked { .. })));
}

#[test]
fn results_do_not_depend_on_insertion_order_threads_or_segments() {
    // Many docs, some with equal sort keys, so that order really is decided by the index.
    let mut docs = corpus();
    for i in 0..3000 {
        let ev = ["E1", "E2", "E3"][i % 3];
        let mut d = doc(
            DocKind::ALL[i % 5],
            ev,
            &format!("k{}", i * 7919 % 3001),
            ["email", "url", "ipv4"][i % 3],
            &format!("user{}@example.com", i % 37),
            &format!("/home/u{}/f{}.txt", i % 11, i % 13),
        );
        d.sort = format!("{:04}", i % 50);
        d.text = format!("bank word{} common", i % 17);
        if i % 4 != 0 {
            d.time = Some(Timestamp::from_second(1_700_000_000 + (i as i64 % 500) * 3600).unwrap());
        }
        docs.push(d);
    }
    // The same (kind, evidence, sort, key) added twice with other values: order still fixed.
    for i in 0..40 {
        let mut d = docs[corpus().len() + i * 13].clone();
        d.value = format!("dup{i}@example.com");
        docs.push(d);
    }
    let queries = [
        "",
        "bank",
        "example.com type:email",
        "path:/home/u3",
        "from:2023-11-20 to:2023-12-01",
        "in:finding,message ev:E2",
        "word3 common",
    ];
    let results = |index: &Index| -> Vec<Vec<Hit>> {
        queries
            .iter()
            .map(|q| {
                let mut query = parse_query(q).unwrap();
                query.limit = Some(700);
                index.search(&query).unwrap()
            })
            .collect()
    };

    let a = tempfile::tempdir().unwrap();
    let reference = results(&build(a.path(), &docs, 1));
    assert!(reference.iter().all(|r| !r.is_empty()));

    // Reversed order, two threads.
    let b = tempfile::tempdir().unwrap();
    let mut reversed = docs.clone();
    reversed.reverse();
    assert_eq!(results(&build(b.path(), &reversed, 2)), reference);

    // Shuffled, one commit per evidence item (several segments), with a rerun of E2.
    let c = tempfile::tempdir().unwrap();
    let index = Index::open(c.path()).unwrap();
    let mut shuffled = docs.clone();
    let mut x: u64 = 12345;
    for i in (1..shuffled.len()).rev() {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        shuffled.swap(i, (x % (i as u64 + 1)) as usize);
    }
    for ev in ["E2", "E3", "E1", "E2"] {
        let mut w = index.writer(2, 0).unwrap();
        w.delete_evidence(ev).unwrap();
        for d in shuffled.iter().filter(|d| d.evidence == ev) {
            w.add(d).unwrap();
        }
        w.commit().unwrap();
    }
    assert_eq!(results(&index), reference);
}

#[test]
fn bad_queries_are_errors_not_panics() {
    let tmp = tempfile::tempdir().unwrap();
    let index = build(tmp.path(), &corpus(), 1);
    for bad in [
        "from:soon",
        "in:emails",
        r#"bank "transfer"#,
        "to:2024-02-30",
        "path:",
    ] {
        assert!(
            matches!(parse_query(bad), Err(IndexError::Query(_))),
            "{bad}"
        );
    }
    for text in [r#"bank "transfer"#, "--- !!!", "\"\""] {
        let q = Query {
            text: Some(text.into()),
            ..Query::default()
        };
        assert!(
            matches!(index.search(&q), Err(IndexError::Query(_))),
            "{text}"
        );
        assert!(
            matches!(index.count(&q), Err(IndexError::Query(_))),
            "{text}"
        );
    }
    let q = Query {
        path: Some("///".into()),
        ..Query::default()
    };
    assert!(matches!(index.search(&q), Err(IndexError::Query(_))));
    // Reversed bounds built by hand give no hits (parse_query rejects them).
    let q = Query {
        from: Some(ts("2024-02-01T00:00:00Z")),
        to: Some(ts("2024-01-01T00:00:00Z")),
        ..Query::default()
    };
    assert!(index.search(&q).unwrap().is_empty());
}

#[test]
fn an_index_with_another_layout_is_reported_incompatible() {
    let tmp = tempfile::tempdir().unwrap();
    let mut b = tantivy::schema::Schema::builder();
    b.add_text_field("something_else", tantivy::schema::STRING);
    tantivy::Index::create_in_dir(tmp.path(), b.build()).unwrap();
    assert!(matches!(
        Index::open(tmp.path()),
        Err(IndexError::Incompatible { .. })
    ));
}
