//! One parser per database; [`dispatch`] picks it by file name.

pub(crate) mod android;
pub(crate) mod browser;
pub(crate) mod ios;
pub(crate) mod leads;
pub(crate) mod social;
pub(crate) mod whatsapp_android;
pub(crate) mod whatsapp_ios;

use std::io::Read;
use std::path::Path;

use crate::db::Db;
use crate::{Sink, Warning};

/// Runs the parser for a database named `name`.
pub(crate) fn dispatch(db: &Db, name: &str, sink: &mut dyn Sink) {
    if name == "History" {
        return browser::chrome(db, sink);
    }
    if name == "History.db" {
        return browser::safari(db, sink);
    }
    match name {
        "ChatStorage.sqlite" => whatsapp_ios::chats(db, sink),
        "CallHistory.sqlite" => whatsapp_ios::calls(db, sink),
        "ContactsV2.sqlite" => whatsapp_ios::contacts(db, sink),
        "msgstore.db" => whatsapp_android::msgstore(db, sink),
        "wa.db" => whatsapp_android::wa(db, sink),
        "mmssms.db" => android::mmssms(db, sink),
        "calllog.db" => android::calls(db, sink),
        "contacts2.db" => {
            android::calls(db, sink);
            android::contacts(db, sink);
        }
        "AddressBook.sqlitedb" => ios::address_book(db, sink),
        "sms.db" => ios::sms(db, sink),
        "CallHistory.storedata" => ios::calls(db, sink),
        "naver_line" => social::line(db, sink),
        n if n.starts_with("msys_database_") => social::messenger(db, sink),
        _ => {}
    }
}

/// Looks at a `-wal` file before SQLite does: a WAL that ends inside a
/// frame was being written when the phone was imaged. SQLite then applies
/// only the frames up to the last complete commit, silently; the examiner
/// is told. Returns `None` for a missing, empty or well-formed WAL.
pub(crate) fn check_wal(wal: &Path, logical: &str) -> Option<Warning> {
    let len = std::fs::metadata(wal).ok()?.len();
    if len == 0 {
        return None;
    }
    let warn = |m: String| {
        Some(Warning {
            file: format!("{logical}-wal"),
            table: None,
            message: m,
        })
    };
    let mut hdr = [0u8; 32];
    let read = std::fs::File::open(wal).and_then(|mut f| f.read_exact(&mut hdr));
    if read.is_err() {
        return warn(format!(
            "WAL is {len} bytes, shorter than its 32-byte header; ignored by SQLite"
        ));
    }
    let magic = u32::from_be_bytes([hdr[0], hdr[1], hdr[2], hdr[3]]);
    if magic != 0x377f_0682 && magic != 0x377f_0683 {
        return warn("WAL header not recognised; its changes are not applied".into());
    }
    let page = u64::from(u32::from_be_bytes([hdr[8], hdr[9], hdr[10], hdr[11]]));
    let page = if page == 1 { 65536 } else { page };
    if !(512..=65536).contains(&page) || !page.is_power_of_two() {
        return warn(format!(
            "WAL page size {page} invalid; its changes are not applied"
        ));
    }
    let frame = page + 24;
    let rest = (len - 32) % frame;
    if rest != 0 {
        return warn(format!(
            "WAL half-written: {} complete frame(s) then {rest} stray byte(s); only committed complete frames are applied",
            (len - 32) / frame
        ));
    }
    None
}

#[cfg(test)]
mod tests {
    use super::check_wal;

    #[test]
    fn wal_shapes() {
        let t = tempfile::tempdir().unwrap();
        let p = t.path().join("x-wal");
        assert!(check_wal(&p, "x").is_none());
        std::fs::write(&p, b"").unwrap();
        assert!(check_wal(&p, "x").is_none());
        std::fs::write(&p, b"short").unwrap();
        assert!(check_wal(&p, "x").unwrap().message.contains("shorter"));
        let mut h = vec![0x37, 0x7f, 0x06, 0x82, 0, 0x2d, 0xe2, 0x18, 0, 0, 0x10, 0];
        h.resize(32, 0);
        h.resize(32 + 4096 + 24, 0);
        std::fs::write(&p, &h).unwrap();
        assert!(check_wal(&p, "x").is_none());
        h.push(1);
        std::fs::write(&p, &h).unwrap();
        let w = check_wal(&p, "x").unwrap();
        assert_eq!(w.file, "x-wal");
        assert!(w.message.contains("half-written"));
        h[0] = 0;
        std::fs::write(&p, &h).unwrap();
        assert!(check_wal(&p, "x")
            .unwrap()
            .message
            .contains("not recognised"));
    }
}
