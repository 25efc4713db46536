//! # exhibit-report: the court report of a case
//!
//! Writes one self-contained HTML file (inline CSS, no scripts, no external
//! resource) that a judge can read and a browser can print to PDF with page
//! numbers: the case header, each evidence item with its hashes and the
//! verifications recorded in custody, the chain of custody with its signed
//! checkpoint and whether the log verifies *now*, the findings, events and
//! e-mail messages the examiner tagged (`exhibit tag`) with their
//! provenance, an automatic summary, and a glossary in plain words.
//!
//! The text lives in translation files (`i18n/<lang>.json`, compiled in);
//! a key a language lacks falls back to English. Everything taken from the
//! case is HTML-escaped: evidence names and e-mail subjects are hostile
//! input.
//!
//! ## What this crate must never do
//! * open evidence, or write anything in the case (the case store is
//!   opened only to read it; custody is verified, never appended to);
//! * read the clock: the report's date is passed in or is the time of the
//!   last custody entry, so the same case gives the same bytes;
//! * put a script or an external reference in the HTML;
//! * panic on a damaged case: a custody log that does not verify or parse
//!   is shown as a failure in the report, not hidden behind an error.
#![deny(missing_docs)]

mod html;
mod i18n;
mod load;
mod render;

use std::path::Path;

pub use i18n::{Texts, LANGUAGES};
pub use load::{load, CaseData};

/// Errors of the report.
#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    /// The case folder could not be opened or read.
    #[error(transparent)]
    Case(#[from] exhibit_case::CaseError),
    /// The case store could not be read.
    #[error(transparent)]
    Store(#[from] exhibit_store::StoreError),
    /// No translation file for this language.
    #[error("no translation for language {lang:?} (known: {known})")]
    UnknownLanguage {
        /// The code asked for.
        lang: String,
        /// The codes there are.
        known: String,
    },
    /// A translation file does not parse.
    #[error("translation file {lang}.json: {what}")]
    Translation {
        /// Its language.
        lang: String,
        /// What is wrong.
        what: String,
    },
}

/// How to write the report.
#[derive(Debug, Clone)]
pub struct Options {
    /// Language code (`en`, `th`).
    pub lang: String,
    /// The report's date as printed; the last custody entry's time when
    /// `None` (never the clock: see the crate documentation).
    pub date: Option<String>,
    /// When no message is tagged, every message is shown if the case holds
    /// at most this many.
    pub all_messages_up_to: usize,
    /// At most this many occurrences listed per tagged finding.
    pub max_occurrences: usize,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            lang: "en".into(),
            date: None,
            all_messages_up_to: 10,
            max_occurrences: 25,
        }
    }
}

/// The ids of the report's sections, in order (anchors and `id`s).
pub const SECTIONS: &[&str] = &[
    "case",
    "evidence",
    "custody",
    "findings",
    "provenance",
    "summary",
    "timeline",
    "email",
    "glossary",
];

/// Writes the report of the case in `case_dir`: the HTML document.
pub fn report(case_dir: &Path, opts: &Options) -> Result<String, ReportError> {
    let texts = Texts::load(&opts.lang)?;
    let data = load(case_dir, opts)?;
    Ok(render::render(&data, &texts, opts))
}
