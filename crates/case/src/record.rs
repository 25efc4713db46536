use std::collections::BTreeMap;
use std::path::PathBuf;

use serde::{Deserialize, Serialize};

/// One registered evidence item, as stored in `evidence/<id>.json`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EvidenceRecord {
    /// Case-unique id: `E1`, `E2`, … in order of registration.
    pub id: String,
    /// Absolute path of the evidence (first file of a multi-file container).
    pub path: PathBuf,
    /// Container kind: `raw`, `split-raw`, `ewf`, or `folder` (a logical
    /// collection of files, hashed as a manifest).
    pub container: String,
    /// Every file of the container with its size in bytes.
    pub files: Vec<(PathBuf, u64)>,
    /// Size of the media in bytes (for an E01, the decoded disk).
    pub size: u64,
    /// Hashes of the media computed at registration (`md5`, `sha1`, `sha256`).
    pub hashes: BTreeMap<String, String>,
    /// Comparison with hashes stored inside the container (EWF), if any.
    pub stored_hashes: Vec<HashCheck>,
    /// Container metadata, as read: EWF case fields and geometry, or a virtual
    /// disk's format (and the parent it is a snapshot of).
    pub metadata: Option<serde_json::Value>,
    /// Free-text description given by the examiner.
    pub description: Option<String>,
    /// When it was registered (RFC 3339 UTC).
    pub registered_at: String,
    /// Who registered it.
    pub registered_by: String,
}

/// A hash stored in the container compared with the one computed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HashCheck {
    /// Algorithm name (`md5`, `sha1`).
    pub algorithm: String,
    /// Value stored by the acquiring tool.
    pub stored: String,
    /// Value computed by Exhibit from the media.
    pub computed: String,
    /// Whether they are equal.
    pub matches: bool,
}

impl EvidenceRecord {
    /// True unless a stored hash disagrees with the computed one.
    pub fn stored_hashes_match(&self) -> bool {
        self.stored_hashes.iter().all(|c| c.matches)
    }
}
