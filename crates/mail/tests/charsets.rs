//! Charsets used in the region, in RFC 2047 encoded words (B and Q) and in
//! bodies: TIS-620/windows-874, GBK/GB2312, Big5, Shift-JIS, windows-1252.

use exhibit_mail::parse_message;

fn message(subject: &str, from: &str, extra: &str, body: &[u8]) -> Vec<u8> {
    let mut raw = format!(
        "From: {from}\r\nTo: someone@example.org\r\nSubject: {subject}\r\n\
         Date: Mon, 3 Jun 2024 10:00:00 +0700\r\n{extra}\r\n"
    )
    .into_bytes();
    raw.extend_from_slice(body);
    raw
}

fn subject_of(encoded: &str) -> String {
    let raw = message(encoded, "a@example.com", "", b"x\r\n");
    parse_message(&raw).unwrap().subject.unwrap_or_default()
}

#[test]
fn encoded_word_subjects() {
    let cases = [
        ("=?TIS-620?B?ysfRyrTV?=", "สวัสดี"),
        ("=?TIS-620?Q?=CA=C7=D1=CA=B4=D5?=", "สวัสดี"),
        ("=?windows-874?B?ysfRyrTVpMPRug==?=", "สวัสดีครับ"),
        ("=?GBK?B?xOO6w6OsysC95w==?=", "你好，世界"),
        ("=?gb2312?Q?=C4=E3=BA=C3?=", "你好"),
        ("=?Big5?B?p0Gmbg==?=", "你好"),
        ("=?big5?Q?=A7A=A6n?=", "你好"),
        ("=?Shift_JIS?B?grGC8YLJgr+CzQ==?=", "こんにちは"),
        ("=?windows-1252?Q?caf=E9_=80?=", "café €"),
        ("=?UTF-8?B?WGluIGNow6BvIQ==?=", "Xin chào!"),
        // Two adjacent words join without the space between them.
        ("=?TIS-620?B?ysfRyrTV?= =?GBK?B?xOO6ww==?=", "สวัสดี你好"),
    ];
    for (encoded, want) in cases {
        assert_eq!(subject_of(encoded), want, "{encoded}");
    }
}

#[test]
fn encoded_display_names() {
    let raw = message(
        "x",
        "=?Big5?B?p0Gmbg==?= <boss@example.com>",
        "Reply-To: =?Shift_JIS?B?grGC8YLJgr+CzQ==?= <x@example.net>\r\n",
        b"x\r\n",
    );
    let msg = parse_message(&raw).unwrap();
    assert_eq!(msg.from[0].name.as_deref(), Some("你好"));
    assert_eq!(msg.from[0].address.as_deref(), Some("boss@example.com"));
    assert_eq!(msg.reply_to[0].name.as_deref(), Some("こんにちは"));
    // The decoded value is in the header list too, the raw one beside it.
    let h = msg.headers.iter().find(|h| h.name == "Reply-To").unwrap();
    assert!(h.value.contains("こんにちは"));
    assert!(h.raw.contains("=?Shift_JIS?B?"));
}

#[test]
fn bodies_in_regional_charsets() {
    let cases: [(&str, &[u8], &str); 4] = [
        ("tis-620", b"\xca\xc7\xd1\xca\xb4\xd5", "สวัสดี"),
        ("gbk", b"\xc4\xe3\xba\xc3", "你好"),
        ("big5", b"\xa7\x41\xa6\x6e", "你好"),
        (
            "shift_jis",
            b"\x82\xb1\x82\xf1\x82\xc9\x82\xbf\x82\xcd",
            "こんにちは",
        ),
    ];
    for (charset, bytes, want) in cases {
        let extra = format!("MIME-Version: 1.0\r\nContent-Type: text/plain; charset={charset}\r\n");
        let raw = message("x", "a@example.com", &extra, bytes);
        let msg = parse_message(&raw).unwrap();
        assert_eq!(msg.body_text.trim(), want, "{charset}");
        assert_eq!(msg.parts[0].charset.as_deref(), Some(charset));
    }
}

#[test]
fn html_only_body_becomes_text() {
    let raw = message(
        "x",
        "a@example.com",
        "MIME-Version: 1.0\r\nContent-Type: text/html; charset=utf-8\r\n",
        b"<html><body><p>Hello <b>there</b></p></body></html>\r\n",
    );
    let msg = parse_message(&raw).unwrap();
    assert!(msg.body_text.contains("Hello there"), "{:?}", msg.body_text);
    assert!(msg.body_html.unwrap().contains("<b>there</b>"));
}
