//! Small output helpers shared by the commands.

use serde::Serialize;

/// Prints a value as pretty JSON on stdout.
pub fn json<T: Serialize>(value: &T) -> anyhow::Result<()> {
    println!("{}", serde_json::to_string_pretty(value)?);
    Ok(())
}

/// The outcome of writing a listing to stdout: a reader that went away
/// (`| head`) is not an error.
pub fn ended(result: std::io::Result<()>) -> anyhow::Result<()> {
    match result {
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        other => Ok(other?),
    }
}

/// The examiner for an action: the flag, else the case's lead examiner.
pub fn examiner(flag: &Option<String>, case: Option<&exhibit_case::Case>) -> String {
    flag.clone()
        .or_else(|| case.map(|c| c.info().examiner.clone()))
        .unwrap_or_else(|| std::env::var("USER").unwrap_or_else(|_| "unknown".into()))
}
