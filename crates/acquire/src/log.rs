//! The acquisition log: what was acquired, how, by whom, and its hashes.
//! Written as pretty JSON (fields in a fixed order) and as plain text.

use std::fmt::Write as _;

use serde::{Deserialize, Serialize};

use crate::SourceIdentity;

/// Identifies the JSON format of the log (`format` field).
pub const LOG_FORMAT: &str = "exhibit-acquisition-log/1";

/// Suffix of the JSON log: `{name}.acquisition.json`.
pub const LOG_JSON_SUFFIX: &str = ".acquisition.json";

/// Suffix of the text log: `{name}.acquisition.txt`.
pub const LOG_TXT_SUFFIX: &str = ".acquisition.txt";

/// The record of one acquisition, serialised as `{name}.acquisition.json`.
///
/// Field order is the serialisation order, so the JSON is deterministic.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AcquisitionLog {
    /// Log format identifier, [`LOG_FORMAT`].
    pub format: String,
    /// Tool name and version that made the image (e.g. `"exhibit 0.1.0"`).
    pub tool: String,
    /// Base name of the image (segments are `{name}.001`, …).
    pub name: String,
    /// Examiner and case particulars.
    pub case: CaseInfo,
    /// What was acquired.
    pub source: SourceIdentity,
    /// When reading started (UTC).
    pub started: jiff::Timestamp,
    /// When the image was complete and synced (UTC).
    pub finished: jiff::Timestamp,
    /// Sector size in bytes: the unit of re-reads and of zero-filling.
    pub sector_size: u64,
    /// Maximum segment size in bytes.
    pub segment_size: u64,
    /// Bytes read per request when no error occurs.
    pub block_size: u64,
    /// Total bytes of the image (equal to the source length).
    pub total_bytes: u64,
    /// The segment files in order, with their sizes and SHA-256.
    pub segments: Vec<SegmentRecord>,
    /// Hashes of the whole image, i.e. of the data as read (unreadable
    /// sectors counted as zeros).
    pub hashes: ImageHashes,
    /// Every range that could not be read and was zero-filled, in order.
    pub read_errors: Vec<ReadError>,
}

/// Who acquired what for which case (all free text from the examiner).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CaseInfo {
    /// Name of the examiner.
    pub examiner: String,
    /// Case number.
    pub case_number: String,
    /// Evidence (exhibit) number.
    pub evidence_number: String,
    /// Description of the evidence item.
    pub description: String,
}

/// One segment file of the image.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SegmentRecord {
    /// File name (no directory), e.g. `"disk.001"`.
    pub file: String,
    /// Size in bytes.
    pub size: u64,
    /// SHA-256 of the segment file, lowercase hex.
    pub sha256: String,
}

/// MD5, SHA-1 and SHA-256 of an image, lowercase hex.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImageHashes {
    /// MD5.
    pub md5: String,
    /// SHA-1.
    pub sha1: String,
    /// SHA-256.
    pub sha256: String,
}

/// A range of the source that could not be read even sector by sector and
/// was zero-filled in the image. Adjacent failing sectors form one range.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReadError {
    /// Byte offset of the first zero-filled byte (a sector boundary).
    pub offset: u64,
    /// Number of zero-filled bytes.
    pub length: u64,
    /// The error reported for the first failing sector of the range.
    pub message: String,
}

impl ReadError {
    /// One past the last zero-filled byte.
    pub fn end(&self) -> u64 {
        self.offset.saturating_add(self.length)
    }
}

impl AcquisitionLog {
    /// Total number of zero-filled bytes.
    pub fn zero_filled_bytes(&self) -> u64 {
        self.read_errors.iter().map(|e| e.length).sum()
    }

    /// The log as pretty JSON, with a trailing newline.
    pub fn to_json(&self) -> Result<String, serde_json::Error> {
        let mut s = serde_json::to_string_pretty(self)?;
        s.push('\n');
        Ok(s)
    }

    /// The log as human-readable text, for printing and the case file.
    pub fn to_text(&self) -> String {
        let mut t = String::new();
        let none = "(none)";
        let opt = |v: &Option<String>| v.as_deref().map(clean).unwrap_or_else(|| none.into());
        let field = |t: &mut String, k: &str, v: &str| {
            let _ = writeln!(t, "  {:<18}{}", format!("{k}:"), clean(v));
        };
        t.push_str("EXHIBIT ACQUISITION LOG\n\n");
        field(&mut t, "Tool", &self.tool);
        field(&mut t, "Image name", &self.name);
        field(&mut t, "Examiner", &self.case.examiner);
        field(&mut t, "Case number", &self.case.case_number);
        field(&mut t, "Evidence number", &self.case.evidence_number);
        field(&mut t, "Description", &self.case.description);

        t.push_str("\nSource\n");
        field(&mut t, "Path", &self.source.path);
        field(&mut t, "Size", &format!("{} bytes", self.source.size));
        let kind = if self.source.is_block_device {
            "block device"
        } else {
            "file"
        };
        field(&mut t, "Type", kind);
        field(&mut t, "Model", &opt(&self.source.model));
        field(&mut t, "Serial", &opt(&self.source.serial));

        t.push_str("\nAcquisition\n");
        field(&mut t, "Started (UTC)", &self.started.to_string());
        field(&mut t, "Finished (UTC)", &self.finished.to_string());
        field(
            &mut t,
            "Sector size",
            &format!("{} bytes", self.sector_size),
        );
        field(
            &mut t,
            "Segment size",
            &format!("{} bytes", self.segment_size),
        );
        field(
            &mut t,
            "Read block size",
            &format!("{} bytes", self.block_size),
        );
        field(&mut t, "Total bytes", &self.total_bytes.to_string());

        t.push_str("\nImage hashes (of the data as read)\n");
        field(&mut t, "MD5", &self.hashes.md5);
        field(&mut t, "SHA-1", &self.hashes.sha1);
        field(&mut t, "SHA-256", &self.hashes.sha256);

        let _ = writeln!(t, "\nSegments ({})", self.segments.len());
        for s in &self.segments {
            let _ = writeln!(
                t,
                "  {}  {} bytes  sha256 {}",
                clean(&s.file),
                s.size,
                s.sha256
            );
        }

        if self.read_errors.is_empty() {
            t.push_str("\nRead errors: none\n");
        } else {
            let _ = writeln!(
                t,
                "\nRead errors: {} range(s), {} bytes zero-filled",
                self.read_errors.len(),
                self.zero_filled_bytes()
            );
            for e in &self.read_errors {
                let _ = writeln!(
                    t,
                    "  offset {} (sector {}): {} bytes zero-filled, bytes {}..{}: {}",
                    e.offset,
                    e.offset / self.sector_size.max(1),
                    e.length,
                    e.offset,
                    e.end(),
                    clean(&e.message)
                );
            }
        }
        t
    }
}

/// Escapes control characters so that free text cannot forge lines of the
/// text log.
fn clean(s: &str) -> String {
    s.chars()
        .flat_map(|c| {
            let esc: Vec<char> = if c.is_control() {
                c.escape_default().collect()
            } else {
                vec![c]
            };
            esc
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> AcquisitionLog {
        AcquisitionLog {
            format: LOG_FORMAT.into(),
            tool: "exhibit 0.1.0".into(),
            name: "disk".into(),
            case: CaseInfo {
                examiner: "A. Examiner".into(),
                case_number: "2024-17".into(),
                evidence_number: "E1".into(),
                description: "laptop\nForged: line".into(),
            },
            source: SourceIdentity {
                path: "/dev/sdb".into(),
                size: 2048,
                is_block_device: true,
                model: Some("Disk".into()),
                serial: None,
            },
            started: jiff::Timestamp::from_second(1_700_000_000).unwrap(),
            finished: jiff::Timestamp::from_second(1_700_000_060).unwrap(),
            sector_size: 512,
            segment_size: 1024,
            block_size: 1024,
            total_bytes: 2048,
            segments: vec![SegmentRecord {
                file: "disk.001".into(),
                size: 1024,
                sha256: "ab".into(),
            }],
            hashes: ImageHashes::default(),
            read_errors: vec![ReadError {
                offset: 1024,
                length: 1024,
                message: "boom".into(),
            }],
        }
    }

    #[test]
    fn json_round_trips_and_is_deterministic() {
        let log = sample();
        let a = log.to_json().unwrap();
        let back: AcquisitionLog = serde_json::from_str(&a).unwrap();
        assert_eq!(back, log);
        assert_eq!(back.to_json().unwrap(), a);
        assert!(a.contains("\"started\": \"2023-11-14T22:13:20Z\""), "{a}");
        let keys: Vec<usize> = [
            "\"format\"",
            "\"tool\"",
            "\"case\"",
            "\"source\"",
            "\"hashes\"",
        ]
        .iter()
        .map(|k| a.find(k).unwrap())
        .collect();
        assert!(keys.windows(2).all(|w| w[0] < w[1]));
    }

    #[test]
    fn text_has_the_particulars_and_escapes_newlines() {
        let t = sample().to_text();
        assert!(t.contains("2023-11-14T22:13:20Z"));
        assert!(t.contains("laptop\\nForged: line"));
        assert!(!t.contains("\nForged"));
        assert!(
            t.contains("offset 1024 (sector 2): 1024 bytes zero-filled, bytes 1024..2048: boom")
        );
        assert!(t.contains("Serial:           (none)"));
    }
}
