//! The tantivy index: schema, writer, search.

use std::collections::BTreeSet;
use std::ops::Bound;
use std::path::{Path, PathBuf};

use tantivy::collector::sort_key::SortByBytes;
use tantivy::collector::{Count, TopDocs};
use tantivy::directory::MmapDirectory;
use tantivy::query::{
    AllQuery, BooleanQuery, Occur, PhraseQuery, Query as TQuery, RangeQuery, TermQuery,
};
use tantivy::schema::{
    BytesOptions, Field, IndexRecordOption, NumericOptions, Schema, TextFieldIndexing, TextOptions,
    Value, STORED, STRING,
};
use tantivy::store::Compressor;
use tantivy::tokenizer::{LowerCaser, RawTokenizer, TextAnalyzer};
use tantivy::{
    IndexReader, IndexSettings, IndexWriter, Order, ReloadPolicy, TantivyDocument, Term,
};

use crate::query::{pieces, Piece};
use crate::tokenizer::{words, WordTokenizer, LOWER_RAW, WORDS};
use crate::{Doc, DocKind, Hit, IndexError, Query, MAX_HITS};

/// Paths deeper than this get only their prefixes, suffixes and single segments indexed for
/// `path:` (not every run of segments).
const PATH_ALL_RUNS_DEPTH: usize = 16;
/// Path terms longer than this are not indexed for `path:`.
const MAX_PATH_TERM: usize = 4096;
/// The smallest per-thread indexing heap tantivy accepts.
const MIN_HEAP_PER_THREAD: usize = 15_000_000;

#[derive(Clone, Copy)]
struct Fields {
    kind: Field,
    evidence: Field,
    key: Field,
    tag: Field,
    value: Field,
    path: Field,
    path_runs: Field,
    time: Field,
    time_text: Field,
    order: Field,
    words: Field,
}

fn schema() -> (Schema, Fields) {
    let mut b = Schema::builder();
    let lower_raw = TextOptions::default().set_stored().set_indexing_options(
        TextFieldIndexing::default()
            .set_tokenizer(LOWER_RAW)
            .set_index_option(IndexRecordOption::Basic)
            .set_fieldnorms(false),
    );
    let raw_indexed = TextOptions::default().set_indexing_options(
        TextFieldIndexing::default()
            .set_tokenizer("raw")
            .set_index_option(IndexRecordOption::Basic)
            .set_fieldnorms(false),
    );
    let words_indexed = TextOptions::default().set_indexing_options(
        TextFieldIndexing::default()
            .set_tokenizer(WORDS)
            .set_index_option(IndexRecordOption::WithFreqsAndPositions)
            .set_fieldnorms(false),
    );
    let fields = Fields {
        kind: b.add_text_field("kind", STRING | STORED),
        evidence: b.add_text_field("evidence", STRING | STORED),
        key: b.add_text_field("key", STORED),
        tag: b.add_text_field("tag", lower_raw.clone()),
        value: b.add_text_field("value", lower_raw),
        path: b.add_text_field("path", STORED),
        path_runs: b.add_text_field("path_runs", raw_indexed),
        time: b.add_i64_field("time_us", NumericOptions::default().set_fast()),
        time_text: b.add_text_field("time", STORED),
        order: b.add_bytes_field("order", BytesOptions::default().set_fast()),
        words: b.add_text_field("words", words_indexed),
    };
    (b.build(), fields)
}

/// Microseconds since the epoch, rounded down (times outside ±292,000 years cannot occur: jiff
/// timestamps stay within ±9999 years).
fn micros(t: jiff::Timestamp) -> i64 {
    let us = t.as_nanosecond().div_euclid(1000);
    i64::try_from(us).unwrap_or(if us < 0 { i64::MIN } else { i64::MAX })
}

/// The bytes the hits are ordered by: kind, evidence, sort, key (NUL-separated), then a stable
/// hash of the other stored fields, so that even documents added twice under the same key (with
/// different values) come out in an order fixed by their content, not by where they landed.
fn order_key(doc: &Doc) -> Vec<u8> {
    let mut k = Vec::with_capacity(12 + doc.evidence.len() + doc.sort.len() + doc.key.len());
    k.push(doc.kind as u8);
    for part in [&doc.evidence, &doc.sort, &doc.key] {
        k.push(0);
        k.extend_from_slice(part.as_bytes());
    }
    k.push(0);
    let time = doc.time.map(|t| t.as_nanosecond()).unwrap_or(i128::MIN);
    let hash = [
        doc.tag.as_bytes(),
        doc.value.as_bytes(),
        doc.path.as_bytes(),
        &time.to_be_bytes(),
    ]
    .iter()
    .fold(0xcbf2_9ce4_8422_2325_u64, |h, part| {
        // FNV-1a over each part, then a separator.
        part.iter()
            .chain(&[0xff])
            .fold(h, |h, b| (h ^ u64::from(*b)).wrapping_mul(0x0100_0000_01b3))
    });
    k.extend_from_slice(&hash.to_be_bytes());
    k
}

/// Lower-cases character by character, exactly as tantivy's `LowerCaser` does at indexing time
/// (`str::to_lowercase` differs on a final sigma).
fn fold(s: &str) -> String {
    s.chars().flat_map(char::to_lowercase).collect()
}

/// Lower-cased path segments (`\` read as `/`, empty segments dropped).
fn path_segments(path: &str) -> Vec<String> {
    fold(path)
        .split(['/', '\\'])
        .filter(|s| !s.is_empty())
        .map(str::to_string)
        .collect()
}

/// Every term `path:` can match for this path: runs of whole segments joined by `/`.
fn path_runs(path: &str) -> BTreeSet<String> {
    let segs = path_segments(path);
    let n = segs.len();
    let mut out = BTreeSet::new();
    let mut add = |from: usize, to: usize| {
        let run = segs[from..to].join("/");
        if run.len() <= MAX_PATH_TERM {
            out.insert(run);
        }
    };
    if n <= PATH_ALL_RUNS_DEPTH {
        for from in 0..n {
            for to in from + 1..=n {
                add(from, to);
            }
        }
    } else {
        for i in 0..n {
            add(0, i + 1);
            add(i, n);
            add(i, i + 1);
        }
    }
    out
}

/// The case's full-text index (see the crate documentation).
pub struct Index {
    dir: PathBuf,
    index: tantivy::Index,
    reader: IndexReader,
    fields: Fields,
}

impl std::fmt::Debug for Index {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Index").field("dir", &self.dir).finish()
    }
}

/// Adds documents to the index; nothing is visible (or durable) until [`Writer::commit`].
///
/// Only one writer can exist per index at a time (across processes too): a second one gets
/// [`IndexError::Locked`]. Dropping a writer without committing discards what it added.
pub struct Writer {
    writer: IndexWriter,
    fields: Fields,
}

impl std::fmt::Debug for Writer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Writer").finish_non_exhaustive()
    }
}

impl Index {
    /// Opens the index in `dir`, creating the directory and an empty index if missing.
    pub fn open(dir: &Path) -> Result<Index, IndexError> {
        let io = |source| IndexError::Io {
            path: dir.to_path_buf(),
            source,
        };
        std::fs::create_dir_all(dir).map_err(io)?;
        let directory = MmapDirectory::open(dir).map_err(|e| IndexError::Io {
            path: dir.to_path_buf(),
            source: std::io::Error::other(e.to_string()),
        })?;
        let (schema, fields) = schema();
        let settings = IndexSettings {
            docstore_compression: Compressor::None,
            ..IndexSettings::default()
        };
        let index = tantivy::Index::builder()
            .schema(schema)
            .settings(settings)
            .open_or_create(directory)
            .map_err(|e| match e {
                tantivy::TantivyError::SchemaError(_) => IndexError::Incompatible {
                    path: dir.to_path_buf(),
                },
                e => IndexError::Engine(e),
            })?;
        index
            .tokenizers()
            .register(WORDS, TextAnalyzer::from(WordTokenizer));
        index.tokenizers().register(
            LOWER_RAW,
            TextAnalyzer::builder(RawTokenizer::default())
                .filter(LowerCaser)
                .build(),
        );
        let reader = index
            .reader_builder()
            .reload_policy(ReloadPolicy::Manual)
            .try_into()?;
        Ok(Index {
            dir: dir.to_path_buf(),
            index,
            reader,
            fields,
        })
    }

    /// A writer indexing on `threads` threads with `heap_bytes` of buffer in total (raised to
    /// tantivy's minimum of 15 MB per thread). More heap means fewer, larger segments and less
    /// merging: 2 threads and 512 MB index about a million findings in 12 s on two cores
    /// (`examples/bench.rs`); 128 MB costs about a third more CPU.
    ///
    /// Fails with [`IndexError::Locked`] while another writer is open on the same index.
    pub fn writer(&self, threads: usize, heap_bytes: usize) -> Result<Writer, IndexError> {
        let threads = threads.clamp(1, 64);
        let heap = heap_bytes.max(threads * MIN_HEAP_PER_THREAD);
        let writer = self
            .index
            .writer_with_num_threads(threads, heap)
            .map_err(|e| match e {
                tantivy::TantivyError::LockFailure(..) => IndexError::Locked {
                    path: self.dir.clone(),
                },
                e => IndexError::Engine(e),
            })?;
        Ok(Writer {
            writer,
            fields: self.fields,
        })
    }

    /// The matching documents, ordered by (kind, evidence, sort, key), at most
    /// `q.limit` (and [`MAX_HITS`]). Same index content, same answer: the order never depends on
    /// scores, segments or threads.
    pub fn search(&self, q: &Query) -> Result<Vec<Hit>, IndexError> {
        let limit = q.limit.unwrap_or(MAX_HITS).min(MAX_HITS);
        if limit == 0 {
            return Ok(Vec::new());
        }
        let query = self.build(q)?;
        self.reader.reload()?;
        let searcher = self.reader.searcher();
        let collector =
            TopDocs::with_limit(limit).order_by((SortByBytes::for_field("order"), Order::Asc));
        let top = searcher.search(&*query, &collector)?;
        let mut hits = Vec::with_capacity(top.len());
        for (order, address) in top {
            let doc: TantivyDocument = searcher.doc(address)?;
            hits.push((order, self.hit(&doc)?));
        }
        // The collector already orders by `order`, which includes a hash of the stored fields;
        // this settles the (astronomically rare) hash ties by content too, never by address.
        // Equal keys can only come from identical hits, which are interchangeable.
        hits.sort_by(|(a, x), (b, y)| {
            a.cmp(b).then_with(|| {
                (&x.tag, &x.value, &x.path, x.time).cmp(&(&y.tag, &y.value, &y.path, y.time))
            })
        });
        Ok(hits.into_iter().map(|(_, h)| h).collect())
    }

    /// How many documents match (ignores `q.limit`).
    pub fn count(&self, q: &Query) -> Result<u64, IndexError> {
        let query = self.build(q)?;
        self.reader.reload()?;
        let n = self.reader.searcher().search(&*query, &Count)?;
        Ok(n as u64)
    }

    /// Number of documents in the last committed state.
    pub fn len(&self) -> Result<u64, IndexError> {
        self.reader.reload()?;
        Ok(self.reader.searcher().num_docs())
    }

    /// True when the last committed state holds no document.
    pub fn is_empty(&self) -> Result<bool, IndexError> {
        Ok(self.len()? == 0)
    }

    fn hit(&self, doc: &TantivyDocument) -> Result<Hit, IndexError> {
        let f = &self.fields;
        let text = |field: Field| {
            doc.get_first(field)
                .and_then(|v| v.as_str())
                .unwrap_or_default()
                .to_string()
        };
        let kind_name = text(f.kind);
        let kind = DocKind::parse(&kind_name)
            .ok_or_else(|| IndexError::Corrupt(format!("unknown kind {kind_name:?}")))?;
        let time = match doc.get_first(f.time_text).and_then(|v| v.as_str()) {
            None => None,
            Some(t) => Some(
                t.parse()
                    .map_err(|e| IndexError::Corrupt(format!("bad time {t:?}: {e}")))?,
            ),
        };
        Ok(Hit {
            kind,
            evidence: text(f.evidence),
            key: text(f.key),
            tag: text(f.tag),
            value: text(f.value),
            path: text(f.path),
            time,
        })
    }

    /// Translates a [`Query`] into a tantivy query (AND of all the parts).
    fn build(&self, q: &Query) -> Result<Box<dyn TQuery>, IndexError> {
        let f = &self.fields;
        let basic = IndexRecordOption::Basic;
        let term = |field: Field, text: &str| -> Box<dyn TQuery> {
            Box::new(TermQuery::new(Term::from_field_text(field, text), basic))
        };
        let mut must: Vec<Box<dyn TQuery>> = Vec::new();
        if let Some(text) = &q.text {
            let mut any = false;
            for piece in pieces(text)? {
                let raw = match &piece {
                    Piece::Word(w) | Piece::Phrase(w) => w,
                };
                let tokens = words(raw);
                match tokens.as_slice() {
                    [] => {}
                    [one] => must.push(term(f.words, one)),
                    many => {
                        let phrase = PhraseQuery::new(
                            many.iter()
                                .map(|t| Term::from_field_text(f.words, t))
                                .collect(),
                        );
                        must.push(Box::new(BooleanQuery::new(vec![
                            (Occur::Should, Box::new(phrase) as Box<dyn TQuery>),
                            (Occur::Should, term(f.value, &fold(raw))),
                        ])));
                    }
                }
                any |= !tokens.is_empty();
            }
            if !any && !text.trim().is_empty() {
                return Err(IndexError::Query(format!(
                    "{text:?} has no letters or digits to search for"
                )));
            }
        }
        if !q.kinds.is_empty() {
            must.push(Box::new(BooleanQuery::new(
                q.kinds
                    .iter()
                    .map(|k| (Occur::Should, term(f.kind, k.name())))
                    .collect(),
            )));
        }
        if let Some(tag) = &q.tag {
            must.push(term(f.tag, &fold(tag)));
        }
        if let Some(value) = &q.value {
            must.push(term(f.value, &fold(value)));
        }
        if let Some(path) = &q.path {
            let run = path_segments(path).join("/");
            if run.is_empty() {
                return Err(IndexError::Query(format!(
                    "path:{path} names no path segment"
                )));
            }
            must.push(term(f.path_runs, &run));
        }
        if let Some(ev) = &q.evidence {
            must.push(term(f.evidence, ev));
        }
        if q.from.is_some() || q.to.is_some() {
            let bound = |t: Option<jiff::Timestamp>, inclusive: bool| match t {
                None => Bound::Unbounded,
                Some(t) if inclusive => Bound::Included(Term::from_field_i64(f.time, micros(t))),
                Some(t) => Bound::Excluded(Term::from_field_i64(f.time, micros(t))),
            };
            must.push(Box::new(RangeQuery::new(
                bound(q.from, true),
                bound(q.to, false),
            )));
        }
        Ok(match must.len() {
            0 => Box::new(AllQuery),
            1 => must.remove(0),
            _ => Box::new(BooleanQuery::new(
                must.into_iter().map(|q| (Occur::Must, q)).collect(),
            )),
        })
    }
}

impl Writer {
    /// Deletes every document of an evidence item (committed or added earlier in this writer),
    /// so that re-running an item replaces its documents. Takes effect at commit.
    pub fn delete_evidence(&mut self, evidence: &str) -> Result<(), IndexError> {
        self.writer
            .delete_term(Term::from_field_text(self.fields.evidence, evidence));
        Ok(())
    }

    /// Deletes the documents of one evidence item with one tag (the messages of one app), so
    /// that a stage redone after an interruption replaces its documents. Takes effect at commit.
    pub fn delete_evidence_tag(&mut self, evidence: &str, tag: &str) -> Result<(), IndexError> {
        let term = |field, text: &str| -> Box<dyn TQuery> {
            Box::new(TermQuery::new(
                Term::from_field_text(field, text),
                IndexRecordOption::Basic,
            ))
        };
        let q = BooleanQuery::new(vec![
            (Occur::Must, term(self.fields.evidence, evidence)),
            (Occur::Must, term(self.fields.tag, &fold(tag))),
        ]);
        self.writer.delete_query(Box::new(q))?;
        Ok(())
    }

    /// Stops merging segments in the background: a bulk load (triage) then spends nothing on
    /// merges, about a tenth of its CPU, and the answers are the same (searches read every
    /// segment; the order of hits never depends on segments).
    pub fn without_merging(self) -> Self {
        self.writer
            .set_merge_policy(Box::new(tantivy::indexer::NoMergePolicy));
        self
    }

    /// Adds a document (visible after [`Writer::commit`]).
    pub fn add(&mut self, doc: &Doc) -> Result<(), IndexError> {
        let f = &self.fields;
        let mut d = TantivyDocument::default();
        d.add_text(f.kind, doc.kind.name());
        d.add_text(f.evidence, &doc.evidence);
        d.add_text(f.key, &doc.key);
        d.add_text(f.tag, &doc.tag);
        d.add_text(f.value, &doc.value);
        d.add_text(f.path, &doc.path);
        for run in path_runs(&doc.path) {
            d.add_text(f.path_runs, run);
        }
        if let Some(t) = doc.time {
            d.add_i64(f.time, micros(t));
            d.add_text(f.time_text, t.to_string());
        }
        d.add_bytes(f.order, &order_key(doc));
        d.add_text(f.words, &doc.value);
        d.add_text(f.words, &doc.path);
        if !doc.text.is_empty() {
            d.add_text(f.words, &doc.text);
        }
        self.writer.add_document(d)?;
        Ok(())
    }

    /// Makes everything added and deleted so far durable and visible, atomically: a crash before
    /// this returns leaves the previous committed state. Waits for background segment merges,
    /// then releases the index lock.
    pub fn commit(mut self) -> Result<(), IndexError> {
        self.writer.commit()?;
        self.writer.wait_merging_threads()?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn path_runs_cover_prefixes_suffixes_and_middles() {
        let runs = path_runs(r"/Home/alice/Docs/x.txt");
        for want in [
            "home",
            "home/alice",
            "alice/docs",
            "docs/x.txt",
            "home/alice/docs/x.txt",
            "x.txt",
        ] {
            assert!(runs.contains(want), "{want}: {runs:?}");
        }
        assert_eq!(path_runs(r"C:\Users\bob"), path_runs("c:/users/bob/"));
        assert!(path_runs("").is_empty());
    }

    #[test]
    fn micros_round_down() {
        let t: jiff::Timestamp = "1969-12-31T23:59:59.9999995Z".parse().unwrap();
        assert_eq!(micros(t), -1);
    }
}
