//! TLS client settings for the agency's own servers (the case store's
//! PostgreSQL, the work queue's NATS), so that both read certificates the
//! same way: trusted roots from a PEM file or the system, how much of the
//! server's certificate is checked, and a self-signed server certificate
//! accepted when it is itself the root given (as libpq and OpenSSL do;
//! webpki alone refuses a CA certificate as a server's).
//!
//! Must never: reach the network (roots come from a file or the system's
//! store), or accept a certificate unchecked unless the caller asked for
//! [`Check::None`] (libpq's `prefer`/`require`).

use std::path::{Path, PathBuf};
use std::sync::Arc;

use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::client::WebPkiServerVerifier;
use rustls::crypto::{verify_tls12_signature, verify_tls13_signature, CryptoProvider};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{
    CertificateError, ClientConfig, DigitallySignedStruct, RootCertStore, SignatureScheme,
};

pub use rustls::ClientConfig as Config;

/// How much of the server's certificate is checked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Check {
    /// Not at all: encrypted only (libpq's `prefer` and `require`).
    None,
    /// The chain to a trusted root, not the name (`verify-ca`).
    Chain,
    /// The chain and the host name (`verify-full`; NATS clients' default).
    Full,
}

/// Why no TLS settings could be made.
#[derive(Debug, thiserror::Error)]
pub enum TlsError {
    /// The roots file could not be read or holds no certificate.
    #[error("trusted roots {}: {what}", path.display())]
    Roots {
        /// The PEM file.
        path: PathBuf,
        /// What is wrong with it.
        what: String,
    },
    /// No roots given and none on this system.
    #[error("no trusted roots on this system: give a PEM file of them")]
    NoRoots,
    /// rustls refused the settings.
    #[error("{0}")]
    Rustls(String),
}

/// `url` with each `key=value` pair of its query passed to `edit`, which
/// gives the pair to write instead (itself, to keep it) or `None` to drop
/// it: the servers' URLs carry TLS settings (`sslrootcert`, `ca`) their
/// clients do not know.
pub fn edit_query(url: &str, mut edit: impl FnMut(&str) -> Option<String>) -> String {
    let Some((base, query)) = url.split_once('?') else {
        return url.to_string();
    };
    let kept: Vec<String> = query.split('&').filter_map(&mut edit).collect();
    if kept.is_empty() {
        base.to_string()
    } else {
        format!("{base}?{}", kept.join("&"))
    }
}

/// Client settings checking `check` of the server's certificate against
/// the certificates in `roots` (PEM), or the system's without it.
pub fn client_config(check: Check, roots: Option<&Path>) -> Result<ClientConfig, TlsError> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let builder = ClientConfig::builder_with_provider(provider.clone())
        .with_safe_default_protocol_versions()
        .map_err(|e| TlsError::Rustls(e.to_string()))?;
    let chain = if check == Check::None {
        None
    } else {
        let (store, pinned) = trusted(roots)?;
        let webpki = WebPkiServerVerifier::builder_with_provider(Arc::new(store), provider.clone())
            .build()
            .map_err(|e| TlsError::Rustls(e.to_string()))?;
        Some(Chain {
            webpki,
            pinned,
            names: check == Check::Full,
        })
    };
    Ok(builder
        .dangerous()
        .with_custom_certificate_verifier(Arc::new(Verifier { provider, chain }))
        .with_no_client_auth())
}

/// The roots (from `roots`, or the system's), and the certificates of
/// `roots` as given (a self-signed server certificate may be one).
fn trusted(
    roots: Option<&Path>,
) -> Result<(RootCertStore, Vec<CertificateDer<'static>>), TlsError> {
    let mut store = RootCertStore::empty();
    let Some(path) = roots else {
        store.add_parsable_certificates(rustls_native_certs::load_native_certs().certs);
        if store.is_empty() {
            return Err(TlsError::NoRoots);
        }
        return Ok((store, Vec::new()));
    };
    let err = |what: String| TlsError::Roots {
        path: path.to_path_buf(),
        what,
    };
    let certs = CertificateDer::pem_file_iter(path)
        .and_then(|certs| certs.collect::<Result<Vec<_>, _>>())
        .map_err(|e| err(e.to_string()))?;
    let (added, _) = store.add_parsable_certificates(certs.clone());
    if added == 0 {
        return Err(err("no certificate in it".into()));
    }
    Ok((store, certs))
}

/// What is checked of a certificate beyond the handshake's signatures.
#[derive(Debug)]
struct Chain {
    webpki: Arc<WebPkiServerVerifier>,
    /// The roots given: a server certificate among them is trusted as it
    /// is (webpki refuses a CA certificate as a server's; libpq, and so
    /// agencies' set-ups, use self-signed ones).
    pinned: Vec<CertificateDer<'static>>,
    /// The host name too (`verify-full`).
    names: bool,
}

/// The server's certificate checked as [`Check`] says (`chain`: none for
/// [`Check::None`]); the handshake's signatures always checked against it.
#[derive(Debug)]
struct Verifier {
    provider: Arc<CryptoProvider>,
    chain: Option<Chain>,
}

impl ServerCertVerifier for Verifier {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        name: &ServerName<'_>,
        ocsp: &[u8],
        now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        let Some(chain) = &self.chain else {
            return Ok(ServerCertVerified::assertion());
        };
        if chain
            .pinned
            .iter()
            .any(|p| p.as_ref() == end_entity.as_ref())
        {
            if chain.names {
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
        match chain
            .webpki
            .verify_server_cert(end_entity, intermediates, name, ocsp, now)
        {
            Err(rustls::Error::InvalidCertificate(
                CertificateError::NotValidForName | CertificateError::NotValidForNameContext { .. },
            )) if !chain.names => Ok(ServerCertVerified::assertion()),
            other => other,
        }
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
            &self.provider.signature_verification_algorithms,
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
            &self.provider.signature_verification_algorithms,
        )
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.provider
            .signature_verification_algorithms
            .supported_schemes()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_missing_roots_file_is_named() {
        let e = client_config(Check::Full, Some(Path::new("/nonexistent/ca.pem")))
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(e.contains("/nonexistent/ca.pem"), "{e}");
    }

    #[test]
    fn query_pairs_are_kept_dropped_or_replaced() {
        let edit = |pair: &str| match pair {
            "drop=1" => None,
            "mode=a" => Some("mode=b".to_string()),
            other => Some(other.to_string()),
        };
        assert_eq!(
            edit_query("x://h/d?k=v&drop=1&mode=a", edit),
            "x://h/d?k=v&mode=b"
        );
        assert_eq!(edit_query("x://h/d?drop=1", edit), "x://h/d");
        assert_eq!(edit_query("x://h/d", edit), "x://h/d");
    }

    #[test]
    fn unchecked_needs_no_roots() {
        assert!(client_config(Check::None, None).is_ok());
    }
}
