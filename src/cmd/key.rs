use std::path::{Path, PathBuf};

use anyhow::Context;
use exhibit_custody::{fingerprint, generate_key, load_signing_key, load_verifying_key};

use crate::cli::KeyCommand;

/// Where keys live unless `--key`/`--out` says otherwise:
/// `$EXHIBIT_KEY`, else `~/.config/exhibit/examiner.key`.
pub fn default_key_path() -> PathBuf {
    if let Some(p) = std::env::var_os("EXHIBIT_KEY") {
        return PathBuf::from(p);
    }
    let home = std::env::var_os("HOME")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("."));
    home.join(".config/exhibit/examiner.key")
}

/// `KEY.pub` beside a secret key file.
pub fn public_path(secret: &Path) -> PathBuf {
    let mut s = secret.as_os_str().to_owned();
    s.push(".pub");
    PathBuf::from(s)
}

pub fn run(cmd: KeyCommand) -> anyhow::Result<()> {
    match cmd {
        KeyCommand::New { out } => {
            let secret = out.unwrap_or_else(default_key_path);
            if let Some(dir) = secret.parent().filter(|d| !d.as_os_str().is_empty()) {
                std::fs::create_dir_all(dir)
                    .with_context(|| format!("creating {}", dir.display()))?;
            }
            let public = public_path(&secret);
            let key = generate_key(&secret, &public)?;
            println!(
                "secret key  {} (keep it private: it signs custody checkpoints)",
                secret.display()
            );
            println!("public key  {}", public.display());
            println!("fingerprint {}", fingerprint(&key.verifying_key()));
            Ok(())
        }
        KeyCommand::Show { key } => {
            let path = key.unwrap_or_else(default_key_path);
            let vk = match load_signing_key(&path) {
                Ok(sk) => sk.verifying_key(),
                Err(_) => load_verifying_key(&path)?,
            };
            println!("public key  {}", hex::encode(vk.as_bytes()));
            println!("fingerprint {}", fingerprint(&vk));
            Ok(())
        }
    }
}
