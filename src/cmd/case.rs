use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::Context;
use exhibit_case::Case;
use exhibit_hash::{Algorithm, MultiHasher};
use exhibit_store::{CaseStore, SqliteStore};

use crate::cli::CaseCommand;

pub fn run(cmd: CaseCommand) -> anyhow::Result<()> {
    match cmd {
        CaseCommand::Init {
            dir,
            name,
            number,
            examiner,
        } => {
            let case = Case::init(&dir, &name, &number, &examiner, jiff::Timestamp::now())
                .with_context(|| format!("creating case {}", dir.display()))?;
            println!(
                "created case {} ({}) in {}",
                case.info().name,
                case.info().number,
                dir.display()
            );
            Ok(())
        }
        CaseCommand::Show { case, json } => {
            let case = Case::open(&case)?;
            let evidence = case.evidence()?;
            if json {
                return crate::output::json(&serde_json::json!({
                    "case": case.info(),
                    "evidence": evidence,
                }));
            }
            let i = case.info();
            println!("case      {} ({})", i.name, i.number);
            println!("examiner  {}", i.examiner);
            println!("created   {}", i.created);
            println!("evidence  {} item(s)", evidence.len());
            super::evidence::print_list(&evidence);
            Ok(())
        }
        CaseCommand::Dump { case } => dump(&case),
        CaseCommand::Migrate { case, to, examiner } => migrate(&case, &to, examiner.as_deref()),
    }
}

/// `exhibit case dump`.
fn dump(case: &Path) -> anyhow::Result<()> {
    let case = Case::open(case)?;
    let store = crate::store::open(case.dir())?;
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    let mut failed: Option<std::io::Error> = None;
    store.dump(&mut |r| {
        if failed.is_none() {
            let line = serde_json::to_string(&r).map_err(std::io::Error::other);
            if let Err(e) = line.and_then(|l| writeln!(out, "{l}")) {
                failed = Some(e);
            }
        }
        Ok(())
    })?;
    if let Some(e) = failed {
        return crate::output::ended(Err(e));
    }
    crate::output::ended(out.flush())
}

/// SHA-256 and count of a store's dump: equal for equal contents.
fn dump_digest(store: &dyn CaseStore) -> anyhow::Result<(String, u64)> {
    let mut h = MultiHasher::new(&[Algorithm::Sha256]);
    let mut n = 0u64;
    let mut bad: Option<serde_json::Error> = None;
    store.dump(&mut |r| {
        match serde_json::to_vec(&r) {
            Ok(mut v) => {
                v.push(b'\n');
                h.update(&v);
                n += 1;
            }
            Err(e) => bad = Some(e),
        }
        Ok(())
    })?;
    if let Some(e) = bad {
        return Err(e.into());
    }
    let hex = h
        .finish()
        .hex(Algorithm::Sha256)
        .ok_or_else(|| anyhow::anyhow!("no digest"))?;
    Ok((hex, n))
}

/// `exhibit case migrate`.
fn migrate(case: &Path, to: &str, examiner: Option<&str>) -> anyhow::Result<()> {
    use exhibit_store::link::{self as store, StoreLink};
    let case = Case::open(case)?;
    let dir = case.dir();
    let from_link = store::link(dir)?;
    let db = dir.join(exhibit_store::DB_FILE);
    // The custody log must verify before anything moves, and after.
    verify_custody(&case)?;
    let from = crate::store::open(dir)?;
    let (to_link, to_store): (Option<StoreLink>, Box<dyn CaseStore>) = if to == "sqlite" {
        anyhow::ensure!(
            from_link.is_some(),
            "{}: the case's rows are already in SQLite ({})",
            dir.display(),
            db.display()
        );
        // A case.db here is what a failed migration back left: the link
        // still names the server, so it was never the case's store.
        for suffix in ["", "-wal", "-shm"] {
            let p = PathBuf::from(format!("{}{suffix}", db.display()));
            match std::fs::remove_file(&p) {
                Err(e) if e.kind() != std::io::ErrorKind::NotFound => {
                    return Err(e).with_context(|| format!("{}", p.display()))
                }
                _ => {}
            }
        }
        (None, Box::new(SqliteStore::open(&db)?))
    } else {
        anyhow::ensure!(
            store::is_postgres_url(to),
            "--to: `{to}` is neither a postgres:// URL nor `sqlite`"
        );
        let l = StoreLink {
            backend: "postgres".into(),
            url: store::without_password(to),
            schema: store::new_schema_name(),
        };
        if let Some(f) = &from_link {
            anyhow::ensure!(
                f.url != l.url,
                "{}: the case's rows are already on {} (schema {})",
                dir.display(),
                f.url,
                f.schema
            );
        }
        let s = store::open_link(&l)?;
        (Some(l), Box::new(s))
    };
    let started = std::time::Instant::now();
    let copied = exhibit_store::copy_case(&*from, &*to_store).context("copying the case's rows")?;
    let (a, na) = dump_digest(&*from)?;
    let (b, nb) = dump_digest(&*to_store)?;
    anyhow::ensure!(
        a == b && na == nb,
        "the copy differs from the case ({na} rows, SHA-256 {a}; copy: {nb} rows, SHA-256 {b}): the case still uses its old store"
    );
    verify_custody(&case)?;
    drop(from);
    drop(to_store);
    // Switch: the case now names its new store; the old one is kept aside.
    let describe = |l: &Option<StoreLink>| match l {
        Some(l) => l.describe(),
        None => format!("sqlite {}", exhibit_store::DB_FILE),
    };
    store::write_link(dir, to_link.as_ref())?;
    let kept = if from_link.is_none() {
        let aside = aside_name(&db);
        for suffix in ["", "-wal", "-shm"] {
            let p = PathBuf::from(format!("{}{suffix}", db.display()));
            if p.exists() {
                let q = PathBuf::from(format!("{}{suffix}", aside.display()));
                std::fs::rename(&p, &q).with_context(|| format!("{}", p.display()))?;
            }
        }
        format!("{}", aside.display())
    } else {
        describe(&from_link)
    };
    let examiner = crate::output::examiner(&examiner.map(str::to_string), Some(&case));
    let details = std::collections::BTreeMap::from([
        ("from".to_string(), describe(&from_link)),
        ("to".to_string(), describe(&to_link)),
        ("rows".to_string(), na.to_string()),
        ("dump_sha256".to_string(), a.clone()),
        ("old_store_kept".to_string(), kept.clone()),
    ]);
    case.record_action(
        &examiner,
        "store migrated",
        None,
        details,
        jiff::Timestamp::now(),
    )?;
    verify_custody(&case)?;
    println!(
        "moved {na} rows ({} files, {} findings, {} events, {} messages) in {:.1} s to {}",
        copied.files,
        copied.findings,
        copied.events,
        copied.messages,
        started.elapsed().as_secs_f64(),
        describe(&to_link)
    );
    println!("  both sides dump to SHA-256 {a}; custody log verified");
    println!("  the old store is kept: {kept}");
    Ok(())
}

/// A free name beside `db` for the store a migration left behind.
fn aside_name(db: &Path) -> PathBuf {
    (0..)
        .map(|i| {
            if i == 0 {
                PathBuf::from(format!("{}.migrated", db.display()))
            } else {
                PathBuf::from(format!("{}.migrated.{i}", db.display()))
            }
        })
        .find(|p| !p.exists())
        .unwrap_or_else(|| db.with_extension("migrated"))
}

fn verify_custody(case: &Case) -> anyhow::Result<()> {
    let report = case.verify_custody(&[])?;
    anyhow::ensure!(
        report.problems.is_empty(),
        "{}: the custody log does not verify ({} problem(s)): run `exhibit custody verify`",
        case.dir().display(),
        report.problems.len()
    );
    Ok(())
}
