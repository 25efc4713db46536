//! Facebook Messenger for Android (`msys_database_<uid>`) and LINE for
//! Android (`naver_line`).
//!
//! Known layouts:
//! - **Messenger msys** (com.facebook.orca 2021–2025): `messages`
//!   (`message_id`, `thread_key`, `sender_id`, `text`, `timestamp_ms`),
//!   `contacts` (`id`, `name`, optional `phone_number`), optional `threads`
//!   (`thread_key`, `thread_name`), `attachments` (`message_id`, `filename`,
//!   `playable_url_mime_type`) and `call_log` (`call_timestamp_ms`,
//!   `call_duration`, `call_direction` 1 out/2 in, `call_media_type` 2 =
//!   video, `thread_key`). The device owner is the `<uid>` in the file name;
//!   without it, directions are unknown. Missed calls are not recorded: an
//!   incoming call of zero seconds is counted as missed.
//! - **LINE** (jp.naver.line.android 10–14): `chat_history` (`id`,
//!   `chat_id`, `from_mid`, `content`, `created_time` in Unix ms, optional
//!   `attachement_type`, `attachement_local_uri`), `contacts` (`m_id`,
//!   `name` or `server_name`), optional `membership` (`id`, `m_id`) for
//!   groups. LINE writes `from_mid` only for received messages: an empty
//!   `from_mid` is a message the owner sent.

use std::collections::BTreeMap;

use crate::db::{base_name, int, opt_col, real, text, unix_ms, Db};
use crate::{
    App, Attachment, Call, Contact, Conversation, Direction, Message, Participant, Provenance, Sink,
};

fn prov(db: &Db, table: &str, row: Option<i64>) -> Provenance {
    Provenance {
        file: db.file.clone(),
        table: table.to_string(),
        row: row.unwrap_or(-1),
    }
}

/// The owner's Facebook id from `msys_database_<uid>`.
fn owner_of(file: &str) -> Option<String> {
    let uid = base_name(file).strip_prefix("msys_database_")?;
    (!uid.is_empty() && uid.chars().all(|c| c.is_ascii_digit())).then(|| uid.to_string())
}

/// Messenger's `msys_database_<uid>`.
pub(crate) fn messenger(db: &Db, sink: &mut dyn Sink) {
    let what = "Facebook Messenger msys_database (2021-2025)";
    let Some(_) = db.require(
        sink,
        "messages",
        &[
            "message_id",
            "thread_key",
            "sender_id",
            "text",
            "timestamp_ms",
        ],
        what,
    ) else {
        return;
    };
    let owner = owner_of(&db.file);
    let contacts = db
        .columns("contacts")
        .filter(|c| c.contains("id") && c.contains("name"));
    if let Some(cc) = &contacts {
        let sql = format!(
            "SELECT rowid, id, name, {}, {} FROM contacts ORDER BY rowid",
            opt_col(cc, "phone_number", "phone_number"),
            opt_col(cc, "email_address", "email_address"),
        );
        db.each(sink, "contacts", &sql, |r, sink| {
            sink.contact(Contact {
                app: App::Messenger,
                id: text(r, 1),
                name: text(r, 2),
                phone: text(r, 3).or_else(|| text(r, 4)),
                label: None,
                about: None,
                about_time: None,
                book_id: None,
                deleted: None,
                provenance: prov(db, "contacts", int(r, 0)),
            });
        });
    }
    if let Some(tc) = db.columns("threads").filter(|c| c.contains("thread_key")) {
        let sql = format!(
            "SELECT rowid, thread_key, {} FROM threads ORDER BY rowid",
            opt_col(&tc, "thread_name", "thread_name")
        );
        db.each(sink, "threads", &sql, |r, sink| {
            let Some(key) = text(r, 1) else { return };
            sink.conversation(Conversation {
                app: App::Messenger,
                id: key,
                name: text(r, 2),
                group: false,
                participants: Vec::new(),
                provenance: prov(db, "threads", int(r, 0)),
            });
        });
    }
    let name = if contacts.is_some() {
        "(SELECT c.name FROM contacts c WHERE c.id = m.sender_id)"
    } else {
        "NULL"
    };
    let att_ok = db.columns("attachments").is_some_and(|c| {
        ["message_id", "filename", "playable_url_mime_type"]
            .iter()
            .all(|x| c.contains(*x))
    });
    let att = if att_ok {
        "(SELECT group_concat(a, char(30)) FROM (SELECT COALESCE(filename, '') || char(31) || COALESCE(playable_url_mime_type, '') AS a \
           FROM attachments WHERE message_id = m.message_id ORDER BY rowid))"
    } else {
        "NULL"
    };
    let sql = format!(
        "SELECT m.rowid, m.thread_key, m.sender_id, m.text, m.timestamp_ms, {name}, {att} FROM messages m ORDER BY m.rowid"
    );
    db.each(sink, "messages", &sql, |r, sink| {
        let sender = text(r, 2);
        let direction = match (&owner, &sender) {
            (Some(o), Some(s)) if o == s => Direction::Outgoing,
            (Some(_), Some(_)) => Direction::Incoming,
            _ => Direction::Unknown,
        };
        let attachments: Vec<Attachment> = text(r, 6)
            .map(|s| {
                s.split('\u{1e}')
                    .map(|a| {
                        let mut f = a.split('\u{1f}');
                        Attachment {
                            path: None,
                            name: f.next().filter(|x| !x.is_empty()).map(str::to_string),
                            mime: f.next().filter(|x| !x.is_empty()).map(str::to_string),
                            size: None,
                        }
                    })
                    .collect()
            })
            .unwrap_or_default();
        sink.message(Message {
            app: App::Messenger,
            conversation: text(r, 1).unwrap_or_default(),
            sender: if direction == Direction::Outgoing {
                None
            } else {
                sender.map(|s| Participant::new(s).named(text(r, 5)))
            },
            direction,
            recipient: None,
            time: unix_ms(int(r, 4)),
            text: text(r, 3),
            kind: if attachments.is_empty() {
                "text"
            } else {
                "attachment"
            }
            .into(),
            attachments,
            location: None,
            deleted: None,
            edited: None,
            provenance: prov(db, "messages", int(r, 0)),
        });
    });
    if db.columns("call_log").is_some_and(|c| {
        [
            "call_timestamp_ms",
            "call_duration",
            "call_direction",
            "thread_key",
        ]
        .iter()
        .all(|x| c.contains(*x))
    }) {
        let cc = db.columns("call_log").unwrap_or_default();
        let sql = format!(
            "SELECT rowid, call_timestamp_ms, call_duration, call_direction, {}, thread_key FROM call_log ORDER BY rowid",
            opt_col(&cc, "call_media_type", "call_media_type")
        );
        db.each(sink, "call_log", &sql, |r, sink| {
            let direction = match int(r, 3) {
                Some(1) => Direction::Outgoing,
                Some(2) => Direction::Incoming,
                _ => Direction::Unknown,
            };
            let duration = real(r, 2);
            sink.call(Call {
                app: App::Messenger,
                missed: direction == Direction::Incoming && duration.unwrap_or(0.0) == 0.0,
                direction,
                peers: text(r, 5).map(Participant::new).into_iter().collect(),
                time: unix_ms(int(r, 1)),
                duration,
                video: int(r, 4).map(|t| t == 2),
                provenance: prov(db, "call_log", int(r, 0)),
            });
        });
    }
}

/// LINE's `naver_line`.
pub(crate) fn line(db: &Db, sink: &mut dyn Sink) {
    let what = "LINE Android naver_line (10-14)";
    let Some(hc) = db.require(
        sink,
        "chat_history",
        &["id", "chat_id", "from_mid", "content", "created_time"],
        what,
    ) else {
        return;
    };
    let cname = db.columns("contacts").and_then(|c| {
        if !c.contains("m_id") {
            None
        } else if c.contains("name") {
            Some("COALESCE(name, server_name)".to_string())
                .filter(|_| c.contains("server_name"))
                .or(Some("name".to_string()))
        } else if c.contains("server_name") {
            Some("server_name".to_string())
        } else {
            None
        }
    });
    let mut names: BTreeMap<String, String> = BTreeMap::new();
    if let Some(expr) = &cname {
        db.each(
            sink,
            "contacts",
            &format!("SELECT rowid, m_id, {expr} FROM contacts ORDER BY rowid"),
            |r, sink| {
                let id = text(r, 1);
                let name = text(r, 2);
                if let (Some(i), Some(n)) = (&id, &name) {
                    names.insert(i.clone(), n.clone());
                }
                sink.contact(Contact {
                    app: App::Line,
                    id,
                    name,
                    phone: None,
                    label: None,
                    about: None,
                    about_time: None,
                    book_id: None,
                    deleted: None,
                    provenance: prov(db, "contacts", int(r, 0)),
                });
            },
        );
    }
    let mut groups: BTreeMap<String, Vec<Participant>> = BTreeMap::new();
    if db
        .columns("membership")
        .is_some_and(|c| c.contains("id") && c.contains("m_id"))
    {
        db.each(
            sink,
            "membership",
            "SELECT id, m_id FROM membership ORDER BY rowid",
            |r, _| {
                if let (Some(g), Some(m)) = (text(r, 0), text(r, 1)) {
                    let n = names.get(&m).cloned();
                    groups
                        .entry(g)
                        .or_default()
                        .push(Participant::new(m).named(n));
                }
            },
        );
    }
    let mut chats: BTreeMap<String, i64> = BTreeMap::new();
    let sql = format!(
        "SELECT id, chat_id, from_mid, content, created_time, {}, {} FROM chat_history ORDER BY id",
        opt_col(&hc, "attachement_type", "attachement_type"),
        opt_col(&hc, "attachement_local_uri", "attachement_local_uri"),
    );
    db.each(sink, "chat_history", &sql, |r, sink| {
        let chat = text(r, 1).unwrap_or_default();
        chats.entry(chat.clone()).or_insert(int(r, 0).unwrap_or(-1));
        let from = text(r, 2);
        let outgoing = from.is_none();
        let group = groups.contains_key(&chat);
        let uri = text(r, 6).filter(|u| !u.starts_with("content:"));
        let attachments = uri
            .map(|u| {
                let path = u
                    .trim_start_matches("file://")
                    .trim_start_matches('/')
                    .to_string();
                vec![Attachment {
                    name: Some(base_name(&path).to_string()),
                    path: Some(path),
                    mime: None,
                    size: None,
                }]
            })
            .unwrap_or_default();
        sink.message(Message {
            app: App::Line,
            direction: if outgoing {
                Direction::Outgoing
            } else {
                Direction::Incoming
            },
            sender: from.map(|f| {
                let n = names.get(&f).cloned();
                Participant::new(f).named(n)
            }),
            recipient: (outgoing && !group).then(|| {
                let n = names.get(&chat).cloned();
                Participant::new(chat.clone()).named(n)
            }),
            conversation: chat,
            time: unix_ms(int(r, 4)),
            text: text(r, 3),
            kind: match int(r, 5) {
                None | Some(0) => "text".into(),
                Some(1) => "image".into(),
                Some(2) => "video".into(),
                Some(3) => "audio".into(),
                Some(7) => "sticker".into(),
                Some(14) => "file".into(),
                Some(n) => format!("type {n}"),
            },
            attachments,
            location: None,
            deleted: None,
            edited: None,
            provenance: prov(db, "chat_history", int(r, 0)),
        });
    });
    for (chat, first) in chats {
        let members = groups.remove(&chat);
        let group = members.is_some();
        let participants = members.unwrap_or_else(|| {
            let n = names.get(&chat).cloned();
            vec![Participant::new(chat.clone()).named(n)]
        });
        sink.conversation(Conversation {
            app: App::Line,
            name: if group {
                None
            } else {
                names.get(&chat).cloned()
            },
            id: chat,
            group,
            participants,
            provenance: prov(db, "chat_history", Some(first)),
        });
    }
}
