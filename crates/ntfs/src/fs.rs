//! The NTFS reader: opening the volume, MFT access, loading a file (MFT
//! entry) with its attribute list the way TSK identifies attributes, and
//! content. The listing is in `list.rs`.

use std::collections::HashSet;
use std::sync::Arc;

use exhibit_evidence::Source;
use exhibit_vfs::{FileData, FileSystem, FsError, Listing, Recovery, Run, Warning};

use crate::attr::{self, StdInfo};
use crate::boot::{self, Boot};
use crate::content::{self, CompressedSource, MemSource};
use crate::record::{self, Body, RawAttr};
use crate::runlist::Extent;

/// MFT entry of the root directory.
pub(crate) const ROOT: u64 = 5;
/// Deepest directory nesting followed (TSK's limit).
pub(crate) const MAX_DEPTH: usize = 128;
/// Warnings kept per listing; the rest are counted.
const MAX_WARNINGS: usize = 10_000;
/// Largest `$ATTRIBUTE_LIST` read.
const MAX_ATTR_LIST: u64 = 1 << 20;
/// Most index allocation bytes read for one directory.
pub(crate) const MAX_INDEX_BYTES: u64 = 256 << 20;
/// Most extension records followed for one file (TSK's limit).
const MAX_EXTENSIONS: usize = 256;

/// Collects warnings up to a bound.
pub(crate) struct Warnings {
    list: Vec<Warning>,
    dropped: usize,
}

impl Warnings {
    pub(crate) fn new() -> Self {
        Warnings {
            list: Vec::new(),
            dropped: 0,
        }
    }

    pub(crate) fn push(&mut self, offset: u64, what: String) {
        if self.list.len() < MAX_WARNINGS {
            self.list.push(Warning { offset, what });
        } else {
            self.dropped += 1;
        }
    }

    /// Appends the warnings of `other`, collected after these.
    pub(crate) fn append(&mut self, other: Warnings) {
        for x in other.list {
            self.push(x.offset, x.what);
        }
        self.dropped += other.dropped;
    }

    pub(crate) fn finish(mut self) -> Vec<Warning> {
        if self.dropped > 0 {
            self.list.push(Warning {
                offset: 0,
                what: format!("{} further warnings not listed", self.dropped),
            });
        }
        self.list
    }
}

/// Attribute data after merging the pieces of an attribute.
#[derive(Debug, Clone)]
pub(crate) enum AttrData {
    Resident(Vec<u8>),
    NonResident {
        extents: Vec<Extent>,
        comp_unit: u16,
        init_size: u64,
    },
}

/// One attribute of a file, as TSK identifies it (type and id).
#[derive(Debug, Clone)]
pub(crate) struct Attr {
    pub type_code: u32,
    pub id: u16,
    pub name: String,
    pub flags: u16,
    /// Size in bytes (resident value length, or the non-resident real
    /// size recorded by the first piece).
    pub size: u64,
    pub data: AttrData,
}

/// A non-DOS name of a file, from its `$FILE_NAME` attributes.
#[derive(Debug, Clone)]
pub(crate) struct Name {
    pub name: String,
    pub parent: u64,
    pub parent_seq: u16,
}

/// An MFT entry with its attributes (extension records merged).
#[derive(Debug, Clone)]
pub(crate) struct FileMeta {
    pub addr: u64,
    pub seq: u16,
    pub in_use: bool,
    pub is_dir: bool,
    pub base_ref: u64,
    pub attrs: Vec<Attr>,
    pub si: Option<StdInfo>,
    /// Times of the last non-DOS `$FILE_NAME` (crtime, mtime, ctime, atime).
    pub fn_times: [u64; 4],
    /// Id of that `$FILE_NAME` attribute (TSK prints only it).
    pub fn_id: u16,
    pub names: Vec<Name>,
    /// TSK's mode bits, from the DOS flags of `$STANDARD_INFORMATION`.
    pub mode: u32,
    /// TSK's file size (default stream or index root), for entries with
    /// neither.
    pub size: u64,
}

impl FileMeta {
    fn empty(addr: u64, h: &record::Header) -> Self {
        FileMeta {
            addr,
            seq: h.seq,
            in_use: h.flags & record::FLAG_IN_USE != 0,
            is_dir: h.flags & record::FLAG_DIRECTORY != 0,
            base_ref: h.base_ref,
            attrs: Vec::new(),
            si: None,
            fn_times: [0; 4],
            fn_id: 0,
            names: Vec::new(),
            mode: 0,
            size: 0,
        }
    }
}

/// Attribute-list id map entry (see [`NtfsFs::attribute_list`]).
struct MapItem {
    type_code: u32,
    name: Vec<u16>,
    record: u64,
    new_id: u16,
}

/// A read-only NTFS file system.
pub struct NtfsFs {
    pub(crate) volume: Arc<dyn Source>,
    pub(crate) boot: Boot,
    /// `$MFT`'s own `$DATA`, contiguous from VCN 0.
    mft: Vec<Extent>,
    pub(crate) record_count: u64,
    label: Option<String>,
    pub(crate) open_warnings: Vec<Warning>,
}

pub(crate) fn sanitize(name: &str) -> String {
    name.chars()
        .map(|c| {
            if (c as u32) < 0x20 || c == '\u{7f}' {
                '^'
            } else {
                c
            }
        })
        .collect()
}

pub(crate) fn corrupt(
    structure: impl Into<String>,
    offset: u64,
    what: impl Into<String>,
) -> FsError {
    FsError::Corrupt {
        structure: structure.into(),
        offset,
        what: what.into(),
    }
}

impl NtfsFs {
    /// Opens the NTFS volume in `volume`: checks the boot sector, reads
    /// `$MFT`'s record (falling back to `$MFTMirr` if it is damaged) and its
    /// `$DATA` runlist, following `$MFT`'s attribute list if it has one, and
    /// the volume label.
    pub fn open(volume: Arc<dyn Source>) -> Result<NtfsFs, FsError> {
        let mut b = [0u8; 512];
        volume.read_exact_at(0, &mut b)?;
        let boot = boot::parse(&b).map_err(|why| FsError::NotThisKind { kind: "NTFS", why })?;
        let mut warnings = Warnings::new();
        let cs = boot.cluster_size;
        let vol_bytes = boot.total_sectors.saturating_mul(boot.sector_size as u64);
        if vol_bytes > volume.len() {
            warnings.push(
                0,
                format!(
                    "boot sector: volume is {vol_bytes} bytes but the evidence holds {}: truncated image",
                    volume.len()
                ),
            );
        }
        let mut fs = NtfsFs {
            volume,
            boot,
            mft: Vec::new(),
            record_count: 0,
            label: None,
            open_warnings: Vec::new(),
        };
        let primary = boot.mft_lcn.checked_mul(cs);
        let mirror = boot.mftmirr_lcn.checked_mul(cs);
        let mut last_err = None;
        let mut found = None;
        for (which, at) in [("$MFT", primary), ("$MFTMirr", mirror)] {
            let Some(at) = at else {
                last_err = Some(corrupt(which, 0, "cluster number overflows"));
                continue;
            };
            match fs.bootstrap_mft(at, &mut warnings) {
                Ok(v) => {
                    if which == "$MFTMirr" {
                        warnings.push(
                            at,
                            "MFT entry 0 unreadable at $MFT; read from $MFTMirr".into(),
                        );
                    }
                    found = Some(v);
                    break;
                }
                Err(e) => last_err = Some(corrupt(format!("MFT entry 0 ({which})"), at, e)),
            }
        }
        let Some((extents, real_size)) = found else {
            return Err(last_err.unwrap_or_else(|| corrupt("$MFT", 0, "not found")));
        };
        fs.mft = extents;
        let rs = boot.record_size as u64;
        // Records the runlist can actually deliver: contiguous, allocated,
        // inside the volume.
        let vol_clusters = fs.volume.len() / cs;
        let mut usable = 0u64;
        for e in &fs.mft {
            match e.lcn {
                Some(l) if e.vcn == usable && l.saturating_add(e.len) <= vol_clusters => {
                    usable += e.len;
                }
                Some(l) if e.vcn == usable && l < vol_clusters => {
                    usable += vol_clusters - l;
                    break;
                }
                _ => break,
            }
        }
        let claimed = real_size / rs;
        let deliverable = usable.saturating_mul(cs) / rs;
        if deliverable < claimed {
            warnings.push(
                primary.unwrap_or(0),
                format!(
                    "$MFT claims {claimed} records but its runlist only reaches {deliverable} inside the evidence"
                ),
            );
        }
        fs.record_count = claimed.min(deliverable);
        if fs.record_count <= ROOT {
            return Err(corrupt(
                "$MFT",
                primary.unwrap_or(0),
                format!("only {} records: no root directory", fs.record_count),
            ));
        }
        // volume label
        match fs.load(3, &mut |_, _| {}) {
            Ok(m) => {
                fs.label = m.attrs.iter().find_map(|a| match (&a.data, a.type_code) {
                    (AttrData::Resident(v), record::AT_VOLUME_NAME) if !v.is_empty() => {
                        let units: Vec<u16> = v
                            .chunks_exact(2)
                            .map(|c| u16::from_le_bytes([c[0], c[1]]))
                            .collect();
                        Some(attr::utf16(&units))
                    }
                    _ => None,
                })
            }
            Err((off, e)) => warnings.push(off, format!("MFT entry 3 ($Volume): {e}")),
        }
        fs.open_warnings = warnings.finish();
        Ok(fs)
    }

    /// Warnings met while opening (also repeated in every listing).
    pub fn warnings(&self) -> &[Warning] {
        &self.open_warnings
    }

    /// Number of MFT records (entries 0 to `record_count() - 1`); TSK gives
    /// the virtual `$OrphanFiles` directory this number as its address.
    pub fn record_count(&self) -> u64 {
        self.record_count
    }

    /// Bytes per cluster.
    pub fn cluster_size(&self) -> u64 {
        self.boot.cluster_size
    }

    /// Reads record 0 at `at` and assembles `$MFT`'s `$DATA` runlist,
    /// following its attribute list if the runlist continues in extension
    /// records. Returns the extents and the recorded size.
    fn bootstrap_mft(
        &mut self,
        at: u64,
        warnings: &mut Warnings,
    ) -> Result<(Vec<Extent>, u64), String> {
        let rs = self.boot.record_size as usize;
        let mut rec = vec![0u8; rs];
        self.volume
            .read_exact_at(at, &mut rec)
            .map_err(|e| e.to_string())?;
        if &rec[0..4] != b"FILE" {
            return Err("no FILE signature".into());
        }
        record::apply_fixups(&mut rec)?;
        let h = record::header(&rec).ok_or("record header truncated")?;
        let mut warn =
            |o: usize, w: String| warnings.push(at + o as u64, format!("MFT entry 0: {w}"));
        let attrs = record::attributes(&rec, h.attr_off as usize, &mut warn);
        let mut extents = Vec::new();
        let mut real_size = None;
        let mut list = None;
        for a in &attrs {
            match (&a.body, a.type_code) {
                (Body::NonResident(nr), record::AT_DATA) if a.name.is_empty() => {
                    if nr.start_vcn == 0 {
                        real_size = Some(nr.real_size);
                    }
                    extents.extend_from_slice(&nr.extents);
                }
                (_, record::AT_ATTRIBUTE_LIST) if list.is_none() => list = Some(a.clone()),
                _ => {}
            }
        }
        let real_size = real_size.ok_or("no non-resident $DATA attribute starting at VCN 0")?;
        self.mft = content::contiguous(&extents);
        if let Some(list) = list {
            let data = self.list_bytes(&list)?;
            let (entries, err) = attr::attribute_list(&data);
            if let Some(e) = err {
                warn(0, format!("$ATTRIBUTE_LIST: {e}"));
            }
            let mut pieces: Vec<_> = entries
                .iter()
                .filter(|e| e.type_code == record::AT_DATA && e.name.is_empty() && e.record != 0)
                .collect();
            pieces.sort_by_key(|e| e.start_vcn);
            let mut done = HashSet::new();
            for p in pieces.into_iter().take(MAX_EXTENSIONS) {
                if !done.insert(p.record) {
                    continue;
                }
                let ext = match self.read_record(p.record) {
                    Ok((r, _)) => r,
                    Err((o, e)) => {
                        warn(0, format!("extension record {} (at {o}): {e}", p.record));
                        continue;
                    }
                };
                let Some(eh) = record::header(&ext) else {
                    continue;
                };
                for a in record::attributes(&ext, eh.attr_off as usize, &mut |_, _| {}) {
                    if let (Body::NonResident(nr), record::AT_DATA) = (&a.body, a.type_code) {
                        if a.name.is_empty() {
                            extents.extend_from_slice(&nr.extents);
                        }
                    }
                }
                self.mft = content::contiguous(&extents);
            }
        }
        Ok((content::contiguous(&extents), real_size))
    }

    /// Volume offset of byte `pos` of the MFT, and how many bytes from
    /// there are contiguous.
    fn mft_map(&self, pos: u64) -> Option<(u64, u64)> {
        let cs = self.boot.cluster_size;
        let vcn = pos / cs;
        let i = self.mft.partition_point(|e| e.vcn + e.len <= vcn);
        let e = self.mft.get(i)?;
        if vcn < e.vcn {
            return None;
        }
        let lcn = e.lcn?;
        let within = pos % cs;
        let off = (lcn + (vcn - e.vcn)).checked_mul(cs)?.checked_add(within)?;
        let avail = (e.vcn + e.len - vcn) * cs - within;
        Some((off, avail))
    }

    /// Volume offset where MFT entry `n` starts.
    pub(crate) fn record_offset(&self, n: u64) -> u64 {
        n.checked_mul(self.boot.record_size as u64)
            .and_then(|p| self.mft_map(p))
            .map(|(o, _)| o)
            .unwrap_or(0)
    }

    /// Reads MFT entry `n` and applies its fixups. Records without a `FILE`
    /// signature are returned as they are when all zero (never used).
    fn read_record(&self, n: u64) -> Result<(Vec<u8>, u64), (u64, String)> {
        let mut buf = Vec::new();
        let first = self.read_record_into(n, &mut buf)?;
        Ok((buf, first))
    }

    /// [`NtfsFs::read_record`] into a buffer the caller reuses; returns the
    /// volume offset of the record.
    fn read_record_into(&self, n: u64, buf: &mut Vec<u8>) -> Result<u64, (u64, String)> {
        let rs = self.boot.record_size as u64;
        let start = n
            .checked_mul(rs)
            .ok_or((0, "record number overflows".to_string()))?;
        buf.clear();
        buf.resize(rs as usize, 0);
        let mut filled = 0u64;
        let first = self.record_offset(n);
        while filled < rs {
            let (off, avail) = self
                .mft_map(start + filled)
                .ok_or((first, "not described by $MFT's runlist".to_string()))?;
            let take = avail.min(rs - filled);
            self.volume
                .read_exact_at(off, &mut buf[filled as usize..(filled + take) as usize])
                .map_err(|e| (off, e.to_string()))?;
            filled += take;
        }
        Self::check_record(buf, first)?;
        Ok(first)
    }

    /// Checks the signature of a record read at volume offset `first` and
    /// applies its fixups in place.
    fn check_record(buf: &mut [u8], first: u64) -> Result<(), (u64, String)> {
        match buf.get(0..4) {
            Some(b"FILE") => record::apply_fixups(buf).map_err(|e| (first, e)),
            Some([0, 0, 0, 0]) => Ok(()),
            other => Err((
                first,
                format!("no FILE signature (found {:02x?})", other.unwrap_or(&[])),
            )),
        }
    }

    /// Reads the MFT bytes from `start` into `buf` in large pieces, not
    /// through the cache. False if any part is not described by the
    /// runlist or cannot be read in full (the caller then reads record by
    /// record to report the problem exactly).
    pub(crate) fn read_mft_bytes(&self, start: u64, buf: &mut [u8]) -> bool {
        let mut filled = 0usize;
        while filled < buf.len() {
            let Some((off, avail)) = self.mft_map(start + filled as u64) else {
                return false;
            };
            let take = (avail.min((buf.len() - filled) as u64)) as usize;
            let piece = &mut buf[filled..filled + take];
            let mut done = 0;
            while done < piece.len() {
                match self
                    .volume
                    .read_once_at(off + done as u64, &mut piece[done..])
                {
                    Ok(0) | Err(_) => return false,
                    Ok(n) => done += n,
                }
            }
            filled += take;
        }
        true
    }

    /// Loads MFT entry `n` from its raw bytes `rec` (as read from the MFT,
    /// fixups not yet applied), like [`NtfsFs::load`].
    pub(crate) fn load_raw(
        &self,
        n: u64,
        rec: &mut [u8],
        warn: &mut dyn FnMut(u64, String),
    ) -> Result<FileMeta, (u64, String)> {
        let at = self.record_offset(n);
        Self::check_record(rec, at)?;
        self.load_rec(n, rec, at, warn)
    }

    /// Bytes of an `$ATTRIBUTE_LIST` (resident or not), bounded.
    fn list_bytes(&self, a: &RawAttr) -> Result<Vec<u8>, String> {
        match &a.body {
            Body::Resident { value, .. } => Ok(value.clone()),
            Body::NonResident(nr) => {
                if nr.real_size > MAX_ATTR_LIST {
                    return Err(format!(
                        "$ATTRIBUTE_LIST of {} bytes is larger than {MAX_ATTR_LIST}",
                        nr.real_size
                    ));
                }
                let src = content::runs_source(
                    self.volume.clone(),
                    &nr.extents,
                    self.boot.cluster_size,
                    nr.real_size,
                    nr.init_size,
                    "$ATTRIBUTE_LIST".into(),
                )?;
                let mut data = vec![0u8; src.len() as usize];
                src.read_exact_at(0, &mut data).map_err(|e| e.to_string())?;
                Ok(data)
            }
        }
    }

    /// Loads MFT entry `n` with all its attributes, following its attribute
    /// list into extension records. Problems inside the record go to `warn`
    /// (volume offset, text); a record that cannot be read at all is an
    /// error (volume offset, text).
    pub(crate) fn load(
        &self,
        n: u64,
        warn: &mut dyn FnMut(u64, String),
    ) -> Result<FileMeta, (u64, String)> {
        let (rec, at) = self.read_record(n)?;
        self.load_rec(n, &rec, at, warn)
    }

    /// [`NtfsFs::load`] reading the record into `buf`, reused by the caller.
    pub(crate) fn load_in(
        &self,
        n: u64,
        buf: &mut Vec<u8>,
        warn: &mut dyn FnMut(u64, String),
    ) -> Result<FileMeta, (u64, String)> {
        let at = self.read_record_into(n, buf)?;
        self.load_rec(n, buf, at, warn)
    }

    /// The part of [`NtfsFs::load`] after the record is read.
    fn load_rec(
        &self,
        n: u64,
        rec: &[u8],
        at: u64,
        warn: &mut dyn FnMut(u64, String),
    ) -> Result<FileMeta, (u64, String)> {
        let h = record::header(rec).ok_or((at, "record header truncated".to_string()))?;
        let mut meta = FileMeta::empty(n, &h);
        if &h.magic != b"FILE" {
            return Ok(meta); // never used: no attributes
        }
        if (h.attr_off as usize) < 24 || h.attr_off as usize >= rec.len() {
            return Err((
                at,
                format!("first attribute offset {} is invalid", h.attr_off),
            ));
        }
        let raws = record::attributes(rec, h.attr_off as usize, &mut |o, w| {
            warn(at + o as u64, format!("MFT entry {n}: {w}"))
        });
        let list = self.process_attrs(&mut meta, rec, raws, None, at, warn);
        if let Some(list) = list {
            if h.base_ref == 0 {
                self.attribute_list(&mut meta, &list, at, warn);
            }
        }
        Ok(meta)
    }

    /// Adds the attributes of one record to `meta`, the way TSK does
    /// (so attribute ids and the chosen `$FILE_NAME` match its output).
    /// Returns the record's `$ATTRIBUTE_LIST`, if any.
    fn process_attrs(
        &self,
        meta: &mut FileMeta,
        rec: &[u8],
        raws: Vec<RawAttr>,
        map: Option<&[MapItem]>,
        at: u64,
        warn: &mut dyn FnMut(u64, String),
    ) -> Option<RawAttr> {
        let cs = self.boot.cluster_size;
        let mut list = None;
        for raw in raws {
            let name = sanitize(&attr::utf16(&raw.name));
            let mut id = raw.id;
            if let Some(map) = map {
                // TSK compares the map's name with as many characters as the
                // attribute's name has (so an unnamed attribute matches the
                // first map entry of its type).
                if let Some(m) = map.iter().find(|m| {
                    m.type_code == raw.type_code
                        && m.name.len() >= raw.name.len()
                        && m.name[..raw.name.len()] == raw.name[..]
                }) {
                    id = m.new_id;
                }
            }
            match &raw.body {
                Body::Resident { value, value_off } => {
                    if meta.is_dir && raw.type_code == record::AT_INDEX_ROOT
                        || !meta.is_dir && raw.type_code == record::AT_DATA && name.is_empty()
                    {
                        meta.size = value.len() as u64;
                    }
                    match raw.type_code {
                        record::AT_STANDARD_INFORMATION => {
                            match attr::std_info(value, rec, *value_off) {
                                Some(si) => {
                                    let mut mode = 0o111;
                                    if si.dos_flags & attr::DOS_READ_ONLY == 0 {
                                        mode |= 0o444;
                                    }
                                    if si.dos_flags & attr::DOS_HIDDEN == 0 {
                                        mode |= 0o222;
                                    }
                                    meta.mode = mode;
                                    meta.si = Some(si);
                                }
                                None => warn(
                                    at,
                                    format!(
                                        "MFT entry {}: $STANDARD_INFORMATION of {} bytes is too short",
                                        meta.addr,
                                        value.len()
                                    ),
                                ),
                            }
                        }
                        record::AT_FILE_NAME => match attr::file_name(value) {
                            Some(f) if f.namespace != attr::NS_DOS => {
                                meta.fn_times = [f.crtime, f.mtime, f.ctime, f.atime];
                                meta.fn_id = raw.id;
                                meta.names.push(Name {
                                    name: f.name,
                                    parent: f.parent,
                                    parent_seq: f.parent_seq,
                                });
                            }
                            Some(_) => {}
                            None => warn(
                                at,
                                format!(
                                    "MFT entry {}: $FILE_NAME attribute is malformed",
                                    meta.addr
                                ),
                            ),
                        },
                        _ => {}
                    }
                    meta.attrs.push(Attr {
                        type_code: raw.type_code,
                        id,
                        name,
                        flags: raw.flags,
                        size: value.len() as u64,
                        data: AttrData::Resident(value.clone()),
                    });
                }
                Body::NonResident(nr) => {
                    if matches!(
                        raw.type_code,
                        record::AT_STANDARD_INFORMATION | record::AT_FILE_NAME
                    ) {
                        warn(
                            at,
                            format!(
                                "MFT entry {}: attribute {:#x} is non-resident",
                                meta.addr, raw.type_code
                            ),
                        );
                    }
                    if id == 0 {
                        if let Some(a) = meta
                            .attrs
                            .iter()
                            .find(|a| a.type_code == raw.type_code && a.name == name)
                        {
                            id = a.id;
                        }
                    }
                    let existing = meta.attrs.iter_mut().find(|a| {
                        a.type_code == raw.type_code
                            && a.id == id
                            && matches!(a.data, AttrData::NonResident { .. })
                    });
                    match existing {
                        Some(Attr {
                            data: AttrData::NonResident { extents, .. },
                            ..
                        }) => {
                            if extents.len() + nr.extents.len() > 1 << 20 {
                                warn(at, format!("MFT entry {}: too many runs", meta.addr));
                            } else {
                                extents.extend_from_slice(&nr.extents);
                            }
                        }
                        _ => {
                            let mut size = nr.real_size;
                            if size == 0 && !nr.extents.is_empty() {
                                // TSK: size from the runs when not recorded
                                let clusters: u64 = nr
                                    .extents
                                    .iter()
                                    .map(|e| e.len)
                                    .fold(nr.extents[0].vcn, |a, b| a.saturating_add(b));
                                size = clusters.saturating_mul(cs);
                            }
                            if !meta.is_dir && raw.type_code == record::AT_DATA && name.is_empty() {
                                meta.size = size;
                            }
                            let comp_unit = if raw.flags & record::ATTR_COMPRESSED != 0 {
                                nr.comp_unit
                            } else {
                                0
                            };
                            meta.attrs.push(Attr {
                                type_code: raw.type_code,
                                id,
                                name,
                                flags: raw.flags,
                                size,
                                data: AttrData::NonResident {
                                    extents: nr.extents.clone(),
                                    comp_unit,
                                    init_size: nr.init_size,
                                },
                            });
                        }
                    }
                }
            }
            if raw.type_code == record::AT_ATTRIBUTE_LIST {
                if list.is_none() {
                    list = Some(raw);
                } else {
                    warn(
                        at,
                        format!("MFT entry {}: more than one $ATTRIBUTE_LIST", meta.addr),
                    );
                }
            }
        }
        list
    }

    /// Follows an `$ATTRIBUTE_LIST` into the extension records it names.
    /// Like TSK, attributes first seen in an extension record get new ids
    /// above every id in the list, so each (type, id) pair is unique in the
    /// file; pieces of a non-resident attribute are merged.
    fn attribute_list(
        &self,
        meta: &mut FileMeta,
        list: &RawAttr,
        at: u64,
        warn: &mut dyn FnMut(u64, String),
    ) {
        let data = match self.list_bytes(list) {
            Ok(d) => d,
            Err(e) => {
                warn(at, format!("MFT entry {}: $ATTRIBUTE_LIST: {e}", meta.addr));
                return;
            }
        };
        let (entries, err) = attr::attribute_list(&data);
        if let Some(e) = err {
            warn(at, format!("MFT entry {}: $ATTRIBUTE_LIST: {e}", meta.addr));
        }
        let mut next_id = list.id;
        let mut map: Vec<MapItem> = Vec::new();
        let mut todo: Vec<u64> = Vec::new();
        for e in &entries {
            next_id = next_id.max(e.id);
            if map.len() < 255
                && !map
                    .iter()
                    .any(|m| m.type_code == e.type_code && m.name == e.name)
            {
                map.push(MapItem {
                    type_code: e.type_code,
                    name: e.name.clone(),
                    record: e.record,
                    new_id: 0,
                });
            }
            if e.record != meta.addr && !todo.contains(&e.record) {
                if todo.len() < MAX_EXTENSIONS {
                    todo.push(e.record);
                } else {
                    warn(
                        at,
                        format!(
                            "MFT entry {}: attribute list names too many records",
                            meta.addr
                        ),
                    );
                    break;
                }
            }
        }
        for m in map.iter_mut() {
            if m.record != meta.addr {
                next_id = next_id.wrapping_add(1);
                m.new_id = next_id;
            }
        }
        for ext in todo {
            if ext == 0 || ext >= self.record_count {
                if meta.in_use {
                    warn(
                        at,
                        format!(
                            "MFT entry {}: attribute list names MFT entry {ext}, outside the MFT",
                            meta.addr
                        ),
                    );
                }
                continue;
            }
            let (rec, ext_at) = match self.read_record(ext) {
                Ok(r) => r,
                Err((o, e)) => {
                    warn(
                        o,
                        format!("MFT entry {} (extension of {}): {e}", ext, meta.addr),
                    );
                    continue;
                }
            };
            let Some(h) = record::header(&rec) else {
                continue;
            };
            if &h.magic != b"FILE" || h.base_ref != meta.addr {
                // a deleted file's extension record may have been reused
                if meta.in_use && h.flags & record::FLAG_IN_USE != 0 {
                    warn(
                        ext_at,
                        format!(
                            "MFT entry {ext} is listed as an extension of {} but belongs to {}",
                            meta.addr, h.base_ref
                        ),
                    );
                }
                continue;
            }
            if (h.attr_off as usize) < 24 || h.attr_off as usize >= rec.len() {
                warn(
                    ext_at,
                    format!("MFT entry {ext}: first attribute offset is invalid"),
                );
                continue;
            }
            let raws = record::attributes(&rec, h.attr_off as usize, &mut |o, w| {
                warn(ext_at + o as u64, format!("MFT entry {ext}: {w}"))
            });
            // a nested attribute list is ignored (TSK does not follow it)
            let _ = self.process_attrs(meta, &rec, raws, Some(&map), ext_at, warn);
        }
    }

    fn parse_inode(&self, inode: &str) -> Option<(u64, Option<u32>, Option<u16>)> {
        let mut parts = inode.split('-');
        let addr = parts.next()?.parse().ok()?;
        let t = match parts.next() {
            Some(t) => Some(t.parse().ok()?),
            None => None,
        };
        let id = match parts.next() {
            Some(i) => Some(i.parse().ok()?),
            None => None,
        };
        if parts.next().is_some() {
            return None;
        }
        Some((addr, t, id))
    }
}

impl FileSystem for NtfsFs {
    fn kind(&self) -> &str {
        "NTFS"
    }

    fn label(&self) -> Option<String> {
        self.label.clone()
    }

    fn list(&self) -> Result<Listing, FsError> {
        crate::list::list(self)
    }

    fn list_each(&self, each: &mut dyn FnMut(exhibit_vfs::Entry)) -> Result<Vec<Warning>, FsError> {
        crate::list::list_each(self, each)
    }

    fn open(&self, inode: &str, stream: Option<&str>) -> Result<exhibit_vfs::FileData, FsError> {
        let (addr, meta, index) = self.find_attr(inode, stream)?;
        let default_data = meta
            .attrs
            .get(index)
            .is_some_and(|a| a.type_code == 0x80 && a.name.is_empty());
        if default_data {
            if let Some(algorithm) = wof_compressed(&meta) {
                // Its default stream is an empty placeholder: hashing or
                // reading it would report zeros as the file's content.
                return Err(FsError::Unsupported(format!(
                    "{inode}: WOF-compressed (Windows `compact`/CompactOS, {algorithm}): the content lies compressed in its WofCompressedData stream, which is not decoded yet"
                )));
            }
        }
        let a = meta
            .attrs
            .get(index)
            .ok_or_else(|| FsError::NotFound(inode.to_string()))?;
        let name = match stream {
            Some(s) => format!("{}:{inode}:{s}", self.volume.name()),
            None => format!("{}:{inode}", self.volume.name()),
        };
        let at = self.record_offset(addr);
        let (source, recovery): (Arc<dyn Source>, Recovery) = match &a.data {
            AttrData::Resident(v) => (Arc::new(MemSource::new(v.clone(), name)), Recovery::Certain),
            AttrData::NonResident {
                extents,
                comp_unit,
                init_size,
            } => {
                if a.flags & record::ATTR_ENCRYPTED != 0 {
                    return Err(FsError::Unsupported(format!(
                        "{inode}: EFS-encrypted content cannot be read without the user's key"
                    )));
                }
                let cs = self.boot.cluster_size;
                let src: Arc<dyn Source> = if *comp_unit != 0 {
                    Arc::new(
                        CompressedSource::new(
                            self.volume.clone(),
                            extents,
                            cs,
                            *comp_unit,
                            a.size,
                            *init_size,
                            name,
                        )
                        .map_err(|e| {
                            corrupt(format!("MFT entry {addr} attribute {}", a.id), at, e)
                        })?,
                    )
                } else {
                    Arc::new(
                        content::runs_source(
                            self.volume.clone(),
                            extents,
                            cs,
                            a.size,
                            *init_size,
                            name,
                        )
                        .map_err(|e| {
                            corrupt(format!("MFT entry {addr} attribute {}", a.id), at, e)
                        })?,
                    )
                };
                (
                    src,
                    if meta.in_use {
                        Recovery::Certain
                    } else {
                        Recovery::Guess
                    },
                )
            }
        };
        Ok(FileData { source, recovery })
    }

    fn encoded(&self, inode: &str) -> Result<Option<&'static str>, FsError> {
        let (_, meta, index) = self.find_attr(inode, None)?;
        Ok(match meta.attrs.get(index).map(|a| &a.data) {
            Some(AttrData::NonResident { comp_unit: 1.., .. }) => Some("LZNT1"),
            _ => None,
        })
    }

    fn extents(&self, inode: &str) -> Result<Option<Vec<Run>>, FsError> {
        let (addr, meta, index) = self.find_attr(inode, None)?;
        let Some(a) = meta.attrs.get(index) else {
            return Ok(None);
        };
        match &a.data {
            // resident values live inside the MFT entry (part of `$MFT`);
            // compressed clusters do not map byte for byte to the content
            AttrData::Resident(_) | AttrData::NonResident { comp_unit: 1.., .. } => Ok(None),
            AttrData::NonResident {
                extents, init_size, ..
            } => {
                let name = format!("{}:{inode}", self.volume.name());
                let src = content::runs_source(
                    self.volume.clone(),
                    extents,
                    self.boot.cluster_size,
                    a.size,
                    *init_size,
                    name,
                )
                .map_err(|e| {
                    corrupt(
                        format!("MFT entry {addr} attribute {}", a.id),
                        self.record_offset(addr),
                        e,
                    )
                })?;
                Ok(Some(src.runs()))
            }
        }
    }
}

impl NtfsFs {
    /// The MFT entry of `inode` and the index of the attribute it (and
    /// `stream`) names: by type and id for a full address `37-128-1`, else
    /// the `$DATA` attribute of that name.
    fn find_attr(
        &self,
        inode: &str,
        stream: Option<&str>,
    ) -> Result<(u64, FileMeta, usize), FsError> {
        let (addr, t, id) = self
            .parse_inode(inode)
            .ok_or_else(|| FsError::NotFound(inode.to_string()))?;
        if addr == self.record_count {
            return Err(FsError::Unsupported(format!(
                "{inode} is the virtual $OrphanFiles directory: it has no content"
            )));
        }
        if addr >= self.record_count {
            return Err(FsError::NotFound(inode.to_string()));
        }
        let meta = self
            .load(addr, &mut |_, _| {})
            .map_err(|(o, e)| corrupt(format!("MFT entry {addr}"), o, e))?;
        let want_name = stream.unwrap_or("");
        let index = meta
            .attrs
            .iter()
            .position(|a| match (t, id) {
                (Some(t), Some(i)) => {
                    a.type_code == t && a.id == i && (stream.is_none() || a.name == want_name)
                }
                (Some(t), None) => a.type_code == t && a.name == want_name,
                _ => a.type_code == record::AT_DATA && a.name == want_name,
            })
            .ok_or_else(|| {
                FsError::NotFound(match stream {
                    Some(s) => format!("{inode}:{s}"),
                    None => inode.to_string(),
                })
            })?;
        Ok((addr, meta, index))
    }
}

/// The compression algorithm of a file Windows' overlay filter (WOF)
/// compressed: a `$REPARSE_POINT` with tag `IO_REPARSE_TAG_WOF` naming the
/// file provider.
fn wof_compressed(meta: &FileMeta) -> Option<&'static str> {
    const REPARSE_POINT: u32 = 0xC0;
    const TAG_WOF: u32 = 0x8000_0017;
    const FILE_PROVIDER: u32 = 2;
    meta.attrs.iter().find_map(|a| {
        let AttrData::Resident(v) = &a.data else {
            return None;
        };
        let u32_at = |at: usize| {
            v.get(at..at + 4)
                .map(|b| u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
        };
        if a.type_code != REPARSE_POINT || u32_at(0)? != TAG_WOF {
            return None;
        }
        // WOF_EXTERNAL_INFO (version, provider), then the file provider's
        // (version, algorithm).
        if u32_at(12)? != FILE_PROVIDER {
            return Some("a provider other than files");
        }
        Some(match u32_at(20)? {
            0 => "XPRESS4K",
            1 => "LZX",
            2 => "XPRESS8K",
            3 => "XPRESS16K",
            _ => "an unknown algorithm",
        })
    })
}
