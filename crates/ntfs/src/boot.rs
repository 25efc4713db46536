//! The NTFS boot sector (`$Boot`, first sector of the volume).

/// Layout read from the boot sector, every value checked for sanity.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Boot {
    /// Bytes per sector (256–4096, a power of two).
    pub sector_size: u32,
    /// Bytes per cluster (a power of two, at most 2 MiB).
    pub cluster_size: u64,
    /// Sectors in the volume as recorded (the backup boot sector excluded).
    pub total_sectors: u64,
    /// First cluster of `$MFT`.
    pub mft_lcn: u64,
    /// First cluster of `$MFTMirr`.
    pub mftmirr_lcn: u64,
    /// Bytes per MFT record (a power of two, 256 B–64 KiB).
    pub record_size: u32,
    /// Bytes per index record (a power of two, 256 B–64 KiB).
    pub index_record_size: u32,
    /// Volume serial number.
    pub serial: u64,
}

fn u16le(b: &[u8], o: usize) -> u16 {
    u16::from_le_bytes([b[o], b[o + 1]])
}

fn u64le(b: &[u8], o: usize) -> u64 {
    let mut a = [0u8; 8];
    a.copy_from_slice(&b[o..o + 8]);
    u64::from_le_bytes(a)
}

/// Decodes the "clusters per record" byte: positive values count clusters,
/// negative ones give the size as a power of two (`-10` → 1024 bytes).
fn record_bytes(raw: u8, cluster_size: u64) -> Option<u32> {
    let v = raw as i8;
    let bytes = if v > 0 {
        cluster_size.checked_mul(v as u64)?
    } else {
        let shift = v.unsigned_abs() as u32;
        if shift >= 32 {
            return None;
        }
        1u64 << shift
    };
    if !(256..=65536).contains(&bytes) || !bytes.is_power_of_two() {
        return None;
    }
    Some(bytes as u32)
}

/// Parses and checks the first 512 bytes of a volume.
pub(crate) fn parse(b: &[u8; 512]) -> Result<Boot, String> {
    if &b[3..11] != b"NTFS    " {
        return Err("no \"NTFS    \" OEM id at offset 3".into());
    }
    let sector_size = u16le(b, 11) as u32;
    if !(256..=4096).contains(&sector_size) || !sector_size.is_power_of_two() {
        return Err(format!("bytes per sector {sector_size} is not 256–4096"));
    }
    let spc_raw = b[13];
    // Values above 0x80 encode 2^(256 − value) sectors (large clusters).
    let spc: u64 = if spc_raw == 0 {
        return Err("sectors per cluster is 0".into());
    } else if spc_raw <= 0x80 {
        if !spc_raw.is_power_of_two() {
            return Err(format!(
                "sectors per cluster {spc_raw} is not a power of two"
            ));
        }
        spc_raw as u64
    } else {
        let shift = 256 - spc_raw as u32;
        if shift > 20 {
            return Err(format!("sectors per cluster 2^{shift} is absurd"));
        }
        1u64 << shift
    };
    let cluster_size = spc * sector_size as u64;
    if cluster_size > 2 * 1024 * 1024 {
        return Err(format!("cluster size {cluster_size} is larger than 2 MiB"));
    }
    let total_sectors = u64le(b, 40);
    let mft_lcn = u64le(b, 48);
    let mftmirr_lcn = u64le(b, 56);
    let record_size = record_bytes(b[64], cluster_size)
        .ok_or_else(|| format!("MFT record size code {:#04x} is invalid", b[64]))?;
    let index_record_size = record_bytes(b[68], cluster_size)
        .ok_or_else(|| format!("index record size code {:#04x} is invalid", b[68]))?;
    if total_sectors == 0 {
        return Err("volume has 0 sectors".into());
    }
    Ok(Boot {
        sector_size,
        cluster_size,
        total_sectors,
        mft_lcn,
        mftmirr_lcn,
        record_size,
        index_record_size,
        serial: u64le(b, 72),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> [u8; 512] {
        let mut b = [0u8; 512];
        b[0..3].copy_from_slice(&[0xEB, 0x52, 0x90]);
        b[3..11].copy_from_slice(b"NTFS    ");
        b[11..13].copy_from_slice(&512u16.to_le_bytes());
        b[13] = 8;
        b[40..48].copy_from_slice(&20000u64.to_le_bytes());
        b[48..56].copy_from_slice(&4u64.to_le_bytes());
        b[56..64].copy_from_slice(&2u64.to_le_bytes());
        b[64] = 0xF6; // -10: 1024-byte records
        b[68] = 1; // one cluster: 4096-byte index records
        b
    }

    #[test]
    fn parses_negative_and_positive_record_sizes() {
        let boot = parse(&sample()).unwrap();
        assert_eq!(boot.cluster_size, 4096);
        assert_eq!(boot.record_size, 1024);
        assert_eq!(boot.index_record_size, 4096);
        assert_eq!(boot.mft_lcn, 4);
    }

    #[test]
    fn rejects_nonsense() {
        let mut b = sample();
        b[13] = 3;
        assert!(parse(&b).is_err());
        let mut b = sample();
        b[64] = 0x7F; // 127 clusters per record: too big
        assert!(parse(&b).is_err());
        let mut b = sample();
        b[64] = 0x80; // -128
        assert!(parse(&b).is_err());
        let mut b = sample();
        b[3] = b'X';
        assert!(parse(&b).is_err());
        let mut b = sample();
        b[13] = 0xF4; // 2^12 sectors: 2 MiB clusters, allowed
        b[68] = 0xF4; // -12: 4096-byte index records
        assert_eq!(parse(&b).unwrap().cluster_size, 2 * 1024 * 1024);
    }
}
