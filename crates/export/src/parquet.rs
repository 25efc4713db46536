//! Findings, files and the timeline of a case as Parquet files, for
//! analytics over many cases (Spark, Trino, DataFusion, pandas): one file
//! per table, every row of the case store with its provenance columns,
//! written with the `parquet` crate's column writers (no Arrow needed).
//! Rows come in the store's order and nothing depends on the clock, so the
//! same case gives the same bytes.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use exhibit_store::{CaseStore, FileFilter, FileKey};
use parquet::basic::Compression;
use parquet::data_type::{BoolType, ByteArray, ByteArrayType, Int64Type};
use parquet::file::properties::WriterProperties;
use parquet::file::writer::SerializedFileWriter;
use parquet::schema::parser::parse_message_type;

use crate::ExportError;

/// Rows buffered before a row group is written.
const ROW_GROUP: usize = 64 * 1024;

/// One written table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Written {
    /// Table name (`findings`, `files`, `timeline`).
    pub table: &'static str,
    /// The file.
    pub path: PathBuf,
    /// Rows written.
    pub rows: u64,
    /// SHA-256 of the file, hex.
    pub sha256: String,
}

/// One column's values of the rows buffered so far.
enum Values {
    Text(Vec<Option<String>>),
    Int(Vec<Option<i64>>),
    Flag(Vec<bool>),
}

/// A table being written: its columns (name, values, required) and the
/// Parquet writer.
struct Table {
    name: &'static str,
    path: PathBuf,
    columns: Vec<(&'static str, Values, bool)>,
    writer: SerializedFileWriter<Hashed>,
    rows: u64,
}

/// A column of a table: name, type (`text`, `int`, `flag`) and whether it
/// is required (never null).
type Spec = (&'static str, &'static str, bool);

fn parquet_err(path: &Path) -> impl Fn(parquet::errors::ParquetError) -> ExportError + '_ {
    move |e| ExportError::Io {
        path: path.to_path_buf(),
        source: std::io::Error::other(e.to_string()),
    }
}

impl Table {
    fn create(dir: &Path, name: &'static str, spec: &[Spec]) -> Result<Table, ExportError> {
        let path = dir.join(format!("{name}.parquet"));
        let mut schema = format!("message {name} {{");
        for (col, kind, required) in spec {
            let rep = if *required { "REQUIRED" } else { "OPTIONAL" };
            let ty = match *kind {
                "text" => "BYTE_ARRAY",
                "int" => "INT64",
                _ => "BOOLEAN",
            };
            let logical = if *kind == "text" { " (UTF8)" } else { "" };
            schema.push_str(&format!(" {rep} {ty} {col}{logical};"));
        }
        schema.push_str(" }");
        let schema = Arc::new(parse_message_type(&schema).map_err(parquet_err(&path))?);
        let props = Arc::new(
            WriterProperties::builder()
                .set_compression(Compression::SNAPPY)
                .set_created_by(format!("exhibit {}", env!("CARGO_PKG_VERSION")))
                .build(),
        );
        let file = std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&path)
            .map_err(|source| ExportError::Io {
                path: path.clone(),
                source,
            })?;
        let file = Hashed {
            file,
            sha: sha2::Sha256::default(),
        };
        let writer = SerializedFileWriter::new(file, schema, props).map_err(parquet_err(&path))?;
        let columns = spec
            .iter()
            .map(|(col, kind, required)| {
                let v = match *kind {
                    "text" => Values::Text(Vec::new()),
                    "int" => Values::Int(Vec::new()),
                    _ => Values::Flag(Vec::new()),
                };
                (*col, v, *required)
            })
            .collect();
        Ok(Table {
            name,
            path,
            columns,
            writer,
            rows: 0,
        })
    }

    /// Adds one row; `row` gives each column's value in schema order.
    fn push(&mut self, row: Vec<Cell>) -> Result<(), ExportError> {
        for ((_, values, _), cell) in self.columns.iter_mut().zip(row) {
            match (values, cell) {
                (Values::Text(v), Cell::Text(t)) => v.push(t),
                (Values::Int(v), Cell::Int(i)) => v.push(i),
                (Values::Flag(v), Cell::Flag(b)) => v.push(b),
                // A row built against another schema: a bug, said as such.
                _ => {
                    return Err(ExportError::Io {
                        path: self.path.clone(),
                        source: std::io::Error::other("row does not fit the table's columns"),
                    })
                }
            }
        }
        self.rows += 1;
        if self.buffered() >= ROW_GROUP {
            self.flush()?;
        }
        Ok(())
    }

    fn buffered(&self) -> usize {
        match self.columns.first() {
            Some((_, Values::Text(v), _)) => v.len(),
            Some((_, Values::Int(v), _)) => v.len(),
            Some((_, Values::Flag(v), _)) => v.len(),
            None => 0,
        }
    }

    fn flush(&mut self) -> Result<(), ExportError> {
        if self.buffered() == 0 {
            return Ok(());
        }
        let err = parquet_err(&self.path);
        let mut group = self.writer.next_row_group().map_err(&err)?;
        for (_, values, required) in self.columns.iter_mut() {
            let Some(mut col) = group.next_column().map_err(&err)? else {
                break;
            };
            // Definition levels: 1 where a value is present, 0 for null.
            let levels = |present: &mut dyn Iterator<Item = bool>| -> Option<Vec<i16>> {
                (!*required).then(|| present.map(i16::from).collect())
            };
            match values {
                Values::Text(v) => {
                    let defs = levels(&mut v.iter().map(Option::is_some));
                    let data: Vec<ByteArray> = v
                        .drain(..)
                        .map(|t| ByteArray::from(t.unwrap_or_default().into_bytes()))
                        .collect();
                    let data = filter_present(data, defs.as_deref());
                    col.typed::<ByteArrayType>()
                        .write_batch(&data, defs.as_deref(), None)
                        .map_err(&err)?;
                }
                Values::Int(v) => {
                    let defs = levels(&mut v.iter().map(Option::is_some));
                    let data: Vec<i64> = v.drain(..).map(|i| i.unwrap_or_default()).collect();
                    let data = filter_present(data, defs.as_deref());
                    col.typed::<Int64Type>()
                        .write_batch(&data, defs.as_deref(), None)
                        .map_err(&err)?;
                }
                Values::Flag(v) => {
                    let data: Vec<bool> = std::mem::take(v);
                    col.typed::<BoolType>()
                        .write_batch(&data, None, None)
                        .map_err(&err)?;
                }
            }
            col.close().map_err(&err)?;
        }
        group.close().map_err(&err)?;
        Ok(())
    }

    fn finish(mut self) -> Result<Written, ExportError> {
        self.flush()?;
        let path = self.path.clone();
        // Writes the footer and flushes: every byte has passed the hasher.
        let out = self.writer.into_inner().map_err(parquet_err(&path))?;
        out.file.sync_all().map_err(|source| ExportError::Io {
            path: path.clone(),
            source,
        })?;
        Ok(Written {
            table: self.name,
            path,
            rows: self.rows,
            sha256: hex::encode(sha2::Digest::finalize(out.sha)),
        })
    }
}

/// The output file, hashed as it is written, so naming a table's SHA-256
/// costs no second read of it.
struct Hashed {
    file: std::fs::File,
    sha: sha2::Sha256,
}

impl std::io::Write for Hashed {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let n = self.file.write(buf)?;
        sha2::Digest::update(&mut self.sha, &buf[..n]);
        Ok(n)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.file.flush()
    }
}

/// Parquet wants only the present values, with nulls in the levels.
fn filter_present<T>(data: Vec<T>, defs: Option<&[i16]>) -> Vec<T> {
    match defs {
        None => data,
        Some(d) => data
            .into_iter()
            .zip(d)
            .filter(|(_, l)| **l == 1)
            .map(|(v, _)| v)
            .collect(),
    }
}

/// One value of a row.
enum Cell {
    Text(Option<String>),
    Int(Option<i64>),
    Flag(bool),
}

fn t(s: impl Into<String>) -> Cell {
    Cell::Text(Some(s.into()))
}

fn ot(s: Option<String>) -> Cell {
    Cell::Text(s)
}

fn n(i: impl TryInto<i64>) -> Cell {
    Cell::Int(Some(i.try_into().unwrap_or(i64::MAX)))
}

fn file_path(k: &Option<FileKey>) -> Cell {
    ot(k.as_ref().map(|k| k.path.clone()))
}

const FINDINGS: &[Spec] = &[
    ("evidence", "text", true),
    ("kind", "text", true),
    ("value", "text", true),
    ("normalized", "text", true),
    ("forensic_path", "text", true),
    ("offset", "int", true),
    ("encoding", "text", false),
    ("validated", "flag", true),
    ("context", "text", false),
    ("file_path", "text", false),
    ("file_id", "int", false),
];

const FILES: &[Spec] = &[
    ("id", "int", true),
    ("evidence", "text", true),
    ("partition", "int", true),
    ("inode", "text", true),
    ("path", "text", true),
    ("fs", "text", true),
    ("name_kind", "text", true),
    ("deleted", "flag", true),
    ("size", "int", true),
    ("mode", "int", true),
    ("uid", "int", true),
    ("gid", "int", true),
    ("atime", "text", false),
    ("mtime", "text", false),
    ("ctime", "text", false),
    ("crtime", "text", false),
    ("md5", "text", false),
    ("sha1", "text", false),
    ("sha256", "text", false),
    ("mime", "text", false),
    ("recovery", "text", true),
];

const TIMELINE: &[Spec] = &[
    ("time", "text", true),
    ("macb", "text", true),
    ("evidence", "text", true),
    ("source", "text", true),
    ("description", "text", true),
    ("zone", "text", false),
    ("file_path", "text", false),
    ("file_id", "int", false),
];

/// Writes `findings.parquet`, `files.parquet` and `timeline.parquet` into
/// `dir` (created; it must not exist or be empty) from the case store, for
/// the evidence items `evidence` in that order. A failure leaves no
/// partial tables behind.
pub fn write_parquet(
    store: &dyn CaseStore,
    evidence: &[String],
    dir: &Path,
) -> Result<Vec<Written>, ExportError> {
    let io = |source| ExportError::Io {
        path: dir.to_path_buf(),
        source,
    };
    if dir.exists() {
        if std::fs::read_dir(dir).map_err(io)?.next().is_some() {
            return Err(io(std::io::Error::new(
                std::io::ErrorKind::AlreadyExists,
                "the output folder is not empty",
            )));
        }
    } else {
        std::fs::create_dir_all(dir).map_err(io)?;
    }
    let result = write_tables(store, evidence, dir);
    if result.is_err() {
        for name in ["findings", "files", "timeline"] {
            let _ = std::fs::remove_file(dir.join(format!("{name}.parquet")));
        }
    }
    result
}

fn write_tables(
    store: &dyn CaseStore,
    evidence: &[String],
    dir: &Path,
) -> Result<Vec<Written>, ExportError> {
    let mut out = Vec::new();

    let mut findings = Table::create(dir, "findings", FINDINGS)?;
    for ev in evidence {
        let mut failed = None;
        store.each_finding(ev, &mut |_, f| {
            if failed.is_some() {
                return;
            }
            let row = vec![
                t(f.evidence),
                t(f.kind),
                t(f.value),
                t(f.normalized),
                t(f.path),
                n(f.offset),
                ot(f.encoding),
                Cell::Flag(f.validated),
                ot(f.context),
                file_path(&f.file),
                Cell::Int(f.file_id),
            ];
            if let Err(e) = findings.push(row) {
                failed = Some(e);
            }
        })?;
        if let Some(e) = failed {
            return Err(e);
        }
    }
    out.push(findings.finish()?);

    let mut files = Table::create(dir, "files", FILES)?;
    for ev in evidence {
        let rows = store.files(&FileFilter {
            evidence: Some(ev.clone()),
            ..FileFilter::default()
        })?;
        for f in rows {
            files.push(vec![
                n(f.id),
                t(f.evidence),
                n(f.key.partition),
                t(f.key.inode),
                t(f.key.path),
                t(f.fs),
                t(f.name_kind),
                Cell::Flag(f.deleted),
                n(f.size),
                n(f.mode),
                n(f.uid),
                n(f.gid),
                ot(f.atime),
                ot(f.mtime),
                ot(f.ctime),
                ot(f.crtime),
                ot(f.md5),
                ot(f.sha1),
                ot(f.sha256),
                ot(f.mime),
                t(f.recovery),
            ])?;
        }
    }
    out.push(files.finish()?);

    let mut timeline = Table::create(dir, "timeline", TIMELINE)?;
    for ev in evidence {
        let mut failed = None;
        store.each_event(ev, &mut |_, e| {
            if failed.is_some() {
                return;
            }
            let row = vec![
                t(e.time),
                t(e.macb),
                t(e.evidence),
                t(e.source),
                t(e.description),
                ot(e.zone),
                file_path(&e.file),
                Cell::Int(e.file_id),
            ];
            if let Err(e) = timeline.push(row) {
                failed = Some(e);
            }
        })?;
        if let Some(e) = failed {
            return Err(e);
        }
    }
    out.push(timeline.finish()?);
    Ok(out)
}
