//! The two backends the store tests run on: each test body takes a
//! [`Backend`] and [`on_both!`] makes `sqlite::<name>` (a temporary SQLite
//! file) and `postgres::<name>` (a fresh schema of the database named by
//! `EXHIBIT_TEST_POSTGRES`; without it the PostgreSQL variants print `SKIP`
//! and pass) of it.
#![allow(dead_code)]

use exhibit_store::{drop_schema, Browse, PgStore, SqliteStore, StoreError};

const PG_ENV: &str = "EXHIBIT_TEST_POSTGRES";

/// Where a test's store lives; a PostgreSQL schema is dropped at the end.
pub enum Backend {
    Sqlite(tempfile::TempDir),
    Postgres { url: String, schema: String },
}

impl Backend {
    pub fn sqlite() -> Backend {
        Backend::Sqlite(tempfile::tempdir().unwrap())
    }

    /// A fresh schema named after the test (tests run in parallel), or
    /// `None` when no server is configured.
    pub fn postgres(test: &str) -> Option<Backend> {
        let Ok(url) = std::env::var(PG_ENV) else {
            println!("SKIP: {PG_ENV} not set");
            return None;
        };
        let name: String = test.chars().take(48).collect();
        let schema = format!("t_{name}_{}", std::process::id());
        drop_schema(&url, &schema).unwrap();
        Some(Backend::Postgres { url, schema })
    }

    /// The store, with the workbench's page queries too.
    pub fn open(&self) -> Result<Box<dyn Browse>, StoreError> {
        Ok(match self {
            Backend::Sqlite(dir) => Box::new(SqliteStore::open_case(dir.path())?),
            Backend::Postgres { url, schema } => Box::new(PgStore::open(url, schema)?),
        })
    }

    pub fn schema_version(&self) -> i64 {
        match self {
            Backend::Sqlite(dir) => SqliteStore::open_case(dir.path())
                .unwrap()
                .schema_version()
                .unwrap(),
            Backend::Postgres { url, schema } => PgStore::open(url, schema)
                .unwrap()
                .schema_version()
                .unwrap(),
        }
    }

    /// Runs a statement on the raw database.
    pub fn exec(&self, sql: &str) {
        match self {
            Backend::Sqlite(dir) => {
                let conn = rusqlite::Connection::open(dir.path().join("case.db")).unwrap();
                conn.execute_batch(sql).unwrap();
            }
            Backend::Postgres { .. } => {
                self.pg().batch_execute(sql).unwrap();
            }
        }
    }

    /// The one number a query returns.
    pub fn number(&self, sql: &str) -> i64 {
        match self {
            Backend::Sqlite(dir) => {
                let conn = rusqlite::Connection::open(dir.path().join("case.db")).unwrap();
                conn.query_row(sql, [], |r| r.get(0)).unwrap()
            }
            Backend::Postgres { .. } => self.pg().query_one(sql, &[]).unwrap().get(0),
        }
    }

    pub fn pg(&self) -> ::postgres::Client {
        let Backend::Postgres { url, schema } = self else {
            panic!("not PostgreSQL")
        };
        let mut c = ::postgres::Client::connect(url, ::postgres::NoTls).unwrap();
        c.batch_execute(&format!("SET search_path TO \"{schema}\""))
            .unwrap();
        c
    }
}

impl Drop for Backend {
    fn drop(&mut self) {
        if let Backend::Postgres { url, schema } = self {
            let _ = drop_schema(url, schema);
        }
    }
}

/// `sqlite::name` and `postgres::name` for each test body `name(&Backend)`.
#[macro_export]
macro_rules! on_both {
    ($($name:ident),* $(,)?) => {
        mod sqlite {
            $(
                #[test]
                fn $name() {
                    super::$name(&super::Backend::sqlite());
                }
            )*
        }
        mod postgres {
            $(
                #[test]
                fn $name() {
                    if let Some(b) = super::Backend::postgres(stringify!($name)) {
                        super::$name(&b);
                    }
                }
            )*
        }
    };
}
