use std::path::Path;

use exhibit_evidence::Source;
use serde_json::json;

pub fn run(path: &Path, as_json: bool) -> anyhow::Result<()> {
    let evidence = exhibit_evidence::open(path)?;
    let files: Vec<String> = evidence
        .files()
        .iter()
        .map(|p| p.display().to_string())
        .collect();
    let ewf = evidence.ewf();
    if as_json {
        return crate::output::json(&json!({
            "path": path.display().to_string(),
            "container": evidence.kind().name(),
            "media_bytes": evidence.len(),
            "files": files,
            "stored_hashes": ewf.map(|e| e.stored_hashes()),
            "ewf": ewf.map(|e| e.metadata()),
            "format": evidence.virtual_disk().map(|v| v.format()),
        }));
    }
    println!("{}", path.display());
    println!("  container   {}", evidence.kind().name());
    if let Some(v) = evidence.virtual_disk() {
        println!("  format      {}", v.format());
    }
    println!("  media size  {} bytes", evidence.len());
    for f in &files {
        println!("  file        {f}");
    }
    if let Some(e) = ewf {
        let m = e.metadata();
        println!(
            "  geometry    {} sectors of {} bytes, {} sectors per chunk",
            m.sector_count, m.bytes_per_sector, m.sectors_per_chunk
        );
        let s = e.stored_hashes();
        println!("  stored md5  {}", s.md5.as_deref().unwrap_or("(none)"));
        println!("  stored sha1 {}", s.sha1.as_deref().unwrap_or("(none)"));
        for (k, v) in &m.header {
            println!("  {k:<11} {v}");
        }
        for (first, count) in &m.acquisition_errors {
            println!(
                "  read error  sectors {first}..{} (recorded by the acquiring tool)",
                first + count
            );
        }
    }
    Ok(())
}
