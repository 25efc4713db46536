//! [`Browse`] for [`PgStore`]: the workbench's page queries, statement for
//! statement those of SQLite (`browse.rs`), so a case shows the same
//! pages wherever its rows are. Text columns are `COLLATE "C"`, so the
//! orders and the value-index ranges compare bytewise, as SQLite does,
//! and `ILIKE` folds ASCII letters only, as SQLite's `LIKE`.
//!
//! Each query runs in a read-only transaction: a page view cannot modify
//! the store even by mistake.

use postgres::{Row, Transaction};

use crate::browse::{
    contains_pattern, histogram_rows, per_kind, prefix_end, value_prefixes, Browse, EventFilter,
    EventItem, Facet, FindingItem, FINDINGS_OF_VALUE_ORDER, FINDINGS_PAGE_ORDER,
};
use crate::postgres::{file_row, finding_row, get_u64, message_row, timeline_row};
use crate::{FileRow, HistogramRow, MessageRow, PgStore, StoreError};

/// `LIMIT`/`OFFSET` argument.
fn sql_limit(n: usize) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

/// Rows of `(name, n)` as facets.
fn facets(rows: &[Row]) -> Result<Vec<Facet>, StoreError> {
    rows.iter()
        .map(|r| {
            Ok(Facet {
                name: r.try_get(0)?,
                count: get_u64(r, "n")?,
            })
        })
        .collect()
}

/// A finding joined with its file's key, with its row ids.
fn finding_item(r: &Row) -> Result<FindingItem, StoreError> {
    Ok(FindingItem {
        id: r.try_get("id")?,
        file_id: r.try_get("file_id")?,
        row: finding_row(r)?,
    })
}

/// `SELECT` of findings joined with the key of their file.
const FINDINGS_JOINED: &str =
    "SELECT f.*, fi.partition AS f_partition, fi.inode AS f_inode, fi.path AS f_path
     FROM findings f LEFT JOIN files fi ON fi.id = f.file_id";

/// The [`Browse::version`] token: cheap index lookups and counts, no
/// scan of values. Inserts always raise a table's `max(id)` (identity
/// values are never reused), deletes lower its count, stage marks are
/// hashed whole (a small table), and `replace_enrichment` rewrites every
/// enrichment row in one transaction, so any row's `xmin` changes with it.
/// Tags are left out: they are not what the cached aggregates count.
const VERSION: &str = "SELECT format('%s/%s/%s/%s/%s/%s/%s/%s/%s/%s/%s/%s',
    (SELECT md5(string_agg(evidence || chr(31) || stage || chr(31) || done_at, chr(30)
            ORDER BY evidence, stage)) FROM stages),
    (SELECT COUNT(*) FROM evidence),
    (SELECT COUNT(*) FROM enrichment),
    (SELECT xmin::text FROM enrichment LIMIT 1),
    (SELECT MAX(id) FROM files), (SELECT COUNT(*) FROM files),
    (SELECT MAX(id) FROM findings), (SELECT COUNT(*) FROM findings),
    (SELECT MAX(id) FROM timeline), (SELECT COUNT(*) FROM timeline),
    (SELECT MAX(id) FROM messages), (SELECT COUNT(*) FROM messages))";

impl PgStore {
    /// Runs `f` in a read-only transaction of a pooled connection.
    fn read<T>(
        &self,
        f: impl FnOnce(&mut Transaction<'_>) -> Result<T, StoreError>,
    ) -> Result<T, StoreError> {
        self.with(|c| {
            let mut tx = c.build_transaction().read_only(true).start()?;
            let out = f(&mut tx)?;
            tx.commit()?;
            Ok(out)
        })
    }
}

impl Browse for PgStore {
    fn file_by_id(&self, id: i64) -> Result<Option<FileRow>, StoreError> {
        self.read(|tx| {
            tx.query_opt("SELECT * FROM files WHERE id = $1", &[&id])?
                .as_ref()
                .map(file_row)
                .transpose()
        })
    }

    fn messages_page(&self, offset: usize, limit: usize) -> Result<Vec<MessageRow>, StoreError> {
        self.read(|tx| {
            tx.query(
                "SELECT m.evidence, m.sha256, m.location, m.\"offset\", m.size, m.message_id,
                        m.date, m.date_zone, m.sender, m.recipients, m.subject, m.attachments,
                        NULL::text AS analysis, m.file_id,
                        f.partition AS f_partition, f.inode AS f_inode, f.path AS f_path
                 FROM messages m LEFT JOIN files f ON f.id = m.file_id
                 ORDER BY m.evidence, m.location, m.\"offset\", m.id LIMIT $1 OFFSET $2",
                &[&sql_limit(limit), &sql_limit(offset)],
            )?
            .iter()
            .map(message_row)
            .collect()
        })
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
        self.read(|tx| {
            // A range of the (kind, normalized) index, as on SQLite.
            let st = tx.prepare(
                "SELECT normalized, COUNT(*) AS n FROM findings
                 WHERE kind = $1 AND normalized >= $2 AND normalized < $3
                 GROUP BY normalized ORDER BY normalized LIMIT $4",
            )?;
            let mut out = std::collections::BTreeMap::new();
            for kind in kinds {
                for p in value_prefixes(text, kind) {
                    let end = prefix_end(&p);
                    for r in tx.query(&st, &[kind, &p, &end, &sql_limit(limit)])? {
                        out.insert((kind.clone(), r.try_get(0)?), get_u64(&r, "n")?);
                    }
                }
            }
            Ok(per_kind(histogram_rows(out), limit))
        })
    }

    fn files_containing(&self, text: &str, limit: usize) -> Result<Vec<FileRow>, StoreError> {
        self.read(|tx| {
            tx.query(
                "SELECT * FROM files WHERE path ILIKE $1 ESCAPE '\\'
                 ORDER BY evidence, path, partition, inode LIMIT $2",
                &[&contains_pattern(text), &sql_limit(limit)],
            )?
            .iter()
            .map(file_row)
            .collect()
        })
    }

    fn file_ids_at(&self, evidence: &str, path: &str) -> Result<Vec<i64>, StoreError> {
        self.read(|tx| {
            tx.query(
                "SELECT id FROM files WHERE evidence = $1 AND path = $2 ORDER BY id",
                &[&evidence, &path],
            )?
            .iter()
            .map(|r| Ok(r.try_get(0)?))
            .collect()
        })
    }

    fn files_of(
        &self,
        evidence: &str,
        offset: usize,
        limit: usize,
    ) -> Result<Vec<FileRow>, StoreError> {
        self.read(|tx| {
            tx.query(
                "SELECT * FROM files WHERE evidence = $1
                 ORDER BY partition, path, inode LIMIT $2 OFFSET $3",
                &[&evidence, &sql_limit(limit), &sql_limit(offset)],
            )?
            .iter()
            .map(file_row)
            .collect()
        })
    }

    fn files_of_type(
        &self,
        mime: &str,
        offset: usize,
        limit: usize,
    ) -> Result<Vec<FileRow>, StoreError> {
        self.read(|tx| {
            tx.query(
                "SELECT * FROM files WHERE starts_with(mime, $1)
                 ORDER BY evidence, partition, path, inode LIMIT $2 OFFSET $3",
                &[&mime, &sql_limit(limit), &sql_limit(offset)],
            )?
            .iter()
            .map(file_row)
            .collect()
        })
    }

    fn version(&self) -> Result<String, StoreError> {
        self.read(|tx| Ok(tx.query_one(VERSION, &[])?.try_get(0)?))
    }

    fn finding_kinds(&self) -> Result<Vec<Facet>, StoreError> {
        self.read(|tx| {
            facets(&tx.query(
                "SELECT kind, COUNT(*) AS n FROM findings GROUP BY kind ORDER BY kind",
                &[],
            )?)
        })
    }

    fn event_sources(&self) -> Result<Vec<Facet>, StoreError> {
        self.read(|tx| {
            facets(&tx.query(
                "SELECT source, COUNT(*) AS n FROM timeline GROUP BY source ORDER BY source",
                &[],
            )?)
        })
    }

    fn findings_page(
        &self,
        kind: Option<&str>,
        offset: usize,
        limit: usize,
    ) -> Result<Vec<FindingItem>, StoreError> {
        // Two statements, as on SQLite: a kind is a range of the value index.
        let cond = if kind.is_some() {
            "f.kind = $1"
        } else {
            "$1::text IS NULL"
        };
        let sql = format!(
            "{FINDINGS_JOINED} WHERE {cond} ORDER BY {FINDINGS_PAGE_ORDER} LIMIT $2 OFFSET $3"
        );
        self.read(|tx| {
            tx.query(&sql, &[&kind, &sql_limit(limit), &sql_limit(offset)])?
                .iter()
                .map(finding_item)
                .collect()
        })
    }

    fn findings_of_value(
        &self,
        kind: &str,
        value: &str,
        limit: usize,
    ) -> Result<Vec<FindingItem>, StoreError> {
        let sql = format!(
            "{FINDINGS_JOINED} WHERE f.kind = $1 AND f.normalized = $2
             ORDER BY {FINDINGS_OF_VALUE_ORDER} LIMIT $3"
        );
        self.read(|tx| {
            tx.query(&sql, &[&kind, &value, &sql_limit(limit)])?
                .iter()
                .map(finding_item)
                .collect()
        })
    }

    fn events_page(
        &self,
        filter: &EventFilter,
        limit: usize,
    ) -> Result<Vec<EventItem>, StoreError> {
        self.read(|tx| {
            tx.query(
                "SELECT t.*, f.partition AS f_partition, f.inode AS f_inode, f.path AS f_path
                 FROM timeline t LEFT JOIN files f ON f.id = t.file_id
                 WHERE ($1::text IS NULL OR t.time >= $1) AND ($2::text IS NULL OR t.time < $2)
                   AND ($3::text IS NULL OR t.source = $3)
                 ORDER BY t.time, t.evidence, t.description, t.macb, t.source, t.id LIMIT $4",
                &[&filter.from, &filter.to, &filter.source, &sql_limit(limit)],
            )?
            .iter()
            .map(|r| {
                Ok(EventItem {
                    file_id: r.try_get("file_id")?,
                    row: timeline_row(r)?,
                })
            })
            .collect()
        })
    }

    fn activity(&self, filter: &EventFilter, prefix: usize) -> Result<Vec<Facet>, StoreError> {
        // `substr` takes a 32-bit length; no time is longer.
        let prefix = i32::try_from(prefix).unwrap_or(i32::MAX);
        self.read(|tx| {
            facets(&tx.query(
                "SELECT substr(time, 1, $4::int) AS bucket, COUNT(*) AS n FROM timeline
                 WHERE ($1::text IS NULL OR time >= $1) AND ($2::text IS NULL OR time < $2)
                   AND ($3::text IS NULL OR source = $3)
                 GROUP BY bucket ORDER BY bucket",
                &[&filter.from, &filter.to, &filter.source, &prefix],
            )?)
        })
    }

    fn message_by_sha256(
        &self,
        sha256: &str,
    ) -> Result<Option<(MessageRow, Option<i64>)>, StoreError> {
        self.read(|tx| {
            match tx.query_opt(
                "SELECT m.*, f.partition AS f_partition, f.inode AS f_inode, f.path AS f_path
                 FROM messages m LEFT JOIN files f ON f.id = m.file_id
                 WHERE m.sha256 = $1 ORDER BY m.evidence, m.location, m.\"offset\", m.id LIMIT 1",
                &[&sha256],
            )? {
                Some(r) => Ok(Some((message_row(&r)?, r.try_get("file_id")?))),
                None => Ok(None),
            }
        })
    }
}
