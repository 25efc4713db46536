//! Synthetic extractions built from the apps' documented table layouts,
//! with known content, read back exactly; unknown layouts, corrupt files
//! and half-written WALs are reported, not misread.

use std::path::Path;

use exhibit_phone::{read_extraction, App, Call, Direction, Extraction, ExtractionKind, Message};
use rusqlite::Connection;

fn db(path: &Path, sql: &str) {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    let c = Connection::open(path).unwrap();
    c.execute_batch(sql).unwrap();
}

fn render(m: &Message) -> String {
    format!(
        "{} {} {:?} from={} to={} {} {:?} [{}] att={} loc={:?} del={:?} ed={:?} @{}#{}",
        m.app,
        m.conversation,
        m.direction,
        m.sender.as_ref().map(|p| p.id.as_str()).unwrap_or("-"),
        m.recipient.as_ref().map(|p| p.id.as_str()).unwrap_or("-"),
        m.time.map(|t| t.to_string()).unwrap_or_default(),
        m.text.as_deref().unwrap_or(""),
        m.kind,
        m.attachments
            .iter()
            .map(|a| format!(
                "{}|{}|{}",
                a.path.as_deref().unwrap_or(""),
                a.name.as_deref().unwrap_or(""),
                a.mime.as_deref().unwrap_or("")
            ))
            .collect::<Vec<_>>()
            .join(";"),
        m.location,
        m.deleted,
        m.edited,
        m.provenance.table,
        m.provenance.row
    )
}

fn render_call(c: &Call) -> String {
    format!(
        "{} {:?} {} {} {:?} missed={} video={:?} @{}#{}",
        c.app,
        c.direction,
        c.peers
            .iter()
            .map(|p| format!("{}({})", p.id, p.name.as_deref().unwrap_or("")))
            .collect::<Vec<_>>()
            .join(","),
        c.time.map(|t| t.to_string()).unwrap_or_default(),
        c.duration,
        c.missed,
        c.video,
        c.provenance.table,
        c.provenance.row
    )
}

const BTC: &str = "1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa";

/// WhatsApp Android 2.2x base tables (`message`, `chat`, `jid`,
/// `message_media`, `message_location`, `message_edit_info`,
/// `group_participant_user`, `call_log`) and `wa.db`.
fn whatsapp_android(root: &Path) {
    let d = root.join("data/data/com.whatsapp/databases");
    db(
        &d.join("msgstore.db"),
        &format!(
            "CREATE TABLE jid (_id INTEGER PRIMARY KEY, user TEXT, server TEXT, agent INTEGER, device INTEGER, type INTEGER, raw_string TEXT);
         INSERT INTO jid VALUES (1,'66812345678','s.whatsapp.net',0,0,0,'66812345678@s.whatsapp.net');
         INSERT INTO jid VALUES (2,'120363000000000001','g.us',0,0,1,'120363000000000001@g.us');
         INSERT INTO jid VALUES (3,'66899999999','s.whatsapp.net',0,0,0,'66899999999@s.whatsapp.net');
         CREATE TABLE chat (_id INTEGER PRIMARY KEY, jid_row_id INTEGER UNIQUE, hidden INTEGER, subject TEXT, created_timestamp INTEGER);
         INSERT INTO chat VALUES (10,1,0,NULL,0);
         INSERT INTO chat VALUES (11,2,0,'Deal group',0);
         CREATE TABLE group_participant_user (_id INTEGER PRIMARY KEY, group_jid_row_id INTEGER, user_jid_row_id INTEGER, rank INTEGER, pending INTEGER);
         INSERT INTO group_participant_user VALUES (1,2,3,0,0);
         INSERT INTO group_participant_user VALUES (2,2,1,0,0);
         CREATE TABLE message (_id INTEGER PRIMARY KEY AUTOINCREMENT, chat_row_id INTEGER NOT NULL, from_me INTEGER NOT NULL, key_id TEXT NOT NULL, sender_jid_row_id INTEGER, status INTEGER, broadcast INTEGER, recipient_count INTEGER, participant_hash TEXT, origination_flags INTEGER, origin INTEGER, timestamp INTEGER, received_timestamp INTEGER, receipt_server_timestamp INTEGER, message_type INTEGER, text_data TEXT, starred INTEGER, lookup_tables INTEGER, sort_id INTEGER NOT NULL DEFAULT 0);
         INSERT INTO message VALUES (1,10,0,'A1',0,0,0,0,NULL,0,0,1700000000000,0,0,0,'Send to {BTC} today',0,0,1);
         INSERT INTO message VALUES (2,10,1,'A2',0,0,0,0,NULL,0,0,1700000060000,0,0,1,'photo caption',0,0,2);
         INSERT INTO message VALUES (3,11,0,'A3',3,0,0,0,NULL,0,0,1700000120000,0,0,0,'group hello',0,0,3);
         INSERT INTO message VALUES (4,10,0,'A4',0,0,0,0,NULL,0,0,1700000180000,0,0,15,NULL,0,0,4);
         INSERT INTO message VALUES (5,10,1,'A5',0,0,0,0,NULL,0,0,1700000240000,0,0,5,NULL,0,0,5);
         INSERT INTO message VALUES (6,10,1,'A6',0,0,0,0,NULL,0,0,1700000300000,0,0,0,'fixed text',0,0,6);
         CREATE TABLE message_media (message_row_id INTEGER PRIMARY KEY, chat_row_id INTEGER, autotransfer_retry_enabled INTEGER, multicast_id TEXT, media_job_uuid TEXT, transferred INTEGER, transcoded INTEGER, file_path TEXT, file_size INTEGER, suspicious_content INTEGER, trim_from INTEGER, trim_to INTEGER, face_x INTEGER, face_y INTEGER, media_key BLOB, media_key_timestamp INTEGER, width INTEGER, height INTEGER, has_streaming_sidecar INTEGER, gif_attribution INTEGER, thumbnail_height_width_ratio REAL, direct_path TEXT, first_scan_sidecar BLOB, first_scan_length INTEGER, message_url TEXT, mime_type TEXT, file_length INTEGER, media_name TEXT, file_hash TEXT, media_duration INTEGER, page_count INTEGER, enc_file_hash TEXT, partial_media_hash TEXT, partial_media_enc_hash TEXT, is_animated_sticker INTEGER, original_file_hash TEXT, mute_video INTEGER, media_caption TEXT);
         INSERT INTO message_media (message_row_id, chat_row_id, file_path, file_size, mime_type) VALUES (2,10,'Media/WhatsApp Images/Sent/IMG-20231114-WA0001.jpg',12345,'image/jpeg');
         CREATE TABLE message_location (message_row_id INTEGER PRIMARY KEY, chat_row_id INTEGER, latitude REAL, longitude REAL, place_name TEXT, place_address TEXT, url TEXT, live_share_duration INTEGER, live_share_sequence_number INTEGER, live_share_final_latitude REAL, live_share_final_longitude REAL, live_share_final_timestamp INTEGER, map_download_status INTEGER);
         INSERT INTO message_location (message_row_id, chat_row_id, latitude, longitude) VALUES (5,10,13.7563,100.5018);
         CREATE TABLE message_edit_info (message_row_id INTEGER PRIMARY KEY, original_key_id TEXT NOT NULL, edited_timestamp INTEGER NOT NULL, sender_timestamp INTEGER NOT NULL);
         INSERT INTO message_edit_info VALUES (6,'A6',1700000310000,1700000310000);
         CREATE TABLE call_log (_id INTEGER PRIMARY KEY AUTOINCREMENT, jid_row_id INTEGER, from_me INTEGER, call_id TEXT, transaction_id INTEGER, timestamp INTEGER, video_call INTEGER, duration INTEGER, call_result INTEGER, is_dnd_mode_on INTEGER, bytes_transferred INTEGER, group_jid_row_id INTEGER NOT NULL DEFAULT 0, is_joinable_group_call INTEGER, call_creator_device_jid_row_id INTEGER NOT NULL DEFAULT 0, call_random_id TEXT, call_link_row_id INTEGER NOT NULL DEFAULT 0, is_call_link_lobby_state INTEGER, call_type INTEGER NOT NULL DEFAULT 0, scheduled_id TEXT);
         INSERT INTO call_log (_id, jid_row_id, from_me, call_id, timestamp, video_call, duration, call_result) VALUES (1,1,1,'C1',1700001000000,0,65,5);
         INSERT INTO call_log (_id, jid_row_id, from_me, call_id, timestamp, video_call, duration, call_result) VALUES (2,1,0,'C2',1700002000000,1,0,2);"
        ),
    );
    db(
        &d.join("wa.db"),
        "CREATE TABLE wa_contacts (_id INTEGER PRIMARY KEY AUTOINCREMENT, jid TEXT NOT NULL, is_whatsapp_user BOOLEAN NOT NULL, status TEXT, status_timestamp INTEGER, number TEXT, raw_contact_id INTEGER, display_name TEXT, phone_type INTEGER, phone_label TEXT, unseen_msg_count INTEGER, photo_ts INTEGER, thumb_ts INTEGER, photo_id_timestamp INTEGER, given_name TEXT, family_name TEXT, wa_name TEXT, sort_name TEXT, nickname TEXT, company TEXT, title TEXT, status_autodownload_disabled INTEGER, keep_timestamp INTEGER, is_spam_reported INTEGER, is_sidelist_synced BOOLEAN DEFAULT 0, is_business_synced BOOLEAN DEFAULT 0, disappearing_mode_duration INTEGER, disappearing_mode_timestamp LONG, history_sync_initial_phash TEXT);
         INSERT INTO wa_contacts (_id, jid, is_whatsapp_user, status, number, display_name) VALUES (1,'66812345678@s.whatsapp.net',1,'Busy','+66 81 234 5678','Somchai');",
    );
}

#[test]
fn whatsapp_android_base_tables_read_back_exactly() {
    let t = tempfile::tempdir().unwrap();
    whatsapp_android(t.path());
    let x = read_extraction(t.path()).unwrap();
    assert_eq!(x.kind, ExtractionKind::Folder);
    assert!(x.warnings.is_empty(), "{:?}", x.warnings);
    let got: Vec<String> = x.messages.iter().map(render).collect();
    let want = vec![
        format!("whatsapp 120363000000000001@g.us Incoming from=66899999999@s.whatsapp.net to=- 2023-11-14T22:15:20Z \"group hello\" [text] att= loc=None del=Some(false) ed=Some(false) @message#3"),
        format!("whatsapp 66812345678@s.whatsapp.net Incoming from=66812345678@s.whatsapp.net to=- 2023-11-14T22:13:20Z \"Send to {BTC} today\" [text] att= loc=None del=Some(false) ed=Some(false) @message#1"),
        "whatsapp 66812345678@s.whatsapp.net Outgoing from=- to=66812345678@s.whatsapp.net 2023-11-14T22:14:20Z \"photo caption\" [image] att=Media/WhatsApp Images/Sent/IMG-20231114-WA0001.jpg|IMG-20231114-WA0001.jpg|image/jpeg loc=None del=Some(false) ed=Some(false) @message#2".to_string(),
        "whatsapp 66812345678@s.whatsapp.net Incoming from=66812345678@s.whatsapp.net to=- 2023-11-14T22:16:20Z \"\" [deleted] att= loc=None del=Some(true) ed=Some(false) @message#4".to_string(),
        "whatsapp 66812345678@s.whatsapp.net Outgoing from=- to=66812345678@s.whatsapp.net 2023-11-14T22:17:20Z \"\" [location] att= loc=Some((13.7563, 100.5018)) del=Some(false) ed=Some(false) @message#5".to_string(),
        "whatsapp 66812345678@s.whatsapp.net Outgoing from=- to=66812345678@s.whatsapp.net 2023-11-14T22:18:20Z \"fixed text\" [text] att= loc=None del=Some(false) ed=Some(true) @message#6".to_string(),
    ];
    assert_eq!(got, want);
    // Names come from wa.db; the phone number from the JID.
    let m = &x.messages[1];
    let s = m.sender.as_ref().unwrap();
    assert_eq!(s.name.as_deref(), Some("Somchai"));
    assert_eq!(s.phone.as_deref(), Some("+66812345678"));
    assert_eq!(
        m.provenance.file,
        "data/data/com.whatsapp/databases/msgstore.db"
    );
    let calls: Vec<String> = x.calls.iter().map(render_call).collect();
    assert_eq!(
        calls,
        vec![
            "whatsapp Outgoing 66812345678@s.whatsapp.net(Somchai) 2023-11-14T22:30:00Z Some(65.0) missed=false video=Some(false) @call_log#1",
            "whatsapp Incoming 66812345678@s.whatsapp.net(Somchai) 2023-11-14T22:46:40Z Some(0.0) missed=true video=Some(true) @call_log#2",
        ]
    );
    assert_eq!(x.contacts.len(), 1);
    assert_eq!(x.contacts[0].about.as_deref(), Some("Busy"));
    let g = x.conversations.iter().find(|c| c.group).unwrap();
    assert_eq!(g.name.as_deref(), Some("Deal group"));
    assert_eq!(g.participants.len(), 2);
    // The wallet address in the first message is a finding linked to it.
    let f: Vec<_> = x.findings.iter().filter(|f| f.kind == "wallet").collect();
    assert_eq!(f.len(), 1, "{:?}", x.findings);
    assert_eq!(f[0].value, BTC);
    assert_eq!(x.messages[f[0].message].provenance, f[0].provenance);
    assert_eq!(f[0].provenance.row, 1);
    // Hashes of originals are recorded, and the originals are untouched.
    assert_eq!(x.sources.len(), 2);
    let again = read_extraction(t.path()).unwrap();
    assert_eq!(again.sources, x.sources);
    assert!(!t
        .path()
        .join("data/data/com.whatsapp/databases/msgstore.db-shm")
        .exists());
}

#[test]
fn same_result_from_folder_zip_and_tar() {
    let t = tempfile::tempdir().unwrap();
    let root = t.path().join("fs");
    whatsapp_android(&root);
    let folder = read_extraction(&root).unwrap();

    let zpath = t.path().join("x.zip");
    let mut z = zip::ZipWriter::new(std::fs::File::create(&zpath).unwrap());
    let mut tb = tar::Builder::new(std::fs::File::create(t.path().join("x.tar")).unwrap());
    for name in ["msgstore.db", "wa.db"] {
        let rel = format!("data/data/com.whatsapp/databases/{name}");
        let bytes = std::fs::read(root.join(&rel)).unwrap();
        z.start_file(&rel, zip::write::SimpleFileOptions::default())
            .unwrap();
        std::io::Write::write_all(&mut z, &bytes).unwrap();
        let mut h = tar::Header::new_gnu();
        h.set_size(bytes.len() as u64);
        h.set_mode(0o644);
        h.set_cksum();
        tb.append_data(&mut h, &rel, &bytes[..]).unwrap();
    }
    z.finish().unwrap();
    tb.into_inner().unwrap();
    let zipped = read_extraction(&zpath).unwrap();
    let tarred = read_extraction(t.path().join("x.tar")).unwrap();
    assert_eq!(zipped.kind, ExtractionKind::Zip);
    assert_eq!(tarred.kind, ExtractionKind::Tar);
    for other in [&zipped, &tarred] {
        assert_eq!(other.messages, folder.messages);
        assert_eq!(other.calls, folder.calls);
        assert_eq!(other.contacts, folder.contacts);
        assert_eq!(other.findings, folder.findings);
        assert_eq!(other.sources, folder.sources);
    }
}

#[test]
fn whatsapp_android_legacy_messages_table() {
    let t = tempfile::tempdir().unwrap();
    db(
        &t.path().join("data/data/com.whatsapp/databases/msgstore.db"),
        "CREATE TABLE messages (_id INTEGER PRIMARY KEY AUTOINCREMENT, key_remote_jid TEXT NOT NULL, key_from_me INTEGER, key_id TEXT NOT NULL, status INTEGER, needs_push INTEGER, data TEXT, timestamp INTEGER, media_url TEXT, media_mime_type TEXT, media_wa_type TEXT, media_size INTEGER, media_name TEXT, media_caption TEXT, media_hash TEXT, media_duration INTEGER, origin INTEGER, latitude REAL, longitude REAL, thumb_image TEXT, remote_resource TEXT, received_timestamp INTEGER, send_timestamp INTEGER, receipt_server_timestamp INTEGER, receipt_device_timestamp INTEGER, read_device_timestamp INTEGER, played_device_timestamp INTEGER, raw_data BLOB, recipient_count INTEGER, participant_hash TEXT, starred INTEGER, quoted_row_id INTEGER, mentioned_jids TEXT, multicast_id TEXT, edit_version INTEGER, media_enc_hash TEXT, payment_transaction_id TEXT, forwarded INTEGER, preview_type INTEGER, send_count INTEGER);
         INSERT INTO messages (_id, key_remote_jid, key_from_me, key_id) VALUES (1,'-1',0,'-1');
         INSERT INTO messages (_id, key_remote_jid, key_from_me, key_id, data, timestamp, media_wa_type) VALUES (2,'66811111111@s.whatsapp.net',0,'K2','old hello',1500000000000,'0');
         INSERT INTO messages (_id, key_remote_jid, key_from_me, key_id, data, timestamp, media_wa_type, media_mime_type, media_name, media_size) VALUES (3,'66811111111@s.whatsapp.net',1,'K3',NULL,1500000060000,'9','application/pdf','invoice.pdf',999);
         INSERT INTO messages (_id, key_remote_jid, key_from_me, key_id, data, timestamp, media_wa_type, remote_resource) VALUES (4,'120363000000000009@g.us',0,'K4','in group',1500000120000,'0','66822222222@s.whatsapp.net');
         CREATE TABLE chat_list (_id INTEGER PRIMARY KEY AUTOINCREMENT, key_remote_jid TEXT UNIQUE, message_table_id INTEGER, subject TEXT, creation INTEGER);
         INSERT INTO chat_list VALUES (1,'66811111111@s.whatsapp.net',3,NULL,NULL);
         INSERT INTO chat_list VALUES (2,'120363000000000009@g.us',4,'Old group',NULL);",
    );
    let x = read_extraction(t.path()).unwrap();
    assert!(x.warnings.is_empty(), "{:?}", x.warnings);
    let got: Vec<String> = x.messages.iter().map(render).collect();
    assert_eq!(
        got,
        vec![
            "whatsapp 120363000000000009@g.us Incoming from=66822222222@s.whatsapp.net to=- 2017-07-14T02:42:00Z \"in group\" [text] att= loc=None del=None ed=None @messages#4",
            "whatsapp 66811111111@s.whatsapp.net Incoming from=66811111111@s.whatsapp.net to=- 2017-07-14T02:40:00Z \"old hello\" [text] att= loc=None del=None ed=None @messages#2",
            "whatsapp 66811111111@s.whatsapp.net Outgoing from=- to=66811111111@s.whatsapp.net 2017-07-14T02:41:00Z \"\" [document] att=|invoice.pdf|application/pdf loc=None del=None ed=None @messages#3",
        ]
    );
    assert_eq!(x.conversations.len(), 2);
}

#[test]
fn unknown_schema_version_is_reported_not_misread() {
    let t = tempfile::tempdir().unwrap();
    // A future msgstore.db whose `message` table was reshaped.
    db(
        &t.path().join("msgstore.db"),
        "CREATE TABLE message (_id INTEGER PRIMARY KEY, conversation INTEGER, body TEXT, ts INTEGER);
         INSERT INTO message VALUES (1, 1, 'should not be read', 1);
         CREATE TABLE chat (_id INTEGER PRIMARY KEY, jid_row_id INTEGER);
         CREATE TABLE jid (_id INTEGER PRIMARY KEY, user TEXT, server TEXT);",
    );
    // A ChatStorage.sqlite without ZWAMESSAGE.ZTEXT.
    db(
        &t.path().join("AppGroup/X/ChatStorage.sqlite"),
        "CREATE TABLE ZWACHATSESSION (Z_PK INTEGER PRIMARY KEY, ZCONTACTJID VARCHAR, ZPARTNERNAME VARCHAR);
         CREATE TABLE ZWAMESSAGE (Z_PK INTEGER PRIMARY KEY, ZISFROMME INTEGER, ZMESSAGETYPE INTEGER, ZCHATSESSION INTEGER, ZMESSAGEDATE TIMESTAMP, ZFROMJID VARCHAR, ZTOJID VARCHAR, ZBODY VARCHAR);
         INSERT INTO ZWAMESSAGE VALUES (1,0,0,1,700000000,'a@s.whatsapp.net',NULL,'x');",
    );
    let x = read_extraction(t.path()).unwrap();
    assert!(x.messages.is_empty());
    let w: Vec<String> = x
        .warnings
        .iter()
        .map(|w| {
            format!(
                "{} {}: {}",
                w.file,
                w.table.as_deref().unwrap_or("-"),
                w.message
            )
        })
        .collect();
    assert_eq!(w.len(), 2, "{w:?}");
    assert!(
        w[0].starts_with("AppGroup/X/ChatStorage.sqlite ZWAMESSAGE: unknown layout"),
        "{w:?}"
    );
    assert!(w[0].contains("ZTEXT"));
    assert!(
        w[1].starts_with("msgstore.db message: unknown layout"),
        "{w:?}"
    );
    assert!(w[1].contains("chat_row_id"));
}

#[test]
fn corrupt_database_is_a_warning_and_the_rest_is_read() {
    let t = tempfile::tempdir().unwrap();
    whatsapp_android(t.path());
    let bad = t
        .path()
        .join("data/data/com.android.providers.telephony/databases/mmssms.db");
    std::fs::create_dir_all(bad.parent().unwrap()).unwrap();
    std::fs::write(
        &bad,
        b"SQLite format 3\0 this is not really a database, just garbage .......",
    )
    .unwrap();
    // A real database cut in half (pages missing) and one with a page of
    // garbage in the middle of its `calls` table.
    let cut = t
        .path()
        .join("data/data/com.android.providers.contacts/databases/calllog.db");
    let holed = t
        .path()
        .join("data/data/com.android.providers.contacts/databases/contacts2.db");
    for p in [&cut, &holed] {
        db(
            p,
            "CREATE TABLE calls (_id INTEGER PRIMARY KEY, number TEXT, date INTEGER, duration INTEGER, type INTEGER, pad TEXT);",
        );
        let mut c = Connection::open(p).unwrap();
        let tx = c.transaction().unwrap();
        for i in 1..=2000 {
            tx.execute(
                "INSERT INTO calls VALUES (?1, '0812345678', 1700000000000, 5, 1, ?2)",
                rusqlite::params![i, "x".repeat(200)],
            )
            .unwrap();
        }
        tx.commit().unwrap();
    }
    let len = std::fs::metadata(&cut).unwrap().len();
    let f = std::fs::OpenOptions::new().write(true).open(&cut).unwrap();
    f.set_len(len / 2).unwrap();
    drop(f);
    let mut bytes = std::fs::read(&holed).unwrap();
    let page = 4096 * 60;
    bytes[page..page + 4096].fill(0xA5);
    std::fs::write(&holed, &bytes).unwrap();
    let x = read_extraction(t.path()).unwrap();
    assert_eq!(x.messages.len(), 6, "the WhatsApp databases are still read");
    assert_eq!(x.calls.iter().filter(|c| c.app == App::WhatsApp).count(), 2);
    let files: Vec<&str> = x.warnings.iter().map(|w| w.file.as_str()).collect();
    assert!(
        files.contains(&"data/data/com.android.providers.telephony/databases/mmssms.db"),
        "{:?}",
        x.warnings
    );
    assert!(
        files.contains(&"data/data/com.android.providers.contacts/databases/calllog.db"),
        "{:?}",
        x.warnings
    );
    let w = x
        .warnings
        .iter()
        .find(|w| w.file.ends_with("contacts2.db"))
        .unwrap();
    assert_eq!(w.table.as_deref(), Some("calls"), "{w:?}");
    assert!(
        w.message.contains("rows after this point are missing"),
        "{w:?}"
    );
    // The rows before the damaged page are kept, each with its row id.
    assert!(
        !x.calls.is_empty() && x.calls.len() < 2000,
        "{}",
        x.calls.len()
    );
    assert!(x
        .calls
        .iter()
        .any(|c| c.provenance.file.ends_with("contacts2.db")));
}

#[test]
fn half_written_wal_is_reported_and_committed_frames_applied() {
    let t = tempfile::tempdir().unwrap();
    let dir = t
        .path()
        .join("data/data/com.android.providers.contacts/databases");
    std::fs::create_dir_all(&dir).unwrap();
    let live_dir = tempfile::tempdir().unwrap();
    let live = live_dir.path();
    let p = live.join("calllog.db");
    let c = Connection::open(&p).unwrap();
    c.execute_batch(
        "PRAGMA journal_mode=WAL; PRAGMA wal_autocheckpoint=0;
         CREATE TABLE calls (_id INTEGER PRIMARY KEY, number TEXT, date INTEGER, duration INTEGER, type INTEGER);
         INSERT INTO calls VALUES (1, '+66811111111', 1700000000000, 10, 2);",
    )
    .unwrap();
    c.execute(
        "INSERT INTO calls VALUES (2, '+66822222222', 1700000100000, 0, 3)",
        [],
    )
    .unwrap();
    // Image the phone while the app is running: database and WAL as they are.
    std::fs::copy(&p, dir.join("calllog.db")).unwrap();
    let mut wal = std::fs::read(live.join("calllog.db-wal")).unwrap();
    wal.extend_from_slice(&[0xAB; 100]); // a frame being written when imaged
    std::fs::write(dir.join("calllog.db-wal"), &wal).unwrap();
    drop(c);
    let x = read_extraction(t.path()).unwrap();
    let calls: Vec<String> = x.calls.iter().map(render_call).collect();
    assert_eq!(
        calls,
        vec![
            "phone Outgoing +66811111111() 2023-11-14T22:13:20Z Some(10.0) missed=false video=None @calls#1",
            "phone Incoming +66822222222() 2023-11-14T22:15:00Z Some(0.0) missed=true video=None @calls#2",
        ]
    );
    assert_eq!(x.warnings.len(), 1, "{:?}", x.warnings);
    assert_eq!(
        x.warnings[0].file,
        "data/data/com.android.providers.contacts/databases/calllog.db-wal"
    );
    assert!(x.warnings[0].message.contains("half-written"));
    assert_eq!(x.sources.len(), 2);
    // The extraction's WAL is untouched.
    assert_eq!(std::fs::read(dir.join("calllog.db-wal")).unwrap(), wal);
}

#[test]
fn android_sms_mms_and_call_log() {
    let t = tempfile::tempdir().unwrap();
    db(
        &t.path().join("data/data/com.android.providers.telephony/databases/mmssms.db"),
        "CREATE TABLE sms (_id INTEGER PRIMARY KEY, thread_id INTEGER, address TEXT, person INTEGER, date INTEGER, date_sent INTEGER DEFAULT 0, protocol INTEGER, read INTEGER DEFAULT 0, status INTEGER DEFAULT -1, type INTEGER, reply_path_present INTEGER, subject TEXT, body TEXT, service_center TEXT, locked INTEGER DEFAULT 0, sub_id INTEGER DEFAULT -1, error_code INTEGER DEFAULT 0, creator TEXT, seen INTEGER DEFAULT 0);
         INSERT INTO sms (_id, thread_id, address, date, type, body) VALUES (1, 7, '+66811111111', 1700000000000, 1, 'Your code is 1234');
         INSERT INTO sms (_id, thread_id, address, date, type, body) VALUES (2, 7, '+66811111111', 1700000005000, 2, 'thanks');
         CREATE TABLE pdu (_id INTEGER PRIMARY KEY AUTOINCREMENT, thread_id INTEGER, date INTEGER, date_sent INTEGER DEFAULT 0, msg_box INTEGER, read INTEGER DEFAULT 0, m_id TEXT, sub TEXT, sub_cs INTEGER, ct_t TEXT, ct_l TEXT, exp INTEGER, m_cls TEXT, m_type INTEGER, v INTEGER, m_size INTEGER, pri INTEGER, rr INTEGER, rpt_a INTEGER, resp_st INTEGER, st INTEGER, tr_id TEXT, retr_st INTEGER, retr_txt TEXT, retr_txt_cs INTEGER, read_status INTEGER, ct_cls INTEGER, resp_txt TEXT, d_tm INTEGER, d_rpt INTEGER, locked INTEGER DEFAULT 0, sub_id INTEGER DEFAULT -1, seen INTEGER DEFAULT 0, creator TEXT, text_only INTEGER DEFAULT 0);
         INSERT INTO pdu (_id, thread_id, date, msg_box, m_type) VALUES (1, 8, 1700000100, 1, 132);
         CREATE TABLE part (_id INTEGER PRIMARY KEY AUTOINCREMENT, mid INTEGER, seq INTEGER DEFAULT 0, ct TEXT, name TEXT, chset INTEGER, cd TEXT, fn TEXT, cid TEXT, cl TEXT, ctt_s INTEGER, ctt_t TEXT, _data TEXT, text TEXT);
         INSERT INTO part (mid, ct, cl, text) VALUES (1, 'application/smil', 'smil.xml', '<smil/>');
         INSERT INTO part (mid, ct, cl, _data) VALUES (1, 'image/jpeg', 'IMG_0001.jpg', '/data/user/0/com.android.providers.telephony/app_parts/PART_1700000100000_IMG_0001.jpg');
         INSERT INTO part (mid, ct, text) VALUES (1, 'text/plain', 'look at this');
         CREATE TABLE addr (_id INTEGER PRIMARY KEY, msg_id INTEGER, contact_id INTEGER, address TEXT, type INTEGER, charset INTEGER);
         INSERT INTO addr (msg_id, address, type) VALUES (1, '+66833333333', 137);
         INSERT INTO addr (msg_id, address, type) VALUES (1, 'insert-address-token', 151);",
    );
    db(
        &t.path().join("data/data/com.android.providers.contacts/databases/calllog.db"),
        "CREATE TABLE calls (_id INTEGER PRIMARY KEY AUTOINCREMENT, number TEXT, presentation INTEGER NOT NULL DEFAULT 1, post_dial_digits TEXT NOT NULL DEFAULT '', date INTEGER, duration INTEGER, data_usage INTEGER, type INTEGER, features INTEGER NOT NULL DEFAULT 0, name TEXT, numbertype INTEGER, countryiso TEXT, geocoded_location TEXT, is_read INTEGER, new INTEGER);
         INSERT INTO calls (_id, number, date, duration, type, features, name) VALUES (1, '0811111111', 1700000200000, 42, 1, 0, 'Somchai');
         INSERT INTO calls (_id, number, date, duration, type, features, name) VALUES (2, '0822222222', 1700000300000, 0, 5, 1, NULL);",
    );
    let x = read_extraction(t.path()).unwrap();
    assert!(x.warnings.is_empty(), "{:?}", x.warnings);
    let got: Vec<String> = x.messages.iter().map(render).collect();
    assert_eq!(
        got,
        vec![
            "sms thread:7 Incoming from=+66811111111 to=- 2023-11-14T22:13:20Z \"Your code is 1234\" [sms] att= loc=None del=None ed=None @sms#1",
            "sms thread:7 Outgoing from=- to=+66811111111 2023-11-14T22:13:25Z \"thanks\" [sms] att= loc=None del=None ed=None @sms#2",
            "sms thread:8 Incoming from=+66833333333 to=- 2023-11-14T22:15:00Z \"look at this\" [mms] att=data/user/0/com.android.providers.telephony/app_parts/PART_1700000100000_IMG_0001.jpg|IMG_0001.jpg|image/jpeg loc=None del=None ed=None @pdu#1",
        ]
    );
    let calls: Vec<String> = x.calls.iter().map(render_call).collect();
    assert_eq!(
        calls,
        vec![
            "phone Incoming 0811111111(Somchai) 2023-11-14T22:16:40Z Some(42.0) missed=false video=Some(false) @calls#1",
            "phone Incoming 0822222222() 2023-11-14T22:18:20Z Some(0.0) missed=true video=Some(true) @calls#2",
        ]
    );
    assert_eq!(x.conversations.len(), 2);
    assert!(x.conversations.iter().all(|c| c.app == App::Sms));
}

fn ios_sms(home: &Path) {
    db(
        &home.join("Library/SMS/sms.db"),
        "CREATE TABLE handle (ROWID INTEGER PRIMARY KEY AUTOINCREMENT UNIQUE, id TEXT NOT NULL, country TEXT, service TEXT NOT NULL, uncanonicalized_id TEXT, person_centric_id TEXT);
         INSERT INTO handle VALUES (1, '+66811111111', 'th', 'iMessage', NULL, NULL);
         INSERT INTO handle VALUES (2, '+66822222222', 'th', 'SMS', NULL, NULL);
         CREATE TABLE chat (ROWID INTEGER PRIMARY KEY AUTOINCREMENT, guid TEXT UNIQUE NOT NULL, style INTEGER, state INTEGER, account_id TEXT, properties BLOB, chat_identifier TEXT, service_name TEXT, room_name TEXT, account_login TEXT, is_archived INTEGER DEFAULT 0, last_addressed_handle TEXT, display_name TEXT, group_id TEXT);
         INSERT INTO chat (ROWID, guid, chat_identifier, service_name, display_name) VALUES (1, 'iMessage;-;+66811111111', '+66811111111', 'iMessage', '');
         INSERT INTO chat (ROWID, guid, chat_identifier, service_name, display_name) VALUES (2, 'SMS;-;+66822222222', '+66822222222', 'SMS', '');
         CREATE TABLE chat_handle_join (chat_id INTEGER, handle_id INTEGER, UNIQUE(chat_id, handle_id));
         INSERT INTO chat_handle_join VALUES (1, 1), (2, 2);
         CREATE TABLE message (ROWID INTEGER PRIMARY KEY AUTOINCREMENT, guid TEXT UNIQUE NOT NULL, text TEXT, replace INTEGER DEFAULT 0, service_center TEXT, handle_id INTEGER DEFAULT 0, subject TEXT, country TEXT, attributedBody BLOB, version INTEGER DEFAULT 0, type INTEGER DEFAULT 0, service TEXT, account TEXT, account_guid TEXT, error INTEGER DEFAULT 0, date INTEGER, date_read INTEGER, date_delivered INTEGER, is_delivered INTEGER DEFAULT 0, is_finished INTEGER DEFAULT 0, is_emote INTEGER DEFAULT 0, is_from_me INTEGER DEFAULT 0, cache_has_attachments INTEGER DEFAULT 0, date_retracted INTEGER DEFAULT 0, date_edited INTEGER DEFAULT 0);
         INSERT INTO message (ROWID, guid, text, handle_id, service, date, is_from_me) VALUES (1, 'G1', 'meet at the usual place', 1, 'iMessage', 721692800000000000, 0);
         INSERT INTO message (ROWID, guid, text, handle_id, service, date, is_from_me, date_edited) VALUES (2, 'G2', 'ok', 1, 'iMessage', 721692860000000000, 1, 721692870000000000);
         INSERT INTO message (ROWID, guid, text, handle_id, service, date, is_from_me, cache_has_attachments) VALUES (3, 'G3', char(65532), 2, 'SMS', 721692920000000000, 0, 1);
         INSERT INTO message (ROWID, guid, text, handle_id, service, date, is_from_me, date_retracted) VALUES (4, 'G4', NULL, 1, 'iMessage', 721692980000000000, 1, 721692990000000000);
         INSERT INTO message (ROWID, guid, text, handle_id, service, date, is_from_me, attributedBody) VALUES (5, 'G5', NULL, 1, 'iMessage', 721693040000000000, 0, X'040B73747265616D747970656481E803840140848484124E5341747472696275746564537472696E67008484084E534F626A656374008592848484084E53537472696E67019484012B176F6E6C7920696E2074686520626F647920E28093206F6B8684026949011A928484840C4E5344696374696F6E617279009484016901928686');
         CREATE TABLE chat_message_join (chat_id INTEGER, message_id INTEGER, message_date INTEGER DEFAULT 0, PRIMARY KEY (chat_id, message_id));
         INSERT INTO chat_message_join (chat_id, message_id) VALUES (1, 1), (1, 2), (2, 3), (1, 4), (1, 5);
         CREATE TABLE attachment (ROWID INTEGER PRIMARY KEY AUTOINCREMENT, guid TEXT UNIQUE NOT NULL, created_date INTEGER DEFAULT 0, start_date INTEGER DEFAULT 0, filename TEXT, uti TEXT, mime_type TEXT, transfer_state INTEGER DEFAULT 0, is_outgoing INTEGER DEFAULT 0, user_info BLOB, transfer_name TEXT, total_bytes INTEGER DEFAULT 0);
         INSERT INTO attachment (ROWID, guid, filename, mime_type, transfer_name, total_bytes) VALUES (1, 'A1', '~/Library/SMS/Attachments/0a/10/A1/IMG_0002.HEIC', 'image/heic', 'IMG_0002.HEIC', 2048);
         CREATE TABLE message_attachment_join (message_id INTEGER, attachment_id INTEGER, UNIQUE(message_id, attachment_id));
         INSERT INTO message_attachment_join VALUES (3, 1);",
    );
    db(
        &home.join("Library/CallHistoryDB/CallHistory.storedata"),
        "CREATE TABLE ZCALLRECORD (Z_PK INTEGER PRIMARY KEY, Z_ENT INTEGER, Z_OPT INTEGER, ZANSWERED INTEGER, ZCALLTYPE INTEGER, ZDISCONNECTED_CAUSE INTEGER, ZFACE_TIME_DATA INTEGER, ZNUMBER_AVAILABILITY INTEGER, ZORIGINATED INTEGER, ZREAD INTEGER, ZDATE TIMESTAMP, ZDURATION FLOAT, ZADDRESS VARCHAR, ZDEVICE_ID VARCHAR, ZISO_COUNTRY_CODE VARCHAR, ZLOCATION VARCHAR, ZNAME VARCHAR, ZSERVICE_PROVIDER VARCHAR, ZUNIQUE_ID VARCHAR);
         INSERT INTO ZCALLRECORD (Z_PK, ZANSWERED, ZCALLTYPE, ZORIGINATED, ZDATE, ZDURATION, ZADDRESS, ZSERVICE_PROVIDER) VALUES (1, 1, 1, 1, 721693000.5, 30.0, '+66811111111', 'com.apple.Telephony');
         INSERT INTO ZCALLRECORD (Z_PK, ZANSWERED, ZCALLTYPE, ZORIGINATED, ZDATE, ZDURATION, ZADDRESS, ZSERVICE_PROVIDER) VALUES (2, 0, 8, 0, 721693100, 0.0, CAST('+66822222222' AS BLOB), 'com.apple.FaceTime');",
    );
}

#[test]
fn ios_sms_db_and_call_history() {
    let t = tempfile::tempdir().unwrap();
    ios_sms(&t.path().join("private/var/mobile"));
    let x = read_extraction(t.path()).unwrap();
    assert!(x.warnings.is_empty(), "{:?}", x.warnings);
    let got: Vec<String> = x.messages.iter().map(render).collect();
    assert_eq!(
        got,
        vec![
            "sms +66822222222 Incoming from=+66822222222 to=- 2023-11-14T22:15:20Z \"\" [attachment] att=private/var/mobile/Library/SMS/Attachments/0a/10/A1/IMG_0002.HEIC|IMG_0002.HEIC|image/heic loc=None del=Some(false) ed=Some(false) @message#3",
            "imessage +66811111111 Incoming from=+66811111111 to=- 2023-11-14T22:13:20Z \"meet at the usual place\" [text] att= loc=None del=Some(false) ed=Some(false) @message#1",
            "imessage +66811111111 Outgoing from=- to=+66811111111 2023-11-14T22:14:20Z \"ok\" [text] att= loc=None del=Some(false) ed=Some(true) @message#2",
            "imessage +66811111111 Outgoing from=- to=+66811111111 2023-11-14T22:16:20Z \"\" [text] att= loc=None del=Some(true) ed=Some(false) @message#4",
            "imessage +66811111111 Incoming from=+66811111111 to=- 2023-11-14T22:17:20Z \"only in the body – ok\" [text] att= loc=None del=Some(false) ed=Some(false) @message#5",
        ]
    );
    let calls: Vec<String> = x.calls.iter().map(render_call).collect();
    assert_eq!(
        calls,
        vec![
            "phone Outgoing +66811111111() 2023-11-14T22:16:40.5Z Some(30.0) missed=false video=Some(false) @ZCALLRECORD#1",
            "phone Incoming +66822222222() 2023-11-14T22:18:20Z Some(0.0) missed=true video=Some(true) @ZCALLRECORD#2",
        ]
    );
}

#[test]
fn ios_backup_folder_is_mapped_through_manifest_db() {
    let t = tempfile::tempdir().unwrap();
    let fs = t.path().join("fs");
    ios_sms(&fs);
    let backup = t.path().join("backup");
    std::fs::create_dir_all(&backup).unwrap();
    let m = Connection::open(backup.join("Manifest.db")).unwrap();
    m.execute_batch("CREATE TABLE Files (fileID TEXT PRIMARY KEY, domain TEXT, relativePath TEXT, flags INTEGER, file BLOB);")
        .unwrap();
    for (id, rel) in [
        (
            "3d0d7e5fb2ce288813306e4d4636395e047a3d28",
            "Library/SMS/sms.db",
        ),
        (
            "5a4935c78a5255723f707230a451d79c540d2741",
            "Library/CallHistoryDB/CallHistory.storedata",
        ),
    ] {
        let dst = backup.join(&id[..2]).join(id);
        std::fs::create_dir_all(dst.parent().unwrap()).unwrap();
        std::fs::copy(fs.join(rel), &dst).unwrap();
        m.execute(
            "INSERT INTO Files VALUES (?1, 'HomeDomain', ?2, 1, NULL)",
            rusqlite::params![id, rel],
        )
        .unwrap();
    }
    drop(m);
    let x = read_extraction(&backup).unwrap();
    assert_eq!(x.kind, ExtractionKind::IosBackup);
    assert!(x.warnings.is_empty(), "{:?}", x.warnings);
    assert_eq!(x.messages.len(), 5);
    assert_eq!(x.calls.len(), 2);
    assert_eq!(
        x.messages[0].provenance.file,
        "HomeDomain/Library/SMS/sms.db"
    );
    let att = x.messages[0].attachments[0].path.as_deref().unwrap();
    assert_eq!(
        att,
        "MediaDomain/Library/SMS/Attachments/0a/10/A1/IMG_0002.HEIC"
    );
    let src = x
        .sources
        .iter()
        .find(|s| s.path.ends_with("sms.db"))
        .unwrap();
    assert_eq!(
        src.stored_as.as_deref(),
        Some("3d0d7e5fb2ce288813306e4d4636395e047a3d28")
    );
}

#[test]
fn whatsapp_ios_group_member_deleted_and_location() {
    let t = tempfile::tempdir().unwrap();
    let g = t
        .path()
        .join("private/var/mobile/Containers/Shared/AppGroup/AAAA");
    db(
        &g.join("ChatStorage.sqlite"),
        "CREATE TABLE ZWACHATSESSION ( Z_PK INTEGER PRIMARY KEY, Z_ENT INTEGER, Z_OPT INTEGER, ZARCHIVED INTEGER, ZCONTACTABID INTEGER, ZFLAGS INTEGER, ZHIDDEN INTEGER, ZIDENTITYVERIFICATIONEPOCH INTEGER, ZIDENTITYVERIFICATIONSTATE INTEGER, ZMESSAGECOUNTER INTEGER, ZREMOVED INTEGER, ZSESSIONTYPE INTEGER, ZSPOTLIGHTSTATUS INTEGER, ZUNREADCOUNT INTEGER, ZGROUPINFO INTEGER, ZLASTMESSAGE INTEGER, ZPROPERTIES INTEGER, ZLASTMESSAGEDATE TIMESTAMP, ZLOCATIONSHARINGENDDATE TIMESTAMP, ZCONTACTIDENTIFIER VARCHAR, ZCONTACTJID VARCHAR, ZETAG VARCHAR, ZLASTMESSAGETEXT VARCHAR, ZPARTNERNAME VARCHAR, ZSAVEDINPUT VARCHAR );
         INSERT INTO ZWACHATSESSION (Z_PK, ZSESSIONTYPE, ZCONTACTJID, ZPARTNERNAME) VALUES (1, 1, '120363000000000001@g.us', 'Crew');
         CREATE TABLE ZWAGROUPMEMBER ( Z_PK INTEGER PRIMARY KEY, Z_ENT INTEGER, Z_OPT INTEGER, ZCONTACTABID INTEGER, ZISACTIVE INTEGER, ZISADMIN INTEGER, ZSENDERKEYSENT INTEGER, ZCHATSESSION INTEGER, ZRECENTGROUPCHAT INTEGER, ZCONTACTIDENTIFIER VARCHAR, ZCONTACTNAME VARCHAR, ZFIRSTNAME VARCHAR, ZMEMBERJID VARCHAR );
         INSERT INTO ZWAGROUPMEMBER (Z_PK, ZCHATSESSION, ZCONTACTNAME, ZMEMBERJID) VALUES (1, 1, 'Boss', '66899999999@s.whatsapp.net');
         CREATE TABLE ZWAMEDIAITEM ( Z_PK INTEGER PRIMARY KEY, Z_ENT INTEGER, Z_OPT INTEGER, ZCLOUDSTATUS INTEGER, ZFILESIZE INTEGER, ZMEDIAORIGIN INTEGER, ZMOVIEDURATION INTEGER, ZMESSAGE INTEGER, ZASPECTRATIO FLOAT, ZHACCURACY FLOAT, ZLATITUDE FLOAT, ZLONGITUDE FLOAT, ZMEDIAURLDATE TIMESTAMP, ZAUTHORNAME VARCHAR, ZCOLLECTIONNAME VARCHAR, ZMEDIALOCALPATH VARCHAR, ZMEDIAURL VARCHAR, ZTHUMBNAILLOCALPATH VARCHAR, ZTITLE VARCHAR, ZVCARDNAME VARCHAR, ZVCARDSTRING VARCHAR, ZXMPPTHUMBPATH VARCHAR, ZMEDIAKEY BLOB, ZMETADATA BLOB );
         INSERT INTO ZWAMEDIAITEM (Z_PK, ZMESSAGE, ZLATITUDE, ZLONGITUDE, ZFILESIZE) VALUES (1, 3, 13.75, 100.5, 0);
         INSERT INTO ZWAMEDIAITEM (Z_PK, ZMESSAGE, ZLATITUDE, ZLONGITUDE, ZFILESIZE, ZMEDIALOCALPATH, ZTITLE) VALUES (2, 4, 0, 0, 77, 'Media/120363000000000001@g.us/a/b/c.jpg', 'see http://example.onion.test/x');
         CREATE TABLE ZWAMESSAGE ( Z_PK INTEGER PRIMARY KEY, Z_ENT INTEGER, Z_OPT INTEGER, ZCHILDMESSAGESDELIVEREDCOUNT INTEGER, ZCHILDMESSAGESPLAYEDCOUNT INTEGER, ZCHILDMESSAGESREADCOUNT INTEGER, ZDATAITEMVERSION INTEGER, ZDOCID INTEGER, ZENCRETRYCOUNT INTEGER, ZFILTEREDRECIPIENTCOUNT INTEGER, ZFLAGS INTEGER, ZGROUPEVENTTYPE INTEGER, ZISFROMME INTEGER, ZMESSAGEERRORSTATUS INTEGER, ZMESSAGESTATUS INTEGER, ZMESSAGETYPE INTEGER, ZSORT INTEGER, ZSPOTLIGHTSTATUS INTEGER, ZSTARRED INTEGER, ZCHATSESSION INTEGER, ZGROUPMEMBER INTEGER, ZLASTSESSION INTEGER, ZMEDIAITEM INTEGER, ZMESSAGEINFO INTEGER, ZPARENTMESSAGE INTEGER, ZMESSAGEDATE TIMESTAMP, ZSENTDATE TIMESTAMP, ZFROMJID VARCHAR, ZMEDIASECTIONID VARCHAR, ZPHASH VARCHAR, ZPUSHNAME VARCHAR, ZSTANZAID VARCHAR, ZTEXT VARCHAR, ZTOJID VARCHAR );
         INSERT INTO ZWAMESSAGE (Z_PK, ZISFROMME, ZMESSAGETYPE, ZCHATSESSION, ZGROUPMEMBER, ZMESSAGEDATE, ZFROMJID, ZTEXT) VALUES (1, 0, 0, 1, 1, 721692800, '120363000000000001@g.us', 'call me on +66 81 234 5678');
         INSERT INTO ZWAMESSAGE (Z_PK, ZISFROMME, ZMESSAGETYPE, ZCHATSESSION, ZGROUPMEMBER, ZMESSAGEDATE, ZFROMJID, ZTEXT) VALUES (2, 0, 14, 1, 1, 721692860, '120363000000000001@g.us', NULL);
         INSERT INTO ZWAMESSAGE (Z_PK, ZISFROMME, ZMESSAGETYPE, ZCHATSESSION, ZMEDIAITEM, ZMESSAGEDATE, ZTOJID) VALUES (3, 1, 5, 1, 1, 721692920, '120363000000000001@g.us');
         INSERT INTO ZWAMESSAGE (Z_PK, ZISFROMME, ZMESSAGETYPE, ZCHATSESSION, ZMEDIAITEM, ZMESSAGEDATE, ZTOJID) VALUES (4, 1, 1, 1, 2, 721692980, '120363000000000001@g.us');",
    );
    let x = read_extraction(t.path()).unwrap();
    assert!(x.warnings.is_empty(), "{:?}", x.warnings);
    let got: Vec<String> = x.messages.iter().map(render).collect();
    assert_eq!(
        got,
        vec![
            "whatsapp 120363000000000001@g.us Incoming from=66899999999@s.whatsapp.net to=- 2023-11-14T22:13:20Z \"call me on +66 81 234 5678\" [text] att= loc=None del=Some(false) ed=None @ZWAMESSAGE#1",
            "whatsapp 120363000000000001@g.us Incoming from=66899999999@s.whatsapp.net to=- 2023-11-14T22:14:20Z \"\" [deleted] att= loc=None del=Some(true) ed=None @ZWAMESSAGE#2",
            "whatsapp 120363000000000001@g.us Outgoing from=- to=120363000000000001@g.us 2023-11-14T22:15:20Z \"\" [location] att= loc=Some((13.75, 100.5)) del=Some(false) ed=None @ZWAMESSAGE#3",
            "whatsapp 120363000000000001@g.us Outgoing from=- to=120363000000000001@g.us 2023-11-14T22:16:20Z \"see http://example.onion.test/x\" [image] att=private/var/mobile/Containers/Shared/AppGroup/AAAA/Message/Media/120363000000000001@g.us/a/b/c.jpg|c.jpg| loc=None del=Some(false) ed=None @ZWAMESSAGE#4",
        ]
    );
    assert_eq!(
        x.messages[0].sender.as_ref().unwrap().name.as_deref(),
        Some("Boss")
    );
    let c = &x.conversations[0];
    assert!(c.group);
    assert_eq!(c.participants.len(), 1);
    let kinds: Vec<(&str, usize)> = x
        .findings
        .iter()
        .map(|f| (f.kind.as_str(), f.message))
        .collect();
    assert!(kinds.contains(&("phone", 0)), "{kinds:?}");
    assert!(kinds.contains(&("url", 3)), "{kinds:?}");
}

#[test]
fn output_is_deterministic() {
    let t = tempfile::tempdir().unwrap();
    whatsapp_android(t.path());
    ios_sms(&t.path().join("private/var/mobile"));
    let a = serde_json::to_string(&read_extraction(t.path()).unwrap()).unwrap();
    let b = serde_json::to_string(&read_extraction(t.path()).unwrap()).unwrap();
    assert_eq!(a, b);
    let x: Extraction = serde_json::from_str(&a).unwrap();
    assert_eq!(x.messages.len(), 11);
    assert!(a.contains("\"time\":\"2023-11-14T22:13:20Z\""));
    let _ = Direction::Unknown;
}

#[test]
fn messenger_msys_and_line() {
    let t = tempfile::tempdir().unwrap();
    db(
        &t.path().join("data/data/com.facebook.orca/databases/msys_database_100001"),
        "CREATE TABLE contacts (id INTEGER PRIMARY KEY, name TEXT, normalized_name_for_search TEXT, username TEXT, profile_picture_large_url TEXT, email_address TEXT, phone_number TEXT, is_messenger_user INTEGER, friendship_status INTEGER, birthday_timestamp INTEGER);
         INSERT INTO contacts (id, name) VALUES (100001, 'Owner');
         INSERT INTO contacts (id, name, phone_number) VALUES (200002, 'Seller', '+66811111111');
         CREATE TABLE threads (thread_key INTEGER PRIMARY KEY, thread_name TEXT, thread_type INTEGER);
         INSERT INTO threads VALUES (200002, NULL, 1);
         CREATE TABLE messages (message_id TEXT PRIMARY KEY, thread_key INTEGER, sender_id INTEGER, text TEXT, timestamp_ms INTEGER, is_admin_message INTEGER);
         INSERT INTO messages VALUES ('m.1', 200002, 200002, 'price is 5000', 1700000000000, 0);
         INSERT INTO messages VALUES ('m.2', 200002, 100001, 'ok', 1700000060000, 0);
         CREATE TABLE attachments (message_id TEXT, filename TEXT, playable_url_mime_type TEXT, title_text TEXT);
         INSERT INTO attachments VALUES ('m.2', 'receipt.jpg', 'image/jpeg', NULL);
         CREATE TABLE call_log (call_id TEXT PRIMARY KEY, call_timestamp_ms INTEGER, call_duration INTEGER, call_direction INTEGER, call_media_type INTEGER, has_been_seen INTEGER, thread_key INTEGER);
         INSERT INTO call_log VALUES ('c1', 1700000100000, 0, 2, 2, 0, 200002);",
    );
    db(
        &t.path().join("data/data/jp.naver.line.android/databases/naver_line"),
        "CREATE TABLE contacts (m_id TEXT PRIMARY KEY, name TEXT, server_name TEXT);
         INSERT INTO contacts VALUES ('u111', NULL, 'Friend');
         CREATE TABLE chat_history (id INTEGER PRIMARY KEY AUTOINCREMENT, server_id TEXT, type INTEGER, chat_id TEXT, from_mid TEXT, content TEXT, created_time INTEGER, delivered_time INTEGER, status INTEGER, attachement_image INTEGER, attachement_type INTEGER, attachement_local_uri TEXT);
         INSERT INTO chat_history (chat_id, from_mid, content, created_time, status, attachement_type) VALUES ('u111', 'u111', 'see you', 1700000200000, 1, 0);
         INSERT INTO chat_history (chat_id, from_mid, content, created_time, status, attachement_type, attachement_local_uri) VALUES ('u111', NULL, NULL, 1700000260000, 3, 1, 'file:///storage/emulated/0/Pictures/LINE/a.jpg');",
    );
    let x = read_extraction(t.path()).unwrap();
    assert!(x.warnings.is_empty(), "{:?}", x.warnings);
    let got: Vec<String> = x.messages.iter().map(render).collect();
    assert_eq!(
        got,
        vec![
            "messenger 200002 Incoming from=200002 to=- 2023-11-14T22:13:20Z \"price is 5000\" [text] att= loc=None del=None ed=None @messages#1",
            "messenger 200002 Outgoing from=- to=- 2023-11-14T22:14:20Z \"ok\" [attachment] att=|receipt.jpg|image/jpeg loc=None del=None ed=None @messages#2",
            "line u111 Incoming from=u111 to=- 2023-11-14T22:16:40Z \"see you\" [text] att= loc=None del=None ed=None @chat_history#1",
            "line u111 Outgoing from=- to=u111 2023-11-14T22:17:40Z \"\" [image] att=storage/emulated/0/Pictures/LINE/a.jpg|a.jpg| loc=None del=None ed=None @chat_history#2",
        ]
    );
    assert_eq!(
        x.messages[0].sender.as_ref().unwrap().name.as_deref(),
        Some("Seller")
    );
    assert_eq!(
        x.messages[2].sender.as_ref().unwrap().name.as_deref(),
        Some("Friend")
    );
    let calls: Vec<String> = x.calls.iter().map(render_call).collect();
    assert_eq!(
        calls,
        vec!["messenger Incoming 200002(Seller) 2023-11-14T22:15:00Z Some(0.0) missed=true video=Some(true) @call_log#1"]
    );
    assert_eq!(x.contacts.len(), 3);
    assert_eq!(x.conversations.len(), 2);
}

#[test]
fn chrome_and_safari_history() {
    let t = tempfile::tempdir().unwrap();
    db(
        &t.path().join("data/data/com.android.chrome/app_chrome/Default/History"),
        "CREATE TABLE urls(id INTEGER PRIMARY KEY AUTOINCREMENT, url LONGVARCHAR, title LONGVARCHAR, visit_count INTEGER DEFAULT 0 NOT NULL, typed_count INTEGER DEFAULT 0 NOT NULL, last_visit_time INTEGER NOT NULL, hidden INTEGER DEFAULT 0 NOT NULL);
         INSERT INTO urls VALUES (1, 'https://exchange.example/deposit', 'Deposit', 1, 0, 13345473600000000, 0);
         CREATE TABLE visits(id INTEGER PRIMARY KEY, url INTEGER NOT NULL, visit_time INTEGER NOT NULL, from_visit INTEGER, transition INTEGER DEFAULT 0 NOT NULL, segment_id INTEGER, visit_duration INTEGER DEFAULT 0 NOT NULL);
         INSERT INTO visits VALUES (7, 1, 13345473600000000, 0, 805306368, 0, 0);",
    );
    db(
        &t.path().join("private/var/mobile/Library/Safari/History.db"),
        "CREATE TABLE history_items (id INTEGER PRIMARY KEY AUTOINCREMENT, url TEXT NOT NULL UNIQUE, domain_expansion TEXT NULL, visit_count INTEGER NOT NULL);
         INSERT INTO history_items VALUES (3, 'http://example.org/', NULL, 1);
         CREATE TABLE history_visits (id INTEGER PRIMARY KEY AUTOINCREMENT, history_item INTEGER NOT NULL, visit_time REAL NOT NULL, title TEXT NULL, load_successful BOOLEAN NOT NULL DEFAULT 1);
         INSERT INTO history_visits VALUES (9, 3, 721692800.25, 'Example', 1);",
    );
    // A file called History elsewhere is not taken for a browser's.
    db(
        &t.path().join("data/media/notes/History"),
        "CREATE TABLE x (y);",
    );
    let x = read_extraction(t.path()).unwrap();
    assert!(x.warnings.is_empty(), "{:?}", x.warnings);
    let v: Vec<String> = x
        .visits
        .iter()
        .map(|v| {
            format!(
                "{} {} {:?} {} {}#{}",
                v.browser,
                v.url,
                v.title,
                v.time.unwrap(),
                v.provenance.table,
                v.provenance.row
            )
        })
        .collect();
    assert_eq!(
        v,
        vec![
            "safari http://example.org/ Some(\"Example\") 2023-11-14T22:13:20.25Z history_visits#9",
            "chrome https://exchange.example/deposit Some(\"Deposit\") 2023-11-26T12:00:00Z visits#7",
        ]
    );
    assert_eq!(x.sources.len(), 2);
}

#[test]
fn address_books_name_sms_and_call_peers() {
    let t = tempfile::tempdir().unwrap();
    ios_sms(&t.path().join("private/var/mobile"));
    db(
        &t.path().join("private/var/mobile/Library/AddressBook/AddressBook.sqlitedb"),
        "CREATE TABLE ABPerson (ROWID INTEGER PRIMARY KEY AUTOINCREMENT, First TEXT, Last TEXT, Middle TEXT, FirstPhonetic TEXT, MiddlePhonetic TEXT, LastPhonetic TEXT, Organization TEXT, Department TEXT, Note TEXT, Kind INTEGER, Birthday TEXT, JobTitle TEXT, Nickname TEXT);
         INSERT INTO ABPerson (ROWID, First, Last) VALUES (1, 'Anan', 'K');
         INSERT INTO ABPerson (ROWID, Organization) VALUES (2, 'Bank');
         CREATE TABLE ABMultiValue (UID INTEGER PRIMARY KEY, record_id INTEGER, property INTEGER, identifier INTEGER, label INTEGER, value TEXT, guid TEXT);
         INSERT INTO ABMultiValue VALUES (10, 1, 3, 0, 1, '081-111-1111', 'g1');
         INSERT INTO ABMultiValue VALUES (11, 1, 4, 0, NULL, 'anan@example.com', 'g2');
         CREATE TABLE ABMultiValueLabel (value TEXT, UNIQUE(value));
         INSERT INTO ABMultiValueLabel (rowid, value) VALUES (1, '_$!<Mobile>!$_');",
    );
    db(
        &t.path().join("data/data/com.android.providers.contacts/databases/contacts2.db"),
        "CREATE TABLE raw_contacts (_id INTEGER PRIMARY KEY AUTOINCREMENT, account_id INTEGER, contact_id INTEGER, deleted INTEGER NOT NULL DEFAULT 0, display_name TEXT);
         INSERT INTO raw_contacts (_id, deleted, display_name) VALUES (5, 1, 'Courier');
         CREATE TABLE mimetypes (_id INTEGER PRIMARY KEY AUTOINCREMENT, mimetype TEXT NOT NULL);
         INSERT INTO mimetypes VALUES (1, 'vnd.android.cursor.item/name'), (5, 'vnd.android.cursor.item/phone_v2');
         CREATE TABLE data (_id INTEGER PRIMARY KEY AUTOINCREMENT, package_id INTEGER, mimetype_id INTEGER NOT NULL, raw_contact_id INTEGER NOT NULL, is_primary INTEGER NOT NULL DEFAULT 0, data1 TEXT, data2 TEXT, data3 TEXT);
         INSERT INTO data (_id, mimetype_id, raw_contact_id, data1, data2) VALUES (20, 1, 5, 'Courier', NULL);
         INSERT INTO data (_id, mimetype_id, raw_contact_id, data1, data2) VALUES (21, 5, 5, '+66 82 222 2222', '2');",
    );
    let x = read_extraction(t.path()).unwrap();
    assert!(x.warnings.is_empty(), "{:?}", x.warnings);
    let c: Vec<String> = x
        .contacts
        .iter()
        .map(|c| {
            format!(
                "{:?} {:?} {:?} {:?} {}#{}",
                c.name, c.phone, c.label, c.deleted, c.provenance.table, c.provenance.row
            )
        })
        .collect();
    assert_eq!(
        c,
        vec![
            "Some(\"Courier\") Some(\"+66 82 222 2222\") Some(\"Mobile\") Some(true) data#21",
            "Some(\"Anan K\") Some(\"081-111-1111\") Some(\"Mobile\") None ABMultiValue#10",
            "Some(\"Bank\") None None None ABPerson#2",
        ]
    );
    // iMessage/SMS senders and call peers get the address book's names.
    let sms = x.messages.iter().find(|m| m.provenance.row == 3).unwrap();
    assert_eq!(
        sms.sender.as_ref().unwrap().name.as_deref(),
        Some("Courier")
    );
    let im = x.messages.iter().find(|m| m.provenance.row == 1).unwrap();
    assert_eq!(im.sender.as_ref().unwrap().name.as_deref(), Some("Anan K"));
    assert!(x.calls.iter().all(|c| c.peers[0].name.is_some()));
}
