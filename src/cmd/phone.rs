//! `exhibit phone`: phone extractions (not yet implemented).

/// Subcommands of `exhibit phone`.
#[derive(clap::Subcommand, Debug)]
pub enum PhoneCommand {
    /// Not yet implemented.
    Todo,
}

/// Runs `exhibit phone`.
pub fn run(_c: PhoneCommand) -> anyhow::Result<()> {
    anyhow::bail!("exhibit phone is not implemented yet")
}
