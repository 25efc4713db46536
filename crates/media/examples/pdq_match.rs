//! Times matching PDQ queries against a large list with [`PdqIndex`]:
//! `cargo run --release -p exhibit-media --example pdq_match [entries] [queries]`.
//! Prints `pdq-match: entries queries build_s query_s hits`.

use std::time::Instant;

use exhibit_media::{PdqHash, PdqIndex};

fn rng(s: &mut u64) -> u64 {
    *s ^= *s << 13;
    *s ^= *s >> 7;
    *s ^= *s << 17;
    *s
}

fn main() {
    let mut args = std::env::args().skip(1);
    let entries: usize = args
        .next()
        .and_then(|a| a.parse().ok())
        .unwrap_or(1_000_000);
    let queries: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(10_000);
    let mut s = 0x2545_f491_4f6c_dd1du64;
    let list: Vec<PdqHash> = (0..entries)
        .map(|_| PdqHash::from_words([rng(&mut s), rng(&mut s), rng(&mut s), rng(&mut s)]))
        .collect();
    // Half the queries are near copies (≤ 20 bits changed) of list entries.
    let qs: Vec<PdqHash> = (0..queries)
        .map(|i| {
            if i % 2 == 0 && !list.is_empty() {
                let mut w = list[(rng(&mut s) as usize) % list.len()].words();
                for _ in 0..(i % 21) {
                    let b = rng(&mut s) % 256;
                    w[(b / 64) as usize] ^= 1 << (b % 64);
                }
                PdqHash::from_words(w)
            } else {
                PdqHash::from_words([rng(&mut s), rng(&mut s), rng(&mut s), rng(&mut s)])
            }
        })
        .collect();
    let t = Instant::now();
    let idx = PdqIndex::new(&list);
    let build = t.elapsed().as_secs_f64();
    let t = Instant::now();
    let hits: usize = qs.iter().map(|q| idx.query(q, 31).len()).sum();
    let query = t.elapsed().as_secs_f64();
    println!("pdq-match: {entries} {queries} {build:.3} {query:.3} {hits}");
}
