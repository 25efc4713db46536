//! Browser history in SQLite: Chrome/Edge `History`, Firefox
//! `places.sqlite`, Safari `History.db`.
//!
//! The bytes are written to a private temporary file and opened read-only
//! and immutable, so SQLite never creates a journal or WAL next to
//! evidence and never tries to recover (change) the database.

use std::io::Write;

use jiff::Timestamp;
use rusqlite::{Connection, OpenFlags};

use crate::bytes::filetime;
use crate::{Event, WindowsError};

fn webkit(us: i64) -> Option<Timestamp> {
    if us <= 0 {
        return None;
    }
    filetime((us as u64).checked_mul(10)?)
}

fn prtime(us: i64) -> Option<Timestamp> {
    if us == 0 {
        return None;
    }
    Timestamp::from_microsecond(us).ok()
}

fn cocoa(secs: f64) -> Option<Timestamp> {
    if secs == 0.0 || !secs.is_finite() {
        return None;
    }
    let us = ((secs + 978_307_200.0) * 1_000_000.0).round() as i64;
    Timestamp::from_microsecond(us).ok()
}

fn tables(c: &Connection) -> rusqlite::Result<Vec<String>> {
    let mut s = c.prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")?;
    let r = s.query_map([], |r| r.get::<_, String>(0))?;
    r.collect()
}

fn columns(c: &Connection, table: &str) -> Vec<String> {
    let Ok(mut s) = c.prepare(&format!("PRAGMA table_info(\"{table}\")")) else {
        return Vec::new();
    };
    s.query_map([], |r| r.get::<_, String>(1))
        .map(|r| r.filter_map(Result::ok).collect())
        .unwrap_or_default()
}

pub(crate) fn parse(name: &str, data: &[u8]) -> Result<Vec<Event>, WindowsError> {
    let err = |e: &dyn std::fmt::Display| WindowsError::corrupt(name, format!("SQLite: {e}"));
    let mut tmp = tempfile::NamedTempFile::new().map_err(|e| err(&e))?;
    tmp.write_all(data).map_err(|e| err(&e))?;
    tmp.flush().map_err(|e| err(&e))?;
    let uri = format!(
        "file:{}?immutable=1",
        tmp.path()
            .display()
            .to_string()
            .replace('?', "%3f")
            .replace('#', "%23")
    );
    let c = Connection::open_with_flags(
        uri,
        OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_URI,
    )
    .map_err(|e| err(&e))?;
    let t = tables(&c).map_err(|e| err(&e))?;
    let has = |n: &str| t.iter().any(|x| x == n);
    let mut out = Vec::new();
    if has("urls") && has("visits") {
        chrome(name, &c, &mut out).map_err(|e| err(&e))?;
    } else if has("moz_places") {
        firefox(name, &c, &mut out).map_err(|e| err(&e))?;
    } else if has("history_items") && has("history_visits") {
        safari(name, &c, &mut out).map_err(|e| err(&e))?;
    } else {
        return Err(WindowsError::Unrecognised(name.to_string()));
    }
    Ok(out)
}

fn chrome(name: &str, c: &Connection, out: &mut Vec<Event>) -> rusqlite::Result<()> {
    let version: String = c
        .query_row("SELECT value FROM meta WHERE key = 'version'", [], |r| {
            r.get(0)
        })
        .unwrap_or_default();
    let mut s = c.prepare(
        "SELECT visits.id, visits.visit_time, urls.url, IFNULL(urls.title, ''), urls.visit_count, \
         visits.transition FROM visits JOIN urls ON visits.url = urls.id ORDER BY visits.id",
    )?;
    let rows = s.query_map([], |r| {
        Ok((
            r.get::<_, i64>(0)?,
            r.get::<_, i64>(1)?,
            r.get::<_, String>(2)?,
            r.get::<_, String>(3)?,
            r.get::<_, i64>(4)?,
            r.get::<_, i64>(5)?,
        ))
    })?;
    for row in rows {
        let (id, t, url, title, count, transition) = row?;
        out.push(
            Event::new(
                webkit(t),
                "visited",
                "browser:visit",
                format!("visited {url} ({title})"),
                name,
                format!("visits.id {id}"),
            )
            .field("url", &url)
            .field("title", &title)
            .field("visit_count", count)
            .field("transition", transition & 0xff)
            .field("browser", "Chrome/Chromium")
            .field("schema_version", &version),
        );
    }
    let cols = columns(c, "downloads");
    if !cols.is_empty() {
        let (path_col, url_sql) = if cols.iter().any(|c| c == "target_path") {
            (
                "target_path",
                "IFNULL((SELECT url FROM downloads_url_chains u WHERE u.id = downloads.id \
                 ORDER BY chain_index DESC LIMIT 1), '')",
            )
        } else {
            ("full_path", "url")
        };
        let sql = format!(
            "SELECT id, start_time, {path_col}, {url_sql}, received_bytes, total_bytes \
             FROM downloads ORDER BY id"
        );
        let mut s = c.prepare(&sql)?;
        let rows = s.query_map([], |r| {
            Ok((
                r.get::<_, i64>(0)?,
                r.get::<_, i64>(1)?,
                r.get::<_, String>(2)?,
                r.get::<_, String>(3)?,
                r.get::<_, i64>(4)?,
                r.get::<_, i64>(5)?,
            ))
        })?;
        for row in rows {
            let (id, t, path, url, got, total) = row?;
            // Before Chrome 26 (schema < 24), start_time was POSIX seconds.
            let time = if version.parse::<u32>().unwrap_or(99) < 24 {
                jiff::Timestamp::from_second(t).ok()
            } else {
                webkit(t)
            };
            out.push(
                Event::new(
                    time,
                    "download started",
                    "browser:download",
                    format!("downloaded {url} to {path} ({got} of {total} bytes)"),
                    name,
                    format!("downloads.id {id}"),
                )
                .field("url", &url)
                .field("path", &path)
                .field("received_bytes", got)
                .field("total_bytes", total)
                .field("browser", "Chrome/Chromium"),
            );
        }
    }
    Ok(())
}

fn firefox(name: &str, c: &Connection, out: &mut Vec<Event>) -> rusqlite::Result<()> {
    let mut s = c.prepare(
        "SELECT v.id, v.visit_date, p.url, IFNULL(p.title, ''), p.visit_count \
         FROM moz_historyvisits v JOIN moz_places p ON v.place_id = p.id ORDER BY v.id",
    )?;
    let rows = s.query_map([], |r| {
        Ok((
            r.get::<_, i64>(0)?,
            r.get::<_, Option<i64>>(1)?.unwrap_or(0),
            r.get::<_, String>(2)?,
            r.get::<_, String>(3)?,
            r.get::<_, Option<i64>>(4)?.unwrap_or(0),
        ))
    })?;
    for row in rows {
        let (id, t, url, title, count) = row?;
        out.push(
            Event::new(
                prtime(t),
                "visited",
                "browser:visit",
                format!("visited {url} ({title})"),
                name,
                format!("moz_historyvisits.id {id}"),
            )
            .field("url", &url)
            .field("title", &title)
            .field("visit_count", count)
            .field("browser", "Firefox"),
        );
    }
    let mut s = c.prepare(
        "SELECT b.id, b.type, IFNULL(b.title, ''), IFNULL(b.dateAdded, 0), \
         IFNULL(b.lastModified, 0), IFNULL(p.url, '') FROM moz_bookmarks b \
         LEFT JOIN moz_places p ON b.fk = p.id ORDER BY b.id",
    )?;
    let rows = s.query_map([], |r| {
        Ok((
            r.get::<_, i64>(0)?,
            r.get::<_, i64>(1)?,
            r.get::<_, String>(2)?,
            r.get::<_, i64>(3)?,
            r.get::<_, i64>(4)?,
            r.get::<_, String>(5)?,
        ))
    })?;
    for row in rows {
        let (id, typ, title, added, modified, url) = row?;
        let kind = match typ {
            1 => "browser:bookmark",
            2 => "browser:bookmark-folder",
            _ => continue,
        };
        for (t, desc) in [(added, "added"), (modified, "modified")] {
            out.push(
                Event::new(
                    prtime(t),
                    desc,
                    kind,
                    format!("bookmark {title} {url} {desc}").replace("  ", " "),
                    name,
                    format!("moz_bookmarks.id {id}"),
                )
                .field("title", &title)
                .field("url", &url)
                .field("browser", "Firefox"),
            );
        }
    }
    if columns(c, "moz_items_annos").iter().any(|c| c == "item_id") {
        let mut s = c.prepare(
            "SELECT a.id, IFNULL(a.dateAdded, 0), IFNULL(a.lastModified, 0), \
             IFNULL(CAST(a.content AS TEXT), ''), IFNULL(b.title, '') FROM moz_items_annos a \
             LEFT JOIN moz_bookmarks b ON a.item_id = b.id ORDER BY a.id",
        )?;
        let rows = s.query_map([], |r| {
            Ok((
                r.get::<_, i64>(0)?,
                r.get::<_, i64>(1)?,
                r.get::<_, i64>(2)?,
                r.get::<_, String>(3)?,
                r.get::<_, String>(4)?,
            ))
        })?;
        for row in rows {
            let (id, added, modified, content, title) = row?;
            for (t, desc) in [(added, "added"), (modified, "modified")] {
                out.push(
                    Event::new(
                        prtime(t),
                        desc,
                        "browser:bookmark-annotation",
                        format!("annotation {content} on bookmark {title} {desc}"),
                        name,
                        format!("moz_items_annos.id {id}"),
                    )
                    .field("content", &content)
                    .field("title", &title)
                    .field("browser", "Firefox"),
                );
            }
        }
    }
    Ok(())
}

fn safari(name: &str, c: &Connection, out: &mut Vec<Event>) -> rusqlite::Result<()> {
    let mut s = c.prepare(
        "SELECT v.id, v.visit_time, i.url, IFNULL(v.title, ''), i.visit_count \
         FROM history_visits v JOIN history_items i ON v.history_item = i.id ORDER BY v.id",
    )?;
    let rows = s.query_map([], |r| {
        Ok((
            r.get::<_, i64>(0)?,
            r.get::<_, f64>(1)?,
            r.get::<_, String>(2)?,
            r.get::<_, String>(3)?,
            r.get::<_, i64>(4)?,
        ))
    })?;
    for row in rows {
        let (id, t, url, title, count) = row?;
        out.push(
            Event::new(
                cocoa(t),
                "visited",
                "browser:visit",
                format!("visited {url} ({title})"),
                name,
                format!("history_visits.id {id}"),
            )
            .field("url", &url)
            .field("title", &title)
            .field("visit_count", count)
            .field("browser", "Safari"),
        );
    }
    Ok(())
}
