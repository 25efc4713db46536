//! TLS to PostgreSQL with `sslmode` as libpq reads it, against the test
//! server `.ci/postgres` starts with a self-signed certificate.

use exhibit_store::{drop_schema, PgStore};

const PG_ENV: &str = "EXHIBIT_TEST_POSTGRES";

/// The server's URL and its certificate, when both are here.
fn server() -> Option<(String, String)> {
    let Ok(url) = std::env::var(PG_ENV) else {
        println!("SKIP: {PG_ENV} not set");
        return None;
    };
    let dir = std::env::var("EXHIBIT_PG_DIR").unwrap_or_else(|_| "/tmp/exhibit-pg".into());
    let cert = format!("{dir}/server.crt");
    if !std::path::Path::new(&cert).is_file() {
        println!("SKIP: no {cert} (a server without TLS)");
        return None;
    }
    Some((url, cert))
}

/// Whether the store's connection, found by its application name, is
/// encrypted (asked over a plain connection of the test's own).
fn encrypted(url: &str, app: &str) -> bool {
    let mut c = postgres::Client::connect(url, postgres::NoTls).unwrap();
    c.query_one(
        "SELECT bool_or(s.ssl) FROM pg_stat_ssl s
         JOIN pg_stat_activity a ON a.pid = s.pid WHERE a.application_name = $1",
        &[&app],
    )
    .unwrap()
    .get::<_, Option<bool>>(0)
    .unwrap_or(false)
}

#[test]
fn sslmode_is_read_as_libpq_reads_it() {
    let Some((url, cert)) = server() else {
        return;
    };
    let sep = if url.contains('?') { '&' } else { '?' };
    let schema = format!("t_tls_{}", std::process::id());
    let app = format!("exhibit_tls_{}", std::process::id());
    let with = |params: &str| format!("{url}{sep}application_name={app}&{params}");
    for (params, tls) in [
        ("sslmode=disable", false),
        ("sslmode=prefer", true),
        // A self-signed certificate: encrypted, not checked (as libpq).
        ("sslmode=require", true),
        (&*format!("sslmode=verify-ca&sslrootcert={cert}"), true),
        (&*format!("sslmode=verify-full&sslrootcert={cert}"), true),
    ] {
        let store =
            PgStore::open(&with(params), &schema).unwrap_or_else(|e| panic!("{params}: {e}"));
        assert_eq!(encrypted(&url, &app), tls, "{params}");
        drop(store);
    }
    // Checked against the system's roots, a self-signed certificate fails.
    assert!(
        PgStore::open(&with("sslmode=verify-full"), &schema).is_err(),
        "a self-signed certificate is not trusted"
    );
    drop_schema(&url, &schema).unwrap();
}
