//! File systems made fresh by their own tools (mkfs.vfat + mtools, mkntfs +
//! ntfs-3g, mkfs.exfat + exfat-fuse on a loop device) with deleted files and folders, long and Vietnamese names, big
//! directories, hard links and fragments, then listed by The Sleuth Kit and by
//! Exhibit: `fls -r -m /` and `exhibit timeline IMG --format bodyfile` agree
//! line for line, and `icat` and `exhibit cat` give the same bytes for every
//! file. A test says SKIP where a tool is missing (NTFS and exFAT also need
//! root and FUSE; exFAT a loop device).

mod common;

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;

use common::{exhibit, stdout_of};

fn ok(cmd: &mut Command) -> bool {
    cmd.output().map(|o| o.status.success()).unwrap_or(false)
}

fn have(tool: &str) -> bool {
    Command::new(tool).arg("--version").output().is_ok()
        || Command::new(tool).arg("-V").output().is_ok()
}

/// Body-file lines without the MD5 column, with TSK's one known misreading
/// made as Exhibit reads it: an NTFS time of 0 ("never set"), which TSK wraps
/// through a 32-bit cast to 3373865674 (2076-11-29).
fn body(text: &str) -> BTreeSet<String> {
    text.lines()
        .filter(|l| !l.is_empty())
        .map(|l| {
            let fields: Vec<&str> = l.splitn(2, '|').collect();
            fields
                .get(1)
                .unwrap_or(&"")
                .split('|')
                .map(|f| if f == "3373865674" { "0" } else { f })
                .collect::<Vec<_>>()
                .join("|")
        })
        .collect()
}

fn fls_body(img: &Path) -> BTreeSet<String> {
    let out = Command::new("fls")
        .env("TZ", "UTC")
        .args(["-r", "-m", "/"])
        .arg(img)
        .output()
        .unwrap();
    assert!(out.status.success(), "fls {}", img.display());
    body(&String::from_utf8_lossy(&out.stdout))
}

fn exhibit_body(img: &Path) -> BTreeSet<String> {
    body(&stdout_of(&[
        "timeline",
        img.to_str().unwrap(),
        "--format",
        "bodyfile",
    ]))
}

/// exFAT modification and creation times carry a 10-ms increment of 0 to
/// 1.99 s on top of their 2-second DOS time; TSK keeps it modulo one second
/// (`timetens % 100`), dropping the whole second that Exhibit adds. Both
/// sides are compared at the DOS time's own 2-second resolution.
fn two_second(lines: BTreeSet<String>) -> BTreeSet<String> {
    lines
        .into_iter()
        .map(|l| {
            let mut f: Vec<String> = l.split('|').map(str::to_string).collect();
            for i in [7, 9] {
                if let Some(t) = f.get(i).and_then(|t| t.parse::<i64>().ok()) {
                    f[i] = (t & !1).to_string();
                }
            }
            f.join("|")
        })
        .collect()
}

/// Both listings agree, then the content of every regular file.
fn same_as_tsk(img: &Path, skip_inodes: &[&str]) {
    same_as_tsk_with(img, skip_inodes, |b| b)
}

fn same_as_tsk_with(
    img: &Path,
    skip_inodes: &[&str],
    normal: fn(BTreeSet<String>) -> BTreeSet<String>,
) {
    let tsk = normal(fls_body(img));
    let ours = normal(exhibit_body(img));
    let missing: Vec<_> = tsk.difference(&ours).take(5).collect();
    let extra: Vec<_> = ours.difference(&tsk).take(5).collect();
    assert!(
        missing.is_empty() && extra.is_empty(),
        "{}: TSK only {missing:#?}\nExhibit only {extra:#?}",
        img.display()
    );
    let inodes: BTreeSet<String> = tsk
        .iter()
        .filter_map(|l| {
            let f: Vec<&str> = l.split('|').collect();
            (f.get(2).is_some_and(|m| m.starts_with("r/r"))).then(|| f[1].to_string())
        })
        .filter(|i| !skip_inodes.contains(&i.as_str()))
        .collect();
    assert!(inodes.len() > 20, "{} regular files", inodes.len());
    for inode in &inodes {
        let tsk = Command::new("icat").arg(img).arg(inode).output().unwrap();
        let ours = exhibit()
            .args(["cat", img.to_str().unwrap(), inode])
            .output()
            .unwrap();
        assert!(
            tsk.stdout == ours.stdout,
            "{}: content of {inode} differs ({} bytes from icat, {} from exhibit)",
            img.display(),
            tsk.stdout.len(),
            ours.stdout.len()
        );
    }
}

/// The tree every volume gets (before deletions).
fn tree(dir: &Path) -> PathBuf {
    let src = dir.join("src");
    for d in ["docs/sub", "Photos", "Dữ liệu/ảnh", "gone/inner"] {
        std::fs::create_dir_all(src.join(d)).unwrap();
    }
    std::fs::write(src.join("readme.txt"), "hello alice@example.com\n").unwrap();
    std::fs::write(src.join("docs/big.bin"), common::pattern(300_000, 3)).unwrap();
    std::fs::write(
        src.join("docs/A very long file name for the long-name entries.txt"),
        "meeting at noon\n",
    )
    .unwrap();
    std::fs::write(src.join("docs/sub/deep.txt"), "x\n").unwrap();
    std::fs::write(src.join("Dữ liệu/ảnh/chú thích.txt"), "tiếng việt\n").unwrap();
    std::fs::write(src.join("gone/inner/s.txt"), "secret\n").unwrap();
    for i in 0..120 {
        std::fs::write(
            src.join(format!("Photos/IMG_{i:04}.JPG")),
            format!("photo {i}\n"),
        )
        .unwrap();
    }
    src
}

/// Copies the tree onto a mounted volume, adds what `extra` writes and two
/// files written in turns (fragments), then deletes a file, a photo and a
/// folder.
fn fill(
    src: &Path,
    mnt: &Path,
    extra: impl FnOnce(&Path) -> std::io::Result<()>,
) -> std::io::Result<()> {
    use std::io::Write;
    let copied = Command::new("cp")
        .arg("-r")
        .arg(src.join("."))
        .arg(mnt)
        .status()?;
    assert!(copied.success());
    extra(mnt)?;
    let (mut a, mut b) = (
        std::fs::File::create(mnt.join("frag_a.bin"))?,
        std::fs::File::create(mnt.join("frag_b.bin"))?,
    );
    for i in 0..12u64 {
        a.write_all(&common::pattern(40_000, i))?;
        a.sync_all()?;
        b.write_all(&common::pattern(40_000, 100 + i))?;
        b.sync_all()?;
    }
    std::fs::remove_file(mnt.join("docs/sub/deep.txt"))?;
    std::fs::remove_file(mnt.join("Photos/IMG_0007.JPG"))?;
    std::fs::remove_dir_all(mnt.join("gone"))
}

#[test]
fn fat_volumes_made_by_mtools_list_and_read_as_tsk_does() {
    if !have("mkfs.vfat") || !have("mcopy") || !have("fls") {
        eprintln!("SKIP: mkfs.vfat, mtools or fls (sleuthkit) not installed");
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let src = tree(tmp.path());
    for (bits, size) in [("12", 4u64 << 20), ("16", 32 << 20), ("32", 64 << 20)] {
        let img = tmp.path().join(format!("fat{bits}.img"));
        std::fs::File::create(&img).unwrap().set_len(size).unwrap();
        assert!(ok(Command::new("mkfs.vfat")
            .args(["-F", bits, "-n", "TEST"])
            .arg(&img)));
        let mtools = |args: &[&str]| {
            let mut c = Command::new(args[0]);
            c.env("MTOOLS_SKIP_CHECK", "1").arg("-i").arg(&img);
            c.args(&args[1..]);
            assert!(ok(&mut c), "{args:?} on FAT{bits}");
        };
        let mut copy = Command::new("mcopy");
        copy.env("MTOOLS_SKIP_CHECK", "1")
            .args(["-s", "-i"])
            .arg(&img);
        for e in std::fs::read_dir(&src).unwrap() {
            copy.arg(e.unwrap().path());
        }
        assert!(ok(copy.arg("::/")), "mcopy on FAT{bits}");
        mtools(&["mdel", "::/docs/sub/deep.txt"]);
        mtools(&["mdel", "::/Photos/IMG_0007.JPG"]);
        mtools(&["mdeltree", "::/gone"]);
        same_as_tsk(&img, &[]);
    }
}

#[test]
fn ntfs_volume_made_by_ntfs3g_lists_and_reads_as_tsk_does() {
    if !have("mkntfs") || !have("ntfs-3g") || !have("fls") {
        eprintln!("SKIP: ntfs-3g or fls (sleuthkit) not installed");
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let src = tree(tmp.path());
    let img = tmp.path().join("ntfs.img");
    std::fs::File::create(&img)
        .unwrap()
        .set_len(48 << 20)
        .unwrap();
    assert!(ok(Command::new("mkntfs")
        .args(["-F", "-q", "-f"])
        .arg(&img)));
    let mnt = tmp.path().join("mnt");
    std::fs::create_dir(&mnt).unwrap();
    if !ok(Command::new("ntfs-3g").arg(&img).arg(&mnt)) {
        eprintln!("SKIP: ntfs-3g cannot mount here (needs root and FUSE)");
        return;
    }
    let filled = fill(&src, &mnt, |mnt| {
        // A hard link and a sparse file besides.
        std::fs::hard_link(mnt.join("readme.txt"), mnt.join("docs/link.txt"))?;
        std::fs::File::create(mnt.join("sparse.bin"))?.set_len(3 << 20)
    });
    let unmounted = ok(Command::new("umount").arg(&mnt));
    filled.unwrap();
    assert!(unmounted, "umount");
    // `$BadClus:$Bad`: icat writes nothing for the volume-sized hole, Exhibit
    // its zeros (the stream's size).
    same_as_tsk(&img, &["8-128-1"]);
}

/// A loop device over an image, detached when dropped (also when a test
/// fails half-way).
struct Loop(String);

impl Loop {
    fn attach(img: &Path) -> Option<Loop> {
        let out = Command::new("losetup")
            .args(["-f", "--show"])
            .arg(img)
            .output()
            .ok()?;
        let dev = String::from_utf8_lossy(&out.stdout).trim().to_string();
        (out.status.success() && !dev.is_empty()).then_some(Loop(dev))
    }
}

impl Drop for Loop {
    fn drop(&mut self) {
        let _ = Command::new("losetup").args(["-d", &self.0]).status();
    }
}

#[test]
fn exfat_volume_made_by_exfat_fuse_lists_and_reads_as_tsk_does() {
    if !have("mkfs.exfat") || !have("mount.exfat-fuse") || !have("fls") {
        eprintln!("SKIP: exfatprogs, exfat-fuse or fls (sleuthkit) not installed");
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let src = tree(tmp.path());
    let img = tmp.path().join("exfat.img");
    std::fs::File::create(&img)
        .unwrap()
        .set_len(64 << 20)
        .unwrap();
    assert!(ok(Command::new("mkfs.exfat")
        .args(["-L", "CARD"])
        .arg(&img)));
    let Some(dev) = Loop::attach(&img) else {
        eprintln!("SKIP: no loop device here (losetup needs root)");
        return;
    };
    let mnt = tmp.path().join("mnt");
    std::fs::create_dir(&mnt).unwrap();
    if !ok(Command::new("mount.exfat-fuse").arg(&dev.0).arg(&mnt)) {
        eprintln!("SKIP: exfat-fuse cannot mount here (needs root and FUSE)");
        return;
    }
    let filled = fill(&src, &mnt, |_| Ok(()));
    let unmounted = ok(Command::new("umount").arg(&mnt));
    drop(dev);
    filled.unwrap();
    assert!(unmounted, "umount");
    same_as_tsk_with(&img, &[], two_second);
}
