//! WhatsApp for Android: `msgstore.db` and `wa.db` in
//! `/data/data/com.whatsapp/databases/`.
//!
//! Known layouts of `msgstore.db`:
//! - **base tables** (WhatsApp 2.21.x and later): `message` (`_id`,
//!   `chat_row_id`, `from_me`, `sender_jid_row_id`, `timestamp` in Unix ms,
//!   `message_type`, `text_data`), `chat` (`_id`, `jid_row_id`, `subject`),
//!   `jid` (`_id`, `user`, `server`, `raw_string`), optional
//!   `message_media` (`message_row_id`, `file_path`, `mime_type`,
//!   `file_size`), `message_location`, `message_edit_info`,
//!   `group_participant_user`, and `call_log` (`_id`, `jid_row_id`,
//!   `from_me`, `timestamp`, `video_call`, `duration`). The views
//!   (`legacy_available_messages_view` …) are not read: their layout changes
//!   between versions.
//! - **legacy** (before 2.21): `messages` (`key_remote_jid`, `key_from_me`,
//!   `timestamp`, `data`, `media_wa_type`, `remote_resource`, optional
//!   `media_name`, `media_mime_type`, `media_size`, `latitude`,
//!   `longitude`) and `chat_list`.
//!
//! Media paths are as recorded, relative to the WhatsApp media folder on
//! shared storage (`Android/media/com.whatsapp/WhatsApp/`). A call is
//! counted as missed when it was incoming and lasted zero seconds (the
//! `call_result` codes are not documented).

use std::collections::BTreeMap;

use crate::db::{base_name, flag, int, opt_col, real, text, unix_ms, Db};
use crate::{
    App, Attachment, Call, Contact, Conversation, Direction, Message, Participant, Provenance, Sink,
};

/// `message_type` values → kind. 15 is a message deleted for everyone.
fn kind(t: Option<i64>) -> String {
    match t {
        Some(0) => "text",
        Some(1) => "image",
        Some(2) => "audio",
        Some(3) => "video",
        Some(4) => "contact",
        Some(5) => "location",
        Some(7) => "system",
        Some(9) => "document",
        Some(13) => "gif",
        Some(15) => "deleted",
        Some(20) => "sticker",
        Some(n) => return format!("type {n}"),
        None => "unknown",
    }
    .to_string()
}

fn prov(db: &Db, table: &str, row: Option<i64>) -> Provenance {
    Provenance {
        file: db.file.clone(),
        table: table.to_string(),
        row: row.unwrap_or(-1),
    }
}

fn has_all(db: &Db, table: &str, cols: &[&str]) -> bool {
    db.columns(table)
        .is_some_and(|c| cols.iter().all(|x| c.contains(*x)))
}

/// Reads `msgstore.db` in whichever known layout it has.
pub(crate) fn msgstore(db: &Db, sink: &mut dyn Sink) {
    if db.has_table("message") {
        base(db, sink);
        if db.has_table("messages") {
            sink.warning(db.warn(
                Some("messages"),
                "legacy table present next to the base tables; not read (migrated copy)",
            ));
        }
    } else if db.has_table("messages") {
        legacy(db, sink);
    } else {
        sink.warning(db.warn(
            None,
            "unknown layout for WhatsApp Android msgstore.db: neither `message` nor `messages` table; not read",
        ));
    }
}

/// SQL for a jid row's text: `raw_string` when the version has it.
fn jid_expr(cols: &std::collections::BTreeSet<String>, a: &str) -> String {
    if cols.contains("raw_string") {
        format!("COALESCE({a}.raw_string, {a}.user || '@' || {a}.server)")
    } else {
        format!("({a}.user || '@' || {a}.server)")
    }
}

fn base(db: &Db, sink: &mut dyn Sink) {
    let what = "WhatsApp Android msgstore.db base tables (2.21+)";
    let Some(mcols) = db.require(
        sink,
        "message",
        &[
            "_id",
            "chat_row_id",
            "from_me",
            "sender_jid_row_id",
            "timestamp",
            "message_type",
            "text_data",
        ],
        what,
    ) else {
        return;
    };
    let Some(_) = db.require(sink, "chat", &["_id", "jid_row_id"], what) else {
        return;
    };
    let Some(jcols) = db.require(sink, "jid", &["_id", "user", "server"], what) else {
        return;
    };
    let chat_cols = db.columns("chat").unwrap_or_default();
    let subject = opt_col(&chat_cols, "subject", "c.subject");
    let cj = jid_expr(&jcols, "cj");
    let sj = jid_expr(&jcols, "sj");
    let uj = jid_expr(&jcols, "uj");

    // Conversations with their members.
    let mut members: BTreeMap<i64, Vec<Participant>> = BTreeMap::new();
    if has_all(
        db,
        "group_participant_user",
        &["group_jid_row_id", "user_jid_row_id"],
    ) {
        db.each(
            sink,
            "group_participant_user",
            &format!(
                "SELECT g.group_jid_row_id, {uj} FROM group_participant_user g \
                 LEFT JOIN jid uj ON uj._id = g.user_jid_row_id ORDER BY g.rowid"
            ),
            |r, _| {
                if let (Some(g), Some(u)) = (int(r, 0), text(r, 1)) {
                    members.entry(g).or_default().push(Participant::new(u));
                }
            },
        );
    }
    db.each(
        sink,
        "chat",
        &format!("SELECT c._id, {cj}, {subject}, c.jid_row_id FROM chat c LEFT JOIN jid cj ON cj._id = c.jid_row_id ORDER BY c._id"),
        |r, sink| {
            let Some(jid) = text(r, 1) else { return };
            let group = jid.ends_with("@g.us");
            let name = text(r, 2);
            let participants = if group {
                let mut p = int(r, 3).and_then(|k| members.remove(&k)).unwrap_or_default();
                p.sort();
                p.dedup();
                p
            } else {
                vec![Participant::new(jid.clone())]
            };
            sink.conversation(Conversation {
                app: App::WhatsApp,
                id: jid,
                name,
                group,
                participants,
                provenance: prov(db, "chat", int(r, 0)),
            });
        },
    );

    let media = has_all(db, "message_media", &["message_row_id", "file_path"]);
    let media_cols = db.columns("message_media").unwrap_or_default();
    let (mjoin, msel) = if media {
        (
            "LEFT JOIN message_media mm ON mm.message_row_id = m._id",
            format!(
                "mm.file_path, {}, {}",
                opt_col(&media_cols, "mime_type", "mm.mime_type"),
                opt_col(&media_cols, "file_size", "mm.file_size")
            ),
        )
    } else {
        ("", "NULL, NULL, NULL".to_string())
    };
    let loc = has_all(
        db,
        "message_location",
        &["message_row_id", "latitude", "longitude"],
    );
    let (ljoin, lsel) = if loc {
        (
            "LEFT JOIN message_location ml ON ml.message_row_id = m._id",
            "ml.latitude, ml.longitude",
        )
    } else {
        ("", "NULL, NULL")
    };
    let edit = has_all(db, "message_edit_info", &["message_row_id"]);
    let esel = if edit {
        "EXISTS(SELECT 1 FROM message_edit_info e WHERE e.message_row_id = m._id)"
    } else {
        "NULL"
    };
    let sql = format!(
        "SELECT m._id, m.from_me, m.timestamp, m.message_type, m.text_data, {cj}, {subject}, {sj}, \
         {msel}, {lsel}, {esel} \
         FROM message m LEFT JOIN chat c ON c._id = m.chat_row_id \
         LEFT JOIN jid cj ON cj._id = c.jid_row_id \
         LEFT JOIN jid sj ON sj._id = m.sender_jid_row_id {mjoin} {ljoin} \
         ORDER BY m._id"
    );
    let _ = &mcols;
    db.each(sink, "message", &sql, |r, sink| {
        let outgoing = flag(r, 1) == Some(true);
        let mtype = int(r, 3);
        let chat = text(r, 5);
        let group = chat.as_deref().is_some_and(|c| c.ends_with("@g.us"));
        let sender = if outgoing {
            None
        } else if let Some(s) = text(r, 7) {
            Some(Participant::new(s))
        } else {
            chat.clone().map(Participant::new)
        };
        let recipient = if outgoing && !group {
            chat.clone().map(Participant::new)
        } else {
            None
        };
        let attachments = text(r, 8)
            .map(|p| {
                vec![Attachment {
                    name: Some(base_name(&p).to_string()),
                    path: Some(p),
                    mime: text(r, 9),
                    size: int(r, 10).and_then(|n| u64::try_from(n).ok()),
                }]
            })
            .unwrap_or_default();
        let location = match (real(r, 11), real(r, 12)) {
            (Some(la), Some(lo)) if la != 0.0 || lo != 0.0 => Some((la, lo)),
            _ => None,
        };
        sink.message(Message {
            app: App::WhatsApp,
            conversation: chat.unwrap_or_default(),
            direction: if outgoing {
                Direction::Outgoing
            } else {
                Direction::Incoming
            },
            sender,
            recipient,
            time: unix_ms(int(r, 2)),
            text: text(r, 4),
            kind: kind(mtype),
            attachments,
            location,
            deleted: Some(mtype == Some(15)),
            edited: if edit { flag(r, 13) } else { None },
            provenance: prov(db, "message", int(r, 0)),
        });
    });

    if db.has_table("call_log") {
        let Some(_) = db.require(
            sink,
            "call_log",
            &["_id", "jid_row_id", "from_me", "timestamp", "duration"],
            "WhatsApp Android calls (2.21+)",
        ) else {
            return;
        };
        let ccols = db.columns("call_log").unwrap_or_default();
        let video = opt_col(&ccols, "video_call", "l.video_call");
        db.each(
            sink,
            "call_log",
            &format!(
                "SELECT l._id, l.from_me, l.timestamp, l.duration, {video}, {cj} FROM call_log l \
                 LEFT JOIN jid cj ON cj._id = l.jid_row_id ORDER BY l._id"
            ),
            |r, sink| {
                let outgoing = flag(r, 1) == Some(true);
                let duration = real(r, 3);
                sink.call(Call {
                    app: App::WhatsApp,
                    direction: if outgoing {
                        Direction::Outgoing
                    } else {
                        Direction::Incoming
                    },
                    peers: text(r, 5).map(Participant::new).into_iter().collect(),
                    time: unix_ms(int(r, 2)),
                    duration,
                    missed: !outgoing && duration.unwrap_or(0.0) == 0.0,
                    video: flag(r, 4),
                    provenance: prov(db, "call_log", int(r, 0)),
                });
            },
        );
    }
}

fn legacy(db: &Db, sink: &mut dyn Sink) {
    let what = "WhatsApp Android msgstore.db legacy `messages` (before 2.21)";
    let Some(cols) = db.require(
        sink,
        "messages",
        &[
            "_id",
            "key_remote_jid",
            "key_from_me",
            "timestamp",
            "data",
            "media_wa_type",
            "remote_resource",
        ],
        what,
    ) else {
        return;
    };
    if has_all(db, "chat_list", &["key_remote_jid"]) {
        let cl = db.columns("chat_list").unwrap_or_default();
        let subject = opt_col(&cl, "subject", "subject");
        db.each(
            sink,
            "chat_list",
            &format!("SELECT _id, key_remote_jid, {subject} FROM chat_list ORDER BY _id"),
            |r, sink| {
                let Some(jid) = text(r, 1) else { return };
                let group = jid.ends_with("@g.us");
                sink.conversation(Conversation {
                    app: App::WhatsApp,
                    participants: if group {
                        Vec::new()
                    } else {
                        vec![Participant::new(jid.clone())]
                    },
                    id: jid,
                    name: text(r, 2),
                    group,
                    provenance: prov(db, "chat_list", int(r, 0)),
                });
            },
        );
    }
    let sql = format!(
        "SELECT _id, key_remote_jid, key_from_me, timestamp, data, media_wa_type, remote_resource, {}, {}, {}, {}, {} \
         FROM messages ORDER BY _id",
        opt_col(&cols, "media_name", "media_name"),
        opt_col(&cols, "media_mime_type", "media_mime_type"),
        opt_col(&cols, "media_size", "media_size"),
        opt_col(&cols, "latitude", "latitude"),
        opt_col(&cols, "longitude", "longitude"),
    );
    db.each(sink, "messages", &sql, |r, sink| {
        let Some(chat) = text(r, 1) else { return };
        // `-1` is the placeholder row WhatsApp keeps at the top.
        if chat == "-1" {
            return;
        }
        let outgoing = flag(r, 2) == Some(true);
        let group = chat.ends_with("@g.us");
        let sender = if outgoing {
            None
        } else {
            Some(Participant::new(text(r, 6).unwrap_or_else(|| chat.clone())))
        };
        let name = text(r, 7);
        let attachments = if name.is_some() || text(r, 8).is_some() {
            vec![Attachment {
                path: None,
                name,
                mime: text(r, 8),
                size: int(r, 9)
                    .and_then(|n| u64::try_from(n).ok())
                    .filter(|n| *n > 0),
            }]
        } else {
            Vec::new()
        };
        let location = match (real(r, 10), real(r, 11)) {
            (Some(la), Some(lo)) if la != 0.0 || lo != 0.0 => Some((la, lo)),
            _ => None,
        };
        let mtype = int(r, 5);
        sink.message(Message {
            app: App::WhatsApp,
            recipient: (outgoing && !group).then(|| Participant::new(chat.clone())),
            conversation: chat,
            direction: if outgoing {
                Direction::Outgoing
            } else {
                Direction::Incoming
            },
            sender,
            time: unix_ms(int(r, 3)),
            text: text(r, 4),
            kind: match mtype {
                Some(0) => "text".into(),
                Some(1) => "image".into(),
                Some(2) => "audio".into(),
                Some(3) => "video".into(),
                Some(4) => "contact".into(),
                Some(5) => "location".into(),
                Some(9) => "document".into(),
                Some(n) => format!("type {n}"),
                None => "unknown".into(),
            },
            attachments,
            location,
            deleted: None,
            edited: None,
            provenance: prov(db, "messages", int(r, 0)),
        });
    });
}

/// Contacts from `wa.db` (`wa_contacts`: `jid`, `display_name`, `number`;
/// optional `wa_name`, `status`).
pub(crate) fn wa(db: &Db, sink: &mut dyn Sink) {
    let Some(cols) = db.require(
        sink,
        "wa_contacts",
        &["_id", "jid", "display_name", "number"],
        "WhatsApp Android wa.db contacts",
    ) else {
        return;
    };
    let sql = format!(
        "SELECT _id, jid, display_name, number, {}, {} FROM wa_contacts ORDER BY _id",
        opt_col(&cols, "wa_name", "wa_name"),
        opt_col(&cols, "status", "status"),
    );
    db.each(sink, "wa_contacts", &sql, |r, sink| {
        sink.contact(Contact {
            app: App::WhatsApp,
            id: text(r, 1),
            name: text(r, 2).or_else(|| text(r, 4)),
            phone: text(r, 3),
            label: None,
            about: text(r, 5),
            about_time: None,
            book_id: None,
            deleted: None,
            provenance: prov(db, "wa_contacts", int(r, 0)),
        });
    });
}
