//! `exhibit`: the command line. It parses flags and wires the library crates
//! together; the work lives in `crates/`.

mod cli;
mod cmd;
mod exit;
mod output;
mod progress;
mod store;

use clap::Parser;

/// Parsing mail, SQLite and the index allocate many small objects; mimalloc
/// is markedly faster at that than the system allocator.
#[global_allocator]
static ALLOC: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[cfg(target_os = "linux")]
extern "C" {
    fn prctl(option: std::ffi::c_int, ...) -> std::ffi::c_int;
}

#[cfg(unix)]
extern "C" {
    fn signal(signum: std::ffi::c_int, handler: usize) -> usize;
}

/// `SIGPIPE` and `SIG_DFL`.
#[cfg(unix)]
const SIGPIPE: std::ffi::c_int = 13;
#[cfg(unix)]
const SIG_DFL: usize = 0;

/// Linux `PR_SET_THP_DISABLE`.
#[cfg(target_os = "linux")]
const PR_SET_THP_DISABLE: std::ffi::c_int = 41;

fn main() {
    // No transparent huge pages for this process: mimalloc asks for them on
    // its arenas, and the kernel then zeroes 2 MiB at each first touch,
    // of which parsers that allocate and free buffers file after file use
    // little (an eighth of the CPU of `windows artefacts` on a large set of
    // logs, and of triage). Failure only leaves the system's default.
    // SAFETY: a plain prctl call with integer arguments; nothing else runs yet.
    #[cfg(target_os = "linux")]
    unsafe {
        prctl(
            PR_SET_THP_DISABLE,
            1 as std::ffi::c_ulong,
            0 as std::ffi::c_ulong,
            0 as std::ffi::c_ulong,
            0 as std::ffi::c_ulong,
        );
    }
    let cli = cli::Cli::parse();
    // A listing piped into `head` ends quietly when the reader goes, as
    // Unix tools do (Rust ignores SIGPIPE, and a print to a closed pipe
    // panicked). Not for the server, whose clients may hang up any time.
    #[cfg(unix)]
    if !matches!(cli.command, cli::Command::Serve(_)) {
        // SAFETY: restores the default action of one signal, before any
        // thread starts.
        unsafe {
            signal(SIGPIPE, SIG_DFL);
        }
    }
    let result = cmd::run(cli);
    std::process::exit(exit::report(result));
}
