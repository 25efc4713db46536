//! Streams `blk*.dat` files through the clusterer and prints the counts and
//! the time taken (the library half of `bench/chain`, for profiling
//! without building the whole `exhibit` binary).
//!
//! `cargo run --release -p exhibit-chain --example stream_cluster -- blk*.dat`

use std::path::PathBuf;
use std::time::Instant;

use exhibit_chain::{ClusterOptions, StreamClusterer};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let files: Vec<PathBuf> = std::env::args_os().skip(1).map(PathBuf::from).collect();
    let t0 = Instant::now();
    let mut s = StreamClusterer::new(&ClusterOptions {
        skip_detected_coinjoins: true,
        ..Default::default()
    });
    for f in &files {
        s.add_blk_file(f, &[])?;
    }
    let state = s.state_bytes();
    let (c, stats) = s.finish();
    let secs = t0.elapsed().as_secs_f64();
    println!(
        "{} blocks, {} txs, {} bytes, {} clusters, state {} bytes, {:.3} s, {:.1} MB/s",
        stats.blocks,
        stats.txs,
        stats.bytes,
        c.clusters.len(),
        state,
        secs,
        stats.bytes as f64 / secs / 1e6
    );
    Ok(())
}
