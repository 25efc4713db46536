use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

/// Exhibit: an offline workbench for cybercrime investigations.
///
/// Evidence is only ever opened read-only; every action on evidence in a
/// case is written to the case's chain-of-custody log.
#[derive(Parser, Debug)]
#[command(name = "exhibit", version, about, long_about = None, after_help = crate::exit::EXIT_CODES_HELP)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Build a training case from a generated sample image (no real evidence needed).
    Demo {
        /// Folder to build the case in (replaced if it holds an earlier demo).
        #[arg(long, default_value = "exhibit-demo")]
        out: PathBuf,
    },
    /// Hash evidence: MD5, SHA-1, SHA-256 (and BLAKE3) in one read pass.
    /// For an E01 the media is hashed and compared with the stored hashes.
    Hash(HashArgs),
    /// Show what an evidence container is: kind, size, segments, stored hashes, case metadata.
    Info {
        /// Evidence file (first segment of a set).
        path: PathBuf,
        /// Output JSON.
        #[arg(long)]
        json: bool,
    },
    /// Image a device or file read-only into a split raw image with hashes and a log.
    Acquire(AcquireArgs),
    /// Re-hash an acquisition folder and compare with its acquisition log.
    Verify {
        /// Folder written by `exhibit acquire`.
        dir: PathBuf,
        /// Record the verification in this case's custody log.
        #[arg(long)]
        case: Option<PathBuf>,
        /// Examiner (defaults to the case's examiner).
        #[arg(long)]
        examiner: Option<String>,
        /// Output JSON.
        #[arg(long)]
        json: bool,
    },
    /// List the partitions of an image, like TSK's `mmls`.
    Mmls {
        /// Evidence image.
        image: PathBuf,
        /// Output JSON.
        #[arg(long)]
        json: bool,
    },
    /// List files (allocated and deleted) of the file systems in an image, like `fls`.
    Ls(LsArgs),
    /// Write a file's content to standard output, like `icat`.
    Cat(CatArgs),
    /// A timeline of every file-system time in an image, like `fls -m` + `mactime`; given a
    /// triaged case folder, the case's stored timeline (optionally between `--from` and `--to`).
    Timeline(TimelineArgs),
    /// Find leads (e-mail, URLs, IPs, phones, cards, IBANs, wallets, onions) anywhere in the bytes,
    /// also in UTF-16 text and inside gzip/zip/base64/PDF streams.
    Scan(ScanArgs),
    /// Build a searchable case from seized evidence in one command: register, list and hash
    /// every file, build the timeline and scan for leads (resumable; a rerun adds nothing).
    Triage(TriageArgs),
    /// Process units of distributed triages from a NATS JetStream queue (`exhibit triage
    /// --distributed`), on any machine that can read the evidence and the case folder.
    Worker(crate::cmd::distributed::WorkerArgs),
    /// Units of a case's distributed triage: done, running, waiting, failed (with reasons).
    Status(crate::cmd::distributed::StatusArgs),
    /// Findings of a triaged case: each value with how often it was found, most frequent first.
    Findings {
        /// Case folder.
        case: PathBuf,
        /// Only this kind (email, url, domain, ip, ipv6, phone, ccn, iban, wallet, onion, i2p, gps).
        #[arg(long = "type")]
        kind: Option<String>,
        /// At most this many values.
        #[arg(long)]
        top: Option<usize>,
        /// Only values on this watchlist (one value per line, optionally a tab or comma and a
        /// label; `#` starts a comment; typed by a `# type: email|domain|ip|wallet|…` line or by
        /// each line's shape; a listed domain also matches its subdomains).
        #[arg(long, value_name = "FILE")]
        watchlist: Option<PathBuf>,
        /// Output JSON.
        #[arg(long)]
        json: bool,
    },
    /// Search a triaged case: finding values, file paths and timeline descriptions containing the
    /// text (case-insensitive substring), and e-mail messages and file text containing its words
    /// (full-text index). Filters in the query: `type:email`, `value:…`, `path:/home/alice`,
    /// `in:message`, `ev:E1`, `from:2024-01-01`, `to:2024-02-01`, `"a phrase"`.
    Search {
        /// Case folder.
        case: PathBuf,
        /// What to find, with optional filters.
        query: String,
        /// Only `finding`, `file`, `event`, `message` or `text` hits, or findings of one kind
        /// (email, url, …).
        #[arg(long = "type")]
        kind: Option<String>,
        /// At most this many hits per table.
        #[arg(long)]
        limit: Option<usize>,
        /// Output JSON.
        #[arg(long)]
        json: bool,
    },
    /// Files of a triaged case, with hashes and type by content.
    Files {
        /// Case folder.
        case: PathBuf,
        /// Only deleted files.
        #[arg(long)]
        deleted: bool,
        /// Only files whose type by content starts with this (e.g. `image/`).
        #[arg(long = "type")]
        mime: Option<String>,
        /// Output JSON.
        #[arg(long)]
        json: bool,
    },
    /// E-mail messages found in a triaged case: date (UTC, with the sender's zone), sender,
    /// subject and where each message is.
    Messages {
        /// Case folder.
        case: PathBuf,
        /// Output JSON.
        #[arg(long)]
        json: bool,
    },
    /// E-mail investigations: where a message came from and whether it lies.
    #[command(subcommand)]
    Mail(MailCommand),
    /// Cryptocurrency: clusters and flows from Bitcoin ledger files you hold (offline).
    #[command(subcommand)]
    Crypto(crate::cmd::crypto::CryptoCommand),
    /// Export a case for another agency or tool: CASE/UCO JSON-LD, STIX 2.1, Parquet tables.
    Export(crate::cmd::export::ExportArgs),
    /// The court report: one self-contained HTML file (English, Thai, …) with evidence, custody,
    /// tagged findings and events, e-mail routes, crypto flows and a glossary.
    Report(crate::cmd::report::ReportArgs),
    /// Tag a finding or event for the report, with a note.
    Tag(crate::cmd::report::TagArgs),
    /// Evidence packages for partner agencies: build one with a signed manifest, or verify one.
    #[command(subcommand)]
    Package(crate::cmd::package::PackageCommand),
    /// Draft a legal request from the case (Budapest Convention art. 29 preservation, art. 31
    /// disclosure), in English plus the requester's language.
    #[command(subcommand)]
    Request(crate::cmd::request::RequestCommand),
    /// Enrich leads offline: GeoIP/ASN, special ranges, registrable domains, lookalikes of
    /// protected names, watchlists, defanged forms.
    Enrich(crate::cmd::enrich::EnrichArgs),
    /// Darknet traces in an image or folder: Tor Browser, torrc, onion services (address derived
    /// from the key), I2P routers and tunnels, crypto wallet files.
    Darknet(crate::cmd::darknet::DarknetArgs),
    /// Pictures and videos: hash them (MD5, SHA-1, PDQ), match them against hash sets, list a
    /// case's pictures for examiner-safe review.
    #[command(subcommand)]
    Media(crate::cmd::media::MediaCommand),
    /// Carve pictures and videos out of an image's bytes (unallocated space, slack), each with
    /// its offset.
    Carve(crate::cmd::media::CarveArgs),
    /// Conversations, calls and contacts from phone extractions (WhatsApp, SMS, LINE, Telegram…).
    #[command(subcommand)]
    Phone(crate::cmd::phone::PhoneCommand),
    /// Windows artefacts: event logs, registry, shortcuts, prefetch, recycle bin, browsers.
    #[command(subcommand)]
    Windows(crate::cmd::windows::WindowsCommand),
    /// Serve cases to a browser: the web workbench (multi-user, offline).
    Serve(crate::cmd::serve::ServeArgs),
    /// Workbench accounts: add users, set roles and case membership.
    #[command(subcommand)]
    User(crate::cmd::serve::UserCommand),
    /// Create and inspect cases.
    #[command(subcommand)]
    Case(CaseCommand),
    /// Register, list and verify evidence in a case.
    #[command(subcommand)]
    Evidence(EvidenceCommand),
    /// Chain of custody: show, checkpoint (sign) and verify the log.
    #[command(subcommand)]
    Custody(CustodyCommand),
    /// Examiner signing keys (Ed25519).
    #[command(subcommand)]
    Key(KeyCommand),
}

#[derive(Args, Debug)]
pub struct HashArgs {
    /// Files or evidence containers to hash.
    #[arg(required = true)]
    pub paths: Vec<PathBuf>,
    /// Algorithms, comma-separated: md5, sha1, sha256, blake3.
    #[arg(long, value_delimiter = ',', default_value = "md5,sha1,sha256")]
    pub algo: Vec<String>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = HashFormat::Text)]
    pub format: HashFormat,
    /// Shorthand for `--format json`.
    #[arg(long)]
    pub json: bool,
    /// No progress bar.
    #[arg(long, short)]
    pub quiet: bool,
}

#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum HashFormat {
    /// One block per file, with stored-hash comparison for E01.
    Text,
    /// JSON lines, one object per file.
    Json,
    /// `md5sum` line format.
    Md5sum,
    /// `sha1sum` line format.
    Sha1sum,
    /// `sha256sum` line format.
    Sha256sum,
}

#[derive(Args, Debug)]
pub struct AcquireArgs {
    /// Device or file to image (opened read-only).
    pub source: PathBuf,
    /// Output folder for the segments and the acquisition log.
    #[arg(long)]
    pub out: PathBuf,
    /// Base name of the image files (default: the source's file name).
    #[arg(long)]
    pub name: Option<String>,
    /// Segment size, e.g. 650M, 2G, 4096 (multiple of 512).
    #[arg(long, default_value = "2G")]
    pub segment_size: String,
    /// Examiner name (defaults to the case's examiner with --case).
    #[arg(long)]
    pub examiner: Option<String>,
    /// Case number for the acquisition log.
    #[arg(long)]
    pub case_number: Option<String>,
    /// Evidence number / label for the acquisition log.
    #[arg(long)]
    pub evidence_number: Option<String>,
    /// Description of the source.
    #[arg(long)]
    pub description: Option<String>,
    /// Record the acquisition in this case and register the image as evidence.
    #[arg(long)]
    pub case: Option<PathBuf>,
    /// No progress bar.
    #[arg(long, short)]
    pub quiet: bool,
    /// Output the acquisition log as JSON.
    #[arg(long)]
    pub json: bool,
}

/// Options shared by the file-system commands.
#[derive(Args, Debug)]
pub struct FsArgs {
    /// Evidence image (raw, split raw, E01, VHD, VHDX, VMDK or QCOW2).
    pub image: PathBuf,
    /// Only this partition (number as `exhibit ls` shows it; default: all).
    #[arg(long, short)]
    pub partition: Option<usize>,
    /// Time zone FAT local times were written in (e.g. Asia/Bangkok; default UTC).
    #[arg(long, default_value = "UTC")]
    pub tz: String,
    /// Record the examination in this case's custody log (the image must be registered).
    #[arg(long)]
    pub case: Option<PathBuf>,
    /// Examiner (defaults to the case's examiner).
    #[arg(long)]
    pub examiner: Option<String>,
}

#[derive(Args, Debug)]
pub struct LsArgs {
    #[command(flatten)]
    pub fs: FsArgs,
    /// Only deleted entries.
    #[arg(long, short)]
    pub deleted: bool,
    /// Recurse into directories (default: the root directory only).
    #[arg(long, short)]
    pub recursive: bool,
    /// Output JSON lines.
    #[arg(long)]
    pub json: bool,
}

#[derive(Args, Debug)]
pub struct CatArgs {
    #[command(flatten)]
    pub fs: FsArgs,
    /// Metadata address (`13`, `37-128-1`) or full path (`/dir/file.txt`).
    pub file: String,
    /// A named stream (NTFS alternate data stream).
    #[arg(long)]
    pub stream: Option<String>,
}

#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum TimelineFormat {
    /// TSK body file 3.x (for mactime and plaso).
    Bodyfile,
    /// CSV with full-resolution UTC times and a MACB column.
    Csv,
    /// JSON lines, one event per line.
    Jsonl,
}

#[derive(Args, Debug)]
pub struct TimelineArgs {
    #[command(flatten)]
    pub fs: FsArgs,
    /// Output format (default: bodyfile for an image, csv for a case folder; a case has csv and
    /// jsonl).
    #[arg(long, value_enum)]
    pub format: Option<TimelineFormat>,
    /// Output JSON: `--format jsonl`, as the other listings' `--json`.
    #[arg(long, conflicts_with = "format")]
    pub json: bool,
    /// Case folder only: events at or after this time (RFC 3339, e.g. 2021-07-22T14:00:00Z).
    #[arg(long)]
    pub from: Option<String>,
    /// Case folder only: events before this time (RFC 3339).
    #[arg(long)]
    pub to: Option<String>,
}

#[derive(Args, Debug)]
pub struct ScanArgs {
    /// Evidence (raw, split raw, E01, VHD(X), VMDK, QCOW2) or any file.
    pub source: PathBuf,
    /// Output folder: features.jsonl, <kind>.txt feature files, <kind>_histogram.txt, and
    /// features-files.jsonl (each feature with the file holding it) when a file system is found.
    #[arg(long)]
    pub out: PathBuf,
    /// Scanners to run, comma-separated (email,url,domain,ip,ipv6,phone,ccn,iban,wallet,onion,i2p).
    #[arg(long, value_delimiter = ',')]
    pub scanners: Vec<String>,
    /// Worker threads (default: all cores).
    #[arg(long)]
    pub threads: Option<usize>,
    /// No progress bar.
    #[arg(long, short)]
    pub quiet: bool,
    /// Record the scan in this case's custody log (the source must be registered).
    #[arg(long)]
    pub case: Option<PathBuf>,
    /// Examiner (defaults to the case's examiner).
    #[arg(long)]
    pub examiner: Option<String>,
}

#[derive(Args, Debug)]
pub struct TriageArgs {
    /// Evidence (raw, split raw, E01, VHD(X), VMDK, QCOW2), first segment of each item.
    #[arg(required = true)]
    pub evidence: Vec<PathBuf>,
    /// Case folder (created if it does not exist).
    #[arg(long)]
    pub case: PathBuf,
    /// Case name, for a new case (default: the folder name).
    #[arg(long)]
    pub name: Option<String>,
    /// Case number, for a new case.
    #[arg(long)]
    pub number: Option<String>,
    /// Examiner (defaults to the case's examiner).
    #[arg(long)]
    pub examiner: Option<String>,
    /// Scanner threads (default: all cores).
    #[arg(long)]
    pub threads: Option<usize>,
    /// Keep the case's rows on a PostgreSQL server (`postgres://user@host:port/db`, password
    /// from PGPASSWORD) in a schema of their own, instead of SQLite in the case folder; the case
    /// folder records where (`store.json`), so every later command finds them.
    #[arg(long, env = "EXHIBIT_STORE", value_name = "URL")]
    pub store: Option<String>,
    /// Cut disk and partition images into units (files, ranges of the scan) and hand them to
    /// `exhibit worker` processes through the NATS JetStream server at --queue; needs a
    /// PostgreSQL store (--store), and workers that can read the evidence and the case folder.
    #[arg(long, requires = "queue")]
    pub distributed: bool,
    /// NATS server for --distributed (`nats://host:4222`).
    #[arg(long, env = "EXHIBIT_QUEUE", value_name = "URL")]
    pub queue: Option<String>,
    /// With --distributed: MiB of the image each scan unit covers.
    #[arg(long, default_value_t = 256, value_name = "MIB")]
    pub scan_unit_mib: u64,
    /// Bytes of each text file's content put in the full-text index (0: file text not indexed).
    #[arg(long, default_value_t = exhibit_triage::TEXT_LIMIT)]
    pub text_limit: usize,
    /// Time zone FAT local times were written in (e.g. Asia/Bangkok); without it they are read
    /// as UTC and the timeline says so.
    #[arg(long)]
    pub tz: Option<String>,
    /// Values to watch for (one per line, optionally a tab and a label; `#` comments): hits are
    /// listed in the summary and flagged by the enrichment.
    #[arg(long, value_name = "FILE")]
    pub watchlist: Vec<PathBuf>,
    /// Reference data the findings are enriched with (special IP ranges and the bundled
    /// example list of protected names are always used).
    #[command(flatten)]
    pub reference: crate::cmd::enrich::ReferenceArgs,
    /// Print the summary as JSON.
    #[arg(long)]
    pub json: bool,
    /// No progress output.
    #[arg(long, short)]
    pub quiet: bool,
}

#[derive(Subcommand, Debug)]
pub enum MailCommand {
    /// Analyse .eml, mbox or .msg files (or folders of them): the route each message took, its
    /// origin IP, authentication verdicts (DKIM verified offline against a DNS snapshot), signs
    /// of deception with the header lines behind them, attachments with hashes, and leads.
    Analyze(crate::cmd::mail::MailAnalyzeArgs),
}

#[derive(Subcommand, Debug)]
pub enum CaseCommand {
    /// Create a case folder.
    Init {
        /// Folder to create (must not exist or be empty).
        dir: PathBuf,
        /// Case name.
        #[arg(long)]
        name: String,
        /// Case number.
        #[arg(long)]
        number: String,
        /// Lead examiner.
        #[arg(long)]
        examiner: String,
    },
    /// Show the case record and its evidence.
    Show {
        /// Case folder.
        case: PathBuf,
        /// Output JSON.
        #[arg(long)]
        json: bool,
    },
    /// Print every row of the case store as JSON lines (no row ids; files named by their key),
    /// in row order: the same case gives the same lines whatever store holds it, so two
    /// examiners (or a local and a distributed triage) can compare cases with `diff`.
    Dump {
        /// Case folder.
        case: PathBuf,
    },
    /// Move the case's rows to another store: `--to postgres://user@host:port/db` (password
    /// from PGPASSWORD; a schema of its own is made) or `--to sqlite` (back into the case
    /// folder). Every row is copied, both sides are dumped and compared, the custody log is
    /// verified, and only then does the case point at the new store (the move is logged).
    Migrate {
        /// Case folder.
        case: PathBuf,
        /// Destination: a postgres:// URL or `sqlite`.
        #[arg(long)]
        to: String,
        /// Examiner (defaults to the case's examiner).
        #[arg(long)]
        examiner: Option<String>,
    },
}

#[derive(Subcommand, Debug)]
pub enum EvidenceCommand {
    /// Register evidence: hash it and record it in the custody log.
    Add {
        /// Case folder.
        case: PathBuf,
        /// Evidence file (first segment of a set).
        path: PathBuf,
        /// Description (what it is, where it was seized).
        #[arg(long)]
        description: Option<String>,
        /// Examiner (defaults to the case's examiner).
        #[arg(long)]
        examiner: Option<String>,
        /// No progress bar.
        #[arg(long, short)]
        quiet: bool,
        /// Output JSON.
        #[arg(long)]
        json: bool,
    },
    /// List registered evidence.
    List {
        /// Case folder.
        case: PathBuf,
        /// Output JSON.
        #[arg(long)]
        json: bool,
    },
    /// Re-hash registered evidence and compare with its record.
    Verify {
        /// Case folder.
        case: PathBuf,
        /// Evidence id (default: all).
        id: Option<String>,
        /// Examiner (defaults to the case's examiner).
        #[arg(long)]
        examiner: Option<String>,
        /// No progress bar.
        #[arg(long, short)]
        quiet: bool,
    },
}

#[derive(Subcommand, Debug)]
pub enum CustodyCommand {
    /// Print the custody log.
    Show {
        /// Case folder.
        case: PathBuf,
        /// Output the raw JSON lines.
        #[arg(long)]
        json: bool,
    },
    /// Sign the current tree head of the custody log with an examiner key.
    Checkpoint {
        /// Case folder.
        case: PathBuf,
        /// Secret key file (from `exhibit key new`).
        #[arg(long)]
        key: Option<PathBuf>,
        /// Examiner (defaults to the case's examiner).
        #[arg(long)]
        examiner: Option<String>,
    },
    /// Prove the custody log is unmodified, or say exactly where it is not.
    Verify {
        /// Case folder.
        case: PathBuf,
        /// Public key files whose signatures are trusted (default: any key, reported).
        #[arg(long)]
        trust: Vec<PathBuf>,
        /// Output JSON.
        #[arg(long)]
        json: bool,
    },
}

#[derive(Subcommand, Debug)]
pub enum KeyCommand {
    /// Create a new Ed25519 signing key (never overwrites an existing one).
    New {
        /// Secret key path; the public key is written beside it with `.pub`.
        #[arg(long)]
        out: Option<PathBuf>,
    },
    /// Show the public key and fingerprint of a key.
    Show {
        /// Secret or public key file.
        #[arg(long)]
        key: Option<PathBuf>,
    },
}
