//! `exhibit serve` and `exhibit user`: the web workbench and its accounts.
//!
//! The server itself is `exhibit-web`; this file only parses flags, reads
//! passwords and manages the users file.

use std::io::{BufRead, Write};
use std::path::PathBuf;

use anyhow::Context;
use exhibit_web::{Role, User, Users};

/// Flags of `exhibit serve`.
#[derive(clap::Args, Debug)]
pub struct ServeArgs {
    /// Case folders to serve
    #[arg(required = true)]
    pub cases: Vec<PathBuf>,
    /// Address to listen on (port 0: any free port; the address is printed)
    #[arg(long, default_value = "127.0.0.1:8080")]
    pub listen: String,
    /// Users file (default: $EXHIBIT_USERS or ~/.config/exhibit/users.json)
    #[arg(long)]
    pub users: Option<PathBuf>,
    /// Mark session cookies Secure (when a TLS proxy serves the workbench over HTTPS)
    #[arg(long)]
    pub secure_cookies: bool,
}

/// Subcommands of `exhibit user`.
#[derive(clap::Subcommand, Debug)]
pub enum UserCommand {
    /// Add a user, or replace the password, role and cases of an existing one
    Add {
        /// Login name (also the examiner name in custody logs)
        name: String,
        /// admin (every case), investigator (read and tag) or reviewer (read only)
        #[arg(long)]
        role: String,
        /// A case the user may see: a case folder or a case number (repeatable)
        #[arg(long = "case", value_name = "CASE")]
        cases: Vec<String>,
        /// Read the password from the first line of standard input instead of prompting
        #[arg(long)]
        password_stdin: bool,
        /// Users file (default: $EXHIBIT_USERS or ~/.config/exhibit/users.json)
        #[arg(long)]
        users: Option<PathBuf>,
    },
    /// List users, roles and cases (never the hashes)
    List {
        /// Users file (default: $EXHIBIT_USERS or ~/.config/exhibit/users.json)
        #[arg(long)]
        users: Option<PathBuf>,
        /// Output JSON
        #[arg(long)]
        json: bool,
    },
    /// Remove a user
    Remove {
        /// Login name
        name: String,
        /// Users file (default: $EXHIBIT_USERS or ~/.config/exhibit/users.json)
        #[arg(long)]
        users: Option<PathBuf>,
    },
}

fn users_path(given: &Option<PathBuf>) -> PathBuf {
    if let Some(p) = given {
        return p.clone();
    }
    if let Some(p) = std::env::var_os("EXHIBIT_USERS") {
        return PathBuf::from(p);
    }
    let home = std::env::var_os("HOME")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("."));
    home.join(".config/exhibit/users.json")
}

/// Runs `exhibit serve`.
pub fn run(a: &ServeArgs) -> anyhow::Result<()> {
    let users = users_path(&a.users);
    if Users::load(&users)?.users.is_empty() {
        eprintln!(
            "warning: no users in {}: add one with `exhibit user add NAME --role admin --users {}`",
            users.display(),
            users.display()
        );
    }
    let opts = exhibit_web::ServeOptions {
        cases: a.cases.clone(),
        users,
        secure_cookies: a.secure_cookies,
    };
    exhibit_web::serve(&opts, &a.listen, |addr| {
        println!("listening on http://{addr}/");
        let _ = std::io::stdout().flush();
    })?;
    Ok(())
}

fn read_password(from_stdin: bool) -> anyhow::Result<String> {
    let mut line = String::new();
    if !from_stdin {
        // No terminal echo control without another dependency: say so.
        eprint!("password (typed text is visible; prefer --password-stdin): ");
        let _ = std::io::stderr().flush();
    }
    std::io::stdin().lock().read_line(&mut line)?;
    let pw = line.trim_end_matches(['\r', '\n']).to_string();
    anyhow::ensure!(
        pw.chars().count() >= 8,
        "the password must have at least 8 characters"
    );
    Ok(pw)
}

/// Runs `exhibit user`.
pub fn user(c: UserCommand) -> anyhow::Result<()> {
    match c {
        UserCommand::Add {
            name,
            role,
            cases,
            password_stdin,
            users,
        } => {
            let path = users_path(&users);
            let role = Role::parse(&role)
                .with_context(|| format!("--role {role}: admin, investigator or reviewer"))?;
            anyhow::ensure!(
                !name.is_empty()
                    && name
                        .chars()
                        .all(|c| c.is_alphanumeric() || matches!(c, '.' | '-' | '_' | '@')),
                "user names are letters, digits and . - _ @"
            );
            let mut numbers = Vec::new();
            for c in cases {
                let dir = PathBuf::from(&c);
                if dir.join("case.json").is_file() {
                    numbers.push(exhibit_case::Case::open(&dir)?.info().number.clone());
                } else {
                    numbers.push(c);
                }
            }
            numbers.sort();
            numbers.dedup();
            let password = read_password(password_stdin)?;
            let mut all = Users::load(&path)?;
            all.upsert(User {
                name: name.clone(),
                role,
                cases: numbers,
                hash: exhibit_web::hash_password(&password)?,
            });
            all.save(&path)?;
            eprintln!("user {name} ({}) saved in {}", role.name(), path.display());
            Ok(())
        }
        UserCommand::List { users, json } => {
            let all = Users::load(&users_path(&users))?;
            if json {
                let v: Vec<serde_json::Value> = all
                    .users
                    .iter()
                    .map(|u| serde_json::json!({"name": u.name, "role": u.role.name(), "cases": u.cases}))
                    .collect();
                return crate::output::json(&v);
            }
            for u in &all.users {
                let cases = if u.role == Role::Admin {
                    "(all cases)".to_string()
                } else {
                    u.cases.join(" ")
                };
                println!("{}\t{}\t{}", u.name, u.role.name(), cases);
            }
            Ok(())
        }
        UserCommand::Remove { name, users } => {
            let path = users_path(&users);
            let mut all = Users::load(&path)?;
            let before = all.users.len();
            all.users.retain(|u| u.name != name);
            anyhow::ensure!(all.users.len() < before, "no user {name}");
            all.save(&path)?;
            eprintln!("user {name} removed");
            Ok(())
        }
    }
}
