//! Which store holds a case's rows: SQLite (`CASE/case.db`, the default)
//! or a schema of a PostgreSQL database that `CASE/store.json` names, so a
//! team can work on one case. The link never holds a password: it comes
//! from `PGPASSWORD` when the store is opened.

use std::hash::{BuildHasher, Hasher};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::{Browse, CaseStore, PgStore, SqliteStore, StoreError};

/// The link file in a case folder.
pub const LINK_FILE: &str = "store.json";

/// Where a case's rows are, as `store.json` records it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoreLink {
    /// `postgres`.
    pub backend: String,
    /// Server and database, without a password.
    pub url: String,
    /// The PostgreSQL schema holding this case.
    pub schema: String,
}

impl StoreLink {
    /// `URL schema NAME`, for messages and custody entries.
    pub fn describe(&self) -> String {
        format!("{} schema {}", self.url, self.schema)
    }
}

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> StoreError + '_ {
    move |source| StoreError::LinkIo {
        path: path.to_path_buf(),
        source,
    }
}

/// The link of a case whose rows are on a server, if any.
pub fn link(case_dir: &Path) -> Result<Option<StoreLink>, StoreError> {
    let path = case_dir.join(LINK_FILE);
    match std::fs::read(&path) {
        Ok(data) => serde_json::from_slice(&data)
            .map(Some)
            .map_err(|e| StoreError::Link(format!("{}: {e}", path.display()))),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(io(&path)(e)),
    }
}

/// Opens the store of the case in `case_dir`, wherever it is.
pub fn open_case_store(case_dir: &Path) -> Result<Box<dyn CaseStore>, StoreError> {
    Ok(match link(case_dir)? {
        Some(l) => Box::new(open_link(&l)?),
        None => Box::new(SqliteStore::open_case(case_dir)?),
    })
}

/// Opens the store of the case in `case_dir`, wherever it is, with the
/// page queries of the workbench (which serves cases on either backend).
pub fn open_browse(case_dir: &Path) -> Result<Box<dyn Browse>, StoreError> {
    Ok(match link(case_dir)? {
        Some(l) => Box::new(open_link(&l)?),
        None => Box::new(SqliteStore::open_case(case_dir)?),
    })
}

/// Opens the store of a case that has one (a link, or a `case.db`); `None`
/// for a case never triaged. For readers that must not create a store.
pub fn open_existing(case_dir: &Path) -> Result<Option<Box<dyn CaseStore>>, StoreError> {
    if link(case_dir)?.is_none() && !case_dir.join(crate::DB_FILE).is_file() {
        return Ok(None);
    }
    open_case_store(case_dir).map(Some)
}

/// Opens a linked PostgreSQL store.
pub fn open_link(l: &StoreLink) -> Result<PgStore, StoreError> {
    if l.backend != "postgres" {
        return Err(StoreError::Link(format!(
            "unknown case store backend `{}`",
            l.backend
        )));
    }
    PgStore::open(&with_password(&l.url), &l.schema)
}

/// Whether `url` names a PostgreSQL server.
pub fn is_postgres_url(url: &str) -> bool {
    url.starts_with("postgres://") || url.starts_with("postgresql://")
}

/// Links the case in `case_dir` to a PostgreSQL server
/// (`postgres://user@host:port/db`): a new schema of its own is made there.
/// A case already linked to the same server keeps its schema; one linked
/// elsewhere, or whose SQLite store already holds evidence, is refused
/// (`exhibit case migrate` moves it).
pub fn attach(case_dir: &Path, url: &str) -> Result<StoreLink, StoreError> {
    if !is_postgres_url(url) {
        return Err(StoreError::Link(format!(
            "`{url}` is not a postgres:// URL (SQLite is the default)"
        )));
    }
    let bare = without_password(url);
    if let Some(l) = link(case_dir)? {
        if l.url != bare {
            return Err(StoreError::Link(format!(
                "{}: the case's store is {}, not {bare}",
                case_dir.display(),
                l.describe()
            )));
        }
        return Ok(l);
    }
    let db = case_dir.join(crate::DB_FILE);
    if db.exists() && SqliteStore::open(&db)?.counts()?.evidence > 0 {
        return Err(StoreError::Link(format!(
            "{}: the case already has rows in {}; `exhibit case migrate {} --to {bare}` moves them",
            case_dir.display(),
            db.display(),
            case_dir.display()
        )));
    }
    let l = StoreLink {
        backend: "postgres".into(),
        url: bare,
        schema: new_schema_name(),
    };
    // Made before the link is written: a link always names a schema that exists.
    open_link(&l)?;
    write_link(case_dir, Some(&l))?;
    Ok(l)
}

/// Writes (or, with `None`, removes) a case's link, atomically.
pub fn write_link(case_dir: &Path, l: Option<&StoreLink>) -> Result<(), StoreError> {
    let path = case_dir.join(LINK_FILE);
    match l {
        Some(l) => {
            let tmp = PathBuf::from(format!("{}.tmp", path.display()));
            let mut data = serde_json::to_vec_pretty(l)
                .map_err(|e| StoreError::Link(format!("{}: {e}", path.display())))?;
            data.push(b'\n');
            std::fs::write(&tmp, data).map_err(io(&tmp))?;
            std::fs::rename(&tmp, &path).map_err(io(&path))?;
        }
        None => match std::fs::remove_file(&path) {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => return Err(io(&path)(e)),
            _ => {}
        },
    }
    Ok(())
}

/// A schema name no other case on the server has: `case_` and 16 random
/// hex digits (random per process and call, from the standard library's
/// hasher keys and the clock).
pub fn new_schema_name() -> String {
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write_u128(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos()),
    );
    h.write_u32(std::process::id());
    format!("case_{:016x}", h.finish())
}

/// Splits `scheme://auth@host…` into (scheme, user info, host and rest).
fn split_auth(url: &str) -> Option<(&str, Option<&str>, &str)> {
    let (scheme, rest) = url.split_once("://")?;
    let auth_end = rest.find('/').unwrap_or(rest.len());
    Some(match rest[..auth_end].rfind('@') {
        Some(at) => (scheme, Some(&rest[..at]), &rest[at + 1..]),
        None => (scheme, None, rest),
    })
}

/// The URL with its password (if any) removed: what a case folder may keep.
pub fn without_password(url: &str) -> String {
    match split_auth(url) {
        Some((scheme, Some(user), host)) => {
            let user = user.split_once(':').map_or(user, |(u, _)| u);
            format!("{scheme}://{user}@{host}")
        }
        _ => url.to_string(),
    }
}

/// The URL with `PGPASSWORD` put in when it names a user without one.
fn with_password(url: &str) -> String {
    let Ok(pw) = std::env::var("PGPASSWORD") else {
        return url.to_string();
    };
    match split_auth(url) {
        Some((scheme, Some(user), host)) if !user.contains(':') => {
            format!("{scheme}://{user}:{}@{host}", percent(&pw))
        }
        _ => url.to_string(),
    }
}

/// Percent-encodes what a URL's password part cannot hold as is.
fn percent(s: &str) -> String {
    s.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_link_never_keeps_the_password() {
        assert_eq!(
            without_password("postgres://ex:s3cret@db.local:5432/cases"),
            "postgres://ex@db.local:5432/cases"
        );
        assert_eq!(
            without_password("postgres://ex@db.local/cases"),
            "postgres://ex@db.local/cases"
        );
        assert_eq!(
            without_password("postgres://db.local/cases"),
            "postgres://db.local/cases"
        );
        assert_eq!(percent("a b/@"), "a%20b%2F%40");
    }

    #[test]
    fn schema_names_differ_and_are_valid() {
        let (a, b) = (new_schema_name(), new_schema_name());
        assert_ne!(a, b);
        assert!(
            a.len() <= 63
                && a.bytes()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == b'_')
        );
    }

    #[test]
    fn a_case_without_a_link_is_sqlite() {
        let tmp = tempfile::tempdir().unwrap();
        assert_eq!(link(tmp.path()).unwrap(), None);
        let l = StoreLink {
            backend: "postgres".into(),
            url: "postgres://u@h/db".into(),
            schema: "case_1".into(),
        };
        write_link(tmp.path(), Some(&l)).unwrap();
        assert_eq!(link(tmp.path()).unwrap(), Some(l));
        write_link(tmp.path(), None).unwrap();
        assert_eq!(link(tmp.path()).unwrap(), None);
    }
}
