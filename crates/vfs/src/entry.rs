use jiff::Timestamp;
use serde::Serialize;

/// Type of an entry, as TSK's mode string letters name them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum EntryKind {
    /// Regular file (`r`).
    File,
    /// Directory (`d`).
    Directory,
    /// Symbolic link (`l`).
    Symlink,
    /// Character device (`c`).
    CharDevice,
    /// Block device (`b`).
    BlockDevice,
    /// FIFO (`p`).
    Fifo,
    /// Socket (`s`).
    Socket,
    /// A virtual file made by the reader (`v`: `$MBR`, `$FAT1`).
    Virtual,
    /// A virtual directory made by the reader (`V`: `$OrphanFiles`).
    VirtualDirectory,
    /// Unknown (`-`).
    Unknown,
}

impl EntryKind {
    /// Every kind, for lookups by name.
    pub const ALL: [EntryKind; 10] = [
        EntryKind::File,
        EntryKind::Directory,
        EntryKind::Symlink,
        EntryKind::CharDevice,
        EntryKind::BlockDevice,
        EntryKind::Fifo,
        EntryKind::Socket,
        EntryKind::Virtual,
        EntryKind::VirtualDirectory,
        EntryKind::Unknown,
    ];

    /// The name stored in a case (`file`, `directory`, `char-device`…).
    pub fn name(self) -> &'static str {
        match self {
            EntryKind::File => "file",
            EntryKind::Directory => "directory",
            EntryKind::Symlink => "symlink",
            EntryKind::CharDevice => "char-device",
            EntryKind::BlockDevice => "block-device",
            EntryKind::Fifo => "fifo",
            EntryKind::Socket => "socket",
            EntryKind::Virtual => "virtual",
            EntryKind::VirtualDirectory => "virtual-directory",
            EntryKind::Unknown => "unknown",
        }
    }

    /// The kind of a [`EntryKind::name`]; unknown names are `Unknown`.
    pub fn from_name(name: &str) -> EntryKind {
        EntryKind::ALL
            .into_iter()
            .find(|k| k.name() == name)
            .unwrap_or(EntryKind::Unknown)
    }

    /// TSK's letter for the type.
    pub fn letter(self) -> char {
        match self {
            EntryKind::File => 'r',
            EntryKind::Directory => 'd',
            EntryKind::Symlink => 'l',
            EntryKind::CharDevice => 'c',
            EntryKind::BlockDevice => 'b',
            EntryKind::Fifo => 'p',
            EntryKind::Socket => 's',
            EntryKind::Virtual => 'v',
            EntryKind::VirtualDirectory => 'V',
            EntryKind::Unknown => '-',
        }
    }
}

/// Every timestamp an entry has, in UTC at the file system's full
/// resolution. `None` where the file system does not store it.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Times {
    /// Last access.
    pub atime: Option<Timestamp>,
    /// Last content modification.
    pub mtime: Option<Timestamp>,
    /// Last metadata change (ext inode change; NTFS MFT entry change).
    pub ctime: Option<Timestamp>,
    /// Creation (birth).
    pub crtime: Option<Timestamp>,
}

/// How far recovered content can be trusted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Recovery {
    /// The file system still records where every byte is.
    Certain,
    /// Deleted, and the location is inferred (e.g. a FAT file assumed
    /// contiguous after its chain was cleared): may be wrong, say so.
    Guess,
    /// Deleted and the content is known to be gone or overwritten.
    Lost,
}

/// One directory entry (a name) with the metadata it points to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Entry {
    /// Full path from the root, `/`-separated, as TSK prints it (including
    /// TSK's suffixes such as ` (Volume Label Entry)`, `:stream`,
    /// ` ($FILE_NAME)`), without the ` (deleted)` marker.
    pub path: String,
    /// TSK-style metadata address: `13`, or `37-128-1` for NTFS attributes.
    pub inode: String,
    /// Type recorded in the directory entry (name layer).
    pub name_kind: EntryKind,
    /// Type recorded in the inode (metadata layer).
    pub meta_kind: EntryKind,
    /// Permission bits (`0o7777` part of the Unix mode), 0 where the file
    /// system has none.
    pub mode: u32,
    /// Owner user id.
    pub uid: u32,
    /// Owner group id.
    pub gid: u32,
    /// Size in bytes as recorded.
    pub size: u64,
    /// Timestamps.
    pub times: Times,
    /// The name is deleted (unallocated directory entry).
    pub deleted: bool,
    /// The metadata (inode / MFT entry) is still allocated.
    pub meta_allocated: bool,
    /// How far the content can be trusted.
    pub recovery: Recovery,
}
