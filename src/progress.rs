//! Progress bars on a terminal; nothing when output is redirected.

use indicatif::{ProgressBar, ProgressStyle};

/// A byte-count progress bar, hidden when `quiet` or stderr is not a terminal.
pub fn bytes(total: u64, label: &str, quiet: bool) -> ProgressBar {
    if quiet {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::new(total);
    if let Ok(style) = ProgressStyle::with_template(
        "{msg} [{bar:30}] {bytes}/{total_bytes} {bytes_per_sec} eta {eta}",
    ) {
        bar.set_style(style.progress_chars("=> "));
    }
    bar.set_message(label.to_string());
    bar
}
