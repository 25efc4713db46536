//! `exhibit darknet`: darknet artefacts in an image or folder.

/// Flags of `exhibit darknet`.
#[derive(clap::Args, Debug)]
pub struct DarknetArgs {}

/// Runs `exhibit darknet`.
pub fn run(_args: &DarknetArgs) -> anyhow::Result<()> {
    anyhow::bail!("not yet implemented")
}
