//! `exhibit windows`: Windows artefacts (not yet implemented).

/// Subcommands of `exhibit windows`.
#[derive(clap::Subcommand, Debug)]
pub enum WindowsCommand {
    /// Not yet implemented.
    Todo,
}

/// Runs `exhibit windows`.
pub fn run(_c: WindowsCommand) -> anyhow::Result<()> {
    anyhow::bail!("exhibit windows is not implemented yet")
}
