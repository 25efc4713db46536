//! Finding mail on disk: `.eml` folders, Maildir folders (`cur`, `new`),
//! mbox files and Outlook `.msg` files.

use std::fs::File;
use std::io::Read;
use std::path::{Path, PathBuf};

use serde::Serialize;

use crate::outlook::OLE_MAGIC;
use crate::{sniff, MailboxKind};

/// What a mail file holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum MailFileKind {
    /// One RFC 5322 message (`.eml`, a Maildir file).
    Eml,
    /// A Unix mbox.
    Mbox,
    /// An Outlook `.msg` file.
    Msg,
}

/// Tells a mail file from its first bytes (8 KiB are enough) and its name:
/// `.msg` by the OLE signature (with a `.msg` name, since Word and Excel
/// files share it), mbox and `.eml` by [`sniff`].
pub fn detect_mail_file(path: &Path, head: &[u8]) -> Option<MailFileKind> {
    if head.starts_with(&OLE_MAGIC) {
        let is_msg = path
            .extension()
            .and_then(|e| e.to_str())
            .is_some_and(|e| e.eq_ignore_ascii_case("msg"));
        return is_msg.then_some(MailFileKind::Msg);
    }
    match sniff(head) {
        Some(MailboxKind::Mbox) => Some(MailFileKind::Mbox),
        Some(MailboxKind::Eml) => Some(MailFileKind::Eml),
        None => None,
    }
}

/// Reads up to 8 KiB from the start of `path`.
pub fn read_head(path: &Path) -> std::io::Result<Vec<u8>> {
    let mut head = Vec::with_capacity(8192);
    File::open(path)?.take(8192).read_to_end(&mut head)?;
    Ok(head)
}

/// Folders deeper than this below `dir` are not walked.
const MAX_DEPTH: usize = 32;

/// Every mail file under `dir`, sorted by path: `.eml` exports, Maildir
/// messages (in `cur` and `new`; `tmp` holds messages still being
/// delivered and is skipped), mbox files (Thunderbird's included) and
/// Outlook `.msg` files, each recognised by content (see
/// [`detect_mail_file`]), whatever its name. Symbolic links are not
/// followed; unreadable entries are skipped. A file given as `dir` is
/// returned alone when it is mail.
pub fn mail_files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    if dir.is_file() {
        if read_head(dir).is_ok_and(|h| detect_mail_file(dir, &h).is_some()) {
            out.push(dir.to_path_buf());
        }
        return out;
    }
    let mut stack = vec![(dir.to_path_buf(), 0usize)];
    while let Some((d, depth)) = stack.pop() {
        let Ok(rd) = std::fs::read_dir(&d) else {
            continue;
        };
        for e in rd.flatten() {
            let Ok(ft) = e.file_type() else { continue };
            let p = e.path();
            if ft.is_dir() {
                let is_tmp = p.file_name().is_some_and(|n| n == "tmp")
                    && d.join("cur").is_dir()
                    && d.join("new").is_dir();
                if depth < MAX_DEPTH && !is_tmp {
                    stack.push((p, depth + 1));
                }
            } else if ft.is_file()
                && read_head(&p).is_ok_and(|h| detect_mail_file(&p, &h).is_some())
            {
                out.push(p);
            }
        }
    }
    out.sort();
    out
}
