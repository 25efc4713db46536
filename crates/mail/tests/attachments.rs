//! Attachments: type by content, digests, extraction that cannot escape the
//! folder or overwrite anything.

use exhibit_mail::{attachment_bytes, extract_attachments, parse_message};

const PNG_1X1: &str = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==";

fn message() -> Vec<u8> {
    format!(
        "From: a@example.com\r\nTo: b@example.org\r\nSubject: files\r\nMIME-Version: 1.0\r\n\
Content-Type: multipart/mixed; boundary=\"XX\"\r\n\r\n\
--XX\r\nContent-Type: text/plain\r\n\r\nsee attached\r\n\
--XX\r\nContent-Type: application/pdf; name=\"invoice.pdf\"\r\n\
Content-Disposition: attachment; filename=\"../../etc/invoice.pdf\"\r\n\
Content-Transfer-Encoding: base64\r\n\r\n{PNG_1X1}\r\n\
--XX\r\nContent-Type: application/octet-stream\r\n\
Content-Disposition: attachment; filename=\"=?utf-8?B?cmVwb3J04oCuZmRwLmV4ZQ==?=\"\r\n\r\nMZ\x01\x02\r\n\
--XX\r\nContent-Type: message/rfc822\r\n\r\n\
From: c@example.com\r\nSubject: inner\r\nContent-Type: multipart/mixed; boundary=\"YY\"\r\n\r\n\
--YY\r\nContent-Type: text/plain\r\n\r\ninner body\r\n\
--YY\r\nContent-Type: text/csv; name=\"data.csv\"\r\nContent-Disposition: attachment\r\n\r\na,b\r\n1,2\r\n\
--YY--\r\n\
--XX--\r\n"
    )
    .into_bytes()
}

#[test]
fn listing_paths_types_and_digests() {
    let raw = message();
    let msg = parse_message(&raw).unwrap();
    let paths: Vec<_> = msg.parts.iter().map(|p| p.path.as_str()).collect();
    assert_eq!(paths, ["0", "1", "2", "3", "4", "4.0", "4.1", "4.2"]);
    let atts: Vec<_> = msg
        .attachments
        .iter()
        .map(|a| (a.part.as_str(), a.name.as_deref()))
        .collect();
    assert_eq!(
        atts,
        [
            ("2", Some("../../etc/invoice.pdf")),
            ("3", Some("report\u{202e}fdp.exe")),
            ("4", None),
            ("4.2", Some("data.csv")),
        ]
    );
    // Declared a PDF, detected a PNG by content.
    let a = &msg.attachments[0];
    assert_eq!(a.declared_type.as_deref(), Some("application/pdf"));
    assert_eq!(a.detected_type.as_deref(), Some("image/png"));
    assert_eq!(a.size, 70);
    let bytes = attachment_bytes(&raw, "2").unwrap();
    assert_eq!(bytes.len(), 70);
    assert!(bytes.starts_with(b"\x89PNG"));
    assert_eq!(a.md5.len(), 32);
    assert_eq!(a.sha1.len(), 40);
    assert_eq!(a.sha256.len(), 64);
    assert_eq!(
        msg.attachments[2].detected_type.as_deref(),
        Some("message/rfc822")
    );
    assert!(attachment_bytes(&raw, "4")
        .unwrap()
        .starts_with(b"From: c@example.com"));
    assert_eq!(attachment_bytes(&raw, "4.2").unwrap(), b"a,b\r\n1,2");
    assert!(attachment_bytes(&raw, "9").is_err());
    assert!(attachment_bytes(&raw, "").is_err());
}

#[test]
fn extraction_is_confined_and_never_overwrites() {
    let raw = message();
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("out");
    let first = extract_attachments(&raw, &dir).unwrap();
    let second = extract_attachments(&raw, &dir).unwrap();
    assert_eq!(first.len(), 4);
    assert_eq!(second.len(), 4);
    for p in first.iter().chain(&second) {
        assert_eq!(p.parent(), Some(dir.as_path()), "{}", p.display());
        let name = p.file_name().unwrap().to_string_lossy();
        assert!(!name.starts_with('.'));
        assert!(!name.contains('\u{202e}'), "bidi override kept in {name}");
    }
    assert_ne!(first, second);
    assert_eq!(
        first[0].file_name().unwrap().to_string_lossy(),
        "part2_invoice.pdf"
    );
    assert_eq!(
        second[0].file_name().unwrap().to_string_lossy(),
        "part2_invoice (2).pdf"
    );
    assert_eq!(
        std::fs::read(&first[0]).unwrap(),
        std::fs::read(&second[0]).unwrap()
    );
    // Nothing was written outside.
    let entries = std::fs::read_dir(tmp.path()).unwrap().count();
    assert_eq!(entries, 1);
}
