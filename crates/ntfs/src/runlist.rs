//! Non-resident attribute runlists ("mapping pairs").
//!
//! Each run starts with a header byte: the low nibble is the size of the
//! length field, the high nibble the size of the offset field. The offset is
//! a *signed* delta from the previous run's first cluster; an offset field of
//! size 0 marks a sparse run (a hole). A zero header ends the list.

/// A contiguous piece of an attribute, in clusters.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Extent {
    /// First virtual cluster (within the attribute).
    pub vcn: u64,
    /// First logical cluster in the volume, `None` for a sparse hole.
    pub lcn: Option<u64>,
    /// Length in clusters (never 0).
    pub len: u64,
}

fn le_unsigned(b: &[u8]) -> u64 {
    b.iter()
        .rev()
        .fold(0u64, |acc, &x| (acc << 8) | u64::from(x))
}

fn le_signed(b: &[u8]) -> i64 {
    let v = le_unsigned(b);
    let bits = 8 * b.len() as u32;
    if bits == 0 || bits >= 64 {
        return v as i64;
    }
    // sign-extend from `bits`
    let shift = 64 - bits;
    ((v << shift) as i64) >> shift
}

/// Decodes a runlist starting at virtual cluster `start_vcn`. Stops at the
/// terminating zero byte or at the end of `data`; anything malformed (field
/// sizes over 8 bytes, a run past the end of the buffer, a zero or absurd
/// length, a negative cluster number) is an error naming the byte offset
/// within the runlist.
pub(crate) fn decode(data: &[u8], start_vcn: u64) -> Result<Vec<Extent>, String> {
    let mut out = Vec::new();
    let mut pos = 0usize;
    let mut vcn = start_vcn;
    let mut lcn: i64 = 0;
    while pos < data.len() {
        let header = data[pos];
        if header == 0 {
            break;
        }
        let len_size = (header & 0x0F) as usize;
        let off_size = (header >> 4) as usize;
        if len_size == 0 || len_size > 8 || off_size > 8 {
            return Err(format!(
                "runlist byte {pos}: bad header {header:#04x} (field sizes {len_size}/{off_size})"
            ));
        }
        let end = pos + 1 + len_size + off_size;
        if end > data.len() {
            return Err(format!("runlist byte {pos}: run runs past the attribute"));
        }
        let len = le_unsigned(&data[pos + 1..pos + 1 + len_size]);
        if len == 0 || len > i64::MAX as u64 {
            return Err(format!("runlist byte {pos}: run length {len} is invalid"));
        }
        let run_lcn = if off_size == 0 {
            None
        } else {
            let delta = le_signed(&data[pos + 1 + len_size..end]);
            lcn = lcn
                .checked_add(delta)
                .ok_or_else(|| format!("runlist byte {pos}: cluster number overflows"))?;
            if lcn < 0 {
                return Err(format!("runlist byte {pos}: negative cluster number {lcn}"));
            }
            Some(lcn as u64)
        };
        out.push(Extent {
            vcn,
            lcn: run_lcn,
            len,
        });
        vcn = vcn
            .checked_add(len)
            .ok_or_else(|| format!("runlist byte {pos}: virtual cluster number overflows"))?;
        pos = end;
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn single_run() {
        // 0x21: 1-byte length, 2-byte offset: 0x18 clusters at 0x5634
        let r = decode(&[0x21, 0x18, 0x34, 0x56, 0x00], 0).unwrap();
        assert_eq!(
            r,
            vec![Extent {
                vcn: 0,
                lcn: Some(0x5634),
                len: 0x18
            }]
        );
    }

    #[test]
    fn negative_delta_and_sparse() {
        let data = [
            0x31, 0x10, 0x00, 0x10, 0x00, // 16 clusters at 0x1000
            0x01, 0x08, // 8 sparse clusters
            0x21, 0x04, 0x00, 0xFF, // 4 clusters at 0x1000 - 0x100 = 0xF00
            0x11, 0x02, 0xF0, // 2 clusters at 0xF00 - 0x10 = 0xEF0
            0x00,
        ];
        let r = decode(&data, 5).unwrap();
        assert_eq!(
            r,
            vec![
                Extent {
                    vcn: 5,
                    lcn: Some(0x1000),
                    len: 16
                },
                Extent {
                    vcn: 21,
                    lcn: None,
                    len: 8
                },
                Extent {
                    vcn: 29,
                    lcn: Some(0xF00),
                    len: 4
                },
                Extent {
                    vcn: 33,
                    lcn: Some(0xEF0),
                    len: 2
                },
            ]
        );
    }

    #[test]
    fn sparse_does_not_move_the_base() {
        // the delta after a hole is relative to the last real run
        let data = [0x11, 0x01, 0x20, 0x01, 0x05, 0x11, 0x01, 0x10, 0x00];
        let r = decode(&data, 0).unwrap();
        assert_eq!(r[2].lcn, Some(0x30));
    }

    #[test]
    fn malformed_runlists_are_errors() {
        assert!(decode(&[0x21, 0x18, 0x34], 0).is_err()); // truncated
        assert!(decode(&[0x11, 0x01, 0x80], 0).is_err()); // negative cluster
        assert!(decode(&[0x10, 0x01], 0).is_err()); // zero-size length field
        assert!(decode(&[0x11, 0x00, 0x01], 0).is_err()); // zero length
        assert!(decode(&[0x9F], 0).is_err()); // field sizes > 8
        assert_eq!(decode(&[], 0).unwrap(), vec![]);
        assert_eq!(decode(&[0x00, 0x11, 0x01, 0x01], 0).unwrap(), vec![]);
    }
}
