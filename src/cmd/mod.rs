//! One module per subcommand; each turns parsed flags into library calls.

mod acquire;
mod case;
pub mod crypto;
mod custody;
pub mod darknet;
mod demo;
pub mod distributed;
pub mod enrich;
mod evidence;
pub mod export;
mod fs;
mod hash;
mod info;
mod key;
pub mod mail;
pub mod media;
pub mod package;
pub mod phone;
pub mod report;
pub mod request;
mod scan;
pub mod serve;
mod triage;
pub mod windows;

use crate::cli::{Cli, Command};

/// Runs the parsed command line.
pub fn run(cli: Cli) -> anyhow::Result<()> {
    match cli.command {
        Command::Demo { out } => demo::run(&out),
        Command::Hash(args) => hash::run(&args),
        Command::Info { path, json } => info::run(&path, json),
        Command::Acquire(args) => acquire::run(&args),
        Command::Verify {
            dir,
            case,
            examiner,
            json,
        } => acquire::verify(&dir, case.as_deref(), &examiner, json),
        Command::Mmls { image, json } => fs::mmls(&image, json),
        Command::Ls(args) => fs::ls(&args),
        Command::Cat(args) => fs::cat(&args),
        Command::Timeline(args) => fs::timeline(&args),
        Command::Scan(args) => scan::run(&args),
        Command::Triage(args) => triage::run(&args),
        Command::Worker(a) => distributed::worker(&a),
        Command::Status(a) => distributed::status(&a),
        Command::Findings {
            case,
            kind,
            top,
            watchlist,
            json,
        } => triage::findings(&case, kind.as_deref(), top, watchlist.as_deref(), json),
        Command::Search {
            case,
            query,
            kind,
            limit,
            json,
        } => triage::search(&case, &query, kind.as_deref(), limit, json),
        Command::Files {
            case,
            deleted,
            mime,
            json,
        } => triage::files(&case, deleted, mime.as_deref(), json),
        Command::Messages { case, json } => triage::messages(&case, json),
        Command::Mail(crate::cli::MailCommand::Analyze(args)) => mail::analyze(&args),
        Command::Crypto(c) => crypto::run(c),
        Command::Export(a) => export::run(&a),
        Command::Report(a) => report::run(&a),
        Command::Tag(a) => report::tag(&a),
        Command::Package(c) => package::run(c),
        Command::Request(c) => request::run(c),
        Command::Enrich(a) => enrich::run(&a),
        Command::Darknet(a) => darknet::run(&a),
        Command::Media(c) => media::run(c),
        Command::Carve(a) => media::carve(&a),
        Command::Phone(c) => phone::run(c),
        Command::Windows(c) => windows::run(c),
        Command::Serve(a) => serve::run(&a),
        Command::User(c) => serve::user(c),
        Command::Case(c) => case::run(c),
        Command::Evidence(c) => evidence::run(c),
        Command::Custody(c) => custody::run(c),
        Command::Key(c) => key::run(c),
    }
}
