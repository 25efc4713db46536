//! Prints TSK-style body lines (`fls -r -m /`) for an NTFS volume, with
//! warnings on stderr; with `MD5=1` in the environment, the first field is
//! the MD5 of the entry's content (as `open(inode)` gives it) instead of 0,
//! handy for comparing with `icat`.
//!
//! Usage: `cargo run -p exhibit-ntfs --example ntfs_body -- IMAGE [OFFSET_BYTES]`

use std::sync::Arc;

use exhibit_evidence::{Source, SubSource};
use md5::{Digest, Md5};

fn md5(src: &dyn Source) -> String {
    let mut h = Md5::new();
    let mut buf = vec![0u8; 1 << 16];
    let mut off = 0u64;
    while off < src.len() {
        match src.read_at(off, &mut buf) {
            Ok(0) => break,
            Ok(n) => {
                h.update(&buf[..n]);
                off += n as u64;
            }
            Err(e) => return format!("error: {e}"),
        }
    }
    hex::encode(h.finalize())
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let path = args.next().ok_or("usage: ntfs_body IMAGE [OFFSET_BYTES]")?;
    let offset: u64 = args.next().map(|s| s.parse()).transpose()?.unwrap_or(0);
    let ev: Arc<dyn Source> = Arc::new(exhibit_evidence::open(&path)?);
    let src: Arc<dyn Source> = if offset > 0 {
        let len = ev.len() - offset;
        Arc::new(SubSource::new(ev, offset, len)?)
    } else {
        ev
    };
    let fs = exhibit_ntfs::open(src)?;
    let listing = fs.list()?;
    for w in &listing.warnings {
        eprintln!("warning: offset {}: {}", w.offset, w.what);
    }
    let hash = std::env::var_os("MD5").is_some();
    for e in &listing.entries {
        let line = exhibit_vfs::bodyfile_line("", e);
        if hash {
            let h = match fs.open(&e.inode, None) {
                Ok(d) => md5(&*d.source),
                Err(err) => format!("error: {err}"),
            };
            println!("{h}{}", &line[1..]);
        } else {
            println!("{line}");
        }
    }
    Ok(())
}
