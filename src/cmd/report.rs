//! `exhibit report` and `exhibit tag`: the court report and what goes in it.

/// Flags of `exhibit report`.
#[derive(clap::Args, Debug)]
pub struct ReportArgs {}

/// Flags of `exhibit tag`.
#[derive(clap::Args, Debug)]
pub struct TagArgs {}

/// Runs `exhibit report`.
pub fn run(_args: &ReportArgs) -> anyhow::Result<()> {
    anyhow::bail!("not yet implemented")
}

/// Runs `exhibit tag`.
pub fn tag(_args: &TagArgs) -> anyhow::Result<()> {
    anyhow::bail!("not yet implemented")
}
