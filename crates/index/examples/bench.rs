//! Indexing benchmark: 1,000,000 finding docs and 300 MB of text in 20,000 text docs, 2 threads.
//!
//! ```text
//! cargo run --release -p exhibit-index --example bench [-- FINDINGS TEXT_DOCS TEXT_KB HEAP_MB THREADS]
//! ```

use std::time::Instant;

use exhibit_index::{parse_query, Doc, DocKind, Index, IndexError};

/// xorshift64*: fast, deterministic.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
}

/// A vocabulary of pseudo-words with a Zipf-like draw (frequent short words, a long tail).
struct Words(Vec<String>);

impl Words {
    fn new(n: usize) -> Words {
        let mut rng = Rng(42);
        let letters = b"abcdefghijklmnopqrstuvwxyz";
        let words = (0..n)
            .map(|i| {
                let len = 2 + (i % 9) + (rng.next() % 3) as usize;
                (0..len)
                    .map(|_| char::from(letters[(rng.next() % 26) as usize]))
                    .collect()
            })
            .collect();
        Words(words)
    }

    fn fill(&self, rng: &mut Rng, out: &mut String, bytes: usize) {
        out.clear();
        while out.len() < bytes {
            let r = rng.next();
            // Square the uniform draw to favour the head of the vocabulary.
            let u = (r >> 40) as f64 / (1u64 << 24) as f64;
            let i = ((u * u) * self.0.len() as f64) as usize;
            out.push_str(&self.0[i.min(self.0.len() - 1)]);
            out.push(if r.is_multiple_of(13) { '\n' } else { ' ' });
        }
    }
}

/// CPU seconds (user + system, all threads) used by this process so far (Linux; 0 elsewhere).
fn cpu() -> f64 {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    let after = stat.rsplit(')').next().unwrap_or("");
    let f: Vec<&str> = after.split_whitespace().collect();
    let ticks = |i: usize| f.get(i).and_then(|v| v.parse::<f64>().ok()).unwrap_or(0.0);
    (ticks(11) + ticks(12)) / 100.0
}

fn arg(n: usize, default: usize) -> usize {
    std::env::args()
        .nth(n)
        .and_then(|a| a.parse().ok())
        .unwrap_or(default)
}

fn main() -> Result<(), IndexError> {
    let findings = arg(1, 1_000_000);
    let text_docs = arg(2, 20_000);
    let text_bytes = arg(3, 15) * 1000;
    let heap = arg(4, 512) * 1_000_000;
    let threads = arg(5, 2);
    let tmp = tempfile::tempdir().map_err(|source| IndexError::Io {
        path: std::env::temp_dir(),
        source,
    })?;
    let dir = tmp.path().join("index");
    let index = Index::open(&dir)?;
    let words = Words::new(200_000);
    let tags = ["email", "url", "ipv4", "phone", "btc"];

    let start = Instant::now();
    let cpu0 = cpu();
    let mut w = index.writer(threads, heap)?;
    w.delete_evidence("E1")?;
    let mut rng = Rng(7);
    let mut text = String::new();
    for i in 0..findings {
        let tag = tags[i % tags.len()];
        let value = match tag {
            "email" => format!("user{}@domain{}.com", i % 50_000, i % 997),
            "url" => format!("https://site{}.example.org/p/{}", i % 3000, i),
            "ipv4" => format!("10.{}.{}.{}", i % 256, (i / 256) % 256, i % 200),
            "phone" => format!("+6681{:07}", i % 10_000_000),
            _ => format!("bc1q{:038x}", rng.next() as u128 * 0x9e37_79b9),
        };
        words.fill(&mut rng, &mut text, 60);
        w.add(&Doc {
            kind: DocKind::Finding,
            evidence: "E1".into(),
            key: i.to_string(),
            sort: format!("{:015}", i * 512),
            tag: tag.into(),
            value,
            path: format!("/home/user{}/Documents/file{}.txt", i % 50, i % 20_000),
            time: (i % 2 == 0).then(|| {
                jiff::Timestamp::from_second(1_700_000_000 + i as i64).unwrap_or_default()
            }),
            text: text.clone(),
        })?;
    }
    let added = start.elapsed().as_secs_f64();
    w.commit()?;
    let t_findings = start.elapsed().as_secs_f64();
    let cpu_findings = cpu() - cpu0;
    println!(
        "findings: added in {added:.1} s, commit took {:.1} s, {cpu_findings:.1} CPU s",
        t_findings - added
    );

    let start = Instant::now();
    let cpu0 = cpu();
    let mut w = index.writer(threads, heap)?;
    w.delete_evidence("E2")?;
    let mut total = 0usize;
    let mut gen = 0.0;
    for i in 0..text_docs {
        let g = Instant::now();
        words.fill(&mut rng, &mut text, text_bytes);
        gen += g.elapsed().as_secs_f64();
        total += text.len();
        w.add(&Doc {
            kind: DocKind::Text,
            evidence: "E2".into(),
            key: i.to_string(),
            sort: format!("/home/user{}/file{:06}.txt", i % 50, i),
            tag: "text/plain".into(),
            value: format!("/home/user{}/file{:06}.txt", i % 50, i),
            path: format!("/home/user{}/file{:06}.txt", i % 50, i),
            time: None,
            text: std::mem::take(&mut text),
        })?;
    }
    let added = start.elapsed().as_secs_f64();
    w.commit()?;
    let t_text = start.elapsed().as_secs_f64();
    let cpu_text = cpu() - cpu0;
    println!("text: added in {added:.1} s, commit took {:.1} s, {cpu_text:.1} CPU s (text generation {gen:.1} s)", t_text - added);

    let size: u64 = std::fs::read_dir(&dir)
        .map(|d| {
            d.flatten()
                .filter_map(|e| e.metadata().ok())
                .map(|m| m.len())
                .sum()
        })
        .unwrap_or(0);
    println!("threads {threads}, heap {} MB", heap / 1_000_000);
    println!(
        "{findings} findings: {t_findings:.1} s ({:.0} docs/s)",
        findings as f64 / t_findings
    );
    println!(
        "{text_docs} text docs, {:.0} MB: {t_text:.1} s ({:.1} MB/s; generating the text took {gen:.1} s of it)",
        total as f64 / 1e6,
        total as f64 / 1e6 / t_text
    );
    let segments = std::fs::read_dir(&dir)
        .map(|d| {
            d.flatten()
                .filter(|e| e.path().extension().is_some_and(|x| x == "idx"))
                .count()
        })
        .unwrap_or(0);
    println!("{segments} segments");
    println!("index size {:.0} MB", size as f64 / 1e6);
    for q in [
        "user0@domain0.com",
        "domain5.com type:email",
        "value:10.2.0.2",
        "path:/home/user7 in:finding",
        "from:2023-11-15 to:2023-11-16",
        &format!("{} {}", words.0[3], words.0[10]),
        &format!("\"{} {}\"", words.0[3], words.0[10]),
        "",
    ] {
        let query = parse_query(q)?;
        let t = Instant::now();
        let n = index.count(&query)?;
        let tc = t.elapsed().as_secs_f64() * 1000.0;
        let t = Instant::now();
        let hits = index.search(&exhibit_index::Query {
            limit: Some(100),
            ..query.clone()
        })?;
        let ts = t.elapsed().as_secs_f64() * 1000.0;
        let t = Instant::now();
        let all = index.search(&query)?;
        let ta = t.elapsed().as_secs_f64() * 1000.0;
        println!(
            "{q:40} count {n:>8} in {tc:7.1} ms; top 100 ({}) in {ts:7.1} ms; all ({}) in {ta:7.1} ms",
            hits.len(),
            all.len()
        );
    }
    Ok(())
}
