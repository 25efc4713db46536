//! iOS Messages (`Library/SMS/sms.db`: SMS, MMS and iMessage) and the phone
//! app's call history (`Library/CallHistoryDB/CallHistory.storedata`).
//!
//! Known layouts (iOS 11–18): `message` (`ROWID`, `text`, `handle_id`,
//! `date` in Apple time, seconds before iOS 11 and nanoseconds after,
//! `is_from_me`; optional `service`, `date_edited` and `date_retracted`
//! from iOS 16), `handle` (`ROWID`, `id`), `chat` (`ROWID`,
//! `chat_identifier`, optional `display_name`), `chat_message_join`,
//! `chat_handle_join`, `attachment` (`filename` under `~/`, `mime_type`,
//! `transfer_name`, `total_bytes`) and `message_attachment_join`;
//! `ZCALLRECORD` (`ZADDRESS`, `ZDATE`, `ZDURATION`, `ZORIGINATED`,
//! `ZANSWERED`, optional `ZCALLTYPE` with 8 = FaceTime video, `ZNAME`).
//! iOS 16+ often leaves `text` empty and keeps the text only in
//! `attributedBody`, an `NSAttributedString` in Apple's typedstream format;
//! its `NSString` is decoded ([`attributed_text`]), and bodies that do not
//! have the expected shape are counted in a warning instead.

use std::collections::BTreeMap;

use crate::db::{base_name, dir_of, flag, int, join, mac_time, opt_col, real, text, Db};
use crate::{
    App, Attachment, Call, Conversation, Direction, Message, Participant, Provenance, Sink,
};

fn prov(db: &Db, table: &str, row: Option<i64>) -> Provenance {
    Provenance {
        file: db.file.clone(),
        table: table.to_string(),
        row: row.unwrap_or(-1),
    }
}

/// Where `~/` points for a database at `<home>/Library/SMS/sms.db`; in an
/// iOS backup the attachments live in `MediaDomain`.
fn home_of(file: &str) -> String {
    let home = dir_of(dir_of(dir_of(file)));
    if home == "HomeDomain" {
        "MediaDomain".to_string()
    } else {
        home.to_string()
    }
}

/// Messages and chats from `sms.db`.
pub(crate) fn sms(db: &Db, sink: &mut dyn Sink) {
    let what = "iOS sms.db (iOS 11-18)";
    let Some(mcols) = db.require(
        sink,
        "message",
        &["ROWID", "text", "handle_id", "date", "is_from_me"],
        what,
    ) else {
        return;
    };
    let Some(_) = db.require(sink, "handle", &["ROWID", "id"], what) else {
        return;
    };
    let chat_ok = db
        .columns("chat")
        .is_some_and(|c| c.contains("ROWID") && c.contains("chat_identifier"))
        && db
            .columns("chat_message_join")
            .is_some_and(|c| c.contains("chat_id") && c.contains("message_id"));
    let att_ok = db.columns("attachment").is_some_and(|c| {
        [
            "ROWID",
            "filename",
            "mime_type",
            "transfer_name",
            "total_bytes",
        ]
        .iter()
        .all(|x| c.contains(*x))
    }) && db
        .columns("message_attachment_join")
        .is_some_and(|c| c.contains("message_id") && c.contains("attachment_id"));

    if chat_ok {
        let cc = db.columns("chat").unwrap_or_default();
        let mut members: BTreeMap<i64, Vec<Participant>> = BTreeMap::new();
        if db
            .columns("chat_handle_join")
            .is_some_and(|c| c.contains("chat_id") && c.contains("handle_id"))
        {
            db.each(
                sink,
                "chat_handle_join",
                "SELECT j.chat_id, h.id FROM chat_handle_join j JOIN handle h ON h.ROWID = j.handle_id ORDER BY j.rowid",
                |r, _| {
                    if let (Some(c), Some(h)) = (int(r, 0), text(r, 1)) {
                        members.entry(c).or_default().push(Participant::new(h));
                    }
                },
            );
        }
        let sql = format!(
            "SELECT ROWID, chat_identifier, {}, {} FROM chat ORDER BY ROWID",
            opt_col(&cc, "display_name", "display_name"),
            opt_col(&cc, "service_name", "service_name"),
        );
        db.each(sink, "chat", &sql, |r, sink| {
            let Some(id) = text(r, 1) else { return };
            let mut participants = int(r, 0)
                .and_then(|k| members.remove(&k))
                .unwrap_or_default();
            participants.sort();
            participants.dedup();
            sink.conversation(Conversation {
                app: if text(r, 3).as_deref() == Some("iMessage") {
                    App::IMessage
                } else {
                    App::Sms
                },
                group: participants.len() > 1 || id.starts_with("chat"),
                id,
                name: text(r, 2),
                participants,
                provenance: prov(db, "chat", int(r, 0)),
            });
        });
    }

    let chat_sel = if chat_ok {
        "(SELECT c.chat_identifier FROM chat c WHERE c.ROWID = (SELECT min(chat_id) FROM chat_message_join j WHERE j.message_id = m.ROWID))"
    } else {
        "NULL"
    };
    let att_sel = if att_ok {
        "(SELECT group_concat(a, char(30)) FROM (SELECT COALESCE(at.filename, '') || char(31) || COALESCE(at.mime_type, '') || char(31) || COALESCE(at.transfer_name, '') || char(31) || COALESCE(at.total_bytes, '') AS a \
           FROM message_attachment_join aj JOIN attachment at ON at.ROWID = aj.attachment_id WHERE aj.message_id = m.ROWID ORDER BY at.ROWID))"
    } else {
        "NULL"
    };
    let body = opt_col(&mcols, "attributedBody", "m.attributedBody");
    let sql = format!(
        "SELECT m.ROWID, m.is_from_me, m.date, m.text, h.id, {}, {chat_sel}, {}, {}, {att_sel}, {body} \
         FROM message m LEFT JOIN handle h ON h.ROWID = m.handle_id ORDER BY m.ROWID",
        opt_col(&mcols, "service", "m.service"),
        opt_col(&mcols, "date_edited", "m.date_edited"),
        opt_col(&mcols, "date_retracted", "m.date_retracted"),
    );
    let home = home_of(&db.file);
    let mut body_only = 0u64;
    db.each(sink, "message", &sql, |r, sink| {
        let outgoing = flag(r, 1) == Some(true);
        let handle = text(r, 4);
        let app = if text(r, 5).as_deref() == Some("iMessage") {
            App::IMessage
        } else {
            App::Sms
        };
        let attachments: Vec<Attachment> = text(r, 9)
            .map(|s| {
                s.split('\u{1e}')
                    .map(|a| {
                        let mut f = a.split('\u{1f}');
                        let file = f.next().filter(|x| !x.is_empty());
                        let mime = f.next().filter(|x| !x.is_empty());
                        let tname = f.next().filter(|x| !x.is_empty());
                        let size = f.next().and_then(|x| x.parse::<u64>().ok());
                        let path = file.map(|p| match p.strip_prefix("~/") {
                            Some(rest) => join(&home, rest),
                            None => p.trim_start_matches('/').to_string(),
                        });
                        Attachment {
                            name: tname
                                .map(str::to_string)
                                .or_else(|| path.as_deref().map(|p| base_name(p).to_string())),
                            path,
                            mime: mime.map(str::to_string),
                            size,
                        }
                    })
                    .collect()
            })
            .unwrap_or_default();
        let txt = text(r, 3)
            .map(|t| t.replace('\u{fffc}', "").trim().to_string())
            .filter(|t| !t.is_empty());
        let txt = match txt {
            Some(t) => Some(t),
            None => match r.get_ref(10) {
                Ok(rusqlite::types::ValueRef::Blob(b)) => {
                    let t = attributed_text(b);
                    if t.is_none() {
                        body_only += 1;
                    }
                    t.map(|t| t.replace('\u{fffc}', "").trim().to_string())
                        .filter(|t| !t.is_empty())
                }
                _ => None,
            },
        };
        let p = handle.clone().map(Participant::new);
        sink.message(Message {
            app,
            conversation: text(r, 6).or(handle).unwrap_or_default(),
            direction: if outgoing {
                Direction::Outgoing
            } else {
                Direction::Incoming
            },
            sender: if outgoing { None } else { p.clone() },
            recipient: if outgoing { p } else { None },
            time: mac_time(real(r, 2)),
            text: txt,
            kind: if attachments.is_empty() {
                "text"
            } else {
                "attachment"
            }
            .into(),
            attachments,
            location: None,
            deleted: mcols
                .contains("date_retracted")
                .then(|| int(r, 8).unwrap_or(0) != 0),
            edited: mcols
                .contains("date_edited")
                .then(|| int(r, 7).unwrap_or(0) != 0),
            provenance: prov(db, "message", int(r, 0)),
        });
    });
    if body_only > 0 {
        sink.warning(db.warn(
            Some("message"),
            format!(
                "{body_only} message(s) have their text only in attributedBody (not decoded yet)"
            ),
        ));
    }
}

/// Calls from `CallHistory.storedata`.
pub(crate) fn calls(db: &Db, sink: &mut dyn Sink) {
    let Some(cols) = db.require(
        sink,
        "ZCALLRECORD",
        &[
            "Z_PK",
            "ZADDRESS",
            "ZDATE",
            "ZDURATION",
            "ZORIGINATED",
            "ZANSWERED",
        ],
        "iOS CallHistory.storedata (iOS 8-18)",
    ) else {
        return;
    };
    let sql = format!(
        "SELECT Z_PK, ZADDRESS, ZDATE, ZDURATION, ZORIGINATED, ZANSWERED, {}, {} FROM ZCALLRECORD ORDER BY Z_PK",
        opt_col(&cols, "ZCALLTYPE", "ZCALLTYPE"),
        opt_col(&cols, "ZNAME", "ZNAME"),
    );
    db.each(sink, "ZCALLRECORD", &sql, |r, sink| {
        let outgoing = flag(r, 4) == Some(true);
        let answered = flag(r, 5) == Some(true);
        sink.call(Call {
            app: App::Phone,
            direction: if outgoing {
                Direction::Outgoing
            } else {
                Direction::Incoming
            },
            peers: text(r, 1)
                .map(|a| Participant::new(a).named(text(r, 7)))
                .into_iter()
                .collect(),
            time: mac_time(real(r, 2)),
            duration: real(r, 3),
            missed: !outgoing && !answered,
            video: int(r, 6).map(|t| t == 8),
            provenance: prov(db, "ZCALLRECORD", int(r, 0)),
        });
    });
}

/// The string of an `NSAttributedString` typedstream (`attributedBody`):
/// after the class name `NSString` come a few type bytes, `+`, then the
/// length (one byte; `0x81` + u16 LE; `0x82` + u32 LE) and the UTF-8 bytes.
/// Anything else is `None`: the body is not guessed at.
pub(crate) fn attributed_text(b: &[u8]) -> Option<String> {
    let at = b.windows(8).position(|w| w == b"NSString")? + 8;
    let rest = b.get(at..)?;
    let plus = rest.iter().take(8).position(|&c| c == b'+')?;
    let mut i = plus + 1;
    let len = match *rest.get(i)? {
        0x81 => {
            let v = u16::from_le_bytes([*rest.get(i + 1)?, *rest.get(i + 2)?]) as usize;
            i += 3;
            v
        }
        0x82 => {
            let v = u32::from_le_bytes([
                *rest.get(i + 1)?,
                *rest.get(i + 2)?,
                *rest.get(i + 3)?,
                *rest.get(i + 4)?,
            ]);
            i += 5;
            usize::try_from(v).ok()?
        }
        n if n < 0x80 => {
            i += 1;
            n as usize
        }
        _ => return None,
    };
    let bytes = rest.get(i..i.checked_add(len)?)?;
    String::from_utf8(bytes.to_vec()).ok()
}

/// The address book (`Library/AddressBook/AddressBook.sqlitedb`, iOS 5–18):
/// one contact per phone number (`ABMultiValue` rows with `property` 3) of
/// each `ABPerson`, and one name-only contact per person without a number.
pub(crate) fn address_book(db: &Db, sink: &mut dyn Sink) {
    let what = "iOS AddressBook.sqlitedb (iOS 5-18)";
    let Some(pc) = db.require(sink, "ABPerson", &["ROWID", "First", "Last"], what) else {
        return;
    };
    let Some(_) = db.require(
        sink,
        "ABMultiValue",
        &["UID", "record_id", "property", "label", "value"],
        what,
    ) else {
        return;
    };
    let org = opt_col(&pc, "Organization", "p.Organization");
    let labels = db
        .columns("ABMultiValueLabel")
        .is_some_and(|c| c.contains("value"));
    let label = if labels {
        "(SELECT l.value FROM ABMultiValueLabel l WHERE l.ROWID = mv.label)"
    } else {
        "NULL"
    };
    let name = |r: &rusqlite::Row<'_>| -> Option<String> {
        let parts: Vec<String> = [text(r, 2), text(r, 3)].into_iter().flatten().collect();
        if parts.is_empty() {
            text(r, 4)
        } else {
            Some(parts.join(" "))
        }
    };
    let contact =
        |table: &str, row: Option<i64>, person: Option<i64>, name: Option<String>| crate::Contact {
            app: App::Phone,
            id: None,
            name,
            phone: None,
            label: None,
            about: None,
            about_time: None,
            book_id: person.map(|n| n.to_string()),
            deleted: None,
            provenance: prov(db, table, row),
        };
    db.each(
        sink,
        "ABMultiValue",
        &format!(
            "SELECT mv.UID, p.ROWID, p.First, p.Last, {org}, mv.value, {label} \
             FROM ABMultiValue mv JOIN ABPerson p ON p.ROWID = mv.record_id \
             WHERE mv.property = 3 ORDER BY mv.UID"
        ),
        |r, sink| {
            let mut c = contact("ABMultiValue", int(r, 0), int(r, 1), name(r));
            c.phone = text(r, 5);
            c.label = crate::parse::whatsapp_ios::label(text(r, 6));
            sink.contact(c);
        },
    );
    db.each(
        sink,
        "ABPerson",
        &format!(
            "SELECT p.ROWID, p.ROWID, p.First, p.Last, {org} FROM ABPerson p \
             WHERE NOT EXISTS (SELECT 1 FROM ABMultiValue mv WHERE mv.record_id = p.ROWID AND mv.property = 3) \
             ORDER BY p.ROWID"
        ),
        |r, sink| {
            sink.contact(contact("ABPerson", int(r, 0), int(r, 1), name(r)));
        },
    );
}

#[cfg(test)]
mod tests {
    use super::attributed_text;

    #[test]
    fn attributed_body_lengths_and_damage() {
        let mut b =
            b"\x04\x0bstreamtyped\x81\xe8\x03\x84\x01@\x84\x84\x84\x08NSString\x01\x94\x84\x01+"
                .to_vec();
        let long = "x".repeat(300);
        let mut two = b.clone();
        two.push(0x81);
        two.extend_from_slice(&300u16.to_le_bytes());
        two.extend_from_slice(long.as_bytes());
        assert_eq!(attributed_text(&two).as_deref(), Some(long.as_str()));
        // A length running past the end is not decoded.
        b.push(0x7f);
        b.extend_from_slice(b"short");
        assert_eq!(attributed_text(&b), None);
        assert_eq!(attributed_text(b"NSString"), None);
        assert_eq!(attributed_text(b""), None);
        let mut bad = b"NSString\x01+\x82".to_vec();
        bad.extend_from_slice(&u32::MAX.to_le_bytes());
        assert_eq!(attributed_text(&bad), None);
    }
}
