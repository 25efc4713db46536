//! [`SqliteStore`]: the case store in one SQLite file.

use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard};

use rusqlite::{params, Connection, OptionalExtension, Row};

use crate::dump::{runs, Run};
use crate::{
    schema, CaseStore, Counts, EnrichmentRow, EvidenceRow, FileFilter, FileKey, FileRow,
    FindingRow, HistogramRow, MessageRow, Record, SearchHit, SearchQuery, StoreError, TagRow,
    TimelineRow,
};

/// The case store in `CASE/case.db` (WAL mode, foreign keys on).
pub struct SqliteStore {
    conn: Mutex<Connection>,
    path: PathBuf,
}

impl std::fmt::Debug for SqliteStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SqliteStore")
            .field("path", &self.path)
            .finish()
    }
}

/// The findings indexes, made again at open if a killed bulk load left
/// one dropped. Only the value index (histograms and lookups) is dropped
/// for a bulk load; the stage index's rows are appended in order, cheaper
/// to keep than to rebuild.
const FINDINGS_INDEXES: &str =
    "CREATE INDEX IF NOT EXISTS findings_value ON findings(kind, normalized);
     CREATE INDEX IF NOT EXISTS findings_stage ON findings(evidence, stage);";

/// Resolves a file key to a row id inside an insert.
const FILE_ID: &str =
    "(SELECT id FROM files WHERE evidence = ?1 AND partition = ?2 AND inode = ?3 AND path = ?4)";

impl SqliteStore {
    /// Opens (creating if needed) the store of the case in `case_dir`.
    pub fn open_case(case_dir: &Path) -> Result<Self, StoreError> {
        Self::open(&case_dir.join(crate::DB_FILE))
    }

    /// Opens (creating if needed) a store file and migrates it.
    pub fn open(path: &Path) -> Result<Self, StoreError> {
        let open_err = |source| StoreError::Open {
            path: path.to_path_buf(),
            source,
        };
        let mut conn = Connection::open(path).map_err(open_err)?;
        conn.busy_timeout(std::time::Duration::from_secs(30))
            .map_err(open_err)?;
        conn.pragma_update(None, "journal_mode", "WAL")
            .map_err(open_err)?;
        conn.pragma_update(None, "foreign_keys", "ON")
            .map_err(open_err)?;
        conn.pragma_update(None, "synchronous", "NORMAL")
            .map_err(open_err)?;
        // Bulk inserts of findings touch index pages all over the file:
        // a 64 MiB page cache keeps them in memory.
        conn.pragma_update(None, "cache_size", -65536)
            .map_err(open_err)?;
        // Sorts that outgrow the page cache (an index built over tens of
        // millions of findings) spill to temporary files, not to memory:
        // memory stays bounded whatever the evidence holds.
        conn.pragma_update(None, "temp_store", "FILE")
            .map_err(open_err)?;
        // Index builds (the findings' value index after a bulk load) sort
        // on every core rather than one.
        let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
        conn.pragma_update(None, "threads", cores.min(8))
            .map_err(open_err)?;
        // Checkpoint every 40 MiB of WAL rather than 4 MiB: fewer, larger
        // copies into the database during a bulk load.
        conn.pragma_update(None, "wal_autocheckpoint", 10_000)
            .map_err(open_err)?;
        schema::migrate(&mut conn)?;
        // A bulk load killed before its end left the index dropped.
        conn.execute_batch(FINDINGS_INDEXES)?;
        Ok(SqliteStore {
            conn: Mutex::new(conn),
            path: path.to_path_buf(),
        })
    }

    /// The database file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The schema version recorded in the database.
    pub fn schema_version(&self) -> Result<i64, StoreError> {
        Ok(self
            .conn()?
            .query_row("SELECT MAX(version) FROM schema_version", [], |r| r.get(0))?)
    }

    fn conn(&self) -> Result<MutexGuard<'_, Connection>, StoreError> {
        self.conn
            .lock()
            .map_err(|_| StoreError::Poisoned("a writer panicked".into()))
    }
}

/// A `files` row (selected with `*`) as a [`FileRow`].
pub(crate) fn file_row(r: &Row<'_>) -> rusqlite::Result<FileRow> {
    Ok(FileRow {
        id: r.get("id")?,
        evidence: r.get("evidence")?,
        key: FileKey {
            partition: r.get("partition")?,
            inode: r.get("inode")?,
            path: r.get("path")?,
        },
        fs: r.get("fs")?,
        name_kind: r.get("name_kind")?,
        deleted: r.get("deleted")?,
        size: r.get("size")?,
        mode: r.get("mode")?,
        uid: r.get("uid")?,
        gid: r.get("gid")?,
        atime: r.get("atime")?,
        mtime: r.get("mtime")?,
        ctime: r.get("ctime")?,
        crtime: r.get("crtime")?,
        md5: r.get("md5")?,
        sha1: r.get("sha1")?,
        sha256: r.get("sha256")?,
        mime: r.get("mime")?,
        recovery: r.get("recovery")?,
    })
}

/// The file key of a joined `files` row, if the join found one.
pub(crate) fn joined_key(
    r: &Row<'_>,
    p: &str,
    i: &str,
    path: &str,
) -> rusqlite::Result<Option<FileKey>> {
    let partition: Option<i64> = r.get(p)?;
    Ok(match partition {
        Some(partition) => Some(FileKey {
            partition,
            inode: r.get(i)?,
            path: r.get(path)?,
        }),
        None => None,
    })
}

/// A `messages` row joined with its file (`f_partition`, `f_inode`,
/// `f_path`) as a [`MessageRow`].
pub(crate) fn message_row(r: &Row<'_>) -> rusqlite::Result<MessageRow> {
    Ok(MessageRow {
        evidence: r.get("evidence")?,
        sha256: r.get("sha256")?,
        location: r.get("location")?,
        offset: r.get("offset")?,
        size: r.get("size")?,
        message_id: r.get("message_id")?,
        date: r.get("date")?,
        date_zone: r.get("date_zone")?,
        sender: r.get("sender")?,
        recipients: r.get("recipients")?,
        subject: r.get("subject")?,
        attachments: r.get("attachments")?,
        analysis: r.get("analysis")?,
        file: joined_key(r, "f_partition", "f_inode", "f_path")?,
        file_id: r.get("file_id")?,
    })
}

/// A `findings` row joined with its file as a [`FindingRow`].
pub(crate) fn finding_row(r: &Row<'_>) -> rusqlite::Result<FindingRow> {
    Ok(FindingRow {
        evidence: r.get("evidence")?,
        kind: r.get("kind")?,
        value: r.get("value")?,
        normalized: r.get("normalized")?,
        path: r.get("path")?,
        offset: r.get("offset")?,
        encoding: r.get("encoding")?,
        validated: r.get("validated")?,
        context: r.get("context")?,
        file: joined_key(r, "f_partition", "f_inode", "f_path")?,
        file_id: r.get("file_id")?,
    })
}

/// A `timeline` row joined with its file as a [`TimelineRow`].
pub(crate) fn timeline_row(r: &Row<'_>) -> rusqlite::Result<TimelineRow> {
    Ok(TimelineRow {
        time: r.get("time")?,
        macb: r.get("macb")?,
        evidence: r.get("evidence")?,
        source: r.get("source")?,
        description: r.get("description")?,
        zone: r.get("zone")?,
        file: joined_key(r, "f_partition", "f_inode", "f_path")?,
        file_id: r.get("file_id")?,
    })
}

fn insert_timeline(tx: &Connection, stage: &str, rows: &[&TimelineRow]) -> Result<(), StoreError> {
    let mut ev = tx.prepare_cached(&format!(
        "INSERT INTO timeline (evidence, time, macb, stage, source, description, zone, file_id)
         VALUES (?1, ?5, ?6, ?7, ?8, ?9, ?10, COALESCE(?11, {FILE_ID}))"
    ))?;
    for e in rows {
        let (p, i, path) = key_params(&e.file, e.file_id);
        ev.execute(params![
            e.evidence,
            p,
            i,
            path,
            e.time,
            e.macb,
            stage,
            e.source,
            e.description,
            e.zone,
            e.file_id
        ])?;
    }
    Ok(())
}

/// `(partition, inode, path)` of an optional key, as SQL parameters.
/// The key's parts to look the file's id up by, only when the id is not
/// known already (binding a path copies it: a cost on every finding).
fn key_params(k: &Option<FileKey>, id: Option<i64>) -> (Option<i64>, Option<&str>, Option<&str>) {
    match k {
        Some(k) if id.is_none() => (Some(k.partition), Some(&k.inode), Some(&k.path)),
        _ => (None, None, None),
    }
}

/// `LIKE` pattern for "contains `text`" (escape character `\\`).
fn like_pattern(text: &str) -> String {
    let mut p = String::from("%");
    for c in text.chars() {
        if matches!(c, '%' | '_' | '\\') {
            p.push('\\');
        }
        p.push(c);
    }
    p.push('%');
    p
}

fn limit(n: Option<usize>) -> i64 {
    n.map_or(-1, |n| i64::try_from(n).unwrap_or(i64::MAX))
}

/// Inserts file rows, ignoring those already present; returns how many
/// were new.
fn insert_file_rows(tx: &Connection, files: &[&FileRow]) -> Result<usize, StoreError> {
    let mut ins = tx.prepare_cached(
        "INSERT OR IGNORE INTO files (evidence, partition, inode, path, fs, name_kind,
         deleted, size, mode, uid, gid, atime, mtime, ctime, crtime, md5, sha1, sha256,
         mime, recovery)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15,
         ?16, ?17, ?18, ?19, ?20)",
    )?;
    let mut added = 0;
    for f in files {
        added += ins.execute(params![
            f.evidence,
            f.key.partition,
            f.key.inode,
            f.key.path,
            f.fs,
            f.name_kind,
            f.deleted,
            f.size,
            f.mode,
            f.uid,
            f.gid,
            f.atime,
            f.mtime,
            f.ctime,
            f.crtime,
            f.md5,
            f.sha1,
            f.sha256,
            f.mime,
            f.recovery
        ])?;
    }
    Ok(added)
}

fn insert_finding_rows(
    tx: &Connection,
    stage: &str,
    rows: &[&FindingRow],
) -> Result<(), StoreError> {
    let mut ins = tx.prepare_cached(&format!(
        "INSERT INTO findings (evidence, stage, kind, value, normalized, path,
         \"offset\", encoding, validated, context, file_id)
         VALUES (?1, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13,
         COALESCE(?14, {FILE_ID}))"
    ))?;
    for f in rows {
        let (p, i, path) = key_params(&f.file, f.file_id);
        ins.execute(params![
            f.evidence,
            p,
            i,
            path,
            stage,
            f.kind,
            f.value,
            f.normalized,
            f.path,
            f.offset,
            f.encoding,
            f.validated,
            f.context,
            f.file_id
        ])?;
    }
    Ok(())
}

fn insert_message_rows(
    tx: &Connection,
    stage: &str,
    rows: &[&MessageRow],
) -> Result<(), StoreError> {
    let mut ins = tx.prepare_cached(&format!(
        "INSERT INTO messages (evidence, stage, sha256, location, \"offset\", size,
         message_id, date, date_zone, sender, recipients, subject, attachments,
         analysis, file_id)
         VALUES (?1, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17,
         COALESCE(?18, {FILE_ID}))"
    ))?;
    for m in rows {
        let (p, i, path) = key_params(&m.file, m.file_id);
        ins.execute(params![
            m.evidence,
            p,
            i,
            path,
            stage,
            m.sha256,
            m.location,
            m.offset,
            m.size,
            m.message_id,
            m.date,
            m.date_zone,
            m.sender,
            m.recipients,
            m.subject,
            m.attachments,
            m.analysis,
            m.file_id
        ])?;
    }
    Ok(())
}

fn upsert_evidence(conn: &Connection, e: &EvidenceRow) -> Result<(), StoreError> {
    conn.prepare_cached(
        "INSERT INTO evidence (id, path, container, size, md5, sha1, sha256)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
         ON CONFLICT (id) DO UPDATE SET path = ?2, container = ?3, size = ?4,
           md5 = COALESCE(?5, md5), sha1 = COALESCE(?6, sha1),
           sha256 = COALESCE(?7, sha256)",
    )?
    .execute(params![
        e.id,
        e.path,
        e.container,
        e.size,
        e.md5,
        e.sha1,
        e.sha256
    ])?;
    Ok(())
}

fn upsert_enrichment(conn: &Connection, r: &EnrichmentRow) -> Result<(), StoreError> {
    conn.prepare_cached(
        "INSERT OR REPLACE INTO enrichment (kind, value, flagged, summary, json)
         VALUES (?1, ?2, ?3, ?4, ?5)",
    )?
    .execute(params![r.kind, r.value, r.flagged, r.summary, r.json])?;
    Ok(())
}

fn upsert_tag(conn: &Connection, tag: &TagRow) -> Result<(), StoreError> {
    conn.prepare_cached(
        "INSERT OR REPLACE INTO tags (target, key, detail, note, examiner, tagged_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
    )?
    .execute(params![
        tag.target,
        tag.key,
        tag.detail,
        tag.note,
        tag.examiner,
        tag.tagged_at
    ])?;
    Ok(())
}

fn insert_stage(
    conn: &Connection,
    evidence: &str,
    stage: &str,
    done_at: &str,
) -> Result<(), StoreError> {
    conn.prepare_cached(
        "INSERT OR IGNORE INTO stages (evidence, stage, done_at) VALUES (?1, ?2, ?3)",
    )?
    .execute(params![evidence, stage, done_at])?;
    Ok(())
}

/// Calls `each` with every row `sql` selects, as `f` makes it.
fn each_row<T>(
    conn: &Connection,
    sql: &str,
    f: impl Fn(&Row<'_>) -> rusqlite::Result<T>,
    each: &mut dyn FnMut(T) -> Result<(), StoreError>,
) -> Result<(), StoreError> {
    let mut st = conn.prepare(sql)?;
    let mut rows = st.query([])?;
    while let Some(r) = rows.next()? {
        each(f(r)?)?;
    }
    Ok(())
}

impl CaseStore for SqliteStore {
    fn put_evidence(&self, e: &EvidenceRow) -> Result<(), StoreError> {
        upsert_evidence(&*self.conn()?, e)
    }

    fn insert_files(&self, files: &[FileRow], events: &[TimelineRow]) -> Result<usize, StoreError> {
        let mut conn = self.conn()?;
        let tx = conn.transaction()?;
        let added = insert_file_rows(&tx, &files.iter().collect::<Vec<_>>())?;
        insert_timeline(&tx, "files", &events.iter().collect::<Vec<_>>())?;
        tx.commit()?;
        Ok(added)
    }

    fn insert_findings(&self, stage: &str, rows: &[FindingRow]) -> Result<usize, StoreError> {
        let mut conn = self.conn()?;
        let tx = conn.transaction()?;
        insert_finding_rows(&tx, stage, &rows.iter().collect::<Vec<_>>())?;
        tx.commit()?;
        Ok(rows.len())
    }

    fn bulk_findings(&self, begin: bool) -> Result<(), StoreError> {
        let conn = self.conn()?;
        if begin {
            conn.execute_batch("DROP INDEX IF EXISTS findings_value;")?;
        } else {
            conn.execute_batch(FINDINGS_INDEXES)?;
        }
        Ok(())
    }

    fn insert_events(&self, stage: &str, rows: &[TimelineRow]) -> Result<usize, StoreError> {
        let mut conn = self.conn()?;
        let tx = conn.transaction()?;
        insert_timeline(&tx, stage, &rows.iter().collect::<Vec<_>>())?;
        tx.commit()?;
        Ok(rows.len())
    }

    fn insert_messages(&self, stage: &str, rows: &[MessageRow]) -> Result<usize, StoreError> {
        let mut conn = self.conn()?;
        let tx = conn.transaction()?;
        insert_message_rows(&tx, stage, &rows.iter().collect::<Vec<_>>())?;
        tx.commit()?;
        Ok(rows.len())
    }

    fn clear_findings_in(
        &self,
        evidence: &str,
        stage: &str,
        (from, to): (u64, u64),
        mark: &str,
    ) -> Result<usize, StoreError> {
        let (from, to) = (range_i64(from)?, range_i64(to)?);
        let mut conn = self.conn()?;
        let tx = conn.transaction()?;
        let n = tx.execute(
            "DELETE FROM findings WHERE evidence = ?1 AND stage = ?2
             AND \"offset\" >= ?3 AND \"offset\" < ?4",
            params![evidence, stage, from, to],
        )?;
        tx.execute(
            "DELETE FROM stages WHERE evidence = ?1 AND stage = ?2",
            params![evidence, mark],
        )?;
        tx.commit()?;
        Ok(n)
    }

    fn clear_stage(&self, evidence: &str, stage: &str) -> Result<(), StoreError> {
        let mut conn = self.conn()?;
        let tx = conn.transaction()?;
        // Every later stage hangs off the files: clearing them clears the
        // evidence item's rows of all stages (the pipeline only ever
        // clears `files` when no later stage has run).
        let all = stage == "files";
        for table in ["findings", "timeline", "messages"] {
            tx.execute(
                &format!("DELETE FROM {table} WHERE evidence = ?1 AND (?3 OR stage = ?2)"),
                params![evidence, stage, all],
            )?;
        }
        if all {
            tx.execute("DELETE FROM files WHERE evidence = ?1", params![evidence])?;
        }
        tx.execute(
            "DELETE FROM stages WHERE evidence = ?1 AND (?3 OR stage = ?2)",
            params![evidence, stage, all],
        )?;
        tx.commit()?;
        Ok(())
    }

    fn file_ids(&self, evidence: &str) -> Result<Vec<(FileKey, i64)>, StoreError> {
        let conn = self.conn()?;
        let mut st = conn.prepare(
            "SELECT partition, inode, path, id FROM files WHERE evidence = ?1 ORDER BY id",
        )?;
        let rows = st.query_map([evidence], |r| {
            Ok((
                FileKey {
                    partition: r.get(0)?,
                    inode: r.get(1)?,
                    path: r.get(2)?,
                },
                r.get(3)?,
            ))
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    fn messages(&self, evidence: Option<&str>) -> Result<Vec<MessageRow>, StoreError> {
        let conn = self.conn()?;
        let mut st = conn.prepare(
            "SELECT m.*, f.partition AS f_partition, f.inode AS f_inode, f.path AS f_path
             FROM messages m LEFT JOIN files f ON f.id = m.file_id
             WHERE ?1 IS NULL OR m.evidence = ?1
             ORDER BY m.evidence, COALESCE(f.path, m.location), m.\"offset\", m.sha256, m.id",
        )?;
        let rows = st.query_map([evidence], message_row)?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    fn findings_matching(&self, values: &[String]) -> Result<Vec<HistogramRow>, StoreError> {
        let mut conn = self.conn()?;
        let tx = conn.transaction()?;
        tx.execute_batch(
            "CREATE TEMP TABLE IF NOT EXISTS watch (v TEXT PRIMARY KEY); DELETE FROM watch;",
        )?;
        {
            let mut ins = tx.prepare("INSERT OR IGNORE INTO watch (v) VALUES (?1)")?;
            for v in values {
                ins.execute([v.trim().to_lowercase()])?;
            }
        }
        let rows = {
            let mut st = tx.prepare(
                "SELECT f.kind, f.normalized, COUNT(*) FROM findings f
                 JOIN watch w ON w.v = lower(f.normalized)
                 GROUP BY f.kind, f.normalized ORDER BY f.kind, f.normalized",
            )?;
            let rows = st.query_map([], |r| {
                Ok(HistogramRow {
                    kind: r.get(0)?,
                    value: r.get(1)?,
                    count: r.get(2)?,
                })
            })?;
            rows.collect::<Result<Vec<_>, _>>()?
        };
        tx.execute("DELETE FROM watch", [])?;
        tx.commit()?;
        Ok(rows)
    }

    fn each_finding(
        &self,
        evidence: &str,
        each: &mut dyn FnMut(i64, FindingRow),
    ) -> Result<(), StoreError> {
        let conn = self.conn()?;
        let mut st = conn.prepare(
            "SELECT x.*, f.partition AS f_partition, f.inode AS f_inode, f.path AS f_path
             FROM findings x LEFT JOIN files f ON f.id = x.file_id
             WHERE x.evidence = ?1 ORDER BY x.id",
        )?;
        let mut rows = st.query([evidence])?;
        while let Some(r) = rows.next()? {
            let id: i64 = r.get("id")?;
            each(id, finding_row(r)?);
        }
        Ok(())
    }

    fn each_event(
        &self,
        evidence: &str,
        each: &mut dyn FnMut(i64, TimelineRow),
    ) -> Result<(), StoreError> {
        let conn = self.conn()?;
        let mut st = conn.prepare(
            "SELECT t.*, f.partition AS f_partition, f.inode AS f_inode, f.path AS f_path
             FROM timeline t LEFT JOIN files f ON f.id = t.file_id
             WHERE t.evidence = ?1 ORDER BY t.id",
        )?;
        let mut rows = st.query([evidence])?;
        while let Some(r) = rows.next()? {
            let id: i64 = r.get("id")?;
            each(id, timeline_row(r)?);
        }
        Ok(())
    }

    fn evidence_path(&self, evidence: &str) -> Result<Option<String>, StoreError> {
        Ok(self
            .conn()?
            .query_row(
                "SELECT path FROM evidence WHERE id = ?1",
                params![evidence],
                |r| r.get(0),
            )
            .optional()?)
    }

    fn stage_done(&self, evidence: &str, stage: &str) -> Result<bool, StoreError> {
        Ok(self
            .conn()?
            .query_row(
                "SELECT 1 FROM stages WHERE evidence = ?1 AND stage = ?2",
                params![evidence, stage],
                |_| Ok(()),
            )
            .optional()?
            .is_some())
    }

    fn mark_stage(&self, evidence: &str, stage: &str, done_at: &str) -> Result<(), StoreError> {
        insert_stage(&*self.conn()?, evidence, stage, done_at)
    }

    fn counts(&self) -> Result<Counts, StoreError> {
        let conn = self.conn()?;
        let n = |sql: &str| conn.query_row(sql, [], |r| r.get::<_, u64>(0));
        Ok(Counts {
            evidence: n("SELECT COUNT(*) FROM evidence")?,
            files: n("SELECT COUNT(*) FROM files")?,
            deleted: n("SELECT COUNT(*) FROM files WHERE deleted")?,
            findings: n("SELECT COUNT(*) FROM findings")?,
            timeline: n("SELECT COUNT(*) FROM timeline")?,
            messages: n("SELECT COUNT(*) FROM messages")?,
        })
    }

    fn kind_totals(&self) -> Result<Vec<crate::browse::Facet>, StoreError> {
        // The workbench's query (on a read-only connection of its own).
        SqliteStore::finding_kinds(self)
    }

    fn finding_values(&self) -> Result<Vec<(String, String)>, StoreError> {
        let conn = self.conn()?;
        // In the value index's order: no sort.
        let mut st = conn
            .prepare("SELECT DISTINCT kind, normalized FROM findings ORDER BY kind, normalized")?;
        let rows = st.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    fn histogram(
        &self,
        kind: Option<&str>,
        max: Option<usize>,
    ) -> Result<Vec<HistogramRow>, StoreError> {
        let conn = self.conn()?;
        // Two statements, so that a kind uses the value index's prefix
        // (`?1 IS NULL OR kind = ?1` would scan every finding).
        let mut st = conn.prepare(if kind.is_some() {
            "SELECT kind, normalized, COUNT(*) AS n FROM findings WHERE kind = ?1
             GROUP BY kind, normalized ORDER BY n DESC, kind, normalized LIMIT ?2"
        } else {
            "SELECT kind, normalized, COUNT(*) AS n FROM findings WHERE ?1 IS NULL
             GROUP BY kind, normalized ORDER BY n DESC, kind, normalized LIMIT ?2"
        })?;
        let rows = st.query_map(params![kind, limit(max)], |r| {
            Ok(HistogramRow {
                kind: r.get(0)?,
                value: r.get(1)?,
                count: r.get(2)?,
            })
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    fn files(&self, filter: &FileFilter) -> Result<Vec<FileRow>, StoreError> {
        let conn = self.conn()?;
        let mut st = conn.prepare(
            "SELECT * FROM files
             WHERE (NOT ?1 OR deleted) AND (?2 IS NULL OR substr(mime, 1, length(?2)) = ?2)
               AND (?4 IS NULL OR evidence = ?4)
             ORDER BY evidence, partition, path, inode LIMIT ?3",
        )?;
        let rows = st.query_map(
            params![
                filter.deleted_only,
                filter.mime_prefix,
                limit(filter.limit),
                filter.evidence
            ],
            file_row,
        )?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    fn timeline(
        &self,
        from: Option<&str>,
        to: Option<&str>,
    ) -> Result<Vec<TimelineRow>, StoreError> {
        let conn = self.conn()?;
        let mut st = conn.prepare(
            "SELECT t.*, f.partition AS f_partition, f.inode AS f_inode, f.path AS f_path
             FROM timeline t LEFT JOIN files f ON f.id = t.file_id
             WHERE (?1 IS NULL OR t.time >= ?1) AND (?2 IS NULL OR t.time < ?2)
             ORDER BY t.time, t.evidence, t.description, t.macb, t.source, t.id",
        )?;
        let rows = st.query_map(params![from, to], timeline_row)?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    fn evidence_counts(&self, evidence: &str) -> Result<Counts, StoreError> {
        let conn = self.conn()?;
        let n = |sql: &str| conn.query_row(sql, [evidence], |r| r.get::<_, u64>(0));
        Ok(Counts {
            evidence: n("SELECT COUNT(*) FROM evidence WHERE id = ?1")?,
            files: n("SELECT COUNT(*) FROM files WHERE evidence = ?1")?,
            deleted: n("SELECT COUNT(*) FROM files WHERE evidence = ?1 AND deleted")?,
            findings: n("SELECT COUNT(*) FROM findings WHERE evidence = ?1")?,
            timeline: n("SELECT COUNT(*) FROM timeline WHERE evidence = ?1")?,
            messages: n("SELECT COUNT(*) FROM messages WHERE evidence = ?1")?,
        })
    }

    fn search(&self, q: &SearchQuery) -> Result<Vec<SearchHit>, StoreError> {
        let conn = self.conn()?;
        // The full-text index lives in `exhibit-index`; this is the plain
        // substring search the store can always answer.
        let arg = like_pattern(&q.text);
        let cond = |_: &str, _: &str, like: &[&str]| -> String {
            let ors: Vec<String> = like
                .iter()
                .map(|c| format!("{c} LIKE ?1 ESCAPE '\\'"))
                .collect();
            format!("({})", ors.join(" OR "))
        };
        let kind = q.kind.as_deref();
        let (findings, finding_kind, files, events) = match kind {
            None => (true, None, true, true),
            Some("finding") => (true, None, false, false),
            Some("file") => (false, None, true, false),
            Some("event" | "timeline") => (false, None, false, true),
            Some(k) => (true, Some(k), false, false),
        };
        let max = limit(q.limit);
        let mut hits = Vec::new();
        if findings {
            let sql = format!(
                "SELECT f.evidence, f.kind, f.value, f.path, f.\"offset\", fi.path
                 FROM findings f LEFT JOIN files fi ON fi.id = f.file_id
                 WHERE {} AND (?2 IS NULL OR f.kind = ?2)
                 ORDER BY f.evidence, f.\"offset\", f.kind, f.path, f.normalized, f.id LIMIT ?3",
                cond("findings_fts", "f.id", &["f.value", "f.normalized"])
            );
            let mut st = conn.prepare(&sql)?;
            let rows = st.query_map(params![arg, finding_kind, max], |r| {
                Ok(SearchHit {
                    what: "finding".into(),
                    evidence: r.get(0)?,
                    kind: r.get(1)?,
                    text: r.get(2)?,
                    location: r.get(3)?,
                    offset: r.get(4)?,
                    time: None,
                    file: r.get(5)?,
                })
            })?;
            for h in rows {
                hits.push(h?);
            }
        }
        if files {
            let sql = format!(
                "SELECT evidence, mime, path FROM files
                 WHERE {} ORDER BY evidence, path, partition, inode LIMIT ?2",
                cond("files_fts", "id", &["path"])
            );
            let mut st = conn.prepare(&sql)?;
            let rows = st.query_map(params![arg, max], |r| {
                Ok(SearchHit {
                    what: "file".into(),
                    evidence: r.get(0)?,
                    kind: r.get(1)?,
                    text: r.get(2)?,
                    location: None,
                    offset: None,
                    time: None,
                    file: r.get(2)?,
                })
            })?;
            for h in rows {
                hits.push(h?);
            }
        }
        if events {
            let sql = format!(
                "SELECT t.evidence, t.macb, t.description, t.time, fi.path
                 FROM timeline t LEFT JOIN files fi ON fi.id = t.file_id
                 WHERE {} ORDER BY t.time, t.evidence, t.description, t.macb, t.id LIMIT ?2",
                cond("timeline_fts", "t.id", &["t.description"])
            );
            let mut st = conn.prepare(&sql)?;
            let rows = st.query_map(params![arg, max], |r| {
                Ok(SearchHit {
                    what: "event".into(),
                    evidence: r.get(0)?,
                    kind: r.get(1)?,
                    text: r.get(2)?,
                    location: None,
                    offset: None,
                    time: r.get(3)?,
                    file: r.get(4)?,
                })
            })?;
            for h in rows {
                hits.push(h?);
            }
        }
        Ok(hits)
    }

    fn time_span(&self) -> Result<Option<(String, String)>, StoreError> {
        let conn = self.conn()?;
        let span: (Option<String>, Option<String>) =
            conn.query_row("SELECT MIN(time), MAX(time) FROM timeline", [], |r| {
                Ok((r.get(0)?, r.get(1)?))
            })?;
        Ok(match span {
            (Some(a), Some(b)) => Some((a, b)),
            _ => None,
        })
    }

    fn replace_enrichment(&self, rows: &[EnrichmentRow]) -> Result<(), StoreError> {
        let mut conn = self.conn()?;
        let tx = conn.transaction()?;
        tx.execute("DELETE FROM enrichment", [])?;
        for r in rows {
            upsert_enrichment(&tx, r)?;
        }
        tx.commit()?;
        Ok(())
    }

    fn enrichment(&self, flagged_only: bool) -> Result<Vec<EnrichmentRow>, StoreError> {
        let conn = self.conn()?;
        let mut st = conn.prepare(
            "SELECT kind, value, flagged, summary, json FROM enrichment
             WHERE NOT ?1 OR flagged ORDER BY flagged DESC, kind, value",
        )?;
        let rows = st.query_map(params![flagged_only], |r| {
            Ok(EnrichmentRow {
                kind: r.get(0)?,
                value: r.get(1)?,
                flagged: r.get(2)?,
                summary: r.get(3)?,
                json: r.get(4)?,
            })
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    fn add_tag(&self, tag: &TagRow) -> Result<(), StoreError> {
        upsert_tag(&*self.conn()?, tag)
    }

    fn remove_tag(&self, target: &str, key: &str, detail: &str) -> Result<bool, StoreError> {
        let conn = self.conn()?;
        let n = conn.execute(
            "DELETE FROM tags WHERE target = ?1 AND key = ?2 AND detail = ?3",
            params![target, key, detail],
        )?;
        Ok(n > 0)
    }

    fn location(&self) -> String {
        crate::DB_FILE.to_string()
    }

    fn tags(&self) -> Result<Vec<TagRow>, StoreError> {
        let conn = self.conn()?;
        let mut st = conn.prepare(
            "SELECT target, key, detail, note, examiner, tagged_at FROM tags
             ORDER BY target, key, detail",
        )?;
        let rows = st.query_map([], |r| {
            Ok(TagRow {
                target: r.get(0)?,
                key: r.get(1)?,
                detail: r.get(2)?,
                note: r.get(3)?,
                examiner: r.get(4)?,
                tagged_at: r.get(5)?,
            })
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    fn dump(
        &self,
        each: &mut dyn FnMut(Record) -> Result<(), StoreError>,
    ) -> Result<(), StoreError> {
        let mut conn = self.conn()?;
        // One read transaction: every table from the same state.
        let tx = conn.transaction()?;
        each_row(
            &tx,
            "SELECT id, path, container, size, md5, sha1, sha256 FROM evidence ORDER BY id",
            |r| {
                Ok(Record::Evidence(EvidenceRow {
                    id: r.get(0)?,
                    path: r.get(1)?,
                    container: r.get(2)?,
                    size: r.get(3)?,
                    md5: r.get(4)?,
                    sha1: r.get(5)?,
                    sha256: r.get(6)?,
                }))
            },
            each,
        )?;
        each_row(
            &tx,
            "SELECT * FROM files ORDER BY id",
            |r| {
                Ok(Record::File(FileRow {
                    id: 0,
                    ..file_row(r)?
                }))
            },
            each,
        )?;
        let joined = |table: &str| {
            format!(
                "SELECT x.*, f.partition AS f_partition, f.inode AS f_inode, f.path AS f_path
                 FROM {table} x LEFT JOIN files f ON f.id = x.file_id ORDER BY x.id"
            )
        };
        each_row(
            &tx,
            &joined("findings"),
            |r| {
                Ok(Record::Finding {
                    stage: r.get("stage")?,
                    row: FindingRow {
                        file_id: None,
                        ..finding_row(r)?
                    },
                })
            },
            each,
        )?;
        each_row(
            &tx,
            &joined("timeline"),
            |r| {
                Ok(Record::Event {
                    stage: r.get("stage")?,
                    row: TimelineRow {
                        file_id: None,
                        ..timeline_row(r)?
                    },
                })
            },
            each,
        )?;
        each_row(
            &tx,
            &joined("messages"),
            |r| {
                Ok(Record::Message {
                    stage: r.get("stage")?,
                    row: MessageRow {
                        file_id: None,
                        ..message_row(r)?
                    },
                })
            },
            each,
        )?;
        each_row(
            &tx,
            "SELECT kind, value, flagged, summary, json FROM enrichment ORDER BY kind, value",
            |r| {
                Ok(Record::Enrichment(EnrichmentRow {
                    kind: r.get(0)?,
                    value: r.get(1)?,
                    flagged: r.get(2)?,
                    summary: r.get(3)?,
                    json: r.get(4)?,
                }))
            },
            each,
        )?;
        each_row(
            &tx,
            "SELECT target, key, detail, note, examiner, tagged_at FROM tags
             ORDER BY target, key, detail",
            |r| {
                Ok(Record::Tag(TagRow {
                    target: r.get(0)?,
                    key: r.get(1)?,
                    detail: r.get(2)?,
                    note: r.get(3)?,
                    examiner: r.get(4)?,
                    tagged_at: r.get(5)?,
                }))
            },
            each,
        )?;
        each_row(
            &tx,
            "SELECT evidence, stage, done_at FROM stages ORDER BY evidence, stage",
            |r| {
                Ok(Record::Stage {
                    evidence: r.get(0)?,
                    stage: r.get(1)?,
                    done_at: r.get(2)?,
                })
            },
            each,
        )?;
        tx.finish()?;
        Ok(())
    }

    fn load(&self, records: &[Record]) -> Result<(), StoreError> {
        let mut conn = self.conn()?;
        let tx = conn.transaction()?;
        for run in runs(records) {
            match run {
                Run::Evidence(rows) => {
                    for e in rows {
                        upsert_evidence(&tx, e)?;
                    }
                }
                Run::Files(rows) => {
                    insert_file_rows(&tx, &rows)?;
                }
                Run::Findings(stage, rows) => insert_finding_rows(&tx, stage, &rows)?,
                Run::Events(stage, rows) => insert_timeline(&tx, stage, &rows)?,
                Run::Messages(stage, rows) => insert_message_rows(&tx, stage, &rows)?,
                Run::Enrichment(rows) => {
                    for r in rows {
                        upsert_enrichment(&tx, r)?;
                    }
                }
                Run::Tags(rows) => {
                    for t in rows {
                        upsert_tag(&tx, t)?;
                    }
                }
                Run::Stages(rows) => {
                    for (evidence, stage, done_at) in rows {
                        insert_stage(&tx, evidence, stage, done_at)?;
                    }
                }
            }
        }
        tx.commit()?;
        Ok(())
    }
}

/// An offset bound as SQLite stores integers.
fn range_i64(v: u64) -> Result<i64, StoreError> {
    i64::try_from(v).map_err(|_| StoreError::Range("offset"))
}
