//! Android telephony: SMS/MMS (`mmssms.db` of
//! `com.android.providers.telephony`) and the call log (`calllog.db`, or the
//! `calls` table of `contacts2.db` before Android 7).
//!
//! Known layouts (AOSP 4.4–15): `sms` (`_id`, `thread_id`, `address`,
//! `date` in Unix ms, `type` 1 inbox/2 sent/3 draft/4 outbox/5 failed/6
//! queued, `body`); `pdu` (`_id`, `thread_id`, `date` in Unix seconds,
//! `msg_box`), `part` (`mid`, `ct`, `text`, `_data`), `addr` (`msg_id`,
//! `address`, `type` 137 from/151 to); `calls` (`_id`, `number`, `date` in
//! Unix ms, `duration` in s, `type` 1 in/2 out/3 missed/4 voicemail/5
//! rejected/6 blocked/7 answered elsewhere, optional `name`, `features`
//! with bit 0 = video).

use std::collections::{BTreeMap, BTreeSet};

use crate::db::{base_name, int, opt_col, real, text, unix_ms, unix_s, Db};
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

fn thread_id(t: Option<i64>) -> String {
    t.map_or_else(String::new, |t| format!("thread:{t}"))
}

/// SMS and MMS from `mmssms.db`.
pub(crate) fn mmssms(db: &Db, sink: &mut dyn Sink) {
    let what = "Android mmssms.db (AOSP 4.4-15)";
    let mut threads: BTreeMap<i64, (BTreeSet<String>, i64)> = BTreeMap::new();
    if let Some(_cols) = db.require(
        sink,
        "sms",
        &["_id", "thread_id", "address", "date", "type", "body"],
        what,
    ) {
        db.each(
            sink,
            "sms",
            "SELECT _id, thread_id, address, date, type, body FROM sms ORDER BY _id",
            |r, sink| {
                let t = int(r, 4);
                let direction = match t {
                    Some(1) => Direction::Incoming,
                    Some(2..=6) => Direction::Outgoing,
                    _ => Direction::Unknown,
                };
                let addr = text(r, 2);
                if let (Some(th), Some(a)) = (int(r, 1), &addr) {
                    let e = threads.entry(th).or_insert((BTreeSet::new(), i64::MAX));
                    e.0.insert(a.clone());
                    e.1 = e.1.min(int(r, 0).unwrap_or(i64::MAX));
                }
                let p = addr.map(Participant::new);
                let incoming = direction == Direction::Incoming;
                sink.message(Message {
                    app: App::Sms,
                    conversation: thread_id(int(r, 1)),
                    direction,
                    sender: if incoming { p.clone() } else { None },
                    recipient: if incoming { None } else { p },
                    time: unix_ms(int(r, 3)),
                    text: text(r, 5),
                    kind: if t == Some(3) { "draft" } else { "sms" }.into(),
                    attachments: Vec::new(),
                    location: None,
                    deleted: None,
                    edited: None,
                    provenance: prov(db, "sms", int(r, 0)),
                });
            },
        );
    }
    if db.has_table("pdu") {
        let parts_ok = db.columns("part").is_some_and(|c| {
            ["mid", "ct", "text", "_data"]
                .iter()
                .all(|x| c.contains(*x))
        });
        let addr_ok = db
            .columns("addr")
            .is_some_and(|c| ["msg_id", "address", "type"].iter().all(|x| c.contains(*x)));
        if let (Some(_), true, true) = (
            db.require(sink, "pdu", &["_id", "thread_id", "date", "msg_box"], what),
            parts_ok,
            addr_ok,
        ) {
            let pc = db.columns("part").unwrap_or_default();
            let label = match (pc.contains("cl"), pc.contains("name")) {
                (true, true) => "COALESCE(cl, name, '')",
                (true, false) => "COALESCE(cl, '')",
                (false, true) => "COALESCE(name, '')",
                (false, false) => "''",
            };
            let sql = format!(
                "SELECT p._id, p.thread_id, p.date, p.msg_box, \
                 (SELECT group_concat(t, char(10)) FROM (SELECT text AS t FROM part WHERE mid = p._id AND ct = 'text/plain' ORDER BY _id)), \
                 (SELECT group_concat(a, char(30)) FROM (SELECT COALESCE(_data, '') || char(31) || COALESCE(ct, '') || char(31) || {label} AS a \
                    FROM part WHERE mid = p._id AND COALESCE(ct, '') NOT IN ('text/plain', 'application/smil') ORDER BY _id)), \
                 (SELECT address FROM addr WHERE msg_id = p._id AND type = 137 ORDER BY _id LIMIT 1), \
                 (SELECT group_concat(a, char(10)) FROM (SELECT address AS a FROM addr WHERE msg_id = p._id AND type = 151 ORDER BY _id)) \
                 FROM pdu p ORDER BY p._id"
            );
            db.each(sink, "pdu", &sql, |r, sink| {
                let direction = match int(r, 3) {
                    Some(1) => Direction::Incoming,
                    Some(2) | Some(4) => Direction::Outgoing,
                    _ => Direction::Unknown,
                };
                let attachments = text(r, 5)
                    .map(|s| {
                        s.split('\u{1e}')
                            .map(|a| {
                                let mut f = a.split('\u{1f}');
                                let data = f.next().filter(|x| !x.is_empty());
                                let ct = f.next().filter(|x| !x.is_empty());
                                let label = f.next().filter(|x| !x.is_empty());
                                Attachment {
                                    path: data.map(|d| d.trim_start_matches('/').to_string()),
                                    name: label.or(data.map(base_name)).map(str::to_string),
                                    mime: ct.map(str::to_string),
                                    size: None,
                                }
                            })
                            .collect()
                    })
                    .unwrap_or_default();
                let from = text(r, 6).filter(|a| a != "insert-address-token");
                let to: Vec<String> = text(r, 7)
                    .map(|s| s.split('\n').map(str::to_string).collect())
                    .unwrap_or_default();
                if let Some(th) = int(r, 1) {
                    let e = threads.entry(th).or_insert((BTreeSet::new(), i64::MAX));
                    if direction == Direction::Incoming {
                        e.0.extend(from.clone());
                    } else {
                        e.0.extend(to.iter().cloned());
                    }
                }
                let incoming = direction == Direction::Incoming;
                sink.message(Message {
                    app: App::Sms,
                    conversation: thread_id(int(r, 1)),
                    direction,
                    sender: if incoming {
                        from.map(Participant::new)
                    } else {
                        None
                    },
                    recipient: if incoming {
                        None
                    } else {
                        to.first().cloned().map(Participant::new)
                    },
                    time: unix_s(int(r, 2)),
                    text: text(r, 4),
                    kind: "mms".into(),
                    attachments,
                    location: None,
                    deleted: None,
                    edited: None,
                    provenance: prov(db, "pdu", int(r, 0)),
                });
            });
        } else if !(parts_ok && addr_ok) {
            sink.warning(db.warn(
                Some("part"),
                "unknown layout for Android MMS: `part`/`addr` tables missing or changed; MMS not read",
            ));
        }
    }
    for (th, (addrs, first)) in threads {
        sink.conversation(Conversation {
            app: App::Sms,
            id: thread_id(Some(th)),
            name: None,
            group: addrs.len() > 1,
            participants: addrs.into_iter().map(Participant::new).collect(),
            provenance: prov(db, "sms", Some(if first == i64::MAX { th } else { first })),
        });
    }
}

/// Calls from `calllog.db` / `contacts2.db`. `contacts2.db` without a
/// `calls` table (Android 7+) is the address book only: nothing to read.
pub(crate) fn calls(db: &Db, sink: &mut dyn Sink) {
    if db.file.ends_with("contacts2.db") && !db.has_table("calls") {
        return;
    }
    let Some(cols) = db.require(
        sink,
        "calls",
        &["_id", "number", "date", "duration", "type"],
        "Android call log (AOSP 4.4-15)",
    ) else {
        return;
    };
    let sql = format!(
        "SELECT _id, number, date, duration, type, {}, {} FROM calls ORDER BY _id",
        opt_col(&cols, "name", "name"),
        opt_col(&cols, "features", "features"),
    );
    db.each(sink, "calls", &sql, |r, sink| {
        let t = int(r, 4);
        sink.call(Call {
            app: App::Phone,
            direction: match t {
                Some(2) => Direction::Outgoing,
                Some(1) | Some(3..=7) => Direction::Incoming,
                _ => Direction::Unknown,
            },
            peers: text(r, 1)
                .map(|n| Participant::new(n).named(text(r, 5)))
                .into_iter()
                .collect(),
            time: unix_ms(int(r, 2)),
            duration: real(r, 3),
            missed: matches!(t, Some(3) | Some(5) | Some(6)),
            video: int(r, 6).map(|f| f & 1 == 1),
            provenance: prov(db, "calls", int(r, 0)),
        });
    });
}

/// Android phone-type codes (`ContactsContract.CommonDataKinds.Phone`).
fn phone_label(t: Option<i64>, custom: Option<String>) -> Option<String> {
    let s = match t {
        Some(0) => return custom,
        Some(1) => "Home",
        Some(2) => "Mobile",
        Some(3) => "Work",
        Some(4) => "Work fax",
        Some(5) => "Home fax",
        Some(6) => "Pager",
        Some(7) => "Other",
        Some(12) => "Main",
        Some(n) => return Some(format!("type {n}")),
        None => return custom,
    };
    Some(s.to_string())
}

/// The address book in `contacts2.db`: one contact per phone number of
/// each raw contact (`raw_contacts` ⨝ `data` ⨝ `mimetypes`, rows of
/// `vnd.android.cursor.item/phone_v2`), AOSP 4.4–15. Raw contacts marked
/// `deleted` are kept and flagged.
pub(crate) fn contacts(db: &Db, sink: &mut dyn Sink) {
    let what = "Android contacts2.db address book (AOSP 4.4-15)";
    let Some(rc) = db.require(sink, "raw_contacts", &["_id", "display_name"], what) else {
        return;
    };
    let Some(_) = db.require(
        sink,
        "data",
        &[
            "_id",
            "raw_contact_id",
            "mimetype_id",
            "data1",
            "data2",
            "data3",
        ],
        what,
    ) else {
        return;
    };
    let Some(_) = db.require(sink, "mimetypes", &["_id", "mimetype"], what) else {
        return;
    };
    let deleted = opt_col(&rc, "deleted", "r.deleted");
    let sql = format!(
        "SELECT d._id, r._id, r.display_name, d.data1, d.data2, d.data3, {deleted} \
         FROM data d JOIN mimetypes m ON m._id = d.mimetype_id JOIN raw_contacts r ON r._id = d.raw_contact_id \
         WHERE m.mimetype = 'vnd.android.cursor.item/phone_v2' ORDER BY d._id"
    );
    db.each(sink, "data", &sql, |r, sink| {
        sink.contact(crate::Contact {
            app: App::Phone,
            id: None,
            name: text(r, 2),
            phone: text(r, 3),
            label: phone_label(int(r, 4), text(r, 5)),
            about: None,
            about_time: None,
            book_id: int(r, 1).map(|n| n.to_string()),
            deleted: rc.contains("deleted").then(|| int(r, 6).unwrap_or(0) != 0),
            provenance: prov(db, "data", int(r, 0)),
        });
    });
}
