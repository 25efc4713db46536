//! `exhibit package`: evidence packages with a signed manifest.
//!
//! Building writes the archive through a temporary sibling and a rename
//! (never into the case folder, never over evidence), then records a
//! `packaged` custody entry with the archive's SHA-256; if that entry
//! cannot be appended the archive is removed again. Verifying reads only
//! the archive (and the trusted keys).

use std::ffi::OsString;
use std::path::{Path, PathBuf};

use anyhow::Context;
use clap::Parser;
use exhibit_case::Case;
use exhibit_custody::{fingerprint, load_signing_key, load_verifying_key};
use exhibit_package::{BuildOptions, PackageError};

use crate::exit::VerificationFailed;
use crate::output::examiner;

/// `exhibit package` subcommands.
#[derive(clap::Subcommand, Debug)]
pub enum PackageCommand {
    /// Build the package of a case (the same as `exhibit package CASE --out FILE`).
    Create(CreateArgs),
    /// Verify a package as the receiving agency: signature, every file's SHA-256, nothing added or
    /// missing, and the custody log inside. Exit code 5 when it fails.
    Verify(VerifyArgs),
    /// `exhibit package CASE --out FILE …`: a case folder in place of a subcommand.
    #[command(external_subcommand)]
    Case(Vec<OsString>),
}

/// Flags of `exhibit package [create] CASE`.
#[derive(clap::Args, Debug)]
pub struct CreateArgs {
    /// Case folder
    pub case: PathBuf,
    /// Archive to write (POSIX tar); outside the case folder
    #[arg(long)]
    pub out: PathBuf,
    /// Examiner's secret key signing the manifest (default: $EXHIBIT_KEY or ~/.config/exhibit/examiner.key)
    #[arg(long)]
    pub key: Option<PathBuf>,
    /// Also include the files of this folder (files the examiner extracted) under files/<folder name>/; repeatable
    #[arg(long, value_name = "DIR")]
    pub with_files: Vec<PathBuf>,
    /// Examiner making the package (defaults to the case's examiner)
    #[arg(long)]
    pub examiner: Option<String>,
    /// Creation time written in the manifest (RFC 3339; default: now): the same case and time give the same bytes
    #[arg(long)]
    pub time: Option<jiff::Timestamp>,
    /// At most this many distinct lead values in the CASE export
    #[arg(long, default_value_t = 1000)]
    pub max_findings: usize,
    /// Replace an existing --out file
    #[arg(long)]
    pub force: bool,
}

/// Flags of `exhibit package verify`.
#[derive(clap::Args, Debug)]
pub struct VerifyArgs {
    /// The package file
    pub file: PathBuf,
    /// Accept only signatures by this public key (file of 64 hex digits); repeatable
    #[arg(long, value_name = "PUB")]
    pub trusted_key: Vec<PathBuf>,
}

/// `exhibit package CASE …` parsed with the `create` flags.
#[derive(Parser, Debug)]
#[command(name = "exhibit package", about = "Build the package of a case")]
struct CaseForm {
    #[command(flatten)]
    args: CreateArgs,
}

/// Runs an `exhibit package` subcommand.
pub fn run(cmd: PackageCommand) -> anyhow::Result<()> {
    match cmd {
        PackageCommand::Create(args) => create(&args),
        PackageCommand::Verify(args) => verify(&args),
        PackageCommand::Case(words) => {
            let argv = std::iter::once(OsString::from("exhibit package")).chain(words);
            let parsed = CaseForm::try_parse_from(argv).unwrap_or_else(|e| e.exit());
            create(&parsed.args)
        }
    }
}

fn case_error(e: PackageError) -> anyhow::Error {
    match e {
        PackageError::Case(c) => c.into(),
        PackageError::Custody(c) => c.into(),
        e @ PackageError::CustodyFails(_) => {
            VerificationFailed(format!("not packaged: {e}")).into()
        }
        other => other.into(),
    }
}

fn create(args: &CreateArgs) -> anyhow::Result<()> {
    let case = Case::open(&args.case)?;
    let who = examiner(&args.examiner, Some(&case));
    let key_path = args
        .key
        .clone()
        .unwrap_or_else(super::key::default_key_path);
    let key = load_signing_key(&key_path)?;

    let out = std::path::absolute(&args.out).unwrap_or_else(|_| args.out.clone());
    let case_dir = std::path::absolute(case.dir()).unwrap_or_else(|_| case.dir().to_path_buf());
    let out_parent = out
        .parent()
        .map(|p| p.canonicalize().unwrap_or_else(|_| p.to_path_buf()))
        .unwrap_or_default();
    let case_real = case_dir.canonicalize().unwrap_or(case_dir);
    anyhow::ensure!(
        !out_parent.starts_with(&case_real),
        "{}: inside the case folder; write the package elsewhere",
        out.display()
    );
    let out = crate::output::out_path(&case, &out, args.force)?;

    let opts = BuildOptions {
        key: &key,
        packaged_by: who.clone(),
        created: args.time.unwrap_or_else(jiff::Timestamp::now),
        tool: format!("exhibit {}", env!("CARGO_PKG_VERSION")),
        with_files: args.with_files.clone(),
        max_findings: args.max_findings,
    };
    let built = crate::output::write_atomic(&out, |w| {
        exhibit_package::build(&case, &opts, w).map_err(case_error)
    })?;

    let details = std::collections::BTreeMap::from([
        ("destination".to_string(), out.display().to_string()),
        ("format".to_string(), exhibit_package::FORMAT.to_string()),
        ("size".to_string(), built.archive_size.to_string()),
        ("sha256".to_string(), built.archive_sha256.clone()),
        ("manifest_sha256".to_string(), built.manifest_sha256.clone()),
        ("files".to_string(), built.manifest.files.len().to_string()),
        ("key".to_string(), built.signature.fingerprint.clone()),
        (
            "checkpoint_tree_size".to_string(),
            built.manifest.checkpoint.tree_size.to_string(),
        ),
    ]);
    if let Err(e) = case.record_action(&who, "packaged", None, details, jiff::Timestamp::now()) {
        let _ = std::fs::remove_file(&out);
        return Err(anyhow::Error::from(e)).context("recording the package in the custody log");
    }
    println!(
        "packaged {} to {}: {} files, {} bytes, sha256 {}",
        case.info().number,
        out.display(),
        built.manifest.files.len(),
        built.archive_size,
        built.archive_sha256
    );
    println!(
        "signed by {} (key {}); custody checkpoint: {} entries, root {}",
        who,
        fingerprint(&key.verifying_key()),
        built.manifest.checkpoint.tree_size,
        built.manifest.checkpoint.root_hash
    );
    println!("recorded in the custody log (action \"packaged\")");
    Ok(())
}

fn verify(args: &VerifyArgs) -> anyhow::Result<()> {
    let mut trusted = Vec::new();
    for p in &args.trusted_key {
        trusted.push(load_verifying_key(p)?);
    }
    let file = std::fs::File::open(&args.file)
        .with_context(|| format!("opening {}", args.file.display()))?;
    let mut reader = std::io::BufReader::new(file);
    let result = match exhibit_package::verify(&mut reader, &trusted) {
        Ok(r) => r,
        Err(e @ PackageError::Corrupt { .. }) => {
            println!("package {}", args.file.display());
            println!("FAILS: {e}");
            return Err(VerificationFailed(format!(
                "package {} does not verify: {e}",
                args.file.display()
            ))
            .into());
        }
        Err(e) => return Err(e).with_context(|| format!("reading {}", args.file.display())),
    };
    print_result(&args.file, &result);
    if let Some(first) = result.failures.first() {
        return Err(VerificationFailed(format!(
            "package {} does not verify: {first}",
            args.file.display()
        ))
        .into());
    }
    Ok(())
}

fn print_result(path: &Path, r: &exhibit_package::Verified) {
    println!("package {}", path.display());
    if let Some(m) = &r.manifest {
        println!(
            "  case        {} ({}), examiner {}",
            m.case.number, m.case.name, m.case.examiner
        );
        println!(
            "  packaged by {} on {} with {}",
            m.packaged_by, m.created, m.tool
        );
        println!(
            "  checkpoint  {} custody entries, root {}, signed by {} (key {}) on {}",
            m.checkpoint.tree_size,
            m.checkpoint.root_hash,
            m.checkpoint.examiner,
            m.checkpoint.key_fingerprint,
            m.checkpoint.time
        );
    }
    match (&r.fingerprint, &r.public_key) {
        (Some(fp), Some(pk)) => println!(
            "  signed with key {fp} (public key {pk}){}{}",
            if r.signature_ok {
                ": signature valid"
            } else {
                ": signature INVALID"
            },
            match r.signer_trusted {
                Some(true) => ", trusted key",
                Some(false) => ", NOT a trusted key",
                None => "",
            }
        ),
        _ => println!("  signature unreadable"),
    }
    println!(
        "  files       {} checked against the manifest",
        r.files_checked
    );
    if let Some(c) = &r.custody {
        println!(
            "  custody log {} entries, {} checkpoint(s){}",
            c.entries,
            c.checkpoints,
            if c.problems.is_empty() {
                ", verifies"
            } else {
                ""
            }
        );
    }
    if r.failures.is_empty() {
        println!("OK: nothing in the package was altered since it was signed");
    } else {
        for f in &r.failures {
            println!("FAILS: {f}");
        }
    }
}
