//! The schema, as ordered migrations recorded in `schema_version`.

use rusqlite::Connection;

use crate::StoreError;

/// The newest schema version.
pub const SCHEMA_VERSION: i64 = MIGRATIONS.len() as i64;

/// Migration `i` brings the schema from version `i` to `i + 1`.
const MIGRATIONS: &[&str] = &[V1, V2, V3, V4, V5, V6];

const V1: &str = "
CREATE TABLE evidence (
    id TEXT PRIMARY KEY,
    path TEXT NOT NULL,
    container TEXT NOT NULL,
    size INTEGER NOT NULL,
    md5 TEXT, sha1 TEXT, sha256 TEXT
);
CREATE TABLE files (
    id INTEGER PRIMARY KEY,
    evidence TEXT NOT NULL REFERENCES evidence(id),
    partition INTEGER NOT NULL,
    fs TEXT NOT NULL,
    path TEXT NOT NULL,
    inode TEXT NOT NULL,
    name_kind TEXT NOT NULL,
    deleted INTEGER NOT NULL,
    size INTEGER NOT NULL,
    mode INTEGER NOT NULL,
    uid INTEGER NOT NULL,
    gid INTEGER NOT NULL,
    atime TEXT, mtime TEXT, ctime TEXT, crtime TEXT,
    md5 TEXT, sha1 TEXT, sha256 TEXT,
    mime TEXT,
    recovery TEXT NOT NULL,
    UNIQUE (evidence, partition, inode, path)
);
CREATE INDEX files_md5 ON files(md5);
CREATE INDEX files_sha256 ON files(sha256);
CREATE INDEX files_mime ON files(mime);
CREATE TABLE findings (
    id INTEGER PRIMARY KEY,
    evidence TEXT NOT NULL REFERENCES evidence(id),
    kind TEXT NOT NULL,
    value TEXT NOT NULL,
    normalized TEXT NOT NULL,
    path TEXT NOT NULL,
    \"offset\" INTEGER NOT NULL,
    encoding TEXT,
    validated INTEGER NOT NULL,
    file_id INTEGER NULL REFERENCES files(id),
    UNIQUE (evidence, kind, path, normalized)
);
CREATE INDEX findings_value ON findings(kind, normalized);
CREATE TABLE timeline (
    id INTEGER PRIMARY KEY,
    time TEXT NOT NULL,
    macb TEXT NOT NULL,
    evidence TEXT NOT NULL REFERENCES evidence(id),
    source TEXT NOT NULL,
    description TEXT NOT NULL,
    file_id INTEGER NULL REFERENCES files(id),
    UNIQUE (evidence, time, macb, file_id, description)
);
CREATE INDEX timeline_time ON timeline(time);
CREATE TABLE stages (
    evidence TEXT NOT NULL REFERENCES evidence(id),
    stage TEXT NOT NULL,
    done_at TEXT NOT NULL,
    PRIMARY KEY (evidence, stage)
);
";

/// Full-text indexes (FTS5, trigram tokenizer: any substring of 3+
/// characters, case-insensitive) over finding values, file paths and
/// timeline descriptions, kept filled by triggers. Skipped (the version is
/// still recorded) when the SQLite build lacks FTS5; search then falls back
/// to `LIKE`.
const V2: &str = "
CREATE VIRTUAL TABLE findings_fts USING fts5(value, normalized,
    content='findings', content_rowid='id', tokenize='trigram');
CREATE VIRTUAL TABLE files_fts USING fts5(path,
    content='files', content_rowid='id', tokenize='trigram');
CREATE VIRTUAL TABLE timeline_fts USING fts5(description,
    content='timeline', content_rowid='id', tokenize='trigram');
CREATE TRIGGER findings_fts_ai AFTER INSERT ON findings BEGIN
    INSERT INTO findings_fts(rowid, value, normalized) VALUES (new.id, new.value, new.normalized);
END;
CREATE TRIGGER findings_fts_ad AFTER DELETE ON findings BEGIN
    INSERT INTO findings_fts(findings_fts, rowid, value, normalized)
    VALUES ('delete', old.id, old.value, old.normalized);
END;
CREATE TRIGGER files_fts_ai AFTER INSERT ON files BEGIN
    INSERT INTO files_fts(rowid, path) VALUES (new.id, new.path);
END;
CREATE TRIGGER files_fts_ad AFTER DELETE ON files BEGIN
    INSERT INTO files_fts(files_fts, rowid, path) VALUES ('delete', old.id, old.path);
END;
CREATE TRIGGER timeline_fts_ai AFTER INSERT ON timeline BEGIN
    INSERT INTO timeline_fts(rowid, description) VALUES (new.id, new.description);
END;
CREATE TRIGGER timeline_fts_ad AFTER DELETE ON timeline BEGIN
    INSERT INTO timeline_fts(timeline_fts, rowid, description)
    VALUES ('delete', old.id, old.description);
END;
INSERT INTO findings_fts(findings_fts) VALUES ('rebuild');
INSERT INTO files_fts(files_fts) VALUES ('rebuild');
INSERT INTO timeline_fts(timeline_fts) VALUES ('rebuild');
";

/// Full text moves to the tantivy index (`exhibit-index`): the FTS5 tables
/// and their triggers cost three quarters of a triage. Findings and
/// timeline rows carry the stage that wrote them, so a stage interrupted
/// mid-way is cleared and redone instead of being deduplicated row by row
/// through wide unique indexes. Findings keep their context; messages get
/// their table.
const V3: &str = "
DROP TRIGGER IF EXISTS findings_fts_ai;
DROP TRIGGER IF EXISTS findings_fts_ad;
DROP TRIGGER IF EXISTS files_fts_ai;
DROP TRIGGER IF EXISTS files_fts_ad;
DROP TRIGGER IF EXISTS timeline_fts_ai;
DROP TRIGGER IF EXISTS timeline_fts_ad;
DROP TABLE IF EXISTS findings_fts;
DROP TABLE IF EXISTS files_fts;
DROP TABLE IF EXISTS timeline_fts;
CREATE TABLE findings_v3 (
    id INTEGER PRIMARY KEY,
    evidence TEXT NOT NULL REFERENCES evidence(id),
    stage TEXT NOT NULL,
    kind TEXT NOT NULL,
    value TEXT NOT NULL,
    normalized TEXT NOT NULL,
    path TEXT NOT NULL,
    \"offset\" INTEGER NOT NULL,
    encoding TEXT,
    validated INTEGER NOT NULL,
    context TEXT,
    file_id INTEGER NULL REFERENCES files(id)
);
INSERT INTO findings_v3 (id, evidence, stage, kind, value, normalized, path, \"offset\",
    encoding, validated, context, file_id)
    SELECT id, evidence, 'scan', kind, value, normalized, path, \"offset\", encoding,
    validated, NULL, file_id FROM findings;
DROP TABLE findings;
ALTER TABLE findings_v3 RENAME TO findings;
CREATE INDEX findings_value ON findings(kind, normalized);
CREATE INDEX findings_stage ON findings(evidence, stage);
CREATE TABLE timeline_v3 (
    id INTEGER PRIMARY KEY,
    time TEXT NOT NULL,
    macb TEXT NOT NULL,
    evidence TEXT NOT NULL REFERENCES evidence(id),
    stage TEXT NOT NULL,
    source TEXT NOT NULL,
    description TEXT NOT NULL,
    zone TEXT,
    file_id INTEGER NULL REFERENCES files(id)
);
INSERT INTO timeline_v3 (id, time, macb, evidence, stage, source, description, zone, file_id)
    SELECT id, time, macb, evidence, 'files', source, description, NULL, file_id FROM timeline;
DROP TABLE timeline;
ALTER TABLE timeline_v3 RENAME TO timeline;
CREATE INDEX timeline_time ON timeline(time);
CREATE INDEX timeline_stage ON timeline(evidence, stage);
CREATE TABLE messages (
    id INTEGER PRIMARY KEY,
    evidence TEXT NOT NULL REFERENCES evidence(id),
    stage TEXT NOT NULL,
    sha256 TEXT NOT NULL,
    file_id INTEGER NULL REFERENCES files(id),
    location TEXT NOT NULL,
    \"offset\" INTEGER NOT NULL,
    size INTEGER NOT NULL,
    message_id TEXT,
    date TEXT,
    date_zone TEXT,
    sender TEXT,
    recipients TEXT,
    subject TEXT,
    attachments INTEGER NOT NULL,
    analysis TEXT
);
CREATE INDEX messages_stage ON messages(evidence, stage);
CREATE INDEX messages_sha256 ON messages(sha256);
";

/// v4: what enrichment (GeoIP, lookalikes, watchlists…) says of each
/// distinct finding value; rewritten whole by each enrichment run.
const V4: &str = "
CREATE TABLE enrichment (
    kind TEXT NOT NULL,
    value TEXT NOT NULL,
    flagged INTEGER NOT NULL,
    summary TEXT NOT NULL,
    json TEXT NOT NULL,
    PRIMARY KEY (kind, value)
) WITHOUT ROWID;
";

/// v5: what the examiner tagged for the report (a finding by kind and
/// normalised value, events by time, a message by SHA-256), with a note.
/// Keys are values, not row ids, so a tag survives a re-triage. `IF NOT
/// EXISTS`: a database rolled back to an older version keeps its tags.
const V5: &str = "
CREATE TABLE IF NOT EXISTS tags (
    target TEXT NOT NULL,
    key TEXT NOT NULL,
    detail TEXT NOT NULL DEFAULT '',
    note TEXT,
    examiner TEXT NOT NULL,
    tagged_at TEXT NOT NULL,
    PRIMARY KEY (target, key, detail)
) WITHOUT ROWID;
";

/// v6: files by path within an evidence item (the workbench links search
/// hits and timeline events to their file by path).
const V6: &str = "
CREATE INDEX IF NOT EXISTS files_path ON files(evidence, path);
";

/// Whether this SQLite build has FTS5.
pub fn has_fts5(conn: &Connection) -> Result<bool, StoreError> {
    Ok(
        conn.query_row("SELECT sqlite_compileoption_used('ENABLE_FTS5')", [], |r| {
            r.get::<_, bool>(0)
        })?,
    )
}

/// Brings the database to [`SCHEMA_VERSION`], one transaction per step.
pub fn migrate(conn: &mut Connection) -> Result<(), StoreError> {
    conn.execute_batch("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)")?;
    let current: i64 = conn.query_row(
        "SELECT COALESCE(MAX(version), 0) FROM schema_version",
        [],
        |r| r.get(0),
    )?;
    if current > SCHEMA_VERSION {
        return Err(StoreError::TooNew {
            found: current,
            supported: SCHEMA_VERSION,
        });
    }
    let fts5 = has_fts5(conn)?;
    for (i, sql) in MIGRATIONS.iter().enumerate().skip(current as usize) {
        let tx = conn.transaction()?;
        if i != 1 || fts5 {
            tx.execute_batch(sql)?;
        }
        tx.execute(
            "INSERT INTO schema_version (version) VALUES (?1)",
            [i as i64 + 1],
        )?;
        tx.commit()?;
    }
    Ok(())
}
