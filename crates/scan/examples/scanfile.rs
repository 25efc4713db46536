//! Scans an image and prints what was found and how fast.
//!
//! `cargo run --release -p exhibit-scan --example scanfile -- IMAGE [--threads N]
//! [--chunk MIB] [--kinds email,url,…] [--out DIR] [--show N]`

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;
use std::time::Instant;

use exhibit_scan::{escape, scan_source, DirSink, Feature, Kind, ScanConfig, Sink, Source};

/// Counts features per kind, keeps the first few.
struct Count {
    n: [AtomicU64; Kind::ALL.len()],
    notes: AtomicU64,
    show: usize,
    shown: Mutex<Vec<Feature>>,
}

impl Sink for Count {
    fn feature(&self, f: Feature) {
        self.n[Kind::ALL.iter().position(|&k| k == f.kind).unwrap_or(0)]
            .fetch_add(1, Ordering::Relaxed);
        let mut s = self.shown.lock().unwrap();
        if s.len() < self.show {
            s.push(f);
        }
    }
    fn note(&self, path: &str, what: &str) {
        self.notes.fetch_add(1, Ordering::Relaxed);
        eprintln!("note {path}: {what}");
    }
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let Some(path) = args.first() else {
        eprintln!("usage: scanfile IMAGE [--threads N] [--chunk MIB] [--kinds k,…] [--out DIR] [--show N]");
        std::process::exit(2);
    };
    let opt = |name: &str| {
        args.iter()
            .position(|a| a == name)
            .and_then(|i| args.get(i + 1))
            .cloned()
    };
    let mut cfg = ScanConfig::default();
    if let Some(t) = opt("--threads") {
        cfg.threads = t.parse().expect("--threads");
    }
    if let Some(c) = opt("--chunk") {
        cfg.chunk = c.parse::<usize>().expect("--chunk") << 20;
    }
    if let Some(k) = opt("--kinds") {
        cfg.kinds = k
            .split(',')
            .map(|n| Kind::from_name(n).expect("unknown kind"))
            .collect();
    }
    let src = match exhibit_evidence::open(path) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("{e}");
            std::process::exit(1);
        }
    };
    let t0 = Instant::now();
    let show = opt("--show").map_or(0, |s| s.parse().expect("--show"));
    let (stats, summary) = if let Some(out) = opt("--out") {
        let sink = DirSink::create(&out, src.name()).expect("output dir");
        let stats = scan_source(&src, &cfg, &sink, &|_| {}).expect("scan");
        (stats, format!("{:?}", sink.finish().expect("write")))
    } else {
        let sink = Count {
            n: Default::default(),
            notes: AtomicU64::new(0),
            show,
            shown: Mutex::new(Vec::new()),
        };
        let stats = scan_source(&src, &cfg, &sink, &|_| {}).expect("scan");
        for f in sink.shown.lock().unwrap().iter() {
            println!(
                "{}\t{}\t{}\t{}",
                f.kind,
                f.path,
                f.value,
                escape(&f.context)
            );
        }
        (stats, String::new())
    };
    let secs = t0.elapsed().as_secs_f64();
    let mb = src.len() as f64 / 1e6;
    println!("{}", serde_json::to_string(&stats).unwrap_or_default());
    if !summary.is_empty() {
        println!("{summary}");
    }
    println!(
        "{path}: {:.1} MB in {secs:.3} s = {:.0} MB/s ({:.2} ns/byte/thread with {} threads)",
        mb,
        mb / secs,
        secs * 1e9 / src.len().max(1) as f64 * cfg.threads.max(1) as f64,
        cfg.threads
    );
}
