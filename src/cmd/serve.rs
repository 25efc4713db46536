//! `exhibit serve` and `exhibit user`: the web workbench (not yet implemented).

/// Flags of `exhibit serve`.
#[derive(clap::Args, Debug)]
pub struct ServeArgs {
    /// Case folders to serve.
    pub cases: Vec<std::path::PathBuf>,
}

/// Runs `exhibit serve`.
pub fn run(_a: &ServeArgs) -> anyhow::Result<()> {
    anyhow::bail!("exhibit serve is not implemented yet")
}

/// Subcommands of `exhibit user`.
#[derive(clap::Subcommand, Debug)]
pub enum UserCommand {
    /// Not yet implemented.
    Todo,
}

/// Runs `exhibit user`.
pub fn user(_c: UserCommand) -> anyhow::Result<()> {
    anyhow::bail!("exhibit user is not implemented yet")
}
