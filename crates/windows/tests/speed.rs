//! Extraction speed over the shared test data (run with `--ignored`,
//! preferably `--release`): events per second for the library alone, no
//! output. `bench/artefacts` measures the whole command against plaso.

mod common;

use std::time::Instant;

#[test]
#[ignore]
fn extraction_speed() {
    let rounds = 10;
    let start = Instant::now();
    let mut n = 0;
    for _ in 0..rounds {
        let (events, _) = exhibit_windows::artefacts_from_dir(&common::data_dir()).unwrap();
        n += events.len();
    }
    let s = start.elapsed().as_secs_f64();
    println!(
        "{rounds} rounds: {n} events in {s:.2} s, {:.0} events/s",
        n as f64 / s
    );
}
