//! [`DirSink`]: bulk_extractor-style output directory.
//!
//! - `features.jsonl`: one JSON object per feature (`kind`, `value`,
//!   `normalized`, `path`, `offset`, `encoding`, `validated`, `context`
//!   escaped as in the feature files);
//! - `<kind>.txt`: `path<TAB>feature<TAB>context` lines after `#` header
//!   lines, with bulk_extractor's escaping ([`crate::escape`]);
//! - `<kind>_histogram.txt`: `n=COUNT<TAB>VALUE` over normalized values,
//!   most frequent first, ties by value;
//! - `notes.txt`: `path<TAB>what` (cut-off objects).
//!
//! Output is deterministic: features arrive from threads in any order and
//! are written sorted ([`crate::feature_order`]). Memory is bounded: up to
//! the buffer limit (default 64 MiB of features) they are held in memory;
//! beyond it each full buffer is sorted and spilled to a temporary file in
//! the output directory, and `finish` merges the spills. Histograms are kept
//! in memory: one entry per distinct normalized value of each kind.

use std::cmp::Ordering;
use std::collections::{BinaryHeap, HashMap};
use std::fs::File;
use std::io::{BufRead, BufReader, BufWriter, Write};
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use serde::{Deserialize, Serialize};

use crate::order::feature_order;
use crate::sink::Note;
use crate::{escape, Feature, Kind, ScanError, Sink};

/// Notes kept at most (a hostile image could hold millions of bombs).
const MAX_NOTES: usize = 100_000;

/// Writes features to a directory; see the module documentation.
pub struct DirSink {
    dir: PathBuf,
    source_name: String,
    limit: usize,
    state: Mutex<State>,
}

#[derive(Default)]
struct State {
    buf: Vec<Feature>,
    bytes: usize,
    spills: Vec<PathBuf>,
    hist: HashMap<(Kind, String), u64>,
    notes: Vec<Note>,
    notes_dropped: u64,
    error: Option<ScanError>,
}

/// What [`DirSink::finish`] wrote.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct DirSummary {
    /// Features written.
    pub features: u64,
    /// Features per kind name (kinds with none are left out).
    pub by_kind: std::collections::BTreeMap<String, u64>,
    /// Notes written.
    pub notes: u64,
}

/// A feature as stored in a spill file (lossless).
#[derive(Serialize, Deserialize)]
struct Spilled {
    kind: Kind,
    value: String,
    normalized: String,
    path: String,
    offset: u64,
    encoding: Option<String>,
    validated: bool,
    context: String,
}

impl Spilled {
    fn from(f: &Feature) -> Self {
        Spilled {
            kind: f.kind,
            value: f.value.clone(),
            normalized: f.normalized.clone(),
            path: f.path.clone(),
            offset: f.offset,
            encoding: f.encoding.map(str::to_string),
            validated: f.validated,
            context: f.context.iter().map(|b| format!("{b:02x}")).collect(),
        }
    }

    fn into_feature(self) -> Option<Feature> {
        let encoding = match self.encoding.as_deref() {
            None => None,
            Some("utf16le") => Some("utf16le"),
            Some("utf16be") => Some("utf16be"),
            Some(_) => return None,
        };
        let c = self.context.as_bytes();
        if !c.len().is_multiple_of(2) {
            return None;
        }
        let context = c
            .chunks(2)
            .map(|p| u8::from_str_radix(std::str::from_utf8(p).ok()?, 16).ok())
            .collect::<Option<Vec<u8>>>()?;
        Some(Feature {
            kind: self.kind,
            value: self.value,
            normalized: self.normalized,
            path: self.path,
            offset: self.offset,
            encoding,
            validated: self.validated,
            context,
        })
    }
}

/// The JSON line written to `features.jsonl`.
#[derive(Serialize)]
struct JsonLine<'a> {
    kind: &'static str,
    value: &'a str,
    normalized: &'a str,
    path: &'a str,
    offset: u64,
    encoding: Option<&'static str>,
    validated: bool,
    /// Written in a defanged form (`hxxp://`, `[.]`): a threat report or an
    /// analyst's note rather than a live link.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    defanged: bool,
    context: String,
}

impl DirSink {
    /// Creates `dir` (if needed) for the output of scanning the source
    /// named `source_name`.
    ///
    /// # Errors
    /// [`ScanError::OutputExists`] if `dir` already holds a
    /// `features.jsonl`; [`ScanError::Io`] if it cannot be created.
    pub fn create(dir: impl AsRef<Path>, source_name: &str) -> Result<Self, ScanError> {
        let dir = dir.as_ref().to_path_buf();
        std::fs::create_dir_all(&dir).map_err(|e| ScanError::io(&dir, e))?;
        if dir.join("features.jsonl").exists() {
            return Err(ScanError::OutputExists { path: dir });
        }
        Ok(DirSink {
            dir,
            source_name: source_name.to_string(),
            limit: 64 << 20,
            state: Mutex::new(State::default()),
        })
    }

    /// Sets how many bytes of features are buffered before a sorted spill
    /// file is written (default 64 MiB).
    pub fn with_buffer_limit(mut self, bytes: usize) -> Self {
        self.limit = bytes.max(1);
        self
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }
}

/// Sorts the buffered features into a new spill file in `dir`.
fn spill(dir: &Path, st: &mut State) -> Result<(), ScanError> {
    {
        let path = dir.join(format!(".spill-{:05}.jsonl", st.spills.len()));
        st.buf.sort_by(feature_order);
        let file = File::create(&path).map_err(|e| ScanError::io(&path, e))?;
        let mut w = BufWriter::new(file);
        for f in st.buf.drain(..) {
            serde_json::to_writer(&mut w, &Spilled::from(&f))
                .map_err(|e| ScanError::io(&path, e.into()))?;
            w.write_all(b"\n").map_err(|e| ScanError::io(&path, e))?;
        }
        w.flush().map_err(|e| ScanError::io(&path, e))?;
        st.bytes = 0;
        st.spills.push(path);
        Ok(())
    }
}

impl DirSink {
    /// Sorts, merges and writes everything; removes the spill files.
    ///
    /// # Errors
    /// The first I/O error met while spilling or writing.
    pub fn finish(self) -> Result<DirSummary, ScanError> {
        let mut st = self.state.into_inner().unwrap_or_else(|p| p.into_inner());
        if let Some(e) = st.error.take() {
            return Err(e);
        }
        let out = Output::create(&self.dir, &self.source_name)?;
        let result = if st.spills.is_empty() {
            st.buf.sort_by(feature_order);
            let buf = std::mem::take(&mut st.buf);
            out.write_all(buf.into_iter().map(Ok))
        } else {
            if !st.buf.is_empty() {
                spill(&self.dir, &mut st)?;
            }
            let merged = Merge::open(&st.spills)?;
            out.write_all(merged)
        };
        for p in &st.spills {
            let _ = std::fs::remove_file(p);
        }
        let mut summary = result?;
        write_histograms(&self.dir, &self.source_name, &st.hist)?;
        let np = self.dir.join("notes.txt");
        let mut w = BufWriter::new(File::create(&np).map_err(|e| ScanError::io(&np, e))?);
        st.notes.sort();
        for n in &st.notes {
            writeln!(
                w,
                "{}\t{}",
                escape(n.path.as_bytes()),
                escape(n.what.as_bytes())
            )
            .map_err(|e| ScanError::io(&np, e))?;
        }
        if st.notes_dropped > 0 {
            writeln!(w, "# {} further notes dropped", st.notes_dropped)
                .map_err(|e| ScanError::io(&np, e))?;
        }
        w.flush().map_err(|e| ScanError::io(&np, e))?;
        summary.notes = st.notes.len() as u64 + st.notes_dropped;
        Ok(summary)
    }
}

impl Sink for DirSink {
    fn feature(&self, f: Feature) {
        let mut st = self.lock();
        *st.hist.entry((f.kind, f.normalized.clone())).or_default() += 1;
        st.bytes += f.value.len() + f.normalized.len() + f.path.len() + f.context.len() + 128;
        st.buf.push(f);
        if st.bytes > self.limit && st.error.is_none() {
            if let Err(e) = spill(&self.dir, &mut st) {
                st.error = Some(e);
            }
        }
    }

    fn note(&self, path: &str, what: &str) {
        let mut st = self.lock();
        if st.notes.len() < MAX_NOTES {
            st.notes.push(Note {
                path: path.to_string(),
                what: what.to_string(),
            });
        } else {
            st.notes_dropped += 1;
        }
    }
}

/// The open output files.
struct Output {
    jsonl: (PathBuf, BufWriter<File>),
    kinds: Vec<(PathBuf, BufWriter<File>)>,
}

impl Output {
    fn create(dir: &Path, source: &str) -> Result<Self, ScanError> {
        let open = |name: String| -> Result<(PathBuf, BufWriter<File>), ScanError> {
            let p = dir.join(name);
            let f = File::create(&p).map_err(|e| ScanError::io(&p, e))?;
            Ok((p, BufWriter::new(f)))
        };
        let jsonl = open("features.jsonl".into())?;
        let mut kinds = Vec::new();
        for k in Kind::ALL {
            let (p, mut w) = open(format!("{}.txt", k.name()))?;
            header(&mut w, k, source, "Feature-Recorder").map_err(|e| ScanError::io(&p, e))?;
            kinds.push((p, w));
        }
        Ok(Output { jsonl, kinds })
    }

    fn write_all(
        mut self,
        features: impl Iterator<Item = Result<Feature, ScanError>>,
    ) -> Result<DirSummary, ScanError> {
        let mut sum = DirSummary::default();
        for f in features {
            let f = f?;
            let ctx = escape(&f.context);
            let line = JsonLine {
                kind: f.kind.name(),
                value: &f.value,
                normalized: &f.normalized,
                path: &f.path,
                offset: f.offset,
                encoding: f.encoding,
                validated: f.validated,
                defanged: f.is_defanged(),
                context: ctx.clone(),
            };
            let (jp, jw) = &mut self.jsonl;
            serde_json::to_writer(&mut *jw, &line).map_err(|e| ScanError::io(&*jp, e.into()))?;
            jw.write_all(b"\n").map_err(|e| ScanError::io(&*jp, e))?;
            let (kp, kw) = &mut self.kinds[f.kind.index()];
            writeln!(
                kw,
                "{}\t{}\t{}",
                escape(f.path.as_bytes()),
                escape(f.value.as_bytes()),
                ctx
            )
            .map_err(|e| ScanError::io(&*kp, e))?;
            sum.features += 1;
            *sum.by_kind.entry(f.kind.name().to_string()).or_default() += 1;
        }
        let (jp, jw) = &mut self.jsonl;
        jw.flush().map_err(|e| ScanError::io(&*jp, e))?;
        for (p, w) in &mut self.kinds {
            w.flush().map_err(|e| ScanError::io(&*p, e))?;
        }
        Ok(sum)
    }
}

fn header(w: &mut impl Write, k: Kind, source: &str, what: &str) -> std::io::Result<()> {
    writeln!(w, "# Exhibit-Scan-Version: {}", env!("CARGO_PKG_VERSION"))?;
    writeln!(w, "# {what}: {}", k.name())?;
    writeln!(w, "# Filename: {}", escape(source.as_bytes()))?;
    writeln!(w, "# Feature-File-Version: 1.1")
}

fn write_histograms(
    dir: &Path,
    source: &str,
    hist: &HashMap<(Kind, String), u64>,
) -> Result<(), ScanError> {
    let mut per: Vec<Vec<(&str, u64)>> = vec![Vec::new(); Kind::ALL.len()];
    for ((k, v), n) in hist {
        per[k.index()].push((v, *n));
    }
    for k in Kind::ALL {
        let p = dir.join(format!("{}_histogram.txt", k.name()));
        let rows = &mut per[k.index()];
        rows.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(b.0)));
        let file = File::create(&p).map_err(|e| ScanError::io(&p, e))?;
        let mut w = BufWriter::new(file);
        let res = (|| -> std::io::Result<()> {
            header(&mut w, k, source, "Feature-Histogram")?;
            for (v, n) in rows.iter() {
                writeln!(w, "n={n}\t{}", escape(v.as_bytes()))?;
            }
            w.flush()
        })();
        res.map_err(|e| ScanError::io(&p, e))?;
    }
    Ok(())
}

/// K-way merge of sorted spill files.
struct Merge {
    readers: Vec<(PathBuf, std::io::Lines<BufReader<File>>)>,
    heap: BinaryHeap<Head>,
    failed: bool,
}

struct Head {
    f: Feature,
    run: usize,
}

impl PartialEq for Head {
    fn eq(&self, o: &Self) -> bool {
        self.cmp(o) == Ordering::Equal
    }
}
impl Eq for Head {}
impl PartialOrd for Head {
    fn partial_cmp(&self, o: &Self) -> Option<Ordering> {
        Some(self.cmp(o))
    }
}
impl Ord for Head {
    // BinaryHeap is a max-heap: reverse for smallest first.
    fn cmp(&self, o: &Self) -> Ordering {
        feature_order(&o.f, &self.f).then_with(|| o.run.cmp(&self.run))
    }
}

impl Merge {
    fn open(paths: &[PathBuf]) -> Result<Self, ScanError> {
        let mut m = Merge {
            readers: Vec::new(),
            heap: BinaryHeap::new(),
            failed: false,
        };
        for p in paths {
            let f = File::open(p).map_err(|e| ScanError::io(p, e))?;
            m.readers.push((p.clone(), BufReader::new(f).lines()));
        }
        for run in 0..m.readers.len() {
            if let Some(f) = m.read(run)? {
                m.heap.push(Head { f, run });
            }
        }
        Ok(m)
    }

    fn read(&mut self, run: usize) -> Result<Option<Feature>, ScanError> {
        let (path, lines) = &mut self.readers[run];
        let Some(line) = lines.next() else {
            return Ok(None);
        };
        let line = line.map_err(|e| ScanError::io(&*path, e))?;
        let bad = |what: String| ScanError::Spill {
            path: path.clone(),
            what,
        };
        let s: Spilled = serde_json::from_str(&line).map_err(|e| bad(e.to_string()))?;
        s.into_feature()
            .map(Some)
            .ok_or_else(|| bad("bad record".into()))
    }
}

impl Iterator for Merge {
    type Item = Result<Feature, ScanError>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.failed {
            return None;
        }
        let Head { f, run } = self.heap.pop()?;
        match self.read(run) {
            Ok(Some(n)) => self.heap.push(Head { f: n, run }),
            Ok(None) => {}
            Err(e) => {
                self.failed = true;
                return Some(Err(e));
            }
        }
        Some(Ok(f))
    }
}
