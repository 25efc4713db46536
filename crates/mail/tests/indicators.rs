//! Deception indicators: hand-checked phishing mails, crafted messages for
//! each trick, and the false positives that must stay quiet.

mod common;

use exhibit_mail::{indicators, parse_message, route, Indicator, IndicatorKind, Severity};

fn of(raw: &[u8]) -> Vec<Indicator> {
    indicators(&parse_message(raw).unwrap())
}

fn has(list: &[Indicator], kind: IndicatorKind, sev: Severity) -> bool {
    list.iter().any(|i| i.kind == kind && i.severity == sev)
}

fn at_least(list: &[Indicator], sev: Severity) -> Vec<&Indicator> {
    list.iter().filter(|i| i.severity >= sev).collect()
}

/// (file, origin IP, indicator that must be there with its severity, text
/// in its summary). Each checked by hand against the message.
const PINNED: &[(&str, &str, IndicatorKind, Severity, &str)] = &[
    // "Microsoft account team ,_<no-reply@access-accsecurity.com>", replies
    // to a gmail.com mailbox.
    (
        "sample-1280.eml",
        "89.144.9.90",
        IndicatorKind::DomainMismatch,
        Severity::High,
        "replies go to gmail.com",
    ),
    (
        "sample-1280.eml",
        "89.144.9.90",
        IndicatorKind::DisplayNameImpersonation,
        Severity::Medium,
        "mailbox of its own",
    ),
    // "MetaMask" from a Brazilian school's domain, a button showing
    // metamask.io that leads to that school's site.
    (
        "sample-1560.eml",
        "168.245.112.107",
        IndicatorKind::LinkTextMismatch,
        Severity::High,
        "shows metamask.io, leads to colegiosantissima.com.br",
    ),
    (
        "sample-1560.eml",
        "168.245.112.107",
        IndicatorKind::DisplayNameImpersonation,
        Severity::Medium,
        "names metamask",
    ),
    // A display name that is another address (contact@notifications-
    // metamask.io), sent through SurveyMonkey.
    (
        "sample-4440.eml",
        "192.174.81.61",
        IndicatorKind::DisplayNameImpersonation,
        Severity::High,
        "shows the address contact@notifications-metamask.io",
    ),
    // A From domain in mathematical bold letters, read as
    // kaufland-marktplatz.de.
    (
        "sample-6800.eml",
        "5.135.42.42",
        IndicatorKind::LookalikeDomain,
        Severity::High,
        "looks like kaufland-marktplatz.de",
    ),
    // "Bradesco" (a Brazilian bank) from comunicado.com, sent by a script
    // on a cloud droplet (the Message-ID names the droplet).
    (
        "sample-2160.eml",
        "159.203.95.252",
        IndicatorKind::DisplayNameImpersonation,
        Severity::Medium,
        "names bradesco",
    ),
    (
        "sample-2160.eml",
        "159.203.95.252",
        IndicatorKind::MessageIdMismatch,
        Severity::Low,
        "names no domain",
    ),
    // "DHL Paket" from hbabouch46.com.
    (
        "sample-3960.eml",
        "164.92.82.244",
        IndicatorKind::DisplayNameImpersonation,
        Severity::Medium,
        "names dhl",
    ),
];

#[test]
fn phishing_pot_pinned() {
    let Some(dir) = common::testdata() else {
        return;
    };
    for (file, origin, kind, sev, text) in PINNED {
        let raw = std::fs::read(dir.join("phishing_pot").join(file)).unwrap();
        let msg = parse_message(&raw).unwrap();
        let r = route(&msg);
        assert_eq!(
            r.origin.as_ref().map(|o| o.ip.to_string()).as_deref(),
            Some(*origin),
            "{file}"
        );
        let inds = indicators(&msg);
        assert!(
            inds.iter()
                .any(|i| i.kind == *kind && i.severity == *sev && i.summary.contains(text)),
            "{file}: no {kind:?}/{sev:?} with {text:?} in {inds:#?}"
        );
        for i in &inds {
            assert!(!i.evidence.is_empty(), "{file}: {i:?}");
        }
    }
}

#[test]
fn whole_corpus_without_panic() {
    let Some(dir) = common::testdata() else {
        return;
    };
    let mut n = 0;
    for sub in ["phishing_pot", "spamscope", "eml_analyzer"] {
        for f in common::files_under(&dir.join(sub)) {
            let raw = std::fs::read(&f).unwrap();
            if let Ok(msg) = parse_message(&raw) {
                let _ = indicators(&msg);
                let _ = exhibit_mail::leads(&msg);
                n += 1;
            }
        }
    }
    assert!(n > 290, "{n}");
}

const HEAD: &str = "Date: Mon, 3 Jun 2024 10:00:00 +0700\r\nTo: victim@example.org\r\nSubject: s\r\nMessage-ID: <1@mail.example.com>\r\n";

fn mail(headers: &str, body: &str) -> Vec<u8> {
    format!("{headers}{HEAD}\r\n{body}").into_bytes()
}

#[test]
fn ordinary_mail_is_quiet() {
    // Reply-To and Return-Path within the From organisation; a mailing
    // list; a bulk-mail bounce address.
    let same = of(&mail(
        "From: Alice <alice@example.com>\r\nReply-To: support@help.example.com\r\nReturn-Path: <bounce@mail.example.com>\r\n",
        "hi",
    ));
    assert!(same.is_empty(), "{same:#?}");
    let list = of(&mail(
        "From: Bob <bob@example.net>\r\nReply-To: list@lists.example.org\r\nList-Id: <l.example.org>\r\n",
        "hi",
    ));
    assert!(at_least(&list, Severity::Medium).is_empty(), "{list:#?}");
    let ses = of(&mail(
        "From: Shop <news@example.com>\r\nReturn-Path: <0100@amazonses.com>\r\n",
        "hi",
    ));
    assert!(at_least(&ses, Severity::Low).is_empty(), "{ses:#?}");
    // A brand named by the brand's own domain.
    let own = of(&mail(
        "From: PayPal Service <service@mail.paypal.co.uk>\r\n",
        "hi",
    ));
    assert!(
        !own.iter()
            .any(|i| i.kind == IndicatorKind::DisplayNameImpersonation),
        "{own:#?}"
    );
}

#[test]
fn business_email_compromise_reply_to() {
    let i = of(&mail(
        "From: CFO <cfo@example.co.th>\r\nReply-To: cfo.example@gmail.com\r\n",
        "",
    ));
    assert!(
        has(&i, IndicatorKind::DomainMismatch, Severity::High),
        "{i:#?}"
    );
    assert!(i[0].evidence.iter().any(|e| e.starts_with("Reply-To:")));
}

#[test]
fn lookalikes() {
    let i = of(&mail("From: Bank <alert@xn--pple-43d.com>\r\n", ""));
    assert!(
        has(&i, IndicatorKind::LookalikeDomain, Severity::High),
        "{i:#?}"
    );
    let i = of(&mail("From: Pay <alert@paypa1.com>\r\n", ""));
    assert!(
        has(&i, IndicatorKind::LookalikeDomain, Severity::High),
        "{i:#?}"
    );
    // A display name in Greek letters that reads "Apple".
    let i = of(&mail(
        "From: =?utf-8?b?zpFwcGxlIFN1cHBvcnQ=?= <x@example.com>\r\n",
        "",
    ));
    assert!(
        has(&i, IndicatorKind::DisplayNameImpersonation, Severity::High),
        "{i:#?}"
    );
}

#[test]
fn links_showing_another_domain() {
    let html = "Content-Type: text/html\r\n";
    let i = of(&mail(
        &format!("From: a@example.com\r\n{html}"),
        r#"<a href="http://login.evil.example.net/x">https://www.kasikornbank.com/</a> <a href="https://example.com/">example.com</a>"#,
    ));
    assert!(
        has(&i, IndicatorKind::LinkTextMismatch, Severity::High),
        "{i:#?}"
    );
    assert!(i[0].evidence[0].contains("kasikornbank"));
    // Click tracking is graded low.
    let i = of(&mail(
        &format!("From: a@example.com\r\n{html}"),
        r#"<a href="https://u123.ct.sendgrid.net/ls/click?x">www.example.com</a>"#,
    ));
    assert!(
        has(&i, IndicatorKind::LinkTextMismatch, Severity::Low),
        "{i:#?}"
    );
    assert!(!has(&i, IndicatorKind::LinkTextMismatch, Severity::High));
}

fn with_attachment(name_param: &str, content_b64: &str) -> Vec<u8> {
    mail(
        "From: a@example.com\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=b\r\n",
        &format!(
            "--b\r\nContent-Type: text/plain\r\n\r\nsee attached\r\n--b\r\nContent-Type: application/octet-stream\r\nContent-Disposition: attachment; {name_param}\r\nContent-Transfer-Encoding: base64\r\n\r\n{content_b64}\r\n--b--\r\n"
        ),
    )
}

#[test]
fn attachment_tricks() {
    // "TVqQAAMAAAAEAAAA//8AALgAAAAAAAAAQAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAACAAAAA" is the start of a PE file.
    let mz = "TVqQAAMAAAAEAAAA//8AALgAAAAAAAAAQAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAACAAAAA";
    let text = "aGVsbG8=";
    let i = of(&with_attachment("filename=\"invoice.pdf.exe\"", text));
    assert!(
        i.iter().any(|i| i.kind == IndicatorKind::AttachmentTrick
            && i.severity == Severity::High
            && i.summary.contains("double extension")),
        "{i:#?}"
    );
    // Right-to-left override: "invoice_\u{202e}fdp.exe" shows as "invoice_exe.pdf".
    let i = of(&with_attachment(
        "filename*=utf-8''invoice_%E2%80%AEfdp.exe",
        text,
    ));
    assert!(
        i.iter()
            .any(|i| i.summary.contains("right-to-left override")),
        "{i:#?}"
    );
    // A Windows program named as a PDF.
    let i = of(&with_attachment("filename=\"scan.pdf\"", mz));
    assert!(
        i.iter().any(|i| i.kind == IndicatorKind::AttachmentTrick
            && i.severity == Severity::High
            && i.summary.contains("executable content")),
        "{i:#?}"
    );
    assert!(i[0].evidence[0].starts_with("part 2:"));
    // A shell script named as a document.
    let i = of(&with_attachment(
        "filename=\"notes.txt\"",
        "IyEvYmluL3NoCmVjaG8gaGkK",
    ));
    assert!(
        i.iter().any(|i| i.summary.contains("executable content")),
        "{i:#?}"
    );
    // An ordinary PDF name with text content: nothing.
    let i = of(&with_attachment("filename=\"report.final.pdf\"", text));
    assert!(i.is_empty(), "{i:#?}");
}
