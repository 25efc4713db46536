//! A phone extraction triaged into a case: chat messages are searchable,
//! and a lead inside a message is a finding that names its message.

mod common;

use std::path::Path;

use common::exhibit;

/// A WhatsApp Android extraction (legacy `messages` table) with a Bitcoin
/// address in one message and a word found nowhere else in another.
fn extraction(dir: &Path) {
    let db = dir.join("data/data/com.whatsapp/databases/msgstore.db");
    std::fs::create_dir_all(db.parent().unwrap()).unwrap();
    let c = rusqlite::Connection::open(&db).unwrap();
    c.execute_batch(
        "CREATE TABLE messages (_id INTEGER PRIMARY KEY AUTOINCREMENT, key_remote_jid TEXT NOT NULL,
           key_from_me INTEGER, key_id TEXT NOT NULL, status INTEGER, data TEXT, timestamp INTEGER,
           media_url TEXT, media_mime_type TEXT, media_wa_type TEXT, media_size INTEGER,
           media_name TEXT, media_caption TEXT, latitude REAL, longitude REAL,
           remote_resource TEXT, received_timestamp INTEGER);
         INSERT INTO messages (_id, key_remote_jid, key_from_me, key_id) VALUES (1,'-1',0,'-1');
         INSERT INTO messages (_id, key_remote_jid, key_from_me, key_id, data, timestamp, media_wa_type)
           VALUES (2,'66811111111@s.whatsapp.net',0,'K2','pay the deposit to 1BoatSLRHtKNngkdXEeobR76b53LETtpyT tonight',1700000000000,'0');
         INSERT INTO messages (_id, key_remote_jid, key_from_me, key_id, data, timestamp, media_wa_type)
           VALUES (3,'66811111111@s.whatsapp.net',1,'K3','the courier uses the zanzibarwarehouse entrance',1700000060000,'0');
         CREATE TABLE chat_list (_id INTEGER PRIMARY KEY AUTOINCREMENT, key_remote_jid TEXT UNIQUE,
           message_table_id INTEGER, subject TEXT, creation INTEGER);
         INSERT INTO chat_list VALUES (1,'66811111111@s.whatsapp.net',3,NULL,NULL);",
    )
    .unwrap();
}

fn search(case: &Path, q: &str) -> Vec<serde_json::Value> {
    let out = exhibit()
        .arg("search")
        .arg(case)
        .arg(q)
        .arg("--json")
        .assert()
        .success();
    serde_json::from_slice(&out.get_output().stdout).unwrap()
}

#[test]
fn chat_messages_are_searchable_and_their_leads_are_findings() {
    let tmp = tempfile::tempdir().unwrap();
    let x = tmp.path().join("phone");
    extraction(&x);
    let case = tmp.path().join("case");
    for _ in 0..2 {
        exhibit()
            .args(["triage", "-q", "--examiner", "tester", "--case"])
            .arg(&case)
            .arg(&x)
            .assert()
            .success();
    }
    let hits = search(&case, "zanzibarwarehouse");
    let messages: Vec<_> = hits.iter().filter(|h| h["what"] == "message").collect();
    assert_eq!(messages.len(), 1, "{hits:#?}");
    let m = messages[0].to_string();
    assert!(m.contains("msgstore.db#messages/3"), "{m}");

    let wallet = search(&case, "1BoatSLRHtKNngkdXEeobR76b53LETtpyT");
    let in_message: Vec<_> = wallet
        .iter()
        .filter(|h| h["what"] == "finding" && h.to_string().contains("msgstore.db#messages/2"))
        .collect();
    assert_eq!(in_message.len(), 1, "{wallet:#?}");
    assert_eq!(in_message[0]["kind"], "wallet");

    // Idempotent: the second run added nothing (one message row each).
    let out = exhibit()
        .arg("messages")
        .arg(&case)
        .arg("--json")
        .assert()
        .success();
    let rows: Vec<serde_json::Value> = serde_json::from_slice(&out.get_output().stdout).unwrap();
    let chats: Vec<_> = rows
        .iter()
        .filter(|r| r.to_string().contains("whatsapp"))
        .collect();
    assert_eq!(chats.len(), 2, "{rows:#?}");

    let out = exhibit()
        .args(["phone", "chats"])
        .arg(&case)
        .args(["--with", "+66 81 111 1111"])
        .assert()
        .success();
    let text = String::from_utf8_lossy(&out.get_output().stdout).to_string();
    assert!(text.contains("zanzibarwarehouse"), "{text}");
    assert!(text.contains("msgstore.db#messages/2"), "{text}");
    let out = exhibit()
        .args(["phone", "chats"])
        .arg(&case)
        .args(["--app", "sms", "--json"])
        .assert()
        .success();
    assert!(out.get_output().stdout.is_empty());
}
