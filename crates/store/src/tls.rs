//! TLS to PostgreSQL, with `sslmode` read as libpq reads it, so that the
//! URL an agency's database administrator hands out works unchanged:
//!
//! - `disable`: no TLS;
//! - `prefer` (the default) and `require`: encrypted when the server offers
//!   it (`require`: or no connection), the server's certificate not checked —
//!   what libpq does for these modes;
//! - `verify-ca`: the certificate must chain to `sslrootcert` (a PEM file) or,
//!   without it, to the system's roots;
//! - `verify-full`: and name the host connected to.
//!
//! `tokio-postgres` knows only the first three modes and no `sslrootcert`:
//! [`split`] takes those out of the URL before it is parsed.

use std::path::PathBuf;

use exhibit_tls::Check;
use tokio_postgres_rustls::MakeRustlsConnect;

use crate::StoreError;

/// What [`split`] took out of a URL.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Tls {
    pub check: Check,
    /// `sslrootcert`: trusted roots in PEM instead of the system's.
    pub root: Option<PathBuf>,
}

/// The URL without `sslrootcert` and with `sslmode=verify-…` as
/// `sslmode=require`, and what they asked for. Both URL
/// (`postgres://…?sslmode=verify-full&sslrootcert=/etc/ca.pem`) and
/// key/value (`host=… sslmode=verify-full`) forms.
pub(crate) fn split(url: &str) -> (String, Tls) {
    let mut tls = Tls {
        check: Check::None,
        root: None,
    };
    let mut take = |key: &str, value: &str| -> Option<&'static str> {
        match (key, value) {
            ("sslrootcert", v) => {
                tls.root = Some(PathBuf::from(v));
                Some("")
            }
            ("sslmode", "verify-ca") => {
                tls.check = Check::Chain;
                Some("require")
            }
            ("sslmode", "verify-full") => {
                tls.check = Check::Full;
                Some("require")
            }
            _ => None,
        }
    };
    if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        let url = exhibit_tls::edit_query(url, |pair| {
            let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
            match take(k, &percent_decode(v)) {
                Some("") => None,
                Some(mode) => Some(format!("{k}={mode}")),
                None => Some(pair.to_string()),
            }
        });
        return (url, tls);
    }
    let mut kept = Vec::new();
    for word in url.split_whitespace() {
        let (k, v) = word.split_once('=').unwrap_or((word, ""));
        match take(k, v.trim_matches('\'')) {
            Some("") => {}
            Some(mode) => kept.push(format!("{k}={mode}")),
            None => kept.push(word.to_string()),
        }
    }
    (kept.join(" "), tls)
}

/// `%XX` escapes of a URL parameter, decoded (invalid ones kept as written).
fn percent_decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        let hex = |c: u8| (c as char).to_digit(16);
        match (
            b[i],
            b.get(i + 1).copied().and_then(hex),
            b.get(i + 2).copied().and_then(hex),
        ) {
            (b'%', Some(h), Some(l)) => {
                out.push((h * 16 + l) as u8);
                i += 3;
            }
            (c, _, _) => {
                out.push(c);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// The connector for `tls` (`url` names the database in errors).
pub(crate) fn connector(tls: &Tls, url: &str) -> Result<MakeRustlsConnect, StoreError> {
    let config = exhibit_tls::client_config(tls.check, tls.root.as_deref()).map_err(|e| {
        StoreError::Tls {
            url: url.to_string(),
            what: e.to_string(),
        }
    })?;
    Ok(MakeRustlsConnect::new(config))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn verify_modes_and_root_leave_the_url() {
        let (url, tls) = split(
            "postgres://u:p@db:5432/x?sslmode=verify-full&sslrootcert=%2Fetc%2Fca.pem&application_name=e",
        );
        assert_eq!(
            url,
            "postgres://u:p@db:5432/x?sslmode=require&application_name=e"
        );
        assert_eq!(tls.check, Check::Full);
        assert_eq!(tls.root, Some(PathBuf::from("/etc/ca.pem")));

        let (url, tls) = split("host=db dbname=x sslmode=verify-ca sslrootcert='/ca.pem'");
        assert_eq!(url, "host=db dbname=x sslmode=require");
        assert_eq!(tls.check, Check::Chain);
        assert_eq!(tls.root, Some(PathBuf::from("/ca.pem")));

        for plain in [
            "postgres://db/x",
            "postgres://db/x?sslmode=require",
            "host=db sslmode=disable",
        ] {
            let (url, tls) = split(plain);
            assert_eq!(url, plain);
            assert_eq!(tls.check, Check::None);
            assert_eq!(tls.root, None);
        }
        let (url, _) = split("postgres://db/x?sslrootcert=/a.pem");
        assert_eq!(url, "postgres://db/x");
    }

    #[test]
    fn a_missing_root_file_is_named() {
        let tls = Tls {
            check: Check::Full,
            root: Some(PathBuf::from("/nonexistent/ca.pem")),
        };
        let e = connector(&tls, "postgres://db/x")
            .err()
            .unwrap()
            .to_string();
        assert!(e.contains("/nonexistent/ca.pem"), "{e}");
    }
}
