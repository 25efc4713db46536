//! WhatsApp for iOS: `ChatStorage.sqlite`, `CallHistory.sqlite`,
//! `ContactsV2.sqlite` in the app group container.
//!
//! Known layouts: the Core Data models of WhatsApp 2.20–2.25 (iOS 13–18):
//! `ZWAMESSAGE` (`ZISFROMME`, `ZMESSAGETYPE`, `ZCHATSESSION`,
//! `ZMESSAGEDATE`, `ZFROMJID`, `ZTOJID`, `ZTEXT`; optional `ZGROUPMEMBER`,
//! `ZMEDIAITEM`), `ZWACHATSESSION`, `ZWAMEDIAITEM` (`ZMEDIALOCALPATH`
//! relative to the container's `Message/` folder), `ZWAGROUPMEMBER`; calls in
//! `ZWACDCALLEVENT` → `ZWAAGGREGATECALLEVENT` / `ZWACDCALLEVENTPARTICIPANT`
//! (2.22+; the older `ZWACALLEVENT` model is reported as unknown); contacts
//! in `ZWAADDRESSBOOKCONTACT`. Times are Apple absolute time.

use std::collections::BTreeMap;

use crate::db::{dir_of, flag, int, join, mac_time, opt_col, real, text, Db};
use crate::{
    App, Attachment, Call, Contact, Conversation, Direction, Message, Participant, Provenance, Sink,
};

/// `ZMESSAGETYPE` values → kind. 14 is a message deleted for everyone.
fn kind(t: Option<i64>) -> String {
    match t {
        Some(0) => "text",
        Some(1) => "image",
        Some(2) => "video",
        Some(3) => "audio",
        Some(4) => "contact",
        Some(5) => "location",
        Some(6) | Some(10) => "system",
        Some(7) => "link",
        Some(8) => "document",
        Some(11) => "gif",
        Some(14) => "deleted",
        Some(15) => "sticker",
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

/// Messages and conversations from `ChatStorage.sqlite`.
pub(crate) fn chats(db: &Db, sink: &mut dyn Sink) {
    let need_msg = [
        "Z_PK",
        "ZISFROMME",
        "ZMESSAGETYPE",
        "ZCHATSESSION",
        "ZMESSAGEDATE",
        "ZFROMJID",
        "ZTOJID",
        "ZTEXT",
    ];
    let need_chat = ["Z_PK", "ZCONTACTJID", "ZPARTNERNAME"];
    let what = "WhatsApp iOS chats (2.20-2.25)";
    let Some(chat_cols) = db.require(sink, "ZWACHATSESSION", &need_chat, what) else {
        return;
    };
    let Some(cols) = db.require(sink, "ZWAMESSAGE", &need_msg, what) else {
        return;
    };
    let members = db.columns("ZWAGROUPMEMBER").filter(|c| {
        ["Z_PK", "ZMEMBERJID", "ZCONTACTNAME", "ZCHATSESSION"]
            .iter()
            .all(|x| c.contains(*x))
    });
    let media = db.columns("ZWAMEDIAITEM").filter(|c| {
        ["Z_PK", "ZMEDIALOCALPATH", "ZLATITUDE", "ZLONGITUDE"]
            .iter()
            .all(|x| c.contains(*x))
    });
    let media_ok = media.is_some() && cols.contains("ZMEDIAITEM");
    let members_ok = members.is_some() && cols.contains("ZGROUPMEMBER");

    // Conversations, with group members.
    let mut by_chat: BTreeMap<i64, Vec<Participant>> = BTreeMap::new();
    if members.is_some() {
        db.each(
            sink,
            "ZWAGROUPMEMBER",
            "SELECT ZCHATSESSION, ZMEMBERJID, ZCONTACTNAME FROM ZWAGROUPMEMBER ORDER BY Z_PK",
            |r, _| {
                if let (Some(chat), Some(jid)) = (int(r, 0), text(r, 1)) {
                    by_chat
                        .entry(chat)
                        .or_default()
                        .push(Participant::new(jid).named(text(r, 2)));
                }
            },
        );
    }
    let session_type = opt_col(&chat_cols, "ZSESSIONTYPE", "ZSESSIONTYPE");
    db.each(
        sink,
        "ZWACHATSESSION",
        &format!("SELECT Z_PK, ZCONTACTJID, ZPARTNERNAME, {session_type} FROM ZWACHATSESSION ORDER BY Z_PK"),
        |r, sink| {
            let pk = int(r, 0);
            let Some(jid) = text(r, 1) else { return };
            let name = text(r, 2);
            let group = jid.ends_with("@g.us") || int(r, 3) == Some(1);
            let participants = if group {
                let mut p = pk.and_then(|k| by_chat.remove(&k)).unwrap_or_default();
                p.sort();
                p.dedup();
                p
            } else {
                vec![Participant::new(jid.clone()).named(name.clone())]
            };
            sink.conversation(Conversation {
                app: App::WhatsApp,
                id: jid,
                name,
                group,
                participants,
                provenance: prov(db, "ZWACHATSESSION", pk),
            });
        },
    );

    let (mjoin, mcols) = if media_ok {
        (
            "LEFT JOIN ZWAMEDIAITEM mi ON mi.Z_PK = m.ZMEDIAITEM",
            format!(
                "mi.ZMEDIALOCALPATH, {}, mi.ZLATITUDE, mi.ZLONGITUDE, {}",
                media
                    .as_ref()
                    .map_or("NULL".into(), |c| opt_col(c, "ZFILESIZE", "mi.ZFILESIZE")),
                media
                    .as_ref()
                    .map_or("NULL".into(), |c| opt_col(c, "ZTITLE", "mi.ZTITLE")),
            ),
        )
    } else {
        ("", "NULL, NULL, NULL, NULL, NULL".to_string())
    };
    let (gjoin, gcols) = if members_ok {
        (
            "LEFT JOIN ZWAGROUPMEMBER gm ON gm.Z_PK = m.ZGROUPMEMBER",
            "gm.ZMEMBERJID, gm.ZCONTACTNAME",
        )
    } else {
        ("", "NULL, NULL")
    };
    let sql = format!(
        "SELECT m.Z_PK, m.ZISFROMME, m.ZMESSAGETYPE, m.ZMESSAGEDATE, m.ZFROMJID, m.ZTOJID, m.ZTEXT, \
         s.ZCONTACTJID, s.ZPARTNERNAME, {gcols}, {mcols} \
         FROM ZWAMESSAGE m LEFT JOIN ZWACHATSESSION s ON s.Z_PK = m.ZCHATSESSION {gjoin} {mjoin} \
         ORDER BY m.Z_PK"
    );
    let home = format!("{}/Message", dir_of(&db.file));
    db.each(sink, "ZWAMESSAGE", &sql, |r, sink| {
        let outgoing = flag(r, 1) == Some(true);
        let mtype = int(r, 2);
        let from = text(r, 4);
        let to = text(r, 5);
        let chat_jid = text(r, 7);
        let partner = text(r, 8);
        let group = chat_jid.as_deref().is_some_and(|j| j.ends_with("@g.us"));
        let sender = if outgoing {
            None
        } else if let Some(member) = text(r, 9) {
            Some(Participant::new(member).named(text(r, 10)))
        } else {
            from.clone()
                .map(|f| Participant::new(f).named(partner.clone()))
        };
        let recipient = to.map(|t| {
            let p = Participant::new(t);
            if outgoing && !group {
                p.named(partner.clone())
            } else {
                p
            }
        });
        let mut attachments = Vec::new();
        if let Some(path) = text(r, 11) {
            let full = join(&home, &path);
            attachments.push(Attachment {
                name: Some(crate::db::base_name(&full).to_string()),
                path: Some(full),
                mime: None,
                size: int(r, 12)
                    .and_then(|n| u64::try_from(n).ok())
                    .filter(|n| *n > 0),
            });
        }
        let location = match (mtype, real(r, 13), real(r, 14)) {
            (Some(5), Some(la), Some(lo)) if la != 0.0 || lo != 0.0 => Some((la, lo)),
            _ => None,
        };
        let text_v = text(r, 6).or_else(|| text(r, 15));
        sink.message(Message {
            app: App::WhatsApp,
            conversation: chat_jid.or(from).unwrap_or_default(),
            direction: if outgoing {
                Direction::Outgoing
            } else {
                Direction::Incoming
            },
            sender,
            recipient,
            time: mac_time(real(r, 3)),
            text: text_v,
            kind: kind(mtype),
            attachments,
            location,
            deleted: Some(mtype == Some(14)),
            edited: None,
            provenance: prov(db, "ZWAMESSAGE", int(r, 0)),
        });
    });
}

/// Calls from `CallHistory.sqlite`.
pub(crate) fn calls(db: &Db, sink: &mut dyn Sink) {
    let what = "WhatsApp iOS calls (2.22-2.25)";
    let Some(_) = db.require(
        sink,
        "ZWACDCALLEVENT",
        &["Z_PK", "ZDATE", "ZDURATION", "Z1CALLEVENTS"],
        what,
    ) else {
        return;
    };
    let Some(agg) = db.require(
        sink,
        "ZWAAGGREGATECALLEVENT",
        &["Z_PK", "ZINCOMING", "ZMISSED"],
        what,
    ) else {
        return;
    };
    let Some(_) = db.require(
        sink,
        "ZWACDCALLEVENTPARTICIPANT",
        &["Z_PK", "Z1PARTICIPANTS", "ZJIDSTRING"],
        what,
    ) else {
        return;
    };
    let video = opt_col(&agg, "ZVIDEO", "a.ZVIDEO");
    let sql = format!(
        "SELECT c.Z_PK, c.ZDATE, c.ZDURATION, a.ZINCOMING, a.ZMISSED, {video}, \
         (SELECT group_concat(j, char(10)) FROM (SELECT p.ZJIDSTRING AS j FROM ZWACDCALLEVENTPARTICIPANT p \
           WHERE p.Z1PARTICIPANTS = c.Z_PK ORDER BY p.Z_PK)) \
         FROM ZWACDCALLEVENT c LEFT JOIN ZWAAGGREGATECALLEVENT a ON a.Z_PK = c.Z1CALLEVENTS \
         ORDER BY c.Z_PK"
    );
    db.each(sink, "ZWACDCALLEVENT", &sql, |r, sink| {
        let peers = text(r, 6)
            .map(|s| {
                s.split('\n')
                    .filter(|x| !x.is_empty())
                    .map(Participant::new)
                    .collect()
            })
            .unwrap_or_default();
        let direction = match flag(r, 3) {
            Some(true) => Direction::Incoming,
            Some(false) => Direction::Outgoing,
            None => Direction::Unknown,
        };
        sink.call(Call {
            app: App::WhatsApp,
            direction,
            peers,
            time: mac_time(real(r, 1)),
            duration: real(r, 2),
            missed: flag(r, 4) == Some(true),
            video: flag(r, 5),
            provenance: prov(db, "ZWACDCALLEVENT", int(r, 0)),
        });
    });
}

/// `_$!<Mobile>!$_` (the address book's built-in labels) → `Mobile`.
pub(crate) fn label(l: Option<String>) -> Option<String> {
    l.map(|s| {
        s.strip_prefix("_$!<")
            .and_then(|x| x.strip_suffix(">!$_"))
            .map_or(s.clone(), str::to_string)
    })
}

/// Contacts from `ContactsV2.sqlite`.
pub(crate) fn contacts(db: &Db, sink: &mut dyn Sink) {
    let Some(cols) = db.require(
        sink,
        "ZWAADDRESSBOOKCONTACT",
        &["Z_PK", "ZFULLNAME", "ZPHONENUMBER", "ZWHATSAPPID"],
        "WhatsApp iOS contacts (2.21-2.25)",
    ) else {
        return;
    };
    let sql = format!(
        "SELECT Z_PK, ZFULLNAME, ZPHONENUMBER, ZWHATSAPPID, {}, {}, {}, {} FROM ZWAADDRESSBOOKCONTACT ORDER BY Z_PK",
        opt_col(&cols, "ZPHONENUMBERLABEL", "ZPHONENUMBERLABEL"),
        opt_col(&cols, "ZABOUTTEXT", "ZABOUTTEXT"),
        opt_col(&cols, "ZABOUTTIMESTAMP", "ZABOUTTIMESTAMP"),
        opt_col(&cols, "ZIDENTIFIER", "ZIDENTIFIER"),
    );
    db.each(sink, "ZWAADDRESSBOOKCONTACT", &sql, |r, sink| {
        sink.contact(Contact {
            app: App::WhatsApp,
            id: text(r, 3),
            name: text(r, 1),
            phone: text(r, 2),
            label: label(text(r, 4)),
            about: text(r, 5),
            about_time: mac_time(real(r, 6)),
            book_id: text(r, 7),
            deleted: None,
            provenance: prov(db, "ZWAADDRESSBOOKCONTACT", int(r, 0)),
        });
    });
}
