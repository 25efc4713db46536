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

/// Writes `path` through a temporary sibling and a rename: a reader never
/// sees half a file, and a failed write leaves nothing behind.
pub fn write_atomic<T>(
    path: &std::path::Path,
    fill: impl FnOnce(&mut std::io::BufWriter<std::fs::File>) -> anyhow::Result<T>,
) -> anyhow::Result<T> {
    use anyhow::Context;
    use std::io::Write;
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "output".into());
    let tmp = path.with_file_name(format!(".{name}.partial-{}", std::process::id()));
    let writing = || format!("writing {}", path.display());
    let result = (|| -> anyhow::Result<T> {
        let file = std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&tmp)
            .with_context(|| format!("creating {}", tmp.display()))?;
        let mut w = std::io::BufWriter::new(file);
        // The filler's own error (a damaged case, say) is the message.
        let out = fill(&mut w)?;
        w.flush().with_context(writing)?;
        w.get_ref().sync_all().with_context(writing)?;
        std::fs::rename(&tmp, path).with_context(writing)?;
        Ok(out)
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result
}

/// Where an `--out` file of a case command may go: the absolute path, or an
/// error when it is an evidence file of the case or exists without `force`.
pub fn out_path(
    case: &exhibit_case::Case,
    out: &std::path::Path,
    force: bool,
) -> anyhow::Result<std::path::PathBuf> {
    let out = std::path::absolute(out).unwrap_or_else(|_| out.to_path_buf());
    let is_evidence = case
        .evidence()?
        .iter()
        .any(|r| r.path == out || r.files.iter().any(|(f, _)| *f == out));
    anyhow::ensure!(
        !is_evidence,
        "{}: is an evidence file of this case; choose another --out",
        out.display()
    );
    anyhow::ensure!(
        force || !out.exists(),
        "{}: exists; use --force to replace it",
        out.display()
    );
    Ok(out)
}

/// Writes `bytes` to `path` with [`write_atomic`].
pub fn write_bytes(path: &std::path::Path, bytes: &[u8]) -> anyhow::Result<()> {
    use anyhow::Context;
    use std::io::Write;
    write_atomic(path, |w| {
        w.write_all(bytes)
            .with_context(|| format!("writing {}", path.display()))
    })
}
