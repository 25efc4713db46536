//! `exhibit export`: a case as CASE/UCO JSON-LD or STIX 2.1.

/// Flags of `exhibit export`.
#[derive(clap::Args, Debug)]
pub struct ExportArgs {}

/// Runs `exhibit export`.
pub fn run(_args: &ExportArgs) -> anyhow::Result<()> {
    anyhow::bail!("not yet implemented")
}
