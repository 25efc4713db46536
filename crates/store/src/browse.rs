//! Read-only queries for browsing a case page by page (the web workbench):
//! they never write. [`Browse`] is implemented by both backends with the
//! same results in the same order, so the workbench serves a case wherever
//! its rows are. On SQLite each query opens its own read-only connection,
//! so a page view cannot modify the store even by mistake, and readers do
//! not queue behind the writer's lock (WAL lets them read alongside); on
//! PostgreSQL each runs in a read-only transaction.

use rusqlite::{params, Connection, OpenFlags, OptionalExtension};
use serde::Serialize;

use crate::{
    CaseStore, FileRow, FindingRow, HistogramRow, MessageRow, SqliteStore, StoreError, TimelineRow,
};

/// A count per name (finding kind, event source, time bucket).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Facet {
    /// The name.
    pub name: String,
    /// How many rows have it.
    pub count: u64,
}

/// One finding with its row id and the row id of its file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FindingItem {
    /// Row id.
    pub id: i64,
    /// Row id of the file holding it, when known.
    pub file_id: Option<i64>,
    /// The finding.
    #[serde(flatten)]
    pub row: FindingRow,
}

/// One timeline event with the row id of its file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct EventItem {
    /// Row id of the file it belongs to, when known.
    pub file_id: Option<i64>,
    /// The event.
    #[serde(flatten)]
    pub row: TimelineRow,
}

/// Which timeline events to show.
#[derive(Debug, Clone, Default)]
pub struct EventFilter {
    /// Only events at or after this time (RFC 3339 text, compared as text).
    pub from: Option<String>,
    /// Only events before this time.
    pub to: Option<String>,
    /// Only events of this source (`fat`, `mail`, …).
    pub source: Option<String>,
}

/// The page queries of the web workbench, on either backend. Results and
/// their order are the same on SQLite and PostgreSQL for the same rows.
/// `Debug` so a holder of a `Box<dyn Browse>` can still derive it.
pub trait Browse: CaseStore + std::fmt::Debug {
    /// One file by row id.
    fn file_by_id(&self, id: i64) -> Result<Option<FileRow>, StoreError>;

    /// Messages (e-mail and chat) by evidence and location, `limit` rows
    /// from `offset`, without their analysis JSON (the list does not show it).
    fn messages_page(&self, offset: usize, limit: usize) -> Result<Vec<MessageRow>, StoreError>;

    /// Distinct finding values of the given kinds that start with `text`
    /// (as typed or lower-cased; URLs also after `http(s)://` and `www.`),
    /// with their counts, by kind and value, at most `limit` per kind. Each
    /// prefix is a range of the value index, so the cost does not grow with
    /// the number of findings (a substring scan of millions of rows would).
    fn values_starting(
        &self,
        text: &str,
        kinds: &[String],
        limit: usize,
    ) -> Result<Vec<HistogramRow>, StoreError>;

    /// Files whose path contains `text` (case-insensitive, ASCII letters
    /// only), by evidence and path, at most `limit`.
    fn files_containing(&self, text: &str, limit: usize) -> Result<Vec<FileRow>, StoreError>;

    /// Row ids of the files at `path` in an evidence item (one per partition
    /// or inode holding that path), lowest first.
    fn file_ids_at(&self, evidence: &str, path: &str) -> Result<Vec<i64>, StoreError>;

    /// Files of one evidence item (all partitions), by partition and path,
    /// `limit` rows from `offset`.
    fn files_of(
        &self,
        evidence: &str,
        offset: usize,
        limit: usize,
    ) -> Result<Vec<FileRow>, StoreError>;

    /// Files whose content type (by content) starts with `mime` (e.g.
    /// `image/`), by evidence, partition and path, `limit` rows from `offset`.
    fn files_of_type(
        &self,
        mime: &str,
        offset: usize,
        limit: usize,
    ) -> Result<Vec<FileRow>, StoreError>;

    /// A token that changes whenever a triage stage is done or redone (the
    /// rows aggregates are computed from), for caches of such aggregates.
    /// Only compared for equality; its form differs between backends.
    fn version(&self) -> Result<String, StoreError>;

    /// Findings per kind, by kind.
    fn finding_kinds(&self) -> Result<Vec<Facet>, StoreError>;

    /// Timeline events per source, by source.
    fn event_sources(&self) -> Result<Vec<Facet>, StoreError>;

    /// Findings of one kind or all, by kind and value, then evidence and
    /// offset, `limit` rows from `offset`.
    fn findings_page(
        &self,
        kind: Option<&str>,
        offset: usize,
        limit: usize,
    ) -> Result<Vec<FindingItem>, StoreError>;

    /// Findings whose kind and normalised value are `kind:value`, by
    /// evidence and offset.
    fn findings_of_value(
        &self,
        kind: &str,
        value: &str,
        limit: usize,
    ) -> Result<Vec<FindingItem>, StoreError>;

    /// Timeline events matching a filter, in time order, at most `limit`.
    fn events_page(&self, filter: &EventFilter, limit: usize)
        -> Result<Vec<EventItem>, StoreError>;

    /// Events matching a filter counted per time bucket: the first
    /// `prefix` characters of the time (4: year, 7: month, 10: day,
    /// 13: hour), by bucket.
    fn activity(&self, filter: &EventFilter, prefix: usize) -> Result<Vec<Facet>, StoreError>;

    /// The message with this SHA-256 (the first by evidence and location
    /// when the same message was found twice), with its file's row id.
    fn message_by_sha256(
        &self,
        sha256: &str,
    ) -> Result<Option<(MessageRow, Option<i64>)>, StoreError>;
}

/// The prefixes [`Browse::values_starting`] looks up for one kind: the
/// text as typed and lower-cased, and for URLs behind the usual schemes.
/// Shared by both backends so they search the same ranges.
pub(crate) fn value_prefixes(text: &str, kind: &str) -> Vec<String> {
    let mut prefixes = vec![text.to_string(), text.to_lowercase()];
    if kind == "url" && !text.contains("://") {
        for scheme in ["http://", "https://", "http://www.", "https://www."] {
            prefixes.push(format!("{scheme}{}", text.to_lowercase()));
        }
    }
    prefixes.sort();
    prefixes.dedup();
    prefixes
}

/// Keeps at most `limit` rows per kind of rows sorted by kind and value:
/// the smallest values first.
pub(crate) fn per_kind(mut rows: Vec<HistogramRow>, limit: usize) -> Vec<HistogramRow> {
    let mut seen: std::collections::BTreeMap<String, usize> = Default::default();
    rows.retain(|r| {
        let n = seen.entry(r.kind.clone()).or_default();
        *n += 1;
        *n <= limit
    });
    rows
}

/// The upper bound of the range of values starting with `prefix` (no
/// character sorts above U+10FFFF, bytewise as in UTF-8).
pub(crate) fn prefix_end(prefix: &str) -> String {
    format!("{prefix}\u{10ffff}")
}

/// Order of [`Browse::findings_page`]: by value (the value index's order),
/// then where each was found, row id last so equal rows keep one order.
pub(crate) const FINDINGS_PAGE_ORDER: &str =
    "f.kind, f.normalized, f.evidence, f.\"offset\", f.path, f.id";

/// Order of [`Browse::findings_of_value`]: where each was found.
pub(crate) const FINDINGS_OF_VALUE_ORDER: &str =
    "f.evidence, f.\"offset\", f.kind, f.path, f.normalized, f.id";

/// `LIKE` pattern for "contains `text`", escape character `\`: the text's
/// own `%`, `_` and `\` match only themselves.
pub(crate) fn contains_pattern(text: &str) -> String {
    let mut pattern = String::from("%");
    for c in text.chars() {
        if matches!(c, '%' | '_' | '\\') {
            pattern.push('\\');
        }
        pattern.push(c);
    }
    pattern.push('%');
    pattern
}

/// Counts per (kind, value) as rows, by kind and value.
pub(crate) fn histogram_rows(
    counts: std::collections::BTreeMap<(String, String), u64>,
) -> Vec<HistogramRow> {
    counts
        .into_iter()
        .map(|((kind, value), count)| HistogramRow { kind, value, count })
        .collect()
}

use crate::sqlite::{file_row, finding_row, message_row, timeline_row};

fn sql_limit(n: usize) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

impl SqliteStore {
    /// A read-only connection to the store.
    fn reader(&self) -> Result<Connection, StoreError> {
        let path = self.path();
        let conn = Connection::open_with_flags(
            path,
            OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )
        .map_err(|source| StoreError::Open {
            path: path.to_path_buf(),
            source,
        })?;
        conn.busy_timeout(std::time::Duration::from_secs(10))?;
        Ok(conn)
    }

    /// Findings per kind, by kind: [`Browse::finding_kinds`], also
    /// [`CaseStore::kind_totals`] on SQLite (which calls it by this path).
    pub(crate) fn finding_kinds(&self) -> Result<Vec<Facet>, StoreError> {
        self.facets("SELECT kind, COUNT(*) FROM findings GROUP BY kind ORDER BY kind")
    }

    fn facets(&self, sql: &str) -> Result<Vec<Facet>, StoreError> {
        let conn = self.reader()?;
        let mut st = conn.prepare(sql)?;
        let rows = st.query_map([], |r| {
            Ok(Facet {
                name: r.get(0)?,
                count: r.get(1)?,
            })
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    fn findings_where(
        &self,
        cond: &str,
        order: &str,
        arg: Option<&str>,
        arg2: Option<&str>,
        offset: usize,
        limit: usize,
    ) -> Result<Vec<FindingItem>, StoreError> {
        let conn = self.reader()?;
        let sql = format!(
            "SELECT f.*, fi.partition AS f_partition, fi.inode AS f_inode, fi.path AS f_path
             FROM findings f LEFT JOIN files fi ON fi.id = f.file_id
             WHERE {cond}
             ORDER BY {order}
             LIMIT ?3 OFFSET ?4"
        );
        let mut st = conn.prepare(&sql)?;
        let rows = st.query_map(
            params![arg, arg2, sql_limit(limit), sql_limit(offset)],
            |r| {
                Ok(FindingItem {
                    id: r.get("id")?,
                    file_id: r.get("file_id")?,
                    row: finding_row(r)?,
                })
            },
        )?;
        Ok(rows.collect::<Result<_, _>>()?)
    }
}

impl Browse for SqliteStore {
    fn file_by_id(&self, id: i64) -> Result<Option<FileRow>, StoreError> {
        let conn = self.reader()?;
        Ok(conn
            .query_row("SELECT * FROM files WHERE id = ?1", [id], file_row)
            .optional()?)
    }

    fn messages_page(&self, offset: usize, limit: usize) -> Result<Vec<MessageRow>, StoreError> {
        let conn = self.reader()?;
        // Row id last: the same message found twice at one place (two
        // evidence copies) is listed in one order on both backends.
        let mut st = conn.prepare(
            "SELECT m.evidence, m.sha256, m.location, m.\"offset\", m.size, m.message_id, m.date,
                    m.date_zone, m.sender, m.recipients, m.subject, m.attachments,
                    NULL AS analysis, m.file_id,
                    f.partition AS f_partition, f.inode AS f_inode, f.path AS f_path
             FROM messages m LEFT JOIN files f ON f.id = m.file_id
             ORDER BY m.evidence, m.location, m.\"offset\", m.id LIMIT ?1 OFFSET ?2",
        )?;
        let rows = st.query_map(params![sql_limit(limit), sql_limit(offset)], message_row)?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    fn values_starting(
        &self,
        text: &str,
        kinds: &[String],
        limit: usize,
    ) -> Result<Vec<HistogramRow>, StoreError> {
        let text = text.trim();
        if text.is_empty() {
            return Ok(Vec::new());
        }
        let conn = self.reader()?;
        let mut st = conn.prepare_cached(
            "SELECT normalized, COUNT(*) FROM findings
             WHERE kind = ?1 AND normalized >= ?2 AND normalized < ?3
             GROUP BY normalized ORDER BY normalized LIMIT ?4",
        )?;
        let mut out = std::collections::BTreeMap::new();
        for kind in kinds {
            for p in value_prefixes(text, kind) {
                let end = prefix_end(&p);
                let rows = st.query_map(params![kind, p, end, sql_limit(limit)], |r| {
                    Ok((r.get::<_, String>(0)?, r.get::<_, u64>(1)?))
                })?;
                for row in rows {
                    let (value, count) = row?;
                    out.insert((kind.clone(), value), count);
                }
            }
        }
        Ok(per_kind(histogram_rows(out), limit))
    }

    fn files_containing(&self, text: &str, limit: usize) -> Result<Vec<FileRow>, StoreError> {
        let conn = self.reader()?;
        let mut st = conn.prepare_cached(
            "SELECT * FROM files WHERE path LIKE ?1 ESCAPE '\\'
             ORDER BY evidence, path, partition, inode LIMIT ?2",
        )?;
        let rows = st.query_map(params![contains_pattern(text), sql_limit(limit)], file_row)?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    fn file_ids_at(&self, evidence: &str, path: &str) -> Result<Vec<i64>, StoreError> {
        let conn = self.reader()?;
        let mut st = conn
            .prepare_cached("SELECT id FROM files WHERE evidence = ?1 AND path = ?2 ORDER BY id")?;
        let rows = st.query_map(params![evidence, path], |r| r.get(0))?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    fn files_of(
        &self,
        evidence: &str,
        offset: usize,
        limit: usize,
    ) -> Result<Vec<FileRow>, StoreError> {
        let conn = self.reader()?;
        let mut st = conn.prepare(
            "SELECT * FROM files WHERE evidence = ?1
             ORDER BY partition, path, inode LIMIT ?2 OFFSET ?3",
        )?;
        let rows = st.query_map(
            params![evidence, sql_limit(limit), sql_limit(offset)],
            file_row,
        )?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    fn files_of_type(
        &self,
        mime: &str,
        offset: usize,
        limit: usize,
    ) -> Result<Vec<FileRow>, StoreError> {
        let conn = self.reader()?;
        let mut st = conn.prepare(
            "SELECT * FROM files WHERE substr(mime, 1, length(?1)) = ?1
             ORDER BY evidence, partition, path, inode LIMIT ?2 OFFSET ?3",
        )?;
        let rows = st.query_map(params![mime, sql_limit(limit), sql_limit(offset)], file_row)?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    fn version(&self) -> Result<String, StoreError> {
        let conn = self.reader()?;
        Ok(conn.query_row(
            "SELECT COUNT(*) || '/' || COALESCE(MAX(done_at), '') || '/' ||
                    (SELECT COUNT(*) FROM enrichment) FROM stages",
            [],
            |r| r.get(0),
        )?)
    }

    fn finding_kinds(&self) -> Result<Vec<Facet>, StoreError> {
        // The inherent one (inherent items resolve first).
        SqliteStore::finding_kinds(self)
    }

    fn event_sources(&self) -> Result<Vec<Facet>, StoreError> {
        self.facets("SELECT source, COUNT(*) FROM timeline GROUP BY source ORDER BY source")
    }

    fn findings_page(
        &self,
        kind: Option<&str>,
        offset: usize,
        limit: usize,
    ) -> Result<Vec<FindingItem>, StoreError> {
        // By value (the value index's order: a page costs the same however
        // many findings there are), then where each was found.
        let cond = if kind.is_some() {
            "f.kind = ?1"
        } else {
            "?1 IS NULL"
        };
        self.findings_where(cond, FINDINGS_PAGE_ORDER, kind, None, offset, limit)
    }

    fn findings_of_value(
        &self,
        kind: &str,
        value: &str,
        limit: usize,
    ) -> Result<Vec<FindingItem>, StoreError> {
        self.findings_where(
            "f.kind = ?1 AND f.normalized = ?2",
            FINDINGS_OF_VALUE_ORDER,
            Some(kind),
            Some(value),
            0,
            limit,
        )
    }

    fn events_page(
        &self,
        filter: &EventFilter,
        limit: usize,
    ) -> Result<Vec<EventItem>, StoreError> {
        let conn = self.reader()?;
        let mut st = conn.prepare(
            "SELECT t.*, f.partition AS f_partition, f.inode AS f_inode, f.path AS f_path
             FROM timeline t LEFT JOIN files f ON f.id = t.file_id
             WHERE (?1 IS NULL OR t.time >= ?1) AND (?2 IS NULL OR t.time < ?2)
               AND (?3 IS NULL OR t.source = ?3)
             ORDER BY t.time, t.evidence, t.description, t.macb, t.source, t.id LIMIT ?4",
        )?;
        let rows = st.query_map(
            params![filter.from, filter.to, filter.source, sql_limit(limit)],
            |r| {
                Ok(EventItem {
                    file_id: r.get("file_id")?,
                    row: timeline_row(r)?,
                })
            },
        )?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    fn activity(&self, filter: &EventFilter, prefix: usize) -> Result<Vec<Facet>, StoreError> {
        let conn = self.reader()?;
        let mut st = conn.prepare(
            "SELECT substr(time, 1, ?4) AS bucket, COUNT(*) FROM timeline
             WHERE (?1 IS NULL OR time >= ?1) AND (?2 IS NULL OR time < ?2)
               AND (?3 IS NULL OR source = ?3)
             GROUP BY bucket ORDER BY bucket",
        )?;
        let rows = st.query_map(
            params![filter.from, filter.to, filter.source, sql_limit(prefix)],
            |r| {
                Ok(Facet {
                    name: r.get(0)?,
                    count: r.get(1)?,
                })
            },
        )?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    fn message_by_sha256(
        &self,
        sha256: &str,
    ) -> Result<Option<(MessageRow, Option<i64>)>, StoreError> {
        let conn = self.reader()?;
        Ok(conn
            .query_row(
                "SELECT m.*, f.partition AS f_partition, f.inode AS f_inode, f.path AS f_path
                 FROM messages m LEFT JOIN files f ON f.id = m.file_id
                 WHERE m.sha256 = ?1 ORDER BY m.evidence, m.location, m.\"offset\", m.id LIMIT 1",
                [sha256],
                |r| Ok((message_row(r)?, r.get("file_id")?)),
            )
            .optional()?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::EvidenceRow;

    #[test]
    fn browse_reads_without_writing() {
        let dir = tempfile::tempdir().unwrap();
        let store = SqliteStore::open(&dir.path().join("case.db")).unwrap();
        store
            .put_evidence(&EvidenceRow {
                id: "E1".into(),
                path: "/x".into(),
                container: "raw".into(),
                size: 1,
                md5: None,
                sha1: None,
                sha256: None,
            })
            .unwrap();
        assert!(store.file_by_id(1).unwrap().is_none());
        assert!(store.finding_kinds().unwrap().is_empty());
        assert!(store.files_of("E1", 0, 10).unwrap().is_empty());
        assert!(store.message_by_sha256("00").unwrap().is_none());
        let f = EventFilter::default();
        assert!(store.events_page(&f, 10).unwrap().is_empty());
        assert!(store.activity(&f, 10).unwrap().is_empty());
        let finding = |kind: &str, value: &str, offset: u64| FindingRow {
            evidence: "E1".into(),
            kind: kind.into(),
            value: value.into(),
            normalized: value.to_lowercase(),
            path: offset.to_string(),
            offset,
            encoding: None,
            validated: false,
            context: Some("ctx".into()),
            file: None,
            file_id: None,
        };
        store
            .insert_findings(
                "scan",
                &[
                    finding("email", "A@x.org", 9),
                    finding("url", "http://x.org", 5),
                    finding("email", "b@x.org", 7),
                ],
            )
            .unwrap();
        let kinds: Vec<(String, u64)> = store
            .finding_kinds()
            .unwrap()
            .into_iter()
            .map(|f| (f.name, f.count))
            .collect();
        assert_eq!(kinds, vec![("email".into(), 2), ("url".into(), 1)]);
        let all = store.findings_page(None, 0, 10).unwrap();
        let offsets: Vec<u64> = all.iter().map(|f| f.row.offset).collect();
        // By kind and value: a@x.org, b@x.org, then the URL.
        assert_eq!(offsets, vec![9, 7, 5]);
        assert_eq!(store.findings_page(Some("email"), 1, 10).unwrap().len(), 1);
        let one = store.findings_of_value("email", "a@x.org", 10).unwrap();
        assert_eq!(one.len(), 1);
        assert_eq!(one[0].row.value, "A@x.org");
        assert!(store
            .findings_of_value("url", "a@x.org", 10)
            .unwrap()
            .is_empty());
        assert!(store
            .reader()
            .unwrap()
            .execute("DELETE FROM evidence", [])
            .is_err());
    }
}
