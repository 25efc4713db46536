//! `exhibit request`: legal requests drafted from the case.

/// `exhibit request` subcommands.
#[derive(clap::Subcommand, Debug)]
pub enum RequestCommand {
    /// Not yet implemented.
    Todo,
}

/// Runs an `exhibit request` subcommand.
pub fn run(_cmd: RequestCommand) -> anyhow::Result<()> {
    anyhow::bail!("not yet implemented")
}
