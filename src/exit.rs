//! Documented exit codes: the one place errors become process status.

use exhibit_case::CaseError;
use exhibit_evidence::EvidenceError;

/// Everything went well.
pub const OK: i32 = 0;
/// An error not covered below.
pub const OTHER: i32 = 1;
// 2 is clap's usage error.
/// Evidence missing or unreadable (not found, permission denied, I/O error).
pub const EVIDENCE_UNREADABLE: i32 = 3;
/// Evidence damaged or unsupported (corrupt container, missing segment, empty image).
pub const EVIDENCE_CORRUPT: i32 = 4;
/// A verification failed: hash mismatch or a tampered custody log.
pub const VERIFICATION_FAILED: i32 = 5;
/// The case folder is missing, damaged, already exists, or locked.
pub const CASE_ERROR: i32 = 6;

pub const EXIT_CODES_HELP: &str = "Exit codes:
  0  success
  1  other error
  2  usage error
  3  evidence missing or unreadable
  4  evidence damaged or unsupported (corrupt, missing segment, empty)
  5  verification failed (hash mismatch, custody log tampered)
  6  case error (not a case, exists, locked, damaged)";

/// A check ran and its answer was "no": the message has already been
/// printed in full, this only carries the status.
#[derive(Debug)]
pub struct VerificationFailed(pub String);

impl std::fmt::Display for VerificationFailed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for VerificationFailed {}

fn evidence_code(e: &EvidenceError) -> i32 {
    match e {
        EvidenceError::NotFound { .. }
        | EvidenceError::PermissionDenied { .. }
        | EvidenceError::Io { .. } => EVIDENCE_UNREADABLE,
        _ => EVIDENCE_CORRUPT,
    }
}

/// A closed pipe (`exhibit ls … | head`) is the reader's choice, not an error.
fn is_broken_pipe(err: &anyhow::Error) -> bool {
    err.chain().any(|c| {
        c.downcast_ref::<std::io::Error>()
            .is_some_and(|e| e.kind() == std::io::ErrorKind::BrokenPipe)
    })
}

/// Picks the exit code for an error by what caused it.
pub fn code(err: &anyhow::Error) -> i32 {
    for cause in err.chain() {
        if cause.downcast_ref::<VerificationFailed>().is_some() {
            return VERIFICATION_FAILED;
        }
        if let Some(e) = cause.downcast_ref::<EvidenceError>() {
            return evidence_code(e);
        }
        if let Some(e) = cause.downcast_ref::<exhibit_acquire::AcquireError>() {
            if let exhibit_acquire::AcquireError::Evidence(e) = e {
                return evidence_code(e);
            }
            continue;
        }
        if let Some(e) = cause.downcast_ref::<CaseError>() {
            return match e {
                CaseError::Evidence(e) => evidence_code(e),
                _ => CASE_ERROR,
            };
        }
        if cause
            .downcast_ref::<exhibit_custody::CustodyError>()
            .is_some()
        {
            return CASE_ERROR;
        }
    }
    OTHER
}

/// The error and its causes joined by `: `, each cause left out when the
/// message before already says it (library errors often name their
/// source in their own message too).
fn one_line(err: &anyhow::Error) -> String {
    let mut out = String::new();
    for cause in err.chain() {
        let text = cause.to_string();
        if out.is_empty() {
            out = text;
        } else if !out.contains(&text) {
            out.push_str(": ");
            out.push_str(&text);
        }
    }
    out
}

/// Prints a one-line error (if any) and returns the exit code.
pub fn report(result: anyhow::Result<()>) -> i32 {
    match result {
        Ok(()) => OK,
        Err(err) if is_broken_pipe(&err) => OK,
        Err(err) => {
            let code = code(&err);
            if err.downcast_ref::<VerificationFailed>().is_none() {
                eprintln!("exhibit: error: {}", one_line(&err));
            } else {
                eprintln!("exhibit: {err}");
            }
            code
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_cause_the_message_already_says_is_not_repeated() {
        let inner = anyhow::anyhow!("a.img: zero-length image");
        let err = inner
            .context("a.img: a.img: zero-length image")
            .context("triage");
        assert_eq!(one_line(&err), "triage: a.img: a.img: zero-length image");
        let err = anyhow::anyhow!("disk full").context("writing the report");
        assert_eq!(one_line(&err), "writing the report: disk full");
    }
}
