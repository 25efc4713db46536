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
use std::sync::Arc;

use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::client::WebPkiServerVerifier;
use rustls::crypto::{verify_tls12_signature, verify_tls13_signature, CryptoProvider};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{
    CertificateError, ClientConfig, DigitallySignedStruct, RootCertStore, SignatureScheme,
};
use tokio_postgres_rustls::MakeRustlsConnect;

use crate::StoreError;

/// How the server's certificate is checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Check {
    /// Not at all (`prefer`, `require`, `disable`).
    None,
    /// Chain only (`verify-ca`).
    Chain,
    /// Chain and host name (`verify-full`).
    Full,
}

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
        let Some((base, query)) = url.split_once('?') else {
            return (url.to_string(), tls);
        };
        let mut kept = Vec::new();
        for pair in query.split('&') {
            let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
            match take(k, &percent_decode(v)) {
                Some("") => {}
                Some(mode) => kept.push(format!("{k}={mode}")),
                None => kept.push(pair.to_string()),
            }
        }
        let url = if kept.is_empty() {
            base.to_string()
        } else {
            format!("{base}?{}", kept.join("&"))
        };
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
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let err = |what: String| StoreError::Tls {
        url: url.to_string(),
        what,
    };
    let builder = ClientConfig::builder_with_provider(provider.clone())
        .with_safe_default_protocol_versions()
        .map_err(|e| err(e.to_string()))?;
    let config = if tls.check == Check::None {
        builder
            .dangerous()
            .with_custom_certificate_verifier(Arc::new(Unchecked(provider)))
            .with_no_client_auth()
    } else {
        let mut roots = RootCertStore::empty();
        let mut pinned = Vec::new();
        match &tls.root {
            Some(path) => {
                let certs = CertificateDer::pem_file_iter(path)
                    .and_then(|certs| certs.collect::<Result<Vec<_>, _>>())
                    .map_err(|e| err(format!("sslrootcert {}: {e}", path.display())))?;
                pinned.clone_from(&certs);
                let (added, _) = roots.add_parsable_certificates(certs);
                if added == 0 {
                    return Err(err(format!(
                        "sslrootcert {}: no certificate in it",
                        path.display()
                    )));
                }
            }
            None => {
                let found = rustls_native_certs::load_native_certs();
                roots.add_parsable_certificates(found.certs);
                if roots.is_empty() {
                    return Err(err(
                        "no trusted roots on this system: give sslrootcert=FILE".into(),
                    ));
                }
            }
        }
        let webpki = WebPkiServerVerifier::builder_with_provider(Arc::new(roots), provider)
            .build()
            .map_err(|e| err(e.to_string()))?;
        builder
            .dangerous()
            .with_custom_certificate_verifier(Arc::new(Checked {
                webpki,
                pinned,
                names: tls.check == Check::Full,
            }))
            .with_no_client_auth()
    };
    Ok(MakeRustlsConnect::new(config))
}

/// `prefer` and `require`: any certificate (libpq's behaviour), but the
/// handshake's signatures still checked against it.
#[derive(Debug)]
struct Unchecked(Arc<CryptoProvider>);

impl ServerCertVerifier for Unchecked {
    fn verify_server_cert(
        &self,
        _: &CertificateDer<'_>,
        _: &[CertificateDer<'_>],
        _: &ServerName<'_>,
        _: &[u8],
        _: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        verify_tls12_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        verify_tls13_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.0.signature_verification_algorithms.supported_schemes()
    }
}

/// `verify-ca` and `verify-full`: the chain checked against the roots,
/// and for `verify-full` the name. A self-signed server certificate that
/// is itself in `sslrootcert` is trusted as it is (webpki refuses a CA
/// certificate as a server's; libpq, and so agencies' set-ups, use them).
#[derive(Debug)]
struct Checked {
    webpki: Arc<WebPkiServerVerifier>,
    pinned: Vec<CertificateDer<'static>>,
    names: bool,
}

impl ServerCertVerifier for Checked {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        name: &ServerName<'_>,
        ocsp: &[u8],
        now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        if self
            .pinned
            .iter()
            .any(|p| p.as_ref() == end_entity.as_ref())
        {
            if self.names {
                webpki::EndEntityCert::try_from(end_entity)
                    .and_then(|c| c.verify_is_valid_for_subject_name(name))
                    .map_err(|e| {
                        rustls::Error::InvalidCertificate(CertificateError::Other(
                            rustls::OtherError(Arc::new(e)),
                        ))
                    })?;
            }
            return Ok(ServerCertVerified::assertion());
        }
        match self
            .webpki
            .verify_server_cert(end_entity, intermediates, name, ocsp, now)
        {
            Err(rustls::Error::InvalidCertificate(
                CertificateError::NotValidForName | CertificateError::NotValidForNameContext { .. },
            )) if !self.names => Ok(ServerCertVerified::assertion()),
            other => other,
        }
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.webpki.verify_tls12_signature(message, cert, dss)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.webpki.verify_tls13_signature(message, cert, dss)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.webpki.supported_verify_schemes()
    }
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
