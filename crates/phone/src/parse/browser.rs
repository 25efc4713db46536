//! Browser history: Chrome (Android `app_chrome/Default/History`, also
//! Chromium-based browsers laid out the same way) and Safari (iOS
//! `Library/Safari/History.db`).
//!
//! Known layouts: Chrome `urls` (`id`, `url`, `title`) and `visits` (`id`,
//! `url`, `visit_time` in microseconds since 1601-01-01 UTC), Chrome 30 and
//! later; Safari `history_items` (`id`, `url`) and `history_visits` (`id`,
//! `history_item`, `visit_time` in Apple time, `title`), iOS 8 and later.

use jiff::Timestamp;

use crate::db::{int, mac_time, real, text, Db};
use crate::{Provenance, Sink, Visit};

/// Microseconds between 1601-01-01 and 1970-01-01.
const WEBKIT_EPOCH_US: i64 = 11_644_473_600_000_000;

fn webkit_time(us: Option<i64>) -> Option<Timestamp> {
    let us = us?;
    if us == 0 {
        return None;
    }
    Timestamp::from_microsecond(us.checked_sub(WEBKIT_EPOCH_US)?).ok()
}

fn prov(db: &Db, table: &str, row: Option<i64>) -> Provenance {
    Provenance {
        file: db.file.clone(),
        table: table.to_string(),
        row: row.unwrap_or(-1),
    }
}

/// Visits from a Chrome `History` database.
pub(crate) fn chrome(db: &Db, sink: &mut dyn Sink) {
    let what = "Chrome History (30+)";
    let Some(_) = db.require(sink, "urls", &["id", "url", "title"], what) else {
        return;
    };
    let Some(_) = db.require(sink, "visits", &["id", "url", "visit_time"], what) else {
        return;
    };
    db.each(
        sink,
        "visits",
        "SELECT v.id, u.url, u.title, v.visit_time FROM visits v LEFT JOIN urls u ON u.id = v.url ORDER BY v.id",
        |r, sink| {
            let Some(url) = text(r, 1) else { return };
            sink.visit(Visit {
                browser: "chrome".into(),
                url,
                title: text(r, 2),
                time: webkit_time(int(r, 3)),
                provenance: prov(db, "visits", int(r, 0)),
            });
        },
    );
}

/// Visits from Safari's `History.db`.
pub(crate) fn safari(db: &Db, sink: &mut dyn Sink) {
    let what = "Safari History.db (iOS 8+)";
    let Some(_) = db.require(sink, "history_items", &["id", "url"], what) else {
        return;
    };
    let Some(vc) = db.require(
        sink,
        "history_visits",
        &["id", "history_item", "visit_time"],
        what,
    ) else {
        return;
    };
    let title = crate::db::opt_col(&vc, "title", "v.title");
    db.each(
        sink,
        "history_visits",
        &format!("SELECT v.id, i.url, {title}, v.visit_time FROM history_visits v LEFT JOIN history_items i ON i.id = v.history_item ORDER BY v.id"),
        |r, sink| {
            let Some(url) = text(r, 1) else { return };
            sink.visit(Visit {
                browser: "safari".into(),
                url,
                title: text(r, 2),
                time: mac_time(real(r, 3)),
                provenance: prov(db, "history_visits", int(r, 0)),
            });
        },
    );
}
