//! Errors of the case store.

use std::path::PathBuf;

/// What went wrong in the case store.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The database could not be opened or created.
    #[error("{path}: {source}")]
    Open {
        /// The database file.
        path: PathBuf,
        /// The cause.
        source: rusqlite::Error,
    },
    /// A statement failed.
    #[error("case store: {0}")]
    Sql(#[from] rusqlite::Error),
    /// The PostgreSQL server could not be reached or refused the login.
    #[error("{url}: {source}")]
    Connect {
        /// The connection URL, password masked.
        url: String,
        /// The cause.
        source: postgres::Error,
    },
    /// TLS to the PostgreSQL server could not be set up as its URL asks
    /// (`sslmode`, `sslrootcert`).
    #[error("{url}: TLS: {what}")]
    Tls {
        /// The connection URL, password masked.
        url: String,
        /// What is wrong.
        what: String,
    },
    /// A PostgreSQL statement failed.
    #[error("case store: {0}")]
    Postgres(#[from] postgres::Error),
    /// A case schema name PostgreSQL cannot hold safely (it is spliced
    /// into statements, so only `[a-z0-9_]`, 1 to 63 characters, and no
    /// system or shared schema).
    #[error("invalid case schema name {0:?}: use 1 to 63 of [a-z0-9_], not public or pg_*")]
    SchemaName(String),
    /// A number that does not fit the database's signed 64-bit integers
    /// (or a stored number that does not fit the row's type).
    #[error("case store: {0} out of range")]
    Range(&'static str),
    /// A case is copied only into an empty store: loading twice would
    /// duplicate findings, events and messages (they have no unique key).
    #[error("case store: the destination of a case copy already holds rows")]
    NotEmpty,
    /// The database was written by a newer Exhibit.
    #[error("case store schema version {found} is newer than this Exhibit's ({supported})")]
    TooNew {
        /// The version in the database.
        found: i64,
        /// The newest version this build knows.
        supported: i64,
    },
    /// The store is unusable (e.g. a thread panicked while holding it).
    #[error("case store: {0}")]
    Poisoned(String),
    /// The case folder's store link could not be read or written.
    #[error("{path}: {source}")]
    LinkIo {
        /// The link file.
        path: std::path::PathBuf,
        /// The cause.
        source: std::io::Error,
    },
    /// The case folder's store link is wrong or does not fit the request.
    #[error("case store: {0}")]
    Link(String),
}
