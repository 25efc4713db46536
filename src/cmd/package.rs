//! `exhibit package`: evidence packages with a signed manifest.

/// `exhibit package` subcommands.
#[derive(clap::Subcommand, Debug)]
pub enum PackageCommand {
    /// Not yet implemented.
    Todo,
}

/// Runs an `exhibit package` subcommand.
pub fn run(_cmd: PackageCommand) -> anyhow::Result<()> {
    anyhow::bail!("not yet implemented")
}
