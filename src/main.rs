//! `exhibit`: the command line. It parses flags and wires the library crates
//! together; the work lives in `crates/`.

mod cli;
mod cmd;
mod exit;
mod output;
mod progress;

use clap::Parser;

/// Parsing mail, SQLite and the index allocate many small objects; mimalloc
/// is markedly faster at that than the system allocator.
#[global_allocator]
static ALLOC: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() {
    let cli = cli::Cli::parse();
    let result = cmd::run(cli);
    std::process::exit(exit::report(result));
}
