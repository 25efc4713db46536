//! Hash sets the examiner imports: plain MD5/SHA-1/PDQ lists, NSRL RDS CSV
//! (known-good files, to exclude), and Project VIC-style JSON with
//! categories; and the export of categorised hashes in that JSON form —
//! hashes only, never pictures.
//!
//! Readers are lenient (field names in any case, unknown fields ignored,
//! unreadable lines counted and skipped) because agencies' exports differ;
//! what was skipped is reported, never silently dropped.

use std::collections::{BTreeMap, HashMap};
use std::io::{BufRead, BufReader, Read};
use std::path::Path;

use serde::Serialize;
use serde_json::{json, Value};

use crate::index::PdqIndex;
use crate::pdq::{Dihedral, PdqHash, PdqResult};
use crate::MediaError;

/// One known item of a hash set.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Known {
    /// MD5, lower-case hex.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub md5: Option<String>,
    /// SHA-1, lower-case hex.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sha1: Option<String>,
    /// SHA-256, lower-case hex.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sha256: Option<String>,
    /// PDQ hash.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pdq: Option<String>,
    /// Category as the list gives it (Project VIC / CAID number or a name).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub category: Option<String>,
    /// A free label from the list (file name, comment).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub label: Option<String>,
    /// From a known-good list (NSRL): a match excludes the file from review.
    pub known_good: bool,
    /// The hash-set file it came from.
    pub source: String,
}

/// How a file matched a known item.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct Match {
    /// Index of the item in [`HashSet::entries`].
    pub entry: usize,
    /// `md5`, `sha1`, `sha256` or `pdq`.
    pub by: &'static str,
    /// Hamming distance (PDQ only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub distance: Option<u32>,
    /// The rotation or flip of the picture that matched (PDQ only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub orientation: Option<Dihedral>,
}

/// What loading one file gave.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct LoadReport {
    /// Items added.
    pub added: usize,
    /// Lines or objects that held no usable hash.
    pub skipped: usize,
    /// The format recognised.
    pub format: &'static str,
    /// Bare 64-digit hex values of a plain list that says neither `pdq`
    /// nor `sha256` (in its name or a `#` comment before them): SHA-256 and
    /// PDQ hashes look alike, so they are looked up as both.
    pub ambiguous: usize,
}

/// All imported hash sets, searchable by MD5, SHA-1 and PDQ.
#[derive(Default)]
pub struct HashSet {
    entries: Vec<Known>,
    md5: HashMap<[u8; 16], Vec<usize>>,
    sha1: HashMap<[u8; 20], Vec<usize>>,
    sha256: HashMap<[u8; 32], Vec<usize>>,
    pdq: Vec<(PdqHash, usize)>,
    index: Option<PdqIndex>,
}

impl HashSet {
    /// An empty set.
    pub fn new() -> Self {
        HashSet::default()
    }

    /// Every item, in load order.
    pub fn entries(&self) -> &[Known] {
        &self.entries
    }

    /// Number of PDQ hashes.
    pub fn pdq_len(&self) -> usize {
        self.pdq.len()
    }

    /// Loads a file, recognising its format from its content.
    pub fn load(&mut self, path: &Path) -> Result<LoadReport, MediaError> {
        let name = path.display().to_string();
        let io = |e: std::io::Error| MediaError::Io {
            path: name.clone(),
            source: e,
        };
        let f = std::fs::File::open(path).map_err(io)?;
        self.read(&name, BufReader::new(f))
    }

    /// Reads a hash set from any reader; `name` is recorded as its source.
    pub fn read(&mut self, name: &str, mut r: impl BufRead) -> Result<LoadReport, MediaError> {
        let io = |e: std::io::Error| MediaError::Io {
            path: name.to_string(),
            source: e,
        };
        self.index = None;
        let head = r.fill_buf().map_err(io)?;
        let first = head
            .iter()
            .find(|b| !b.is_ascii_whitespace() && **b != 0xef);
        if matches!(first, Some(b'{') | Some(b'[')) {
            let v: Value = serde_json::from_reader(r).map_err(|e| MediaError::HashSet {
                path: name.to_string(),
                what: e.to_string(),
            })?;
            return Ok(self.read_vic(name, &v));
        }
        let mut report = LoadReport {
            format: "list",
            ..LoadReport::default()
        };
        let mut nsrl: Option<(Option<usize>, Option<usize>, Option<usize>)> = None;
        // What a bare 64-digit value is: said by the list's name, or by a
        // comment before it; else both.
        let mut wide = WideHex::from_hint(name).unwrap_or(WideHex::Both);
        let mut line = Vec::new();
        let mut first_line = true;
        loop {
            line.clear();
            // Bounded lines: a file without newlines cannot fill memory.
            let n = (&mut r)
                .take(1 << 16)
                .read_until(b'\n', &mut line)
                .map_err(io)?;
            if n == 0 {
                break;
            }
            let text = String::from_utf8_lossy(&line);
            let text = text.trim_start_matches('\u{feff}').trim();
            if first_line {
                first_line = false;
                let up = text.to_ascii_uppercase();
                if up.contains("\"SHA-1\"") && up.contains("\"MD5\"") {
                    let cols = csv_fields(text);
                    let find = |want: &str| cols.iter().position(|c| c.eq_ignore_ascii_case(want));
                    nsrl = Some((find("SHA-1"), find("MD5"), find("FileName")));
                    report.format = "nsrl-rds";
                    continue;
                }
            }
            if text.is_empty() {
                continue;
            }
            if let Some(comment) = text.strip_prefix('#') {
                if let Some(w) = WideHex::from_hint(comment) {
                    wide = w;
                }
                continue;
            }
            let added = match nsrl {
                Some((s, m, f)) => {
                    let cols = csv_fields(text);
                    let get = |i: Option<usize>| i.and_then(|i| cols.get(i)).map(|s| s.as_str());
                    let mut k = Known {
                        known_good: true,
                        source: name.to_string(),
                        category: Some("NSRL".into()),
                        label: get(f).map(str::to_string),
                        ..Known::default()
                    };
                    k.md5 = get(m).and_then(|h| norm_hex(h, 32));
                    k.sha1 = get(s).and_then(|h| norm_hex(h, 40));
                    self.push(k)
                }
                None => {
                    let mut parts = text.splitn(2, [',', '\t', ' ']);
                    let h = parts.next().unwrap_or("").trim_matches('"');
                    let label = parts
                        .next()
                        .map(|s| s.trim().to_string())
                        .filter(|s| !s.is_empty());
                    let mut k = Known {
                        source: name.to_string(),
                        label,
                        ..Known::default()
                    };
                    match h.len() {
                        32 => k.md5 = norm_hex(h, 32),
                        40 => k.sha1 = norm_hex(h, 40),
                        64 => {
                            let hex = norm_hex(h, 64);
                            if matches!(wide, WideHex::Sha256 | WideHex::Both) {
                                k.sha256 = hex.clone();
                            }
                            if matches!(wide, WideHex::Pdq | WideHex::Both) {
                                k.pdq = hex.clone();
                            }
                            if wide == WideHex::Both && hex.is_some() {
                                report.ambiguous += 1;
                            }
                        }
                        _ => {}
                    }
                    self.push(k)
                }
            };
            if added {
                report.added += 1;
            } else {
                report.skipped += 1;
            }
        }
        Ok(report)
    }

    /// Project VIC-style JSON: objects anywhere under `value` (or a bare
    /// array) with `MD5`, `SHA1`, `PDQ` and `Category` in any case; a
    /// category given on an outer object applies to the items inside it.
    fn read_vic(&mut self, name: &str, v: &Value) -> LoadReport {
        let mut report = LoadReport {
            format: "project-vic-json",
            ..LoadReport::default()
        };
        let root = v.get("value").unwrap_or(v);
        let mut stack: Vec<(&Value, Option<String>, usize)> = vec![(root, None, 0)];
        while let Some((v, cat, depth)) = stack.pop() {
            if depth > 32 {
                continue;
            }
            match v {
                Value::Array(a) => {
                    for x in a.iter().rev() {
                        stack.push((x, cat.clone(), depth + 1));
                    }
                }
                Value::Object(o) => {
                    let field = |names: &[&str]| {
                        o.iter()
                            .find(|(k, _)| names.iter().any(|n| k.eq_ignore_ascii_case(n)))
                            .map(|(_, v)| v)
                    };
                    let text = |v: &Value| match v {
                        Value::String(s) => Some(s.clone()),
                        Value::Number(n) => Some(n.to_string()),
                        _ => None,
                    };
                    let category = field(&["Category", "CategoryID"])
                        .and_then(text)
                        .or(cat.clone());
                    let md5 = field(&["MD5"])
                        .and_then(text)
                        .and_then(|h| norm_hex(&h, 32));
                    let sha1 = field(&["SHA1", "SHA-1"])
                        .and_then(text)
                        .and_then(|h| norm_hex(&h, 40));
                    let sha256 = field(&["SHA256", "SHA-256"])
                        .and_then(text)
                        .and_then(|h| norm_hex(&h, 64));
                    let pdq = field(&["PDQ"])
                        .and_then(text)
                        .and_then(|h| norm_hex(&h, 64));
                    let hashes =
                        md5.is_some() || sha1.is_some() || sha256.is_some() || pdq.is_some();
                    if hashes {
                        let k = Known {
                            md5,
                            sha1,
                            sha256,
                            pdq,
                            category: category.clone(),
                            label: field(&["FileName", "Name", "MediaID"]).and_then(text),
                            known_good: false,
                            source: name.to_string(),
                        };
                        if self.push(k) {
                            report.added += 1;
                        }
                    } else if field(&["MediaID", "Category"]).is_some() {
                        report.skipped += 1;
                    }
                    for (_, x) in o.iter().rev() {
                        if x.is_array() || x.is_object() {
                            stack.push((x, category.clone(), depth + 1));
                        }
                    }
                }
                _ => {}
            }
        }
        report
    }

    /// Adds an item; false when it has no usable hash.
    pub fn push(&mut self, k: Known) -> bool {
        let i = self.entries.len();
        let mut any = false;
        if let Some(b) = k.md5.as_deref().and_then(hex_array::<16>) {
            self.md5.entry(b).or_default().push(i);
            any = true;
        }
        if let Some(b) = k.sha1.as_deref().and_then(hex_array::<20>) {
            self.sha1.entry(b).or_default().push(i);
            any = true;
        }
        if let Some(b) = k.sha256.as_deref().and_then(hex_array::<32>) {
            self.sha256.entry(b).or_default().push(i);
            any = true;
        }
        if let Some(p) = k.pdq.as_deref().and_then(|h| h.parse::<PdqHash>().ok()) {
            self.pdq.push((p, i));
            self.index = None;
            any = true;
        }
        if any {
            self.entries.push(k);
        }
        any
    }

    /// Builds the PDQ index (done on first use otherwise).
    pub fn build_index(&mut self) {
        if self.index.is_none() {
            let hashes: Vec<PdqHash> = self.pdq.iter().map(|(h, _)| *h).collect();
            self.index = Some(PdqIndex::new(&hashes));
        }
    }

    /// Every item matching a file: exact digests, and PDQ within
    /// `max_distance` in any of the eight orientations (the closest one is
    /// reported per item). Sorted by item.
    pub fn lookup(
        &mut self,
        md5: Option<&[u8]>,
        sha1: Option<&[u8]>,
        sha256: Option<&[u8]>,
        pdq: Option<&PdqResult>,
        max_distance: u32,
    ) -> Vec<Match> {
        let mut out = Vec::new();
        exact(&self.md5, md5, "md5", &mut out);
        exact(&self.sha1, sha1, "sha1", &mut out);
        exact(&self.sha256, sha256, "sha256", &mut out);
        if let Some(p) = pdq {
            self.build_index();
            if let Some(index) = &self.index {
                let mut best: HashMap<usize, (u32, Dihedral)> = HashMap::new();
                for (d, h) in p.variants() {
                    for hit in index.query(&h, max_distance) {
                        let entry = self.pdq[hit.entry].1;
                        let e = best.entry(entry).or_insert((hit.distance, d));
                        if (hit.distance, d) < *e {
                            *e = (hit.distance, d);
                        }
                    }
                }
                out.extend(best.into_iter().map(|(entry, (dist, d))| Match {
                    entry,
                    by: "pdq",
                    distance: Some(dist),
                    orientation: Some(d),
                }));
            }
        }
        out.sort();
        out
    }
}

/// Adds the items whose digest of one kind equals `digest`.
fn exact<const N: usize>(
    map: &HashMap<[u8; N], Vec<usize>>,
    digest: Option<&[u8]>,
    by: &'static str,
    out: &mut Vec<Match>,
) {
    let Some(ids) = digest
        .and_then(|m| <[u8; N]>::try_from(m).ok())
        .and_then(|k| map.get(&k))
    else {
        return;
    };
    out.extend(ids.iter().map(|&entry| Match {
        entry,
        by,
        distance: None,
        orientation: None,
    }));
}

/// What the bare 64-digit hex values of a plain list are.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum WideHex {
    Sha256,
    Pdq,
    Both,
}

impl WideHex {
    /// From a list's name or a comment: `pdq` or `sha256` / `sha-256`
    /// (one of them only).
    fn from_hint(text: &str) -> Option<WideHex> {
        let t = text.to_ascii_lowercase();
        let sha = t.contains("sha256") || t.contains("sha-256") || t.contains("sha_256");
        match (sha, t.contains("pdq")) {
            (true, false) => Some(WideHex::Sha256),
            (false, true) => Some(WideHex::Pdq),
            _ => None,
        }
    }
}

/// A categorised picture for export.
#[derive(Clone, Debug, Default, PartialEq, Eq, PartialOrd, Ord)]
pub struct Categorised {
    /// MD5 hex.
    pub md5: Option<String>,
    /// SHA-1 hex.
    pub sha1: Option<String>,
    /// PDQ hex.
    pub pdq: Option<String>,
    /// Category given by the examiner.
    pub category: String,
}

/// A category an examiner gave a picture of a case in the workbench.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ExaminerCategory {
    /// The picture's hashes and the category.
    pub item: Categorised,
    /// Who.
    pub examiner: String,
    /// When (RFC 3339).
    pub time: String,
}

/// The latest category of each picture (by the case store's file row id)
/// among custody entries: the workbench records each categorisation as a
/// `categorised` entry with `file_id`, `category` and the file's hashes.
pub fn examiner_categories(entries: &[exhibit_custody::Entry]) -> BTreeMap<i64, ExaminerCategory> {
    let mut out = BTreeMap::new();
    for e in entries.iter().filter(|e| e.action == "categorised") {
        let get = |k: &str| {
            e.details
                .get(k)
                .and_then(|v| v.as_str())
                .filter(|s| !s.is_empty())
                .map(str::to_string)
        };
        if let (Some(id), Some(category)) =
            (get("file_id").and_then(|i| i.parse().ok()), get("category"))
        {
            let item = Categorised {
                md5: get("md5"),
                sha1: get("sha1"),
                pdq: get("pdq"),
                category,
            };
            out.insert(
                id,
                ExaminerCategory {
                    item,
                    examiner: e.examiner.clone(),
                    time: e.time.to_string(),
                },
            );
        }
    }
    out
}

/// Project VIC-style JSON (OData `value` array) of categorised hashes, sorted
/// by MD5 then SHA-1. Holds hashes and categories only, never content.
pub fn export_vic(items: &[Categorised]) -> Value {
    let mut items = items.to_vec();
    items.sort();
    items.dedup();
    let value: Vec<Value> = items
        .iter()
        .enumerate()
        .map(|(i, c)| {
            let mut o = serde_json::Map::new();
            o.insert("MediaID".into(), json!(i + 1));
            o.insert("Category".into(), category_value(&c.category));
            if let Some(m) = &c.md5 {
                o.insert("MD5".into(), json!(m.to_ascii_uppercase()));
            }
            if let Some(s) = &c.sha1 {
                o.insert("SHA1".into(), json!(s.to_ascii_uppercase()));
            }
            if let Some(p) = &c.pdq {
                o.insert("PDQ".into(), json!(p));
            }
            Value::Object(o)
        })
        .collect();
    json!({
        "odata.metadata": "http://github.com/ICMEC/ProjectVic/DataModels/1.3.xml#Media",
        "value": value,
    })
}

/// Numeric categories stay numbers (as Project VIC writes them).
fn category_value(c: &str) -> Value {
    c.parse::<u64>()
        .map(Value::from)
        .unwrap_or_else(|_| json!(c))
}

/// Lower-case hex of the given length, or `None`.
fn norm_hex(h: &str, len: usize) -> Option<String> {
    let h = h.trim().trim_matches('"');
    (h.len() == len && h.bytes().all(|b| b.is_ascii_hexdigit())).then(|| h.to_ascii_lowercase())
}

fn hex_array<const N: usize>(h: &str) -> Option<[u8; N]> {
    let mut out = [0u8; N];
    hex::decode_to_slice(h, &mut out).ok()?;
    Some(out)
}

/// Fields of one CSV line with `"…"` quoting (`""` is a quote).
fn csv_fields(line: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut quoted = false;
    let mut chars = line.chars().peekable();
    while let Some(c) = chars.next() {
        match (c, quoted) {
            ('"', true) if chars.peek() == Some(&'"') => {
                cur.push('"');
                chars.next();
            }
            ('"', _) => quoted = !quoted,
            (',', false) => out.push(std::mem::take(&mut cur)),
            _ => cur.push(c),
        }
    }
    out.push(cur);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const MD5: &str = "75b8d00568815a36c3809b46fc84ba6d";
    const SHA1: &str = "da39a3ee5e6b4b0d3255bfef95601890afd80709";

    #[test]
    fn plain_list() {
        let mut s = HashSet::new();
        let text = format!(
            "# comment\n{}  file1.jpg\n{SHA1}\nnot a hash\n{},quality=100\n",
            MD5.to_uppercase(),
            "d8f8f0cee0f4a84f0637022a078f67f0b36e2ed596621e1d33e6339c4e9c9b22"
        );
        let r = s.read("list.txt", text.as_bytes()).unwrap();
        assert_eq!((r.added, r.skipped, r.format), (3, 1, "list"));
        assert_eq!(s.entries()[0].md5.as_deref(), Some(MD5));
        assert_eq!(s.entries()[0].label.as_deref(), Some("file1.jpg"));
        let m = s.lookup(Some(&hex::decode(MD5).unwrap()), None, None, None, 31);
        assert_eq!(m.len(), 1);
        assert_eq!(m[0].by, "md5");
    }

    #[test]
    fn nsrl_rds() {
        let text = format!(
            "\"SHA-1\",\"MD5\",\"CRC32\",\"FileName\",\"FileSize\",\"ProductCode\",\"OpSystemCode\",\"SpecialCode\"\n\
             \"{}\",\"{}\",\"AA\",\"a, b.dll\",\"12\",\"1\",\"WIN\",\"\"\n",
            SHA1.to_uppercase(),
            MD5.to_uppercase()
        );
        let mut s = HashSet::new();
        let r = s.read("NSRLFile.txt", text.as_bytes()).unwrap();
        assert_eq!((r.added, r.format), (1, "nsrl-rds"));
        let k = &s.entries()[0];
        assert!(k.known_good);
        assert_eq!(k.label.as_deref(), Some("a, b.dll"));
        assert_eq!(k.sha1.as_deref(), Some(SHA1));
    }

    #[test]
    fn vic_json_round_trip() {
        let v = export_vic(&[Categorised {
            md5: Some(MD5.into()),
            sha1: Some(SHA1.into()),
            pdq: None,
            category: "1".into(),
        }]);
        let text = serde_json::to_string(&v).unwrap();
        assert!(!text.contains("Media\":"), "no content");
        let mut s = HashSet::new();
        let r = s.read("vic.json", text.as_bytes()).unwrap();
        assert_eq!((r.added, r.format), (1, "project-vic-json"));
        assert_eq!(s.entries()[0].category.as_deref(), Some("1"));
        // Lenient: lower-case names, nested media, category inherited.
        let odd =
            r#"{"value":[{"category":"2","Media":[{"md5":"75B8D00568815A36C3809B46FC84BA6D"}]}]}"#;
        let mut s = HashSet::new();
        s.read("odd.json", odd.as_bytes()).unwrap();
        assert_eq!(s.entries()[0].category.as_deref(), Some("2"));
    }

    #[test]
    fn bare_64_digit_values_are_sha256_or_pdq_as_the_list_says() {
        let sha = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08";
        let digest = hex::decode(sha).unwrap();
        // Said by the name.
        let mut s = HashSet::new();
        let r = s.read("partner-sha256.txt", sha.as_bytes()).unwrap();
        assert_eq!((r.added, r.ambiguous), (1, 0));
        assert_eq!(s.entries()[0].pdq, None);
        let m = s.lookup(None, None, Some(&digest), None, 31);
        assert_eq!(m.len(), 1);
        assert_eq!(m[0].by, "sha256");
        // Said by a comment.
        let mut s = HashSet::new();
        let r = s
            .read("list.txt", format!("# PDQ hashes\n{sha}\n").as_bytes())
            .unwrap();
        assert_eq!((r.added, r.ambiguous), (1, 0));
        assert_eq!(s.entries()[0].sha256, None);
        assert!(s.entries()[0].pdq.is_some());
        // Not said: both, and counted.
        let mut s = HashSet::new();
        let r = s.read("list.txt", sha.as_bytes()).unwrap();
        assert_eq!((r.added, r.ambiguous), (1, 1));
        assert_eq!(s.entries()[0].sha256.as_deref(), Some(sha));
        assert_eq!(s.entries()[0].pdq.as_deref(), Some(sha));
        assert_eq!(s.lookup(None, None, Some(&digest), None, 31).len(), 1);
        // Project VIC JSON with a SHA256 field.
        let mut s = HashSet::new();
        s.read(
            "vic.json",
            format!(r#"{{"value":[{{"SHA256":"{sha}","Category":"1"}}]}}"#).as_bytes(),
        )
        .unwrap();
        assert_eq!(s.entries()[0].sha256.as_deref(), Some(sha));
    }

    #[test]
    fn pdq_lookup_in_every_orientation() {
        let luma: Vec<f32> = (0..64 * 48).map(|i| ((i * 37) % 251) as f32).collect();
        let r = crate::pdq::hash_luma(&luma, 64, 48).unwrap();
        let mut s = HashSet::new();
        let rot = r.variant(Dihedral::Rotate90);
        s.push(Known {
            pdq: Some(rot.to_hex()),
            source: "t".into(),
            ..Known::default()
        });
        let m = s.lookup(None, None, None, Some(&r), 31);
        assert_eq!(m.len(), 1);
        assert_eq!(m[0].distance, Some(0));
        assert_eq!(m[0].orientation, Some(Dihedral::Rotate90));
    }
}
