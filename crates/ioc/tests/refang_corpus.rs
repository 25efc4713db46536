//! Precision and recall of `refang` over the hand-written corpus.

use exhibit_ioc::{refang, Kind};
use std::collections::BTreeMap;

const CORPUS: &str = include_str!("data/refang_corpus.tsv");

/// (kind, value) → count: a multiset, so a repeated indicator counts twice.
fn bag(items: impl Iterator<Item = (Kind, String)>) -> BTreeMap<(Kind, String), usize> {
    let mut m = BTreeMap::new();
    for k in items {
        *m.entry(k).or_insert(0) += 1;
    }
    m
}

#[test]
fn corpus_precision_and_recall() {
    let (mut tp, mut fp, mut fn_) = (0usize, 0usize, 0usize);
    let mut lines = 0;
    let mut misses = Vec::new();
    for (no, line) in CORPUS.lines().enumerate() {
        if line.is_empty() || (line.starts_with("# ") && !line.contains('\t')) {
            continue;
        }
        lines += 1;
        let (input, expected) = line.split_once('\t').unwrap_or((line, ""));
        let want = bag(expected.split(';').filter(|s| !s.is_empty()).map(|s| {
            let (k, v) = s.split_once(':').expect("kind:value");
            (k.parse::<Kind>().expect("known kind"), v.to_string())
        }));
        let found = refang(input);
        for i in &found {
            assert_eq!(
                refang(&input[i.span.0..i.span.1]).first().map(|j| &j.value),
                Some(&i.value),
                "line {}: span {:?} does not hold {}",
                no + 1,
                i.span,
                i.value
            );
        }
        let got = bag(found.into_iter().map(|i| (i.kind, i.value)));
        let mut line_ok = true;
        for (k, &n) in &want {
            let g = got.get(k).copied().unwrap_or(0);
            tp += n.min(g);
            if g < n {
                fn_ += n - g;
                line_ok = false;
            }
        }
        for (k, &g) in &got {
            let n = want.get(k).copied().unwrap_or(0);
            if g > n {
                fp += g - n;
                line_ok = false;
            }
        }
        if !line_ok {
            misses.push(format!(
                "line {}: {input:?}\n  want {want:?}\n  got  {got:?}",
                no + 1
            ));
        }
    }
    let n = tp + fn_;
    let precision = tp as f64 / (tp + fp).max(1) as f64;
    let recall = tp as f64 / n.max(1) as f64;
    println!("refang corpus: precision {precision:.4} recall {recall:.4} over {n} indicators ({lines} lines)");
    for m in &misses {
        println!("{m}");
    }
    assert!(lines >= 200, "corpus has only {lines} lines");
    assert!(
        precision >= 0.99 && recall >= 0.99,
        "{} mismatching lines",
        misses.len()
    );
}
