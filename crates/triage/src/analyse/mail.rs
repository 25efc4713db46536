//! E-mail: `.eml` files and mbox mailboxes become messages in the case,
//! with their dates on the timeline (UTC, the sender's zone noted).

use std::ops::ControlFlow;

use exhibit_evidence::{Source, SourceReader};
use exhibit_mail::{Address, MailboxKind, Message};
use exhibit_store::{MessageRow, TimelineRow};

use super::{Analyser, FileFacts, Found};

/// The largest single message read; a larger one is cut and flagged.
const MAX_MESSAGE: usize = 64 << 20;

/// Messages per mailbox before the rest is skipped with a warning (keeps a
/// pathological mailbox from flooding the case).
const MAX_MESSAGES: usize = 1_000_000;

/// The e-mail analyser.
pub struct Mail;

impl Analyser for Mail {
    fn name(&self) -> &'static str {
        "mail"
    }

    fn wants(&self, file: &FileFacts<'_>) -> bool {
        matches!(file.mime, "message/rfc822" | "application/mbox")
            || (file.mime.starts_with("text/") && exhibit_mail::sniff(file.head).is_some())
            || is_outlook_msg(file)
    }

    fn analyse(&self, file: &FileFacts<'_>, data: &dyn Source, out: &mut Found) {
        if is_outlook_msg(file) {
            if let Some(raw) = read_whole(data, out) {
                match exhibit_mail::parse_msg(&raw) {
                    Ok(msg) => record(file, msg, 0, out),
                    Err(e) => out.warnings.push(e.to_string()),
                }
            }
            return;
        }
        match exhibit_mail::sniff(file.head) {
            Some(MailboxKind::Mbox) => {
                let mut n = 0usize;
                let read =
                    exhibit_mail::read_mbox(SourceReader::new(data), MAX_MESSAGE, &mut |item| {
                        n += 1;
                        if n > MAX_MESSAGES {
                            out.warnings
                                .push(format!("more than {MAX_MESSAGES} messages: rest skipped"));
                            return ControlFlow::Break(());
                        }
                        if item.truncated {
                            out.warnings.push(format!(
                                "message at offset {} larger than {MAX_MESSAGE} bytes: cut",
                                item.offset
                            ));
                        }
                        message(file, item.raw, item.offset, out);
                        ControlFlow::Continue(())
                    });
                if let Err(e) = read {
                    out.warnings.push(e.to_string());
                }
            }
            Some(MailboxKind::Eml) => {
                let Ok(len) = usize::try_from(data.len()) else {
                    return;
                };
                if len > MAX_MESSAGE {
                    out.warnings.push(format!(
                        "message larger than {MAX_MESSAGE} bytes: not parsed"
                    ));
                    return;
                }
                let mut raw = vec![0u8; len];
                match data.read_exact_at(0, &mut raw) {
                    Ok(()) => message(file, &raw, 0, out),
                    Err(e) => out.warnings.push(e.to_string()),
                }
            }
            None => {}
        }
    }
}

/// An Outlook `.msg`: an OLE compound file with the name to match.
fn is_outlook_msg(file: &FileFacts<'_>) -> bool {
    file.head
        .starts_with(&[0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1])
        && file.key.path.to_ascii_lowercase().ends_with(".msg")
}

/// A whole message file, up to [`MAX_MESSAGE`] bytes.
fn read_whole(data: &dyn Source, out: &mut Found) -> Option<Vec<u8>> {
    let len = usize::try_from(data.len()).ok()?;
    if len > MAX_MESSAGE {
        out.warnings.push(format!(
            "message larger than {MAX_MESSAGE} bytes: not parsed"
        ));
        return None;
    }
    let mut raw = vec![0u8; len];
    match data.read_exact_at(0, &mut raw) {
        Ok(()) => Some(raw),
        Err(e) => {
            out.warnings.push(e.to_string());
            None
        }
    }
}

fn display(addrs: &[Address]) -> Option<String> {
    let list: Vec<String> = addrs
        .iter()
        .map(|a| match (&a.name, &a.address) {
            (Some(n), Some(e)) => format!("{n} <{e}>"),
            (None, Some(e)) => e.clone(),
            (Some(n), None) => n.clone(),
            (None, None) => String::new(),
        })
        .filter(|s| !s.is_empty())
        .collect();
    (!list.is_empty()).then(|| list.join(", "))
}

fn location(file: &FileFacts<'_>, offset: u64) -> String {
    if offset > 0 || file.mime == "application/mbox" {
        format!("{}@{offset}", file.key.path)
    } else {
        file.key.path.clone()
    }
}

fn message(file: &FileFacts<'_>, raw: &[u8], offset: u64, out: &mut Found) {
    match exhibit_mail::parse_message(raw) {
        Ok(m) => record(file, m, offset, out),
        Err(e) => out
            .warnings
            .push(format!("{}: {e}", location(file, offset))),
    }
}

/// The rows of one parsed message.
fn record(file: &FileFacts<'_>, msg: Message, offset: u64, out: &mut Found) {
    let location = location(file, offset);
    let route = exhibit_mail::route(&msg);
    let indicators = exhibit_mail::indicators(&msg);
    let sender = display(&msg.from);
    let mut recipients = msg.to.clone();
    recipients.extend(msg.cc.iter().cloned());
    let recipients = display(&recipients);
    let subject = msg.subject.clone();
    let analysis = serde_json::json!({
        "route": route,
        "indicators": indicators,
        "warnings": msg.warnings,
        "attachments": msg.attachments,
    });
    let date = msg.date.map(crate::time_text);
    let what = format!(
        "e-mail \"{}\" from {} to {}",
        subject.as_deref().unwrap_or(""),
        sender.as_deref().unwrap_or("?"),
        recipients.as_deref().unwrap_or("?")
    );
    if let Some(t) = &date {
        out.events.push(TimelineRow {
            time: t.clone(),
            macb: "sent".into(),
            evidence: file.evidence.to_string(),
            source: "mail".into(),
            description: format!("{what} (Date header) [{location}]"),
            zone: msg.date_zone.clone(),
            file: Some(file.key.clone()),
            file_id: None,
        });
    }
    // Delivery: the time the last server stamped on it.
    if let Some(t) = route.hops.last().and_then(|h| h.time) {
        let by = route
            .hops
            .last()
            .and_then(|h| h.by_host.clone())
            .unwrap_or_else(|| "?".into());
        out.events.push(TimelineRow {
            time: crate::time_text(t),
            macb: "recv".into(),
            evidence: file.evidence.to_string(),
            source: "mail".into(),
            description: format!("{what} received by {by} (Received header) [{location}]"),
            zone: None,
            file: Some(file.key.clone()),
            file_id: None,
        });
    }
    let mut text = String::new();
    for line in [&sender, &recipients, &subject].into_iter().flatten() {
        text.push_str(line);
        text.push('\n');
    }
    text.push_str(&msg.body_text);
    out.docs.push(exhibit_index::Doc {
        kind: exhibit_index::DocKind::Message,
        evidence: file.evidence.to_string(),
        key: format!("{location}#{}", msg.id),
        sort: format!("{}\u{0}{offset:020}", file.key.path),
        tag: "email".into(),
        value: subject.clone().unwrap_or_default(),
        path: location.clone(),
        time: msg.date,
        text,
    });
    out.messages.push(MessageRow {
        evidence: file.evidence.to_string(),
        sha256: msg.id.clone(),
        location,
        offset,
        size: msg.size,
        message_id: msg.message_id.clone(),
        date,
        date_zone: msg.date_zone.clone(),
        sender,
        recipients,
        subject,
        attachments: msg.attachments.len() as u64,
        analysis: serde_json::to_string(&analysis).ok(),
        file: Some(file.key.clone()),
        file_id: None,
    });
}
