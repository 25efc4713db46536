//! Scoring a `features.jsonl` against a truth file.

use std::collections::{BTreeMap, HashMap};
use std::fmt::{self, Write as _};
use std::path::Path;

use serde::Serialize;

use crate::{Error, Form, Kind, Truth};

/// Recall and precision for one (kind, form), or for a kind overall (`form`
/// is `all`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Row {
    /// Kind.
    pub kind: String,
    /// Form, `decoy`, `background` or `all`.
    pub form: String,
    /// Truth records.
    pub planted: u64,
    /// Truth records matched by a report.
    pub found: u64,
    /// Reports attributed to this row (matched or not).
    pub reported: u64,
}

impl Row {
    /// found / planted (1 when nothing was planted).
    pub fn recall(&self) -> f64 {
        if self.planted == 0 {
            1.0
        } else {
            self.found as f64 / self.planted as f64
        }
    }

    /// found / reported (1 when nothing was reported).
    pub fn precision(&self) -> f64 {
        if self.reported == 0 {
            1.0
        } else {
            self.found as f64 / self.reported as f64
        }
    }
}

/// A single finding quoted in a report.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Example {
    /// Kind.
    pub kind: String,
    /// Form it was attributed to.
    pub form: String,
    /// Path.
    pub path: String,
    /// Normalized value.
    pub normalized: String,
    /// For a wrong normalization: what the truth expected.
    pub expected: Option<String>,
}

/// A reported feature that falls inside a decoy.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DecoyHit {
    /// Kind reported.
    pub kind: String,
    /// Path reported.
    pub path: String,
    /// Value reported (normalized).
    pub normalized: String,
    /// Decoy type.
    pub what: String,
    /// The decoy's bytes.
    pub decoy: String,
}

/// The result of [`score`].
#[derive(Debug, Clone, Default, Serialize)]
pub struct Report {
    /// Per (kind, form), including `decoy`/`background` rows for false
    /// positives outside planted features.
    pub rows: Vec<Row>,
    /// Per kind over all forms.
    pub kinds: Vec<Row>,
    /// Features planted across a multiple of 16 MiB.
    pub boundary: Row,
    /// Decoys planted.
    pub decoys_planted: u64,
    /// Reports inside decoys.
    pub decoy_hits: Vec<DecoyHit>,
    /// Truth records not found (first few per row).
    pub missed: Vec<Example>,
    /// Reports at a planted path with the right kind but another value.
    pub wrong_value: Vec<Example>,
    /// Other false positives (first few per row).
    pub false_positives: Vec<Example>,
    /// Total reported features read.
    pub total_reported: u64,
}

impl Default for Row {
    fn default() -> Self {
        Row {
            kind: String::from("all"),
            form: String::from("boundary"),
            planted: 0,
            found: 0,
            reported: 0,
        }
    }
}

/// The threshold for the benchmark targets.
pub const TARGET: f64 = 0.99;

impl Report {
    /// Rows below `threshold`: (kind, form) rows with planted features (recall
    /// and precision), per-kind rows (precision: includes false positives in
    /// decoys and background), and the boundary row (recall).
    pub fn failing(&self, threshold: f64) -> Vec<&Row> {
        let mut out: Vec<&Row> = self
            .rows
            .iter()
            .filter(|r| r.planted > 0 && (r.recall() < threshold || r.precision() < threshold))
            .collect();
        out.extend(
            self.kinds
                .iter()
                .filter(|r| r.recall() < threshold || r.precision() < threshold),
        );
        if self.boundary.recall() < threshold {
            out.push(&self.boundary);
        }
        out
    }

    /// True when every row meets the 99% recall and precision targets.
    pub fn targets_met(&self) -> bool {
        self.failing(TARGET).is_empty()
    }

    /// The per-kind row for `kind`.
    pub fn kind(&self, kind: &str) -> Option<&Row> {
        self.kinds.iter().find(|r| r.kind == kind)
    }
}

fn pct(x: f64) -> String {
    format!("{:.2}%", 100.0 * x)
}

impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "{:<8} {:<11} {:>8} {:>8} {:>8} {:>9} {:>10}",
            "kind", "form", "planted", "found", "recall", "reported", "precision"
        )?;
        for k in &self.kinds {
            for r in self.rows.iter().filter(|r| r.kind == k.kind) {
                writeln!(
                    f,
                    "{:<8} {:<11} {:>8} {:>8} {:>8} {:>9} {:>10}",
                    r.kind,
                    r.form,
                    r.planted,
                    r.found,
                    pct(r.recall()),
                    r.reported,
                    pct(r.precision())
                )?;
            }
            writeln!(
                f,
                "{:<8} {:<11} {:>8} {:>8} {:>8} {:>9} {:>10}",
                k.kind,
                "ALL",
                k.planted,
                k.found,
                pct(k.recall()),
                k.reported,
                pct(k.precision())
            )?;
        }
        let b = &self.boundary;
        writeln!(
            f,
            "across 16 MiB boundaries: planted {} found {} recall {}",
            b.planted,
            b.found,
            pct(b.recall())
        )?;
        writeln!(
            f,
            "decoys: planted {}, reports inside decoys {}",
            self.decoys_planted,
            self.decoy_hits.len()
        )?;
        for h in self.decoy_hits.iter().take(20) {
            writeln!(
                f,
                "  decoy hit: {} {:?} at {} (decoy {} {:?})",
                h.kind, h.normalized, h.path, h.what, h.decoy
            )?;
        }
        let list = |f: &mut fmt::Formatter<'_>, title: &str, v: &[Example]| -> fmt::Result {
            if !v.is_empty() {
                writeln!(f, "{title} (examples):")?;
                for e in v {
                    match &e.expected {
                        Some(x) => writeln!(
                            f,
                            "  {} {} {} {:?} expected {:?}",
                            e.kind, e.form, e.path, e.normalized, x
                        )?,
                        None => {
                            writeln!(f, "  {} {} {} {:?}", e.kind, e.form, e.path, e.normalized)?
                        }
                    }
                }
            }
            Ok(())
        };
        list(f, "missed", &self.missed)?;
        list(
            f,
            "wrong normalized value at a planted path",
            &self.wrong_value,
        )?;
        list(f, "false positives", &self.false_positives)?;
        let failing = self.failing(TARGET);
        if failing.is_empty() {
            writeln!(
                f,
                "targets (recall and precision >= 99% per kind and form): met"
            )
        } else {
            let names: Vec<String> = failing
                .iter()
                .map(|r| format!("{}/{}", r.kind, r.form))
                .collect();
            writeln!(
                f,
                "targets (recall and precision >= 99% per kind and form): NOT met ({})",
                names.join(", ")
            )
        }
    }
}

/// One reported finding.
#[derive(Debug, Clone)]
struct Reported {
    kind: String,
    normalized: String,
    path: String,
}

fn read_reported(path: &Path) -> Result<Vec<Reported>, Error> {
    let text = std::fs::read_to_string(path)?;
    let mut out = Vec::new();
    for (i, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let bad = |message: String| Error::Line {
            file: path.display().to_string(),
            line: i + 1,
            message,
        };
        let v: serde_json::Value = serde_json::from_str(line).map_err(|e| bad(e.to_string()))?;
        let s = |k: &str| v.get(k).and_then(|x| x.as_str()).map(str::to_string);
        let kind = s("kind").ok_or_else(|| bad(String::from("no \"kind\"")))?;
        let normalized = s("normalized")
            .or_else(|| s("value"))
            .ok_or_else(|| bad(String::from("no \"normalized\" or \"value\"")))?;
        let p = match v.get("path") {
            Some(serde_json::Value::String(p)) => p.clone(),
            Some(serde_json::Value::Number(n)) => n.to_string(),
            _ => return Err(bad(String::from("no \"path\""))),
        };
        out.push(Reported {
            kind,
            normalized,
            path: p,
        });
    }
    Ok(out)
}

fn kind_rank(kind: &str) -> usize {
    Kind::ALL
        .iter()
        .position(|k| k.as_str() == kind)
        .unwrap_or(Kind::ALL.len())
}

fn form_rank(form: &str) -> usize {
    Form::ALL
        .iter()
        .position(|f| f.as_str() == form)
        .unwrap_or(match form {
            "decoy" => Form::ALL.len(),
            _ => Form::ALL.len() + 1,
        })
}

/// Scores the scanner output `features_jsonl` against the truth file `truth`.
pub fn score(truth: &Path, features_jsonl: &Path) -> Result<Report, Error> {
    let t = Truth::read(truth)?;
    let reported = read_reported(features_jsonl)?;
    Ok(score_parsed(&t, &reported))
}

fn score_parsed(t: &Truth, reported: &[Reported]) -> Report {
    const EXAMPLES: usize = 3;
    const EXAMPLES_TOTAL: usize = 40;
    let mut by_key: HashMap<(&str, &str, &str), Vec<usize>> = HashMap::new();
    let mut by_place: HashMap<(&str, &str), usize> = HashMap::new();
    for (i, f) in t.features.iter().enumerate().rev() {
        by_key
            .entry((f.kind.as_str(), f.normalized.as_str(), f.path.as_str()))
            .or_default()
            .push(i);
        by_place.insert((f.kind.as_str(), f.path.as_str()), i);
    }
    // Spans of planted items and decoys, by start offset.
    let mut spans: Vec<(u64, u64, Option<usize>, &str)> = Vec::new(); // start, end, decoy idx, form
    let mut last_item = None;
    for f in &t.features {
        if last_item != Some(f.item) {
            spans.push((f.item, f.item + f.item_len, None, f.form.as_str()));
            last_item = Some(f.item);
        }
    }
    for (i, d) in t.decoys.iter().enumerate() {
        spans.push((d.offset, d.offset + d.value.len() as u64, Some(i), "decoy"));
    }
    spans.sort_by_key(|s| s.0);

    let mut rows: BTreeMap<(String, String), Row> = BTreeMap::new();
    let mut row = |kind: &str, form: &str| -> (String, String) {
        let key = (kind.to_string(), form.to_string());
        rows.entry(key.clone()).or_insert_with(|| Row {
            kind: kind.to_string(),
            form: form.to_string(),
            planted: 0,
            found: 0,
            reported: 0,
        });
        key
    };
    let mut keys = Vec::new();
    for f in &t.features {
        keys.push(row(f.kind.as_str(), f.form.as_str()));
    }
    let mut report = Report {
        decoys_planted: t.decoys.len() as u64,
        total_reported: reported.len() as u64,
        ..Report::default()
    };
    let mut found = vec![false; t.features.len()];
    let mut attributed: Vec<(String, String)> = Vec::with_capacity(reported.len());
    let mut fp_count: HashMap<(String, String), usize> = HashMap::new();
    for r in reported {
        if let Some(i) = by_key
            .get_mut(&(r.kind.as_str(), r.normalized.as_str(), r.path.as_str()))
            .and_then(|v| v.pop())
        {
            found[i] = true;
            attributed.push(keys[i].clone());
            continue;
        }
        // A false positive: attribute it.
        let (form, expected) = if let Some(&i) = by_place.get(&(r.kind.as_str(), r.path.as_str())) {
            let f = &t.features[i];
            let exp = (f.normalized != r.normalized).then(|| f.normalized.clone());
            (f.form.as_str().to_string(), exp)
        } else {
            let outer: Option<u64> = r.path.split('-').next().and_then(|s| s.parse().ok());
            let span = outer.and_then(|o| {
                let idx = spans.partition_point(|s| s.0 <= o);
                idx.checked_sub(1).map(|j| spans[j]).filter(|s| o < s.1)
            });
            match span {
                Some((_, _, Some(d), _)) => {
                    let dec = &t.decoys[d];
                    report.decoy_hits.push(DecoyHit {
                        kind: r.kind.clone(),
                        path: r.path.clone(),
                        normalized: r.normalized.clone(),
                        what: dec.what.clone(),
                        decoy: dec.value.clone(),
                    });
                    (String::from("decoy"), None)
                }
                Some((_, _, None, form)) => (form.to_string(), None),
                None => (String::from("background"), None),
            }
        };
        let key = row(&r.kind, &form);
        let n = fp_count.entry(key.clone()).or_default();
        *n += 1;
        let listed = report.wrong_value.len() + report.false_positives.len();
        if *n <= EXAMPLES && listed < EXAMPLES_TOTAL && form != "decoy" {
            let e = Example {
                kind: r.kind.clone(),
                form: form.clone(),
                path: r.path.clone(),
                normalized: r.normalized.clone(),
                expected: expected.clone(),
            };
            if expected.is_some() {
                report.wrong_value.push(e);
            } else {
                report.false_positives.push(e);
            }
        }
        attributed.push(key);
    }
    for (i, f) in t.features.iter().enumerate() {
        let Some(r) = rows.get_mut(&keys[i]) else {
            continue;
        };
        r.planted += 1;
        if found[i] {
            r.found += 1;
        }
        if f.boundary {
            report.boundary.planted += 1;
            if found[i] {
                report.boundary.found += 1;
            }
        }
    }
    let mut missed_count: HashMap<&(String, String), usize> = HashMap::new();
    for (i, f) in t.features.iter().enumerate() {
        if !found[i] {
            let n = missed_count.entry(&keys[i]).or_default();
            *n += 1;
            if *n <= EXAMPLES && report.missed.len() < EXAMPLES_TOTAL {
                report.missed.push(Example {
                    kind: f.kind.as_str().to_string(),
                    form: f.form.as_str().to_string(),
                    path: f.path.clone(),
                    normalized: f.normalized.clone(),
                    expected: None,
                });
            }
        }
    }
    for key in &attributed {
        if let Some(r) = rows.get_mut(key) {
            r.reported += 1;
        }
    }
    let mut rows: Vec<Row> = rows.into_values().collect();
    rows.sort_by_key(|r| (kind_rank(&r.kind), r.kind.clone(), form_rank(&r.form)));
    let mut kinds: Vec<Row> = Vec::new();
    for r in &rows {
        match kinds.last_mut() {
            Some(k) if k.kind == r.kind => {
                k.planted += r.planted;
                k.found += r.found;
                k.reported += r.reported;
            }
            _ => kinds.push(Row {
                form: String::from("all"),
                ..r.clone()
            }),
        }
    }
    report.rows = rows;
    report.kinds = kinds;
    report
}

/// A per-kind table comparing two reports on the same truth.
pub fn compare_table(names: (&str, &str), a: &Report, b: &Report) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{:<8} {:>8} | {:>10} {:>10} {:>9} | {:>10} {:>10} {:>9}",
        "kind",
        "planted",
        format!("{} rec", names.0),
        format!("{} prec", names.0),
        "reported",
        format!("{} rec", names.1),
        format!("{} prec", names.1),
        "reported"
    );
    let mut kinds: Vec<&str> = a
        .kinds
        .iter()
        .chain(&b.kinds)
        .map(|r| r.kind.as_str())
        .collect();
    kinds.sort_by_key(|k| (kind_rank(k), k.to_string()));
    kinds.dedup();
    let empty = Row::default();
    for k in kinds {
        let ra = a.kind(k).unwrap_or(&empty);
        let rb = b.kind(k).unwrap_or(&empty);
        let _ = writeln!(
            out,
            "{:<8} {:>8} | {:>10} {:>10} {:>9} | {:>10} {:>10} {:>9}",
            k,
            ra.planted.max(rb.planted),
            pct(ra.recall()),
            pct(ra.precision()),
            ra.reported,
            pct(rb.recall()),
            pct(rb.precision()),
            rb.reported
        );
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{TruthDecoy, TruthFeature};

    fn tf(kind: Kind, normalized: &str, path: &str, form: Form, item: u64) -> TruthFeature {
        TruthFeature {
            kind,
            normalized: normalized.into(),
            value: normalized.into(),
            path: path.into(),
            form,
            encoding: None,
            boundary: false,
            derived: false,
            item,
            item_len: 100,
        }
    }

    fn rep(kind: &str, n: &str, p: &str) -> Reported {
        Reported {
            kind: kind.into(),
            normalized: n.into(),
            path: p.into(),
        }
    }

    #[test]
    fn matches_and_attributes() {
        let t = Truth {
            header: None,
            features: vec![
                tf(Kind::Email, "a@b.com", "1010", Form::Plain, 1000),
                tf(Kind::Email, "c@d.com", "2001-GZIP-40", Form::Gzip, 2000),
                tf(Kind::Url, "http://x.com/", "3010", Form::Plain, 3000),
                tf(Kind::Domain, "x.com", "3017", Form::Plain, 3000),
            ],
            decoys: vec![TruthDecoy {
                kind: Kind::Ip,
                what: "version-string".into(),
                value: "1.2.3.4.5".into(),
                offset: 5000,
            }],
        };
        let r = score_parsed(
            &t,
            &[
                rep("email", "a@b.com", "1010"),
                rep("email", "a@b.com", "1010"), // duplicate: FP in plain
                rep("email", "C@d.com", "2001-GZIP-40"), // wrong normalization
                rep("url", "http://x.com/", "3010"),
                rep("ip", "1.2.3.4", "5000"),        // decoy
                rep("phone", "+6681234567", "9000"), // background
            ],
        );
        let row = |k: &str, f: &str| {
            r.rows
                .iter()
                .find(|x| x.kind == k && x.form == f)
                .cloned()
                .unwrap()
        };
        assert_eq!(
            row("email", "plain"),
            Row {
                kind: "email".into(),
                form: "plain".into(),
                planted: 1,
                found: 1,
                reported: 2
            }
        );
        assert_eq!(row("email", "gzip").found, 0);
        assert_eq!(row("email", "gzip").reported, 1);
        assert_eq!(r.wrong_value.len(), 1);
        assert_eq!(r.wrong_value[0].expected.as_deref(), Some("c@d.com"));
        assert_eq!(row("domain", "plain").recall(), 0.0);
        assert_eq!(row("ip", "decoy").reported, 1);
        assert_eq!(r.decoy_hits.len(), 1);
        assert_eq!(row("phone", "background").reported, 1);
        assert_eq!(r.kind("email").unwrap().precision(), 1.0 / 3.0);
        assert_eq!(r.kind("url").unwrap().recall(), 1.0);
        assert!(!r.targets_met());
        let text = r.to_string();
        assert!(text.contains("NOT met"), "{text}");
        assert!(text.contains("decoy hit: ip"), "{text}");
    }

    #[test]
    fn perfect_run_meets_targets() {
        let t = Truth {
            header: None,
            features: vec![tf(
                Kind::Iban,
                "DE89370400440532013000",
                "77",
                Form::Plain,
                70,
            )],
            decoys: vec![],
        };
        let r = score_parsed(&t, &[rep("iban", "DE89370400440532013000", "77")]);
        assert!(r.targets_met());
        assert!(r.to_string().contains(": met"));
        let c = compare_table(("ours", "be"), &r, &score_parsed(&t, &[]));
        assert!(c.contains("100.00%") && c.contains("0.00%"), "{c}");
    }
}
