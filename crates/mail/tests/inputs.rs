//! The other inputs: Outlook `.msg` files and folders of mail (Maildir,
//! `.eml` exports), and the leads found in a message.

mod common;

use std::fs;

use exhibit_mail::{
    detect_mail_file, extract_msg_attachments, leads, mail_files, parse_msg, route, LeadKind,
    MailFileKind,
};

#[test]
fn outlook_msg_files() {
    let Some(dir) = common::testdata() else {
        return;
    };
    let dir = dir.join("msg");
    // Every .msg parses or is refused cleanly; other OLE files are not mail.
    let mut parsed = 0;
    for f in common::files_under(&dir) {
        let raw = fs::read(&f).unwrap();
        let is_msg = f.extension().is_some_and(|e| e == "msg");
        let kind = detect_mail_file(&f, &raw[..raw.len().min(8192)]);
        assert_eq!(
            kind == Some(MailFileKind::Msg),
            is_msg && raw.len() > 11,
            "{f:?}"
        );
        match parse_msg(&raw) {
            Ok(m) => {
                parsed += 1;
                assert_eq!(m.id.len(), 64);
                assert_eq!(m.size, raw.len() as u64);
                let _ = route(&m);
            }
            Err(e) => assert!(!is_msg || f.ends_with("bad_outlook.msg"), "{f:?}: {e}"),
        }
    }
    assert!(parsed >= 8, "{parsed}");

    // Sent mail keeps its transport headers: the route reads as for .eml.
    let raw = fs::read(dir.join("test_email_1.msg")).unwrap();
    let m = parse_msg(&raw).unwrap();
    assert!(m.subject.is_some());
    assert_eq!(
        m.from[0].address.as_deref(),
        Some("application-testing@outlook.com")
    );
    assert_eq!(route(&m).hops.len(), 6);
    assert!(!m.body_text.is_empty());
    assert_eq!(m.attachments.len(), 11);
    // A draft: headers rebuilt from the properties, and said so.
    let m = parse_msg(&fs::read(dir.join("test_email_3.msg")).unwrap()).unwrap();
    assert_eq!(m.from[0].address.as_deref(), Some("no-reply@microsoft.com"));
    assert!(m
        .warnings
        .iter()
        .any(|w| w.contains("no transport headers")));

    // Attachments with digests, extractable.
    let raw = fs::read(dir.join("attachment.msg")).unwrap();
    let m = parse_msg(&raw).unwrap();
    assert!(!m.attachments.is_empty());
    for a in &m.attachments {
        assert!(a.part.starts_with("attach."));
        assert_eq!(a.sha256.len(), 64);
    }
    let out = tempfile::tempdir().unwrap();
    let written = extract_msg_attachments(&raw, out.path()).unwrap();
    assert_eq!(written.len(), m.attachments.len());
    for (p, a) in written.iter().zip(&m.attachments) {
        assert_eq!(fs::metadata(p).unwrap().len(), a.size);
    }
    // Not a .msg at all.
    assert!(parse_msg(b"From: a@b.c\r\n\r\nhi").is_err());
    assert!(parse_msg(&fs::read(dir.join("bad_outlook.msg")).unwrap()).is_err());
}

#[test]
fn maildir_and_eml_folders() {
    let t = tempfile::tempdir().unwrap();
    let root = t.path();
    let md = root.join("Maildir");
    for sub in ["cur", "new", "tmp", ".Sent/cur", ".Sent/new", ".Sent/tmp"] {
        fs::create_dir_all(md.join(sub)).unwrap();
    }
    let eml = b"From: a@example.com\r\nTo: b@example.org\r\nSubject: x\r\n\r\nhi\r\n";
    fs::write(md.join("cur/1717400000.M1P2.host:2,S"), eml).unwrap();
    fs::write(md.join("new/1717400001.M1P3.host"), eml).unwrap();
    fs::write(md.join("tmp/1717400002.M1P4.host"), eml).unwrap(); // being delivered
    fs::write(md.join(".Sent/cur/1717400003.M1P5.host:2,S"), eml).unwrap();
    fs::create_dir_all(root.join("export")).unwrap();
    fs::write(root.join("export/a.eml"), eml).unwrap();
    fs::write(
        root.join("export/notes.txt"),
        b"From: me\nnot a mail at all\n",
    )
    .unwrap();
    fs::write(
        root.join("export/Inbox"),
        b"From a@example.com Mon Jun  3 10:00:00 2024\nFrom: a@example.com\nSubject: x\n\nhi\n",
    )
    .unwrap();
    let found: Vec<String> = mail_files(root)
        .iter()
        .map(|p| p.strip_prefix(root).unwrap().display().to_string())
        .collect();
    assert_eq!(
        found,
        [
            "Maildir/.Sent/cur/1717400003.M1P5.host:2,S",
            "Maildir/cur/1717400000.M1P2.host:2,S",
            "Maildir/new/1717400001.M1P3.host",
            "export/Inbox",
            "export/a.eml",
        ]
    );
    assert_eq!(mail_files(&root.join("export/a.eml")).len(), 1);
    assert!(mail_files(&root.join("nowhere")).is_empty());
}

#[test]
fn leads_with_locations() {
    let Some(dir) = common::testdata() else {
        return;
    };
    let raw = fs::read(dir.join("phishing_pot/sample-1560.eml")).unwrap();
    let m = exhibit_mail::parse_message(&raw).unwrap();
    let l = leads(&m);
    let origin = l
        .iter()
        .find(|x| x.kind == LeadKind::Ip && x.value == "168.245.112.107")
        .expect("origin IP among the leads");
    assert_eq!(origin.locations[0].place, "header");
    assert!(origin.locations[0].header.is_some());
    assert!(l
        .iter()
        .any(|x| x.kind == LeadKind::Url && x.value.contains("colegiosantissima.com.br")));
    assert!(l
        .iter()
        .any(|x| x.kind == LeadKind::Domain && x.value == "colegiosantissima.com.br"));
    // Message ids are not mailboxes.
    if let Some(id) = &m.message_id {
        assert!(!l
            .iter()
            .any(|x| x.kind == LeadKind::Email && x.value == id.to_lowercase()));
    }
}
