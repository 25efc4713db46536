//! `exhibit media`: pictures and videos (not yet implemented).

/// Subcommands of `exhibit media`.
#[derive(clap::Subcommand, Debug)]
pub enum MediaCommand {
    /// Not yet implemented.
    Todo,
}

/// Runs `exhibit media`.
pub fn run(_c: MediaCommand) -> anyhow::Result<()> {
    anyhow::bail!("exhibit media is not implemented yet")
}

/// Flags of `exhibit carve`.
#[derive(clap::Args, Debug)]
pub struct CarveArgs {
    /// Image to carve from.
    pub source: std::path::PathBuf,
}

/// Runs `exhibit carve`.
pub fn carve(_a: &CarveArgs) -> anyhow::Result<()> {
    anyhow::bail!("exhibit carve is not implemented yet")
}
