//! The web workbench: `exhibit serve` shows one or more cases to several
//! users in a browser — overview, file browser with hex and text views,
//! findings, search, timeline, e-mail, tagging for the report, report
//! download — and the same data as a JSON API described at
//! `/api/openapi.json`.
//!
//! What it must never do: render evidence content as HTML (it is escaped
//! text, or a download with `Content-Disposition: attachment`), load
//! anything from outside the server (strict Content-Security-Policy, no
//! inline script or style), let a URL name a path on disk (files are row
//! ids in the case store), show anything of a case to a user who is not a
//! member (404, as if the case did not exist), or change a case without a
//! CSRF token and a role allowed to. Every view of evidence content and
//! every change is written to the case's custody log under the user's name.
#![deny(missing_docs)]

mod api;
pub mod auth;
pub mod html;
mod pages;
mod pictures;
mod server;
pub mod users;

use std::path::PathBuf;

pub use server::{serve, CaseEntry, ServeOptions};
pub use users::{hash_password, Role, User, Users};

/// What went wrong starting or running the server.
#[derive(Debug, thiserror::Error)]
pub enum WebError {
    /// A file could not be read or written.
    #[error("{0}: {1}")]
    Io(PathBuf, #[source] std::io::Error),
    /// The users file is not valid.
    #[error("users file {path}: {what}")]
    Users {
        /// The file.
        path: PathBuf,
        /// What is wrong.
        what: String,
    },
    /// Hashing a password failed.
    #[error("password hashing: {0}")]
    Password(String),
    /// A case could not be opened.
    #[error("case {path}: {what}")]
    Case {
        /// The case folder.
        path: PathBuf,
        /// What is wrong.
        what: String,
    },
    /// The listening address is not usable.
    #[error("listen on {addr}: {source}")]
    Listen {
        /// The address.
        addr: String,
        /// The cause.
        source: std::io::Error,
    },
}
