//! Opening a working copy of an app database and reading values from rows
//! without trusting their types.

use std::collections::BTreeSet;
use std::path::Path;

use jiff::Timestamp;
use rusqlite::types::ValueRef;
use rusqlite::{Connection, OpenFlags, Row};

use crate::{Sink, Warning};

/// Seconds between 1970-01-01 and 2001-01-01 (Apple's reference date).
pub(crate) const MAC_EPOCH: i64 = 978_307_200;

/// An opened working copy, named by its path inside the extraction.
pub(crate) struct Db {
    conn: Connection,
    /// Path of the original inside the extraction.
    pub file: String,
}

impl Db {
    /// Opens the working copy at `copy`. The copy (never the original) is
    /// opened writable so that SQLite can apply the `-wal` or roll back a hot
    /// `-journal` next to it; queries run with `query_only` on.
    pub fn open(copy: &Path, file: &str) -> Result<Db, Warning> {
        let warn = |m: String| Warning {
            file: file.to_string(),
            table: None,
            message: m,
        };
        let flags = OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX;
        let conn = Connection::open_with_flags(copy, flags)
            .map_err(|e| warn(format!("cannot open as SQLite: {e}")))?;
        // A corrupt header or encrypted file only fails on the first read.
        conn.query_row("SELECT count(*) FROM sqlite_master", [], |r| {
            r.get::<_, i64>(0)
        })
        .map_err(|e| warn(format!("not a readable SQLite database: {e}")))?;
        conn.pragma_update(None, "query_only", true)
            .map_err(|e| warn(format!("cannot make the copy query-only: {e}")))?;
        Ok(Db {
            conn,
            file: file.to_string(),
        })
    }

    /// A warning about `table` of this database.
    pub fn warn(&self, table: Option<&str>, message: impl Into<String>) -> Warning {
        Warning {
            file: self.file.clone(),
            table: table.map(str::to_string),
            message: message.into(),
        }
    }

    /// The columns of `table`, or `None` when there is no such table.
    pub fn columns(&self, table: &str) -> Option<BTreeSet<String>> {
        let mut stmt = self
            .conn
            .prepare("SELECT name FROM pragma_table_info(?1)")
            .ok()?;
        let cols: BTreeSet<String> = stmt
            .query_map([table], |r| r.get::<_, String>(0))
            .ok()?
            .filter_map(Result::ok)
            .collect();
        (!cols.is_empty()).then_some(cols)
    }

    /// True when `table` exists.
    pub fn has_table(&self, table: &str) -> bool {
        self.columns(table).is_some()
    }

    /// Checks that `table` has every column of `need`; if not, reports the
    /// layout as unknown (naming the missing columns) and returns `None`, so
    /// that the parser skips the table instead of guessing. Returns the
    /// table's columns otherwise.
    pub fn require(
        &self,
        sink: &mut dyn Sink,
        table: &str,
        need: &[&str],
        what: &str,
    ) -> Option<BTreeSet<String>> {
        let Some(cols) = self.columns(table) else {
            sink.warning(self.warn(
                Some(table),
                format!("unknown layout for {what}: table is missing; not read"),
            ));
            return None;
        };
        let missing: Vec<&str> = need
            .iter()
            .copied()
            .filter(|c| !cols.contains(*c))
            .collect();
        if missing.is_empty() {
            Some(cols)
        } else {
            sink.warning(self.warn(
                Some(table),
                format!(
                    "unknown layout for {what}: missing column(s) {}; not read",
                    missing.join(", ")
                ),
            ));
            None
        }
    }

    /// Runs `sql` and calls `f` on every row. A query that fails (corrupt
    /// page, unexpected layout) ends with a warning naming `table`; rows
    /// already delivered stay delivered.
    pub fn each(
        &self,
        sink: &mut dyn Sink,
        table: &str,
        sql: &str,
        mut f: impl FnMut(&Row<'_>, &mut dyn Sink),
    ) {
        let mut stmt = match self.conn.prepare(sql) {
            Ok(s) => s,
            Err(e) => {
                sink.warning(self.warn(Some(table), format!("query failed: {e}")));
                return;
            }
        };
        let mut rows = match stmt.query([]) {
            Ok(r) => r,
            Err(e) => {
                sink.warning(self.warn(Some(table), format!("query failed: {e}")));
                return;
            }
        };
        loop {
            match rows.next() {
                Ok(Some(r)) => f(r, sink),
                Ok(None) => break,
                Err(e) => {
                    sink.warning(self.warn(
                        Some(table),
                        format!("reading stopped, rows after this point are missing: {e}"),
                    ));
                    break;
                }
            }
        }
    }
}

/// `expr` if `cols` has `col`, else `NULL` — for columns that only some
/// versions of a schema have.
pub(crate) fn opt_col(cols: &BTreeSet<String>, col: &str, expr: &str) -> String {
    if cols.contains(col) {
        expr.to_string()
    } else {
        "NULL".to_string()
    }
}

/// Text of column `i` (integers are written out; blobs decoded as UTF-8
/// when they are); empty strings are `None`.
pub(crate) fn text(row: &Row<'_>, i: usize) -> Option<String> {
    let s = match row.get_ref(i).ok()? {
        ValueRef::Text(t) | ValueRef::Blob(t) => String::from_utf8_lossy(t).into_owned(),
        ValueRef::Integer(n) => n.to_string(),
        ValueRef::Real(f) => f.to_string(),
        ValueRef::Null => return None,
    };
    (!s.is_empty()).then_some(s)
}

/// Integer of column `i` (reals truncated, numeric text parsed).
pub(crate) fn int(row: &Row<'_>, i: usize) -> Option<i64> {
    match row.get_ref(i).ok()? {
        ValueRef::Integer(n) => Some(n),
        ValueRef::Real(f) if f.is_finite() => Some(f as i64),
        ValueRef::Text(t) => std::str::from_utf8(t).ok()?.trim().parse().ok(),
        _ => None,
    }
}

/// Real of column `i`.
pub(crate) fn real(row: &Row<'_>, i: usize) -> Option<f64> {
    match row.get_ref(i).ok()? {
        ValueRef::Integer(n) => Some(n as f64),
        ValueRef::Real(f) if f.is_finite() => Some(f),
        ValueRef::Text(t) => std::str::from_utf8(t).ok()?.trim().parse().ok(),
        _ => None,
    }
}

/// Flag of column `i`: non-zero is true, NULL is `None`.
pub(crate) fn flag(row: &Row<'_>, i: usize) -> Option<bool> {
    int(row, i).map(|n| n != 0)
}

/// Apple "absolute time" (seconds since 2001-01-01 UTC, fractional) to UTC,
/// rounded to the microsecond (a double holds no more at this magnitude);
/// values that large are taken as nanoseconds (iOS 11+ `sms.db`). Zero and
/// out-of-range values are `None`.
pub(crate) fn mac_time(secs: Option<f64>) -> Option<Timestamp> {
    let mut s = secs?;
    if s == 0.0 || !s.is_finite() {
        return None;
    }
    if s.abs() > 1e11 {
        s /= 1e9;
    }
    if s.abs() > 1e10 {
        return None;
    }
    let mut whole = s.floor() as i64;
    let mut micros = ((s - s.floor()) * 1e6).round() as i64;
    if micros >= 1_000_000 {
        whole += 1;
        micros -= 1_000_000;
    }
    Timestamp::new(whole + MAC_EPOCH, (micros * 1000) as i32).ok()
}

/// Unix milliseconds to UTC; zero and out-of-range are `None`.
pub(crate) fn unix_ms(ms: Option<i64>) -> Option<Timestamp> {
    let ms = ms?;
    if ms == 0 {
        return None;
    }
    Timestamp::from_millisecond(ms).ok()
}

/// Unix seconds to UTC; zero and out-of-range are `None`.
pub(crate) fn unix_s(s: Option<i64>) -> Option<Timestamp> {
    let s = s?;
    if s == 0 {
        return None;
    }
    Timestamp::from_second(s).ok()
}

/// Joins a path recorded by an app to the folder of the database; `..`
/// components are dropped so a hostile path cannot leave the extraction.
pub(crate) fn join(dir: &str, rel: &str) -> String {
    let mut parts: Vec<&str> = dir.split('/').filter(|p| !p.is_empty()).collect();
    for p in rel.split('/') {
        match p {
            "" | "." => {}
            ".." => {
                parts.pop();
            }
            p => parts.push(p),
        }
    }
    parts.join("/")
}

/// Folder part of a `/`-separated path.
pub(crate) fn dir_of(path: &str) -> &str {
    path.rsplit_once('/').map_or("", |(d, _)| d)
}

/// Last component of a `/`-separated path.
pub(crate) fn base_name(path: &str) -> &str {
    path.rsplit_once('/').map_or(path, |(_, b)| b)
}
