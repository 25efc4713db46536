use crate::{Entry, EntryKind};

/// TSK's mode string: name type, `/`, metadata type and `rwx` bits
/// (`r/rrw-r--r--`, `d/drwxr-xr-x`).
pub fn mode_string(e: &Entry) -> String {
    let mut s = String::with_capacity(12);
    s.push(e.name_kind.letter());
    s.push('/');
    s.push(if e.meta_kind == EntryKind::Unknown {
        '-'
    } else {
        e.meta_kind.letter()
    });
    let m = e.mode;
    let bit = |mask: u32, c: char| if m & mask != 0 { c } else { '-' };
    let special =
        |x: u32, mask_s: u32, on_x: char, on_no_x: char| match (m & x != 0, m & mask_s != 0) {
            (true, true) => on_x,
            (false, true) => on_no_x,
            (true, false) => 'x',
            (false, false) => '-',
        };
    s.push(bit(0o400, 'r'));
    s.push(bit(0o200, 'w'));
    s.push(special(0o100, 0o4000, 's', 'S'));
    s.push(bit(0o040, 'r'));
    s.push(bit(0o020, 'w'));
    s.push(special(0o010, 0o2000, 's', 'S'));
    s.push(bit(0o004, 'r'));
    s.push(bit(0o002, 'w'));
    s.push(special(0o001, 0o1000, 't', 'T'));
    s
}

fn secs(t: Option<jiff::Timestamp>) -> i64 {
    t.map(|t| t.as_second()).unwrap_or(0)
}

/// One line of TSK's body file 3.x:
/// `MD5|name|inode|mode_as_string|UID|GID|size|atime|mtime|ctime|crtime`,
/// epoch seconds, `0` where a time is absent; `prefix` is prepended to the
/// path (TSK's `-m` mount point, e.g. `/` gives `//x`… so pass "" for `/`).
pub fn bodyfile_line(prefix: &str, e: &Entry) -> String {
    format!(
        "0|{prefix}{}{}|{}|{}|{}|{}|{}|{}|{}|{}|{}",
        e.path,
        if e.deleted { " (deleted)" } else { "" },
        e.inode,
        mode_string(e),
        e.uid,
        e.gid,
        e.size,
        secs(e.times.atime),
        secs(e.times.mtime),
        secs(e.times.ctime),
        secs(e.times.crtime),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Recovery, Times};

    #[test]
    fn mode_strings_like_tsk() {
        let mut e = Entry {
            path: "/a".into(),
            inode: "13".into(),
            name_kind: EntryKind::File,
            meta_kind: EntryKind::File,
            mode: 0o664,
            uid: 1000,
            gid: 1000,
            size: 53,
            times: Times::default(),
            deleted: false,
            meta_allocated: true,
            recovery: Recovery::Certain,
        };
        assert_eq!(mode_string(&e), "r/rrw-rw-r--");
        e.name_kind = EntryKind::Directory;
        e.meta_kind = EntryKind::Directory;
        e.mode = 0o700;
        assert_eq!(mode_string(&e), "d/drwx------");
        e.mode = 0o1777;
        assert_eq!(mode_string(&e), "d/drwxrwxrwt");
        assert_eq!(
            bodyfile_line("", &e),
            "0|/a|13|d/drwxrwxrwt|1000|1000|53|0|0|0|0"
        );
    }
}
