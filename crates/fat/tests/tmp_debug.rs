use exhibit_fat::FatFs;
use exhibit_vfs::{FileSystem, FsOptions};
use std::sync::Arc;
struct Mem(Vec<u8>);
impl exhibit_evidence::Source for Mem {
    fn read_at(
        &self,
        offset: u64,
        buf: &mut [u8],
    ) -> Result<usize, exhibit_evidence::EvidenceError> {
        let len = self.0.len() as u64;
        if offset >= len {
            return Ok(0);
        }
        let n = buf.len().min((len - offset) as usize);
        buf[..n].copy_from_slice(&self.0[offset as usize..offset as usize + n]);
        Ok(n)
    }
    fn len(&self) -> u64 {
        self.0.len() as u64
    }
    fn name(&self) -> &str {
        "m"
    }
}
#[test]
fn show() {
    for p in [
        "dftt-6-undel-fat/6-fat-undel.dd",
        "dftt-5-fat-daylight/daylight.dd",
    ] {
        let path = std::fs::canonicalize(env!("CARGO_MANIFEST_DIR"))
            .unwrap()
            .join("../../../shared/testdata/disk")
            .join(p);
        let full = std::fs::read(path).unwrap();
        let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
        let span = full.len().min(256 * 1024) as u64;
        let (mut opened, mut entries, mut warns, mut errs) = (0, 0, 0, 0);
        let mut errkinds = std::collections::BTreeMap::new();
        for _ in 0..300 {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            let bit = x % (span * 8);
            let mut d = full.clone();
            d[(bit / 8) as usize] ^= 1 << (bit % 8);
            match FatFs::open(Arc::new(Mem(d)), &FsOptions::default()) {
                Ok(fs) => {
                    opened += 1;
                    let l = fs.list().unwrap();
                    entries += l.entries.len();
                    warns += l.warnings.len();
                    for w in &l.warnings {
                        if !w.what.contains("truncated") && !w.what.contains("_P1") {
                            println!("W bit {bit}: {}", w.what);
                        }
                    }
                    for e in &l.entries {
                        if let Err(er) = fs.open(&e.inode, None) {
                            errs += 1;
                            *errkinds.entry(er.to_string()).or_insert(0) += 1;
                        }
                    }
                }
                Err(e) => println!("open err bit {bit}: {e}"),
            }
        }
        println!("{p}: opened {opened}, entries {entries}, warnings {warns}, open errors {errs} {errkinds:?}");
    }
}
