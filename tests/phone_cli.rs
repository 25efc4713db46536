//! `exhibit phone read` on iLEAPP's WhatsApp iOS extraction and on a
//! generated Android extraction: text and JSON Lines output, `--app` and
//! `--with` filters, and the originals left untouched.

mod common;

use std::path::{Path, PathBuf};

use common::{exhibit, fingerprint};
use predicates::str::contains;

fn ileapp(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../shared/testdata/mobile/ileapp-whatsapp-ios/data")
        .join(name)
}

/// A small Android extraction: WhatsApp (base tables) and SMS.
fn android(root: &Path) {
    let wa = root.join("data/data/com.whatsapp/databases");
    std::fs::create_dir_all(&wa).unwrap();
    let c = rusqlite::Connection::open(wa.join("msgstore.db")).unwrap();
    c.execute_batch(
        "CREATE TABLE jid (_id INTEGER PRIMARY KEY, user TEXT, server TEXT, raw_string TEXT);
         INSERT INTO jid VALUES (1,'66812345678','s.whatsapp.net','66812345678@s.whatsapp.net');
         INSERT INTO jid VALUES (2,'66899999999','s.whatsapp.net','66899999999@s.whatsapp.net');
         CREATE TABLE chat (_id INTEGER PRIMARY KEY, jid_row_id INTEGER, subject TEXT);
         INSERT INTO chat VALUES (1,1,NULL);
         INSERT INTO chat VALUES (2,2,NULL);
         CREATE TABLE message (_id INTEGER PRIMARY KEY, chat_row_id INTEGER, from_me INTEGER, key_id TEXT, sender_jid_row_id INTEGER, timestamp INTEGER, message_type INTEGER, text_data TEXT);
         INSERT INTO message VALUES (1,1,0,'K1',0,1700000000000,0,'pay to 1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa');
         INSERT INTO message VALUES (2,1,1,'K2',0,1700000060000,0,'done');
         INSERT INTO message VALUES (3,2,0,'K3',0,1700000120000,0,'other chat');",
    )
    .unwrap();
    let sms = root.join("data/data/com.android.providers.telephony/databases");
    std::fs::create_dir_all(&sms).unwrap();
    let c = rusqlite::Connection::open(sms.join("mmssms.db")).unwrap();
    c.execute_batch(
        "CREATE TABLE sms (_id INTEGER PRIMARY KEY, thread_id INTEGER, address TEXT, date INTEGER, type INTEGER, body TEXT);
         INSERT INTO sms VALUES (1, 3, '0812345678', 1700000200000, 1, 'sms from the same person');",
    )
    .unwrap();
}

#[test]
fn reads_ileapp_whatsapp_messages_as_text() {
    exhibit()
        .args(["phone", "read"])
        .arg(ileapp(
            "testdata.whatsApp.whatsAppMessages.josh_ios15_ffs.zip",
        ))
        .assert()
        .success()
        .stdout(contains("Messages: 32 in 5 conversation(s)"))
        .stdout(contains(
            "== whatsapp chat 19198887386@s.whatsapp.net \"This Is DFIR Two\": 22 message(s)",
        ))
        .stdout(contains("-> This Is DFIR Two (+19198887386): I’m here!"))
        .stdout(contains("d041d159-fd7d-4abb-9192-0e97c10ddb00.jpg"));
}

#[test]
fn json_lines_for_ileapp_calls_and_contacts() {
    let out = exhibit()
        .args(["phone", "read", "--json"])
        .arg(ileapp(
            "testdata.whatsApp.whatsAppCallHistory.josh_ios15_ffs.zip",
        ))
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let lines: Vec<serde_json::Value> = String::from_utf8(out)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let count = |t: &str| lines.iter().filter(|l| l["type"] == t).count();
    assert_eq!(lines[0]["type"], "extraction");
    assert_eq!(count("call"), 4);
    assert_eq!(count("contact"), 9);
    assert_eq!(count("warning"), 0);
    let call = lines.iter().find(|l| l["type"] == "call").unwrap();
    assert_eq!(call["time"], "2023-05-02T16:12:10.067211Z");
    assert_eq!(call["peers"][0]["name"], "This Is DFIR Two");
    assert_eq!(call["provenance"]["table"], "ZWACDCALLEVENT");
}

#[test]
fn filters_by_app_and_number_on_a_generated_extraction() {
    let t = tempfile::tempdir().unwrap();
    android(t.path());
    let db = t
        .path()
        .join("data/data/com.whatsapp/databases/msgstore.db");
    let before = fingerprint(&db);
    // --with matches the WhatsApp JID and the national SMS number alike.
    let out = exhibit()
        .args(["phone", "read", "--json", "--with", "+66 81 234 5678"])
        .arg(t.path())
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let text = String::from_utf8(out).unwrap();
    let msgs: Vec<serde_json::Value> = text
        .lines()
        .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap())
        .filter(|l| l["type"] == "message")
        .collect();
    assert_eq!(msgs.len(), 3, "{text}");
    assert!(!text.contains("other chat"));
    // The wallet address is a finding pointing at its message.
    let f: serde_json::Value = text
        .lines()
        .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap())
        .find(|l| l["type"] == "finding" && l["kind"] == "wallet")
        .unwrap();
    assert_eq!(f["value"], "1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa");
    assert_eq!(
        msgs[f["message"].as_u64().unwrap() as usize]["provenance"]["row"],
        1
    );

    exhibit()
        .args(["phone", "read", "--app", "sms"])
        .arg(t.path())
        .assert()
        .success()
        .stdout(contains("Messages: 1 in 1 conversation(s)"))
        .stdout(contains("sms from the same person"));
    exhibit()
        .args(["phone", "read", "--app", "icq"])
        .arg(t.path())
        .assert()
        .failure()
        .stderr(contains("unknown app"));
    assert_eq!(fingerprint(&db), before);
    assert!(!t
        .path()
        .join("data/data/com.whatsapp/databases/msgstore.db-shm")
        .exists());
}
