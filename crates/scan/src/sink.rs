//! Where findings go: the [`Sink`] trait and an in-memory [`CollectSink`].

use std::sync::Mutex;

use crate::order::feature_order;
use crate::Feature;

/// Receives findings from scanner threads, in no particular order.
pub trait Sink: Send + Sync {
    /// One feature.
    fn feature(&self, f: Feature);
    /// Something the examiner should know about a path, e.g. a
    /// decompression bomb that was cut off.
    fn note(&self, path: &str, what: &str);
}

/// A note: a path and what happened there.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Note {
    /// Forensic path of the object.
    pub path: String,
    /// What happened.
    pub what: String,
}

/// Keeps everything in memory (tests, small sources, callers that sort or
/// filter themselves). Unbounded: one [`Feature`] per finding.
#[derive(Debug, Default)]
pub struct CollectSink {
    features: Mutex<Vec<Feature>>,
    notes: Mutex<Vec<Note>>,
}

impl CollectSink {
    /// An empty sink.
    pub fn new() -> Self {
        Self::default()
    }

    /// The features, in output order (offset, path, kind, value).
    pub fn features(self) -> Vec<Feature> {
        self.into_parts().0
    }

    /// The features in output order and the notes sorted by path.
    pub fn into_parts(self) -> (Vec<Feature>, Vec<Note>) {
        let mut f = self
            .features
            .into_inner()
            .unwrap_or_else(|p| p.into_inner());
        let mut n = self.notes.into_inner().unwrap_or_else(|p| p.into_inner());
        f.sort_by(feature_order);
        n.sort();
        (f, n)
    }
}

impl Sink for CollectSink {
    fn feature(&self, f: Feature) {
        self.features
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .push(f);
    }

    fn note(&self, path: &str, what: &str) {
        self.notes
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .push(Note {
                path: path.to_string(),
                what: what.to_string(),
            });
    }
}
