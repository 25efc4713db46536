//! PostgreSQL text cannot hold U+0000, which evidence can (a damaged
//! file name, an event log string, a decoded mail header): such a row would
//! fail the whole batch. On PostgreSQL each NUL is stored as U+FFFD
//! instead, and only rows that have one are copied to be mended.

use std::borrow::Cow;

use crate::{FileKey, FileRow, FindingRow, MessageRow, Record, TimelineRow};

/// Rows whose text may hold NUL.
pub(crate) trait NulFree: Clone {
    /// Whether any text field holds NUL.
    fn has_nul(&self) -> bool;
    /// Replaces every NUL with U+FFFD.
    fn replace_nul(&mut self);
}

fn has(s: &str) -> bool {
    s.as_bytes().contains(&0)
}

fn fix(s: &mut String) {
    if has(s) {
        *s = s.replace('\0', "\u{FFFD}");
    }
}

fn has_opt(s: &Option<String>) -> bool {
    s.as_deref().is_some_and(has)
}

fn fix_opt(s: &mut Option<String>) {
    if let Some(s) = s {
        fix(s);
    }
}

fn has_key(k: &FileKey) -> bool {
    has(&k.inode) || has(&k.path)
}

fn fix_key(k: &mut FileKey) {
    fix(&mut k.inode);
    fix(&mut k.path);
}

macro_rules! nul_free {
    ($t:ty; $($s:ident),*; opt $($o:ident),*; key $($k:ident)?; keyopt $($ko:ident)?) => {
        impl NulFree for $t {
            fn has_nul(&self) -> bool {
                false $(|| has(&self.$s))* $(|| has_opt(&self.$o))*
                    $(|| has_key(&self.$k))? $(|| self.$ko.as_ref().is_some_and(has_key))?
            }
            fn replace_nul(&mut self) {
                $(fix(&mut self.$s);)*
                $(fix_opt(&mut self.$o);)*
                $(fix_key(&mut self.$k);)?
                $(if let Some(k) = &mut self.$ko { fix_key(k); })?
            }
        }
    };
}

nul_free!(FileRow; evidence, fs, name_kind, recovery;
    opt atime, mtime, ctime, crtime, md5, sha1, sha256, mime; key key; keyopt);
nul_free!(FindingRow; evidence, kind, value, normalized, path; opt encoding, context; key; keyopt file);
nul_free!(TimelineRow; time, macb, evidence, source, description; opt zone; key; keyopt file);
nul_free!(MessageRow; evidence, sha256, location;
    opt message_id, date, date_zone, sender, recipients, subject, analysis; key; keyopt file);

/// `rows` as PostgreSQL can store them: borrowed when no NUL is in them.
pub(crate) fn nul_free<T: NulFree>(rows: &[T]) -> Cow<'_, [T]> {
    if !rows.iter().any(NulFree::has_nul) {
        return Cow::Borrowed(rows);
    }
    Cow::Owned(
        rows.iter()
            .cloned()
            .map(|mut r| {
                r.replace_nul();
                r
            })
            .collect(),
    )
}

impl NulFree for Record {
    fn has_nul(&self) -> bool {
        match self {
            Record::File(r) => r.has_nul(),
            Record::Finding { row, .. } => row.has_nul(),
            Record::Event { row, .. } => row.has_nul(),
            Record::Message { row, .. } => row.has_nul(),
            _ => false,
        }
    }

    fn replace_nul(&mut self) {
        match self {
            Record::File(r) => r.replace_nul(),
            Record::Finding { row, .. } => row.replace_nul(),
            Record::Event { row, .. } => row.replace_nul(),
            Record::Message { row, .. } => row.replace_nul(),
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_rows_with_nul_are_copied_and_mended() {
        let row = |d: &str| TimelineRow {
            time: "2020-01-01T00:00:00.000000000Z".into(),
            macb: "m...".into(),
            evidence: "E1".into(),
            source: "ntfs".into(),
            description: d.into(),
            zone: None,
            file: Some(FileKey {
                partition: 1,
                inode: "5".into(),
                path: d.into(),
            }),
            file_id: None,
        };
        let clean = vec![row("/a")];
        assert!(matches!(nul_free(&clean), Cow::Borrowed(_)));
        let dirty = vec![row("/a"), row("/b\0c")];
        let fixed = nul_free(&dirty);
        assert_eq!(fixed[0], dirty[0]);
        assert_eq!(fixed[1].description, "/b\u{FFFD}c");
        assert_eq!(fixed[1].file.as_ref().unwrap().path, "/b\u{FFFD}c");
    }
}
