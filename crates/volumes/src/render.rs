//! `mmls`-compatible text output.

use std::fmt::Write;

use crate::{VolumeKind, VolumeSystem};

/// Renders the volume system in the layout of The Sleuth Kit's `mmls`
/// (default options): the scheme name, offset and unit lines, the column
/// header, then one row per volume with 10-digit zero-padded start, end and
/// length. Warnings are not part of this output. Control characters in
/// descriptions (a GPT name can hold anything) are escaped so that a row
/// stays one line.
pub fn render_mmls(system: &VolumeSystem) -> String {
    let mut out = String::new();
    out.push_str(system.kind.mmls_name());
    out.push('\n');
    out.push_str("Offset Sector: 0\n");
    let _ = writeln!(out, "Units are in {}-byte sectors\n", system.sector_size);
    out.push_str("      Slot      Start        End          Length       Description\n");
    for v in &system.volumes {
        let slot = match (v.kind, v.slot.as_deref()) {
            (VolumeKind::Meta, _) => "Meta",
            (_, None) => "-------",
            (_, Some(slot)) => slot,
        };
        let _ = write!(
            out,
            "{:03}:  {:<10}{:010}   {:010}   {:010}   ",
            v.index,
            slot,
            v.start,
            v.end(),
            v.length
        );
        for c in v.description.chars() {
            if c.is_control() {
                out.extend(c.escape_default());
            } else {
                out.push(c);
            }
        }
        out.push('\n');
    }
    out
}
