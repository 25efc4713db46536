//! `exhibit enrich`: leads enriched offline from reference data the examiner supplies.

/// Flags of `exhibit enrich`.
#[derive(clap::Args, Debug)]
pub struct EnrichArgs {}

/// Runs `exhibit enrich`.
pub fn run(_args: &EnrichArgs) -> anyhow::Result<()> {
    anyhow::bail!("not yet implemented")
}
