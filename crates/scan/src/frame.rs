//! A buffer being scanned and where its bytes came from.

use std::ops::Range;

use exhibit_evidence::Source;

/// Where a frame's bytes sit in the evidence.
pub(crate) enum Origin {
    /// Bytes of the source itself; `data[0]` is at absolute offset `abs0`.
    Top {
        /// Absolute offset of `data[0]`.
        abs0: u64,
    },
    /// Bytes decoded from an object.
    Decoded {
        /// Path of the object with the tag and a trailing dash, e.g.
        /// `8192-ZIP-` (a hit at `i` has path `8192-ZIP-i`).
        prefix: String,
        /// Absolute offset of the outermost object.
        outer: u64,
    },
}

/// The source behind a top-level frame, for objects that run past its end.
#[derive(Clone, Copy)]
pub(crate) struct Tail<'a> {
    pub source: &'a dyn Source,
    /// Absolute offset of the byte just after the frame's data.
    pub end_abs: u64,
}

/// A buffer being scanned.
pub(crate) struct Frame<'a> {
    pub data: &'a [u8],
    pub origin: Origin,
    /// Indices at which a feature or object must start to be reported (the
    /// rest of `data` is overlap owned by a neighbouring chunk).
    pub report: Range<usize>,
    /// Decoding depth (0 for source bytes).
    pub depth: usize,
    pub tail: Option<Tail<'a>>,
}

impl Frame<'_> {
    /// Forensic path of a hit at `i`.
    pub fn path(&self, i: usize) -> String {
        match &self.origin {
            Origin::Top { abs0 } => (abs0 + i as u64).to_string(),
            Origin::Decoded { prefix, .. } => format!("{prefix}{i}"),
        }
    }

    /// `Feature::offset` for a hit at `i`.
    pub fn offset(&self, i: usize) -> u64 {
        match &self.origin {
            Origin::Top { abs0 } => abs0 + i as u64,
            Origin::Decoded { outer, .. } => *outer,
        }
    }

    /// Position of `i` in the source (top level) or in the decoded object.
    pub fn position(&self, i: usize) -> u64 {
        match &self.origin {
            Origin::Top { abs0 } => abs0 + i as u64,
            Origin::Decoded { .. } => i as u64,
        }
    }

    /// Origin of the bytes decoded from an object starting at `i`.
    pub fn child(&self, i: usize, tag: &str) -> Origin {
        Origin::Decoded {
            prefix: format!("{}-{tag}-", self.path(i)),
            outer: self.offset(i),
        }
    }

    /// True when a feature or object starting at `i` is this frame's to
    /// report.
    pub fn owns(&self, i: usize) -> bool {
        self.report.contains(&i)
    }
}
